"""ARCHITECTURE.md's import rules, checked on every module's imports (read with `ast`, imports
inside functions included, since a deferred import is still a dependency)."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The project packages each package may import (besides itself). No one may import ndt_cli, and
# the validation proxy (when it exists) judges with conformance, never with the mock.
ALLOWED: dict[str, frozenset[str]] = {
    "ndt_contract": frozenset(),
    "ndt_fixtures": frozenset({"ndt_contract"}),
    "mock_server": frozenset({"ndt_contract", "ndt_fixtures"}),
    "conformance": frozenset({"ndt_contract"}),
    "validation_proxy": frozenset({"ndt_contract", "ndt_fixtures", "conformance"}),
    "ndt_cli": frozenset(
        {"ndt_contract", "ndt_fixtures", "mock_server", "conformance", "validation_proxy"}
    ),
}


def package_folders() -> dict[str, Path]:
    """Our packages as the wheel ships them (pyproject.toml), by import name."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    return {Path(folder).name: ROOT / folder for folder in folders}


def modules(folders: Mapping[str, Path]) -> dict[str, Path]:
    found = {}
    for package, folder in folders.items():
        for file in folder.rglob("*.py"):
            parts = [package, *file.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = file
    return found


def imported_names(module: str, source: str, is_package: bool = False) -> Iterator[str]:
    """Every name `module` imports: `a.b` for `import a.b`, `a` and `a.x` for `from a import x`,
    relative imports resolved."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: None if is_package else -1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def import_graph(found: Mapping[str, Path]) -> dict[str, set[str]]:
    """module -> the project modules it imports."""
    graph: dict[str, set[str]] = {}
    for module, file in found.items():
        names = imported_names(module, file.read_text(encoding="utf-8"), file.name == "__init__.py")
        graph[module] = {name for name in names if name in found and name != module}
    return graph


def violations(graph: Mapping[str, set[str]], allowed: Mapping[str, frozenset[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        package = module.split(".")[0]
        for target in sorted(targets):
            other = target.split(".")[0]
            if other != package and other not in allowed.get(package, frozenset()):
                wrong.append(f"{module} imports {target}")
    return wrong


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import circles: each a path that comes back to where it starts."""
    found, done = [], set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            found.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return found


def rule_lines() -> list[str]:
    """The rules as ARCHITECTURE.md states them, one line each."""
    lines = []
    for package, others in ALLOWED.items():
        named = ", ".join(f"`{other}`" for other in sorted(others)) or "no other package"
        lines.append(f"- `{package}` imports {named}")
    return lines


GRAPH = import_graph(modules(package_folders()))


def test_every_package_has_a_rule():
    assert set(package_folders()) <= set(ALLOWED)


def test_each_package_imports_only_what_its_rule_allows():
    assert violations(GRAPH, ALLOWED) == []


def test_there_is_no_import_circle():
    assert cycles(GRAPH) == []


def test_the_mock_cli_and_reload_both_build_through_boot():
    assert "mock_server.boot" in GRAPH["mock_server.cli"]
    assert "mock_server.boot" in GRAPH["mock_server.reload"]
    assert "mock_server.cli" not in GRAPH["mock_server.reload"]


def test_architecture_md_states_the_rules_the_test_checks():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for line in rule_lines():
        assert line in text.splitlines(), line


# The checker itself, on small graphs: each rule can fail.


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("conformance.engine", "mock_server.app"),
        ("conformance.engine", "ndt_fixtures.generator"),
        ("ndt_fixtures.generator", "mock_server.store"),
        ("ndt_contract.loader", "ndt_fixtures.generator"),
        ("mock_server.cli", "ndt_cli.main"),
        ("validation_proxy.forward", "mock_server.app"),
    ],
)
def test_a_forbidden_import_is_named(importer, imported):
    graph = {importer: {imported}, imported: set()}
    assert violations(graph, ALLOWED) == [f"{importer} imports {imported}"]


def test_an_allowed_import_passes():
    graph = {"mock_server.app": {"ndt_contract.loader", "mock_server.pipeline"}}
    assert violations(graph, ALLOWED) == []


def test_a_circle_is_found_through_a_deferred_import():
    source = "def f():\n    from mock_server.cli import app_from_env\n"
    names = set(imported_names("mock_server.reload", source))
    assert "mock_server.cli" in names and "mock_server.cli.app_from_env" in names
    graph = {"mock_server.cli": {"mock_server.reload"}, "mock_server.reload": {"mock_server.cli"}}
    assert cycles(graph) == [["mock_server.cli", "mock_server.reload", "mock_server.cli"]]


def test_relative_imports_are_resolved():
    assert set(imported_names("pkg.sub.mod", "from . import x\nfrom ..y import z\n")) == {
        "pkg.sub",
        "pkg.sub.x",
        "pkg.y",
        "pkg.y.z",
    }
    assert "pkg.sub.x" in set(imported_names("pkg.sub", "from . import x\n", is_package=True))
