"""Resolve spec/ into one frozen Contract.

This is the only module that knows where the spec lives: in a source checkout it is the folder
around this package; in an installed wheel it is shipped as `ndt_contract/_spec`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ndt_contract.bundle import BundleError, bundle, locate, resolve_internal
from ndt_contract.evidence import SOURCES, enforced_profile

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class ContractError(Exception):
    """The spec could not be read or resolved; the message names the file."""


def spec_root() -> Path:
    """The folder holding openapi.yaml."""
    here = Path(__file__).resolve().parent
    installed = here / "_spec"
    return installed if (installed / "openapi.yaml").is_file() else here.parent


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    definition: Mapping[str, Any]

    @property
    def documented_statuses(self) -> frozenset[int]:
        return frozenset(
            int(code) for code in self.definition.get("responses", {}) if code.isdigit()
        )

    def response(self, status: int) -> Mapping[str, Any] | None:
        responses: Mapping[str, Any] = self.definition.get("responses", {})
        return responses.get(str(status))

    def request_schema(self) -> Mapping[str, Any] | None:
        content = self.definition.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        return media.get("schema") if media else None

    def response_examples(self, status: int) -> dict[str, Any]:
        """Named examples of one response, across its media types."""
        found: dict[str, Any] = {}
        for media in (self.response(status) or {}).get("content", {}).values():
            for name, example in media.get("examples", {}).items():
                found[name] = example.get("value")
        return found


@dataclass(frozen=True)
class Contract:
    """Two views of one document, both read from spec/.

    `document` is the full reading (every rule, resolved): what the mock serves and validates.
    `enforced` is the enforced profile (known and standard rules only): what a conformance run
    may fail a target on. `bundle` is the full reading with `$ref`s to named components, for
    people and type generators; `origins` maps each named component to its file.
    """

    document: Mapping[str, Any]
    source: Path
    operations: Mapping[str, Operation] = field(repr=False)
    bundle: Mapping[str, Any] = field(repr=False, default_factory=dict)
    origins: Mapping[str, str] = field(repr=False, default_factory=dict)

    @functools.cached_property
    def enforced(self) -> Mapping[str, Any]:
        return MappingProxyType(self.enforced_view())

    def enforced_view(self, waived: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The enforced profile with some standard sources waived (a provider departs from them
        knowingly): a fresh copy, for one run. Derived from the bundle, whose `$ref`s say which
        named schemas a response reaches (what `nullable` is decided by), then resolved."""
        if not self.bundle:
            return enforced_profile(self.document, waived)
        return resolve_internal(enforced_profile(self.bundle, waived))

    def locate(self, pointer: str) -> tuple[str, str]:
        """(file relative to spec/, pointer in that file) of a node of the resolved document."""
        return locate(self.bundle, self.origins, self.source.name, pointer)

    @property
    def evidence_sources(self) -> Mapping[str, Mapping[str, Any]]:
        return self.document.get(SOURCES) or {}

    def schema(self, name: str) -> dict[str, Any]:
        """A resolved component schema, by name (a copy: callers may not change the contract)."""
        try:
            return copy.deepcopy(self.document["components"]["schemas"][name])
        except KeyError:
            raise ContractError(f"{self.source}: no schema named {name!r}") from None

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise ContractError(f"{self.source}: no operation {operation_id!r}") from None

    def servers(self) -> list[Mapping[str, Any]]:
        return list(self.document.get("servers", []))

    def production_urls(self) -> list[str]:
        """Servers the document calls production (any description mentioning it)."""
        return [s["url"] for s in self.servers() if "prod" in str(s.get("description", "")).lower()]

    def to_dict(self) -> dict[str, Any]:
        """A mutable deep copy, for libraries that write into the document they are given."""
        return copy.deepcopy(dict(self.document))


def iter_operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                definition = item[method]
                yield Operation(definition.get("operationId", ""), method, path, definition)


def resolve(path: Path) -> dict[str, Any]:
    """Resolve every $ref of the document at `path` with prance, without validating."""
    import prance  # deferred: importing prance costs time the CLI's --help should not pay

    if not path.is_file():
        raise ContractError(f"{path}: no such file")
    try:
        parser = prance.ResolvingParser(
            str(path), lazy=True, strict=False, backend="openapi-spec-validator"
        )
        parser.parse()
    except Exception as exc:  # prance wraps YAML and resolution errors in many types
        raise ContractError(f"{path}: {exc}") from exc
    specification: dict[str, Any] = parser.specification  # prance is untyped: a dict
    return specification


def load_contract(path: Path | str | None = None) -> Contract:
    """The resolved contract; the default spec is resolved once per process."""
    if path is None:
        return _default_contract()
    return _build(Path(path))


@functools.lru_cache(maxsize=1)
def _default_contract() -> Contract:
    return _build(spec_root() / "openapi.yaml")


def _build(path: Path) -> Contract:
    """Bundle, then resolve the bundle's internal `$ref`s: far quicker than prance (the README
    has the figure), and the mock's start pays it. `lint` still resolves with prance, and a test pins that both agree."""
    if not path.is_file():
        raise ContractError(f"{path}: no such file")
    try:
        bundled = bundle(path)
        document = resolve_internal(bundled.document)
    except BundleError as exc:
        raise ContractError(f"{path}: {exc}") from exc
    operations = {op.operation_id: op for op in iter_operations(document)}
    return Contract(
        MappingProxyType(document),
        path,
        MappingProxyType(operations),
        MappingProxyType(bundled.document),
        MappingProxyType(bundled.origins),
    )
