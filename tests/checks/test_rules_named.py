"""No check states a level: every violation names rules the contract states, and the level of
its finding is computed from them (replacing spec/ or waiving a source moves it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from ndt_contract import load_contract
from ndt_contract.behaviours import behaviours

import conformance.checks as checks_package

CHECKS = Path(checks_package.__file__).parent
LEVELS = {"known", "standard", "decision", "requested"}


def _modules() -> list[Path]:
    return sorted(CHECKS.glob("*.py"))


@pytest.mark.parametrize("module", _modules(), ids=lambda p: p.name)
def test_no_check_module_writes_a_level(module: Path):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    literals = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in LEVELS
    ]
    assert literals == [], f"{module.name} writes levels: {literals}"


def _named_rules() -> set[str]:
    """Every string a check passes as a rule to `violation(...)` or `Violation(rules=...)`."""
    named: set[str] = set()
    for module in [*_modules(), CHECKS.parent / "probes.py"]:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "violation":
                named |= {a.value for a in node.args[3:] if isinstance(a, ast.Constant)}
            if name == "_documented":
                named |= {a.value for a in node.args[3:] if isinstance(a, ast.Constant)}
            for keyword in node.keywords:
                if keyword.arg == "rules" and isinstance(keyword.value, ast.Tuple):
                    named |= {e.value for e in keyword.value.elts if isinstance(e, ast.Constant)}
    return {n for n in named if isinstance(n, str)}


def test_every_rule_a_check_names_is_a_rule_of_the_contract():
    named = _named_rules()
    stated = set(behaviours(load_contract().document))
    assert len(named) >= 20
    assert named - stated == set()


def test_a_violation_must_name_a_rule():
    from conformance.checks.base import violation
    from conformance.exchange import Exchange

    with pytest.raises(ValueError):
        violation(Exchange("GetCustomer", "get", "/customers/{customerId}", 200), "t", "m")
