"""Domain modules use one another only through the other module's public service API."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_ROOTS = ("tenants", "billing")
PUBLIC_MODULES = {"service"}


def domain_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[0] == "saypro" and parts[1] in DOMAIN_ROOTS:
        return ".".join(parts[:3])
    return None


def violations(source: str, own_domain: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            other = domain_of(name)
            if other is None or other == own_domain:
                continue
            rest = name.removeprefix(other).strip(".").split(".")
            if rest == [""] and isinstance(node, ast.ImportFrom):
                continue  # "from saypro.tenants.x import service" is checked through its full name
            if rest[0] not in PUBLIC_MODULES:
                found.append(f"{own_domain} imports {name}")
    return found


def test_domains_only_use_each_others_service_modules() -> None:
    problems = []
    for root in DOMAIN_ROOTS:
        for path in (ROOT / root).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            own = domain_of("saypro." + ".".join(relative.parts))
            assert own is not None
            problems += [f"{relative}: {p}" for p in violations(path.read_text(), own)]
    assert problems == []


def test_the_rule_catches_a_reach_into_another_domains_models() -> None:
    bad = "from saypro.tenants.strategy.models import Objective\nimport saypro.billing.invoices.repository\n"
    good = "from saypro.tenants.strategy import service\nfrom saypro.tenants.strategy.service import get_objective\n"
    assert violations(bad, "saypro.tenants.kpis") == [
        "saypro.tenants.kpis imports saypro.tenants.strategy.models",
        "saypro.tenants.kpis imports saypro.tenants.strategy.models.Objective",
        "saypro.tenants.kpis imports saypro.billing.invoices.repository",
    ]
    assert violations(good, "saypro.tenants.kpis") == []
    assert violations(bad, "saypro.tenants.strategy")[-1].endswith(
        "saypro.billing.invoices.repository"
    )
