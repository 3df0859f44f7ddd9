"""Classify every change between two resolved contracts under NewDay's versioning standard.

The rules are in `rules`, schema comparison in `schema`, the version verdict in
`version`; this module walks paths, operations, parameters, bodies and responses.

Both sides are *resolved* documents, so moving a schema to another file, or inlining a `$ref`,
changes nothing here. Components are compared where operations use them (a change to a shared
schema is reported once per place a consumer meets it); an unused component is nobody's surface.
Each change names the JSON pointer (in the resolved document) and the evidence level of the spec
rule it touches, read from the `x-evidence` claims of the side that holds that rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ndt_contract.bundle import escape
from ndt_contract.diff.rules import SEVERITY_ORDER, Change
from ndt_contract.diff.schema import SchemaDiffer, union_keys
from ndt_contract.diff.version import VersionCheck, check_version
from ndt_contract.loader import HTTP_METHODS

SKIPPED_COMPONENTS = frozenset(
    {"schemas", "responses", "parameters", "examples", "requestBodies", "headers", "links"}
)


@dataclass(frozen=True)
class DiffResult:
    base_label: str
    head_label: str
    changes: tuple[Change, ...]
    version: VersionCheck
    counts: dict[str, int] = field(default_factory=dict)


class _Differ(SchemaDiffer):
    """Walks both documents side by side; each comparison appends Changes."""

    # --- the document --------------------------------------------------------------------
    def run(self) -> list[Change]:
        for key in union_keys(self.base, self.head):
            b, h = self.base.get(key), self.head.get(key)
            if key == "paths":
                self.paths(b or {}, h or {})
            elif key == "components":
                self.components(b or {}, h or {})
            elif key == "info":
                b_info = {k: v for k, v in (b or {}).items() if k != "version"}
                h_info = {k: v for k, v in (h or {}).items() if k != "version"}
                self.generic(b_info, h_info, "/info")
            elif key != "security":  # root security is compared per operation, where it applies
                self.generic(b, h, f"/{escape(key)}")
        return self.changes

    def components(self, base: Mapping[str, Any], head: Mapping[str, Any]) -> None:
        for key in union_keys(base, head):
            if key not in SKIPPED_COMPONENTS:
                self.generic(base.get(key), head.get(key), f"/components/{escape(key)}")

    def paths(self, base: Mapping[str, Any], head: Mapping[str, Any]) -> None:
        """Paths pair up by template (`/customers/{id}` is `/customers/{customerId}`): renaming
        a path parameter leaves every URL as it was."""
        base_by, head_by = _by_template(base), _by_template(head)
        for template in union_keys(base_by, head_by):
            # "" where a side lacks the template: no path item is keyed "" (paths start with /)
            b_path, h_path = base_by.get(template, ""), head_by.get(template, "")
            path = h_path or b_path
            b_item, h_item = base.get(b_path) or {}, head.get(h_path) or {}
            item_ptr = f"/paths/{escape(path)}"
            for method in HTTP_METHODS:
                b_op, h_op = b_item.get(method), h_item.get(method)
                ptr = f"{item_ptr}/{method}"
                label = f"{method.upper()} {path}"
                if b_op is not None and h_op is None:
                    b_ptr = f"/paths/{escape(b_path)}/{method}"
                    self.add(
                        b_ptr, "operation-removed", f"{label} removed", b_op, "operation", "base"
                    )
                elif b_op is None and h_op is not None:
                    self.add(ptr, "operation-added", f"{label} added", h_op, "operation", "head")
                elif b_op is not None and h_op is not None:
                    self.operation(b_item, h_item, b_op, h_op, ptr, label, (b_path, h_path))
            if b_path and h_path and b_path != h_path:
                message = f"{b_path} -> {h_path}: the URLs are the same"
                self.add(item_ptr, "path-parameter-renamed", message, None, "", "head")
            rest = set(union_keys(b_item, h_item)) - {*HTTP_METHODS, "parameters"}
            for key in sorted(rest):
                self.generic(b_item.get(key), h_item.get(key), f"{item_ptr}/{escape(key)}")

    # --- an operation --------------------------------------------------------------------
    def operation(
        self,
        b_item: Mapping[str, Any],
        h_item: Mapping[str, Any],
        b_op: Mapping[str, Any],
        h_op: Mapping[str, Any],
        ptr: str,
        label: str,
        paths: tuple[str, str],
    ) -> None:
        item_ptr = ptr.rsplit("/", 1)[0]
        b_path, h_path = paths  # the same template, perhaps with other parameter names
        self.parameters(
            _parameters(b_item, b_op, ptr, item_ptr, b_path),
            _parameters(h_item, h_op, ptr, item_ptr, h_path),
            label,
        )
        self.request_body(b_op.get("requestBody"), h_op.get("requestBody"), ptr, label)
        self.responses(b_op.get("responses") or {}, h_op.get("responses") or {}, ptr, label)
        self.security(b_op, h_op, ptr, label)
        for key in union_keys(b_op, h_op):
            if key not in ("parameters", "requestBody", "responses", "security"):
                self.generic(b_op.get(key), h_op.get(key), f"{ptr}/{escape(key)}")

    def parameters(self, base: _Parameters, head: _Parameters, label: str) -> None:
        for key in union_keys(base, head):
            (b_ptr, b), (h_ptr, h) = base.get(key, ("", None)), head.get(key, ("", None))
            what = f"{label}: {key[0]} parameter {(h or b or {}).get('name', '')}"
            if h is None:
                p = b_ptr
                self.add(p, "request-element-removed", f"{what} removed", b, "parameter", "base")
                continue
            p = h_ptr
            if b is None:
                if h.get("required"):
                    self.add(
                        p, "parameter-required", f"{what} added, required", h, "required", "head"
                    )
                else:
                    self.add(p, "parameter-added", f"{what} added", h, "parameter", "head")
                continue
            if h.get("required") and not b.get("required"):
                self.add(p, "parameter-required", f"{what} became required", h, "required", "head")
            elif b.get("required") and not h.get("required"):
                self.add(p, "request-widened", f"{what} became optional", b, "required", "base")
            self.schema(b.get("schema"), h.get("schema"), f"{p}/schema", "request")
            for k in union_keys(b, h):
                if k not in ("required", "schema", "in", "name"):
                    self.generic(b.get(k), h.get(k), f"{p}/{escape(k)}")

    def request_body(self, b: Any, h: Any, ptr: str, label: str) -> None:
        p = f"{ptr}/requestBody"
        if b is None and h is None:
            return
        if h is None:
            self.add(p, "request-element-removed", f"{label}: request body removed", b, "", "base")
            return
        if b is None:
            rule = "parameter-required" if h.get("required") else "request-field-added"
            self.add(p, rule, f"{label}: request body added", h, "required", "head")
            return
        if h.get("required") and not b.get("required"):
            self.add(
                p, "parameter-required", f"{label}: body became required", h, "required", "head"
            )
        elif b.get("required") and not h.get("required"):
            self.add(p, "request-widened", f"{label}: body became optional", b, "required", "base")
        self.content(b, h, p, "request", label)
        for k in union_keys(b, h):
            if k not in ("required", "content"):
                self.generic(b.get(k), h.get(k), f"{p}/{escape(k)}")

    def responses(
        self, base: Mapping[str, Any], head: Mapping[str, Any], ptr: str, label: str
    ) -> None:
        for status in union_keys(base, head):
            b, h = base.get(status), head.get(status)
            p = f"{ptr}/responses/{escape(status)}"
            claim = f"responses/{status}"
            if h is None:
                op = _get(self.base, ptr)
                self.add(
                    p,
                    "status-removed",
                    f"{label}: {status} no longer documented",
                    op,
                    claim,
                    "base",
                )
            elif b is None:
                op = _get(self.head, ptr)
                self.add(p, "status-added", f"{label}: {status} documented", op, claim, "head")
            else:
                self.response(b, h, p, f"{label} {status}")

    def response(self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, label: str) -> None:
        b_headers, h_headers = b.get("headers") or {}, h.get("headers") or {}
        for name in union_keys(b_headers, h_headers):
            hp, claim = f"{p}/headers/{escape(name)}", f"headers/{name}"
            bh, hh = b_headers.get(name), h_headers.get(name)
            if hh is None:
                self.add(
                    hp,
                    "response-header-removed",
                    f"{label}: header {name} removed",
                    b,
                    claim,
                    "base",
                )
            elif bh is None:
                self.add(
                    hp, "response-field-added", f"{label}: header {name} added", h, claim, "head"
                )
            else:
                if bh.get("required") and not hh.get("required"):
                    msg = f"{label}: header {name} no longer required"
                    self.add(hp, "response-header-removed", msg, bh, "required", "base")
                elif hh.get("required") and not bh.get("required"):
                    msg = f"{label}: header {name} now required"
                    self.add(hp, "response-constraint-changed", msg, hh, "required", "head")
                self.schema(bh.get("schema"), hh.get("schema"), f"{hp}/schema", "response")
                for k in union_keys(bh, hh):
                    if k not in ("required", "schema"):
                        self.generic(bh.get(k), hh.get(k), f"{hp}/{escape(k)}")
        self.content(b, h, p, "response", label)
        for k in union_keys(b, h):
            if k not in ("headers", "content"):
                self.generic(b.get(k), h.get(k), f"{p}/{escape(k)}")

    def content(
        self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, direction: str, label: str
    ) -> None:
        b_content, h_content = b.get("content") or {}, h.get("content") or {}
        for media in union_keys(b_content, h_content):
            mp, claim = f"{p}/content/{escape(media)}", f"content/{media}"
            bm, hm = b_content.get(media), h_content.get(media)
            if hm is None:
                self.add(mp, "media-type-changed", f"{label}: {media} removed", b, claim, "base")
            elif bm is None:
                self.add(mp, "media-type-added", f"{label}: {media} added", h, claim, "head")
            else:
                self.schema(bm.get("schema"), hm.get("schema"), f"{mp}/schema", direction)
                for k in union_keys(bm, hm):
                    if k != "schema":
                        self.generic(bm.get(k), hm.get(k), f"{mp}/{escape(k)}")

    def security(
        self, b_op: Mapping[str, Any], h_op: Mapping[str, Any], ptr: str, label: str
    ) -> None:
        before = _ways_in(b_op.get("security", self.base.get("security")))
        after = _ways_in(h_op.get("security", self.head.get("security")))
        p = f"{ptr}/security"
        for way in sorted(before - after, key=sorted):
            msg = f"{label}: no longer accepts {_way(way)}"
            self.add(p, "security-narrowed", msg, b_op, "security", "base")
        for way in sorted(after - before, key=sorted):
            msg = f"{label}: now accepts {_way(way)}"
            self.add(p, "security-widened", msg, h_op, "security", "head")


def _get(document: Mapping[str, Any], pointer: str) -> Any:
    node: Any = document
    for raw in pointer.split("/")[1:]:
        node = (
            node.get(raw.replace("~1", "/").replace("~0", "~"))
            if isinstance(node, Mapping)
            else None
        )
    return node


_PATH_PARAMETER = re.compile(r"\{([^}]*)\}")
# (in, name) -> (JSON pointer, parameter object): the effective parameters of an operation.
_Parameters = dict[tuple[str, str], tuple[str, Mapping[str, Any]]]


def _by_template(paths: Mapping[str, Any]) -> dict[str, str]:
    """Each path under its template with the parameter names blanked: `/a/{}`."""
    return {_PATH_PARAMETER.sub("{}", path): path for path in paths}


def _parameters(
    item: Mapping[str, Any], op: Mapping[str, Any], op_ptr: str, item_ptr: str, path: str
) -> _Parameters:
    """Effective parameters with their pointers: the operation's override the path item's.

    Keyed by (in, name); header names compared lower-cased (HTTP ignores their case); path
    parameters by their position in the template, so a renamed one is the same parameter."""
    names = _PATH_PARAMETER.findall(path)
    found: _Parameters = {}
    for index, param in enumerate(item.get("parameters") or []):
        found[_param_key(param, names)] = (f"{item_ptr}/parameters/{index}", param)
    for index, param in enumerate(op.get("parameters") or []):
        found[_param_key(param, names)] = (f"{op_ptr}/parameters/{index}", param)
    return found


def _param_key(param: Mapping[str, Any], path_names: list[str]) -> tuple[str, str]:
    where, name = param.get("in", ""), param.get("name", "")
    if where == "path" and name in path_names:
        return where, f"#{path_names.index(name)}"
    return where, name.lower() if where == "header" else name


def _ways_in(security: Any) -> set[frozenset[str]]:
    """Each alternative of a security requirement as the set of scheme names it needs."""
    if not security:
        return {frozenset()}
    return {frozenset(requirement or {}) for requirement in security}


def _way(way: frozenset[str]) -> str:
    return "anonymous calls" if not way else " + ".join(sorted(way))


def diff_documents(
    base: Mapping[str, Any],
    head: Mapping[str, Any],
    base_label: str = "base",
    head_label: str = "head",
) -> DiffResult:
    """Every change from `base` to `head` (both resolved), classified, with the version verdict."""
    changes = sorted(
        set(_Differ(base, head).run()),
        key=lambda c: (SEVERITY_ORDER[c.severity], c.pointer, c.rule, c.message),
    )
    version = check_version(
        (base.get("info") or {}).get("version"), (head.get("info") or {}).get("version"), changes
    )
    counts = {severity: sum(c.severity == severity for c in changes) for severity in SEVERITY_ORDER}
    return DiffResult(base_label, head_label, tuple(changes), version, counts)
