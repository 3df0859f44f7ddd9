"""The proxy's import rules (ARCHITECTURE.md): it imports conformance and ndt_fixtures, never
the mock or the dispatcher; only `judging` touches conformance's judge and checks, and the run's
one recorder is held by `judging` (which grades with it) and `ledger` (which merges in it)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "validation_proxy"
INTERNALS = ("conformance.judge", "conformance.checks", "conformance.exchange")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_proxy_never_imports_the_mock_or_the_dispatcher():
    for path in PACKAGE.rglob("*.py"):
        roots = {name.split(".")[0] for name in imports(path)}
        assert not roots & {"mock_server", "ndt_cli"}, path


def test_only_judging_touches_the_conformance_grading_internals():
    users = sorted(
        path.name
        for path in PACKAGE.rglob("*.py")
        if any(name.startswith(INTERNALS) for name in imports(path))
    )
    assert users == ["judging.py"]


def test_the_recorder_is_held_by_the_judge_and_the_ledger_only():
    users = sorted(
        path.name
        for path in PACKAGE.rglob("*.py")
        if any(name.startswith("conformance.recorder") for name in imports(path))
    )
    assert users == ["judging.py", "ledger.py"]
