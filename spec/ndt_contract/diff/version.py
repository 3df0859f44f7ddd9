"""Did `info.version` move as far as the changes need (major, minor or patch)?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ndt_contract.diff.rules import SEVERITY_ORDER, Change, Severity


@dataclass(frozen=True)
class VersionCheck:
    base: str
    head: str
    required: Severity | None  # the bump the changes need; None when nothing changed
    ok: bool
    message: str

    @property
    def breaking_unannounced(self) -> bool:
        return self.required == "breaking" and not self.ok


_VERSION = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse_version(text: Any) -> tuple[int, int, int] | None:
    match = _VERSION.fullmatch(str(text).strip()) if text is not None else None
    if not match:
        return None
    major, minor, patch = (int(part or 0) for part in match.groups())
    return major, minor, patch


def check_version(base: Any, head: Any, changes: list[Change] | tuple[Change, ...]) -> VersionCheck:
    """Did `info.version` move as far as the changes need (major, minor or patch)?"""
    required = min((c.severity for c in changes), key=SEVERITY_ORDER.__getitem__, default=None)
    old, new = parse_version(base), parse_version(head)
    shown = f"{base} -> {head}"
    if required is None:
        return VersionCheck(
            str(base), str(head), None, True, f"{shown}: no changes, no bump needed"
        )
    if old is None or new is None:
        return VersionCheck(
            str(base), str(head), required, False, f"{shown}: not a MAJOR[.MINOR[.PATCH]] version"
        )
    moved = {
        "breaking": new[0] > old[0],
        "minor": new[:2] > old[:2],
        "patch": new > old,
    }[required]
    needs = {
        "breaking": f"{old[0] + 1}.0.0",
        "minor": f"{old[0]}.{old[1] + 1}.0",
        "patch": f"{old[0]}.{old[1]}.{old[2] + 1}",
    }[required]
    bump = {"breaking": "major", "minor": "minor", "patch": "patch"}[required]
    if moved:
        return VersionCheck(
            str(base), str(head), required, True, f"{shown}: {bump} bump, as needed"
        )
    return VersionCheck(
        str(base),
        str(head),
        required,
        False,
        f"{shown}: {required} changes need a {bump} bump (at least {needs})",
    )
