"""`lint` reads the spec's own `$ref` graph, not every YAML that happens to sit in its folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ndt_contract.lint.rules import _load_files, lint
from ndt_contract.loader import spec_root


def copy_spec(target: Path) -> Path:
    """The spec's YAML files copied under `target`; returns the copy's openapi.yaml."""
    root = spec_root()
    for path in root.rglob("*.yaml"):
        if "ndt_contract" in path.parts:
            continue
        dest = target / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest)
    return target / "openapi.yaml"


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    return copy_spec(tmp_path / "spec")


BROKEN_YAML = "key: [unclosed\n  other: {\n"


def test_a_broken_yaml_in_a_virtualenv_beside_the_spec_is_not_read(spec_copy: Path):
    site = spec_copy.parent / ".venv/lib/python3.11/site-packages/somepkg"
    site.mkdir(parents=True)
    (site / "broken.yaml").write_text(BROKEN_YAML)
    (spec_copy.parent / "scratch.yaml").write_text(BROKEN_YAML)

    assert lint(spec_copy) == []


def test_only_files_reached_by_refs_are_loaded(spec_copy: Path):
    (spec_copy.parent / "unused.yaml").write_text("Thing: {type: string}\n")
    loaded, problems = _load_files(spec_copy.resolve())
    names = {path.relative_to(spec_copy.parent.resolve()).as_posix() for path in loaded}
    assert problems == []
    assert "unused.yaml" not in names
    assert {"openapi.yaml", "paths/customers.yaml", "components/schemas.yaml"} <= names


def test_a_broken_yaml_that_the_spec_references_is_still_reported(spec_copy: Path):
    (spec_copy.parent / "paths/customers.yaml").write_text(BROKEN_YAML)
    (problem,) = lint(spec_copy)
    assert problem.file == "spec/paths/customers.yaml"
    assert "YAML syntax error at line" in problem.message


def test_a_ref_to_a_missing_file_is_reported_not_followed(spec_copy: Path):
    text = spec_copy.read_text().replace("paths/customers.yaml", "paths/nowhere.yaml", 1)
    spec_copy.write_text(text)
    (problem,) = lint(spec_copy)
    assert "no file 'paths/nowhere.yaml'" in problem.message
