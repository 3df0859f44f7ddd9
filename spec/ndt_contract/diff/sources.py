"""Where `ndt-customer diff` reads a contract version from: a folder, a root file, or git.

A git version is `REF[:PATH]` (`main:spec`, `HEAD~1`, `origin/main:spec/openapi.yaml`); PATH
defaults to `spec`. Its files are taken with `git archive` into a temporary folder, so the
working tree is never touched, and resolved there like any folder.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ndt_contract.loader import ContractError, load_contract

DEFAULT_GIT_PATH = "spec"


class SourceError(Exception):
    """The argument is neither a file, a folder nor a git version (a usage error: exit 2)."""


@dataclass(frozen=True)
class ContractVersion:
    label: str
    document: dict[str, Any]


def load_version(spec: str, cwd: Path | None = None) -> ContractVersion:
    """The resolved document that `spec` names; a path that exists wins over a git ref."""
    cwd = cwd or Path.cwd()
    path = cwd / spec
    if path.is_dir():
        return ContractVersion(spec, _resolve(path / "openapi.yaml", spec))
    if path.is_file():
        return ContractVersion(spec, _resolve(path, spec))
    return ContractVersion(spec, _from_git(spec, cwd))


def _resolve(file: Path, label: str) -> dict[str, Any]:
    if not file.is_file():
        raise SourceError(f"{label}: no openapi.yaml in that folder")
    return load_contract(file).to_dict()  # the loader's own bundle-and-resolve: prance's 8x


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise SourceError(
            "git is not installed, so only folders and files can be compared"
        ) from None


def _from_git(spec: str, cwd: Path) -> dict[str, Any]:
    ref, _, inner = spec.partition(":")
    inner = inner.strip("/") or DEFAULT_GIT_PATH
    kind = _git(cwd, "cat-file", "-t", f"{ref}:{inner}")
    if kind.returncode != 0:
        why = kind.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(
            f"{spec}: not a file, a folder, or a git REF[:PATH] here"
            + (f" (git: {why[-1]})" if why else "")
        )
    if kind.stdout.strip() == b"blob":
        folder, _, name = inner.rpartition("/")
    else:
        folder, name = inner, "openapi.yaml"
    tree = f"{ref}:{folder}" if folder else ref
    archive = _git(cwd, "archive", "--format=tar", tree)
    if archive.returncode != 0:
        raise SourceError(f"{spec}: git archive failed: {archive.stderr.decode(errors='replace')}")
    with tempfile.TemporaryDirectory(prefix="ndt-diff-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        try:
            return _resolve(Path(tmp) / name, spec)
        except ContractError as exc:  # name the version, not the temporary folder
            raise ContractError(str(exc).replace(tmp, spec)) from None
