"""Modules are loaded in name order, each after the modules it depends on."""

from __future__ import annotations

import pytest

from saypro.platform.modules import Module, dependency_order, load_modules


def names(modules: tuple[Module, ...]) -> list[str]:
    return [m.name for m in modules]


def test_a_module_comes_after_its_dependencies_and_the_rest_keep_name_order() -> None:
    modules = [
        Module(name="alpha", depends_on=("zulu",)),
        Module(name="bravo"),
        Module(name="zulu", depends_on=("mike",)),
        Module(name="mike"),
    ]
    assert names(dependency_order(modules)) == ["mike", "zulu", "alpha", "bravo"]


def test_a_missing_dependency_is_named() -> None:
    with pytest.raises(ValueError, match="'alpha' depends on 'ghost', which is not installed"):
        dependency_order([Module(name="alpha", depends_on=("ghost",))])


def test_a_cycle_is_refused_with_its_path() -> None:
    modules = [Module(name="a", depends_on=("b",)), Module(name="b", depends_on=("a",))]
    with pytest.raises(ValueError, match="a → b → a"):
        dependency_order(modules)


def test_installed_modules_seed_strategy_before_kpis_before_frameworks() -> None:
    order = names(load_modules())
    assert order.index("strategy") < order.index("kpis") < order.index("frameworks")
