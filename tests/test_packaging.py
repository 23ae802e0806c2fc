"""Installable layout: the stdlib ``platform`` module stays intact, and a built wheel
carries every subpackage, template, static file and migration."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[1]
ROOTS = ("platform", "tenants", "billing", "migrations")


def expected_packages() -> list[str]:
    packages = []
    for root in ROOTS:
        for sub in find_namespace_packages(str(ROOT / root), exclude=["*.__pycache__"]):
            if any((ROOT / root / sub.replace(".", "/")).glob("*.py")):
                packages.append(f"saypro.{root}.{sub}")
    return packages


def test_stdlib_platform_module_is_intact() -> None:
    assert platform.system() == os.uname().sysname
    assert Path(platform.__file__).name == "platform.py"


def test_no_init_at_the_roots_that_map_to_saypro() -> None:
    for root in ("platform", "tenants", "billing"):
        assert not (ROOT / root / "__init__.py").exists(), root


def test_python_dash_m_pytest_from_the_repo_root_keeps_stdlib_platform() -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform, saypro.platform.settings; print(platform.system())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == os.uname().sysname
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_stdlib_platform_module_is_intact",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


@pytest.mark.slow
def test_wheel_installs_in_a_clean_environment(tmp_path: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is installed by the README's test command"
    dist = tmp_path / "dist"
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(dist), str(ROOT)], check=True, capture_output=True
    )
    wheel = next(dist.glob("saypro-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run(
        [uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "--python", str(python), str(wheel)], check=True, capture_output=True
    )
    packages = expected_packages()
    assert "saypro.tenants.strategy" in packages and "saypro.migrations.versions" in packages
    script = f"""
import importlib, platform, sys
from importlib.resources import files
for name in {packages!r}:
    importlib.import_module(name)
assert platform.system() == {os.uname().sysname!r}
web = files("saypro.platform.web")
for item in ["templates/base.html", "templates/error.html", "static/css/app.css", "static/js/app.js",
             "static/vendor/htmx.min.js"]:
    assert (web / item).is_file(), item
assert (files("saypro.tenants.strategy") / "templates/strategy/list.html").is_file()
assert (files("saypro.migrations") / "env.py").is_file()
assert (files("saypro.migrations") / "script.py.mako").is_file()
assert (files("saypro.migrations.versions") / "0001_platform.py").is_file()
import saypro.platform.cli.main
print("ok", sys.prefix)
"""
    result = subprocess.run(
        [str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok") and str(venv) in result.stdout
