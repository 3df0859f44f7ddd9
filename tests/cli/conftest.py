"""Fixtures for the command-line tests: a writable copy of the spec."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
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
