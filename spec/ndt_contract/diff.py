"""Classify every change between two resolved contracts under NewDay's versioning standard.

The standard: **breaking** (major) is a removed operation, status, response field or enum value in
a response; a new required request field or parameter; a narrowed type, pattern or bound on a
request; a changed media type. **Minor** is an addition. **Patch** is descriptions and examples.
Rules marked `basis="decision"` in `RULES` are our reading where the standard is silent.

Both sides are *resolved* documents, so moving a schema to another file, or inlining a `$ref`,
changes nothing here. Components are compared where operations use them (a change to a shared
schema is reported once per place a consumer meets it); an unused component is nobody's surface.
Each change names the JSON pointer (in the resolved document) and the evidence level of the spec
rule it touches, read from the `x-evidence` claims of the side that holds that rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ndt_contract.loader import HTTP_METHODS

Severity = Literal["breaking", "minor", "patch"]
SEVERITY_ORDER: dict[str, int] = {"breaking": 0, "minor": 1, "patch": 2}
LEVEL_ORDER = ("known", "standard", "decision")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    basis: Literal["standard", "decision"]  # NewDay's standard names it, or it is our reading
    summary: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("operation-removed", "breaking", "standard", "an operation was removed"),
        Rule("status-removed", "breaking", "standard", "a response status is no longer documented"),
        Rule("response-field-removed", "breaking", "standard", "a response field was removed"),
        Rule(
            "response-field-optional",
            "breaking",
            "decision",
            "a response field is no longer required: consumers may stop receiving it",
        ),
        Rule(
            "response-enum-value-removed",
            "breaking",
            "standard",
            "an enum value was removed from a response",
        ),
        Rule("response-type-changed", "breaking", "decision", "a response value changed type"),
        Rule("response-header-removed", "breaking", "decision", "a response header is not sent"),
        Rule(
            "request-field-required",
            "breaking",
            "standard",
            "a new required request field, or a request field became required",
        ),
        Rule(
            "parameter-required",
            "breaking",
            "standard",
            "a new required parameter, or a parameter became required (the body included)",
        ),
        Rule(
            "request-narrowed",
            "breaking",
            "standard",
            "a request type, pattern, format, enum, bound or closed object was narrowed",
        ),
        Rule(
            "media-type-changed",
            "breaking",
            "standard",
            "a request or response media type was removed or replaced",
        ),
        Rule(
            "security-narrowed",
            "breaking",
            "decision",
            "an operation lost a way in (anonymous access or a security scheme)",
        ),
        Rule("operation-added", "minor", "standard", "an operation was added"),
        Rule("status-added", "minor", "standard", "a response status was added"),
        Rule("response-field-added", "minor", "standard", "a response field or header was added"),
        Rule("response-enum-value-added", "minor", "standard", "a response may carry a new value"),
        Rule("request-field-added", "minor", "standard", "an optional request field was added"),
        Rule("parameter-added", "minor", "standard", "an optional parameter was added"),
        Rule("media-type-added", "minor", "standard", "a media type was added"),
        Rule("security-widened", "minor", "standard", "an operation gained a way in"),
        Rule(
            "request-widened",
            "minor",
            "decision",
            "a request accepts more than before (a bound, pattern, enum or requirement relaxed)",
        ),
        Rule(
            "request-element-removed",
            "minor",
            "decision",
            "a request parameter, field or body is no longer documented (senders are not refused)",
        ),
        Rule(
            "response-constraint-changed",
            "minor",
            "decision",
            "a response bound, pattern, format or nullability changed without removing anything",
        ),
        Rule("changed", "minor", "decision", "any other change of meaning"),
        Rule("documentation", "patch", "standard", "a description, summary or title changed"),
        Rule("example", "patch", "standard", "an example changed"),
        Rule("annotation", "patch", "decision", "an x- annotation (evidence, assumption) changed"),
    )
}

DOC_KEYS = frozenset(
    {"description", "summary", "title", "externalDocs", "contact", "license", "termsOfService"}
)
EXAMPLE_KEYS = frozenset({"example", "examples"})
LOWER_BOUNDS = ("minLength", "minimum", "minItems", "minProperties")
UPPER_BOUNDS = ("maxLength", "maximum", "maxItems", "maxProperties")
# Schema keywords compared by meaning below; anything else falls to the generic comparison.
SCHEMA_KEYS = frozenset(
    {"type", "nullable", "enum", "pattern", "format", "multipleOf", "uniqueItems"}
    | {"exclusiveMinimum", "exclusiveMaximum", "additionalProperties", "properties", "required"}
    | {"items", "allOf", "oneOf", "anyOf", *LOWER_BOUNDS, *UPPER_BOUNDS}
)
SKIPPED_COMPONENTS = frozenset(
    {"schemas", "responses", "parameters", "examples", "requestBodies", "headers", "links"}
)


@dataclass(frozen=True, order=True)
class Change:
    """One change: where it is, which rule classifies it, and the evidence of the spec rule."""

    pointer: str
    rule: str
    message: str
    evidence: str  # "known" | "standard" | "decision": the level of the spec rule touched
    claim: str = ""  # the x-evidence rule name the level was read from

    @property
    def severity(self) -> Severity:
        return RULES[self.rule].severity


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


@dataclass(frozen=True)
class DiffResult:
    base_label: str
    head_label: str
    changes: tuple[Change, ...]
    version: VersionCheck
    counts: dict[str, int] = field(default_factory=dict)


def rule_level(node: Any, rule: str, sources: Mapping[str, Any]) -> str:
    """The evidence level of `rule` at `node`: its claimed source's level, else "decision".

    Follows the briefing's x-evidence format: a node's `x-evidence` maps a rule to a source id
    or a list of ids; a source's `level` is in the root `x-evidence-sources`. With several
    sources the strongest level counts; an unknown source id proves nothing (lint reports it).
    A local stand-in until `ndt_contract.evidence` lands; swap it for the lead's then.
    """
    claims = node.get("x-evidence") if isinstance(node, Mapping) else None
    ids = claims.get(rule) if isinstance(claims, Mapping) else None
    if ids is None:
        return "decision"
    levels = []
    for source_id in [ids] if isinstance(ids, str) else list(ids):
        source = sources.get(source_id) if isinstance(sources, Mapping) else None
        level = source.get("level") if isinstance(source, Mapping) else None
        if level in LEVEL_ORDER:
            levels.append(level)
    return min(levels, key=LEVEL_ORDER.index) if levels else "decision"


def escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class _Differ:
    """Walks both documents side by side; each comparison appends Changes."""

    def __init__(self, base: Mapping[str, Any], head: Mapping[str, Any]) -> None:
        self.base, self.head = base, head
        self.sources = {
            "base": base.get("x-evidence-sources") or {},
            "head": head.get("x-evidence-sources") or {},
        }
        self.changes: list[Change] = []

    def add(self, pointer: str, rule: str, message: str, node: Any, claim: str, side: str) -> None:
        level = rule_level(node, claim, self.sources[side]) if claim else "decision"
        self.changes.append(Change(pointer, rule, message, level, claim))

    # --- the document --------------------------------------------------------------------
    def run(self) -> list[Change]:
        for key in _union(self.base, self.head):
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

    def components(self, base: Mapping, head: Mapping) -> None:
        for key in _union(base, head):
            if key not in SKIPPED_COMPONENTS:
                self.generic(base.get(key), head.get(key), f"/components/{escape(key)}")

    def paths(self, base: Mapping, head: Mapping) -> None:
        for path in _union(base, head):
            b_item, h_item = base.get(path) or {}, head.get(path) or {}
            item_ptr = f"/paths/{escape(path)}"
            for method in HTTP_METHODS:
                b_op, h_op = b_item.get(method), h_item.get(method)
                ptr = f"{item_ptr}/{method}"
                label = f"{method.upper()} {path}"
                if b_op is not None and h_op is None:
                    self.add(
                        ptr, "operation-removed", f"{label} removed", b_op, "operation", "base"
                    )
                elif b_op is None and h_op is not None:
                    self.add(ptr, "operation-added", f"{label} added", h_op, "operation", "head")
                elif b_op is not None:
                    self.operation(b_item, h_item, b_op, h_op, ptr, label)
            rest = set(_union(b_item, h_item)) - {*HTTP_METHODS, "parameters"}
            for key in sorted(rest):
                self.generic(b_item.get(key), h_item.get(key), f"{item_ptr}/{escape(key)}")

    # --- an operation --------------------------------------------------------------------
    def operation(self, b_item, h_item, b_op, h_op, ptr: str, label: str) -> None:
        item_ptr = ptr.rsplit("/", 1)[0]
        self.parameters(
            _parameters(b_item, b_op, ptr, item_ptr),
            _parameters(h_item, h_op, ptr, item_ptr),
            label,
        )
        self.request_body(b_op.get("requestBody"), h_op.get("requestBody"), ptr, label)
        self.responses(b_op.get("responses") or {}, h_op.get("responses") or {}, ptr, label)
        self.security(b_op, h_op, ptr, label)
        for key in _union(b_op, h_op):
            if key not in ("parameters", "requestBody", "responses", "security"):
                self.generic(b_op.get(key), h_op.get(key), f"{ptr}/{escape(key)}")

    def parameters(self, base: dict, head: dict, label: str) -> None:
        for key in _union(base, head):
            where, name = key
            (b_ptr, b), (h_ptr, h) = base.get(key, ("", None)), head.get(key, ("", None))
            what = f"{label}: {where} parameter {name}"
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
            self.schema(b.get("schema"), h.get("schema"), f"{p}/schema", "request", b, h)
            for k in _union(b, h):
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
        for k in _union(b, h):
            if k not in ("required", "content"):
                self.generic(b.get(k), h.get(k), f"{p}/{escape(k)}")

    def responses(self, base: Mapping, head: Mapping, ptr: str, label: str) -> None:
        for status in _union(base, head):
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

    def response(self, b: Mapping, h: Mapping, p: str, label: str) -> None:
        b_headers, h_headers = b.get("headers") or {}, h.get("headers") or {}
        for name in _union(b_headers, h_headers):
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
                self.schema(bh.get("schema"), hh.get("schema"), f"{hp}/schema", "response", bh, hh)
                for k in _union(bh, hh):
                    if k not in ("required", "schema"):
                        self.generic(bh.get(k), hh.get(k), f"{hp}/{escape(k)}")
        self.content(b, h, p, "response", label)
        for k in _union(b, h):
            if k not in ("headers", "content"):
                self.generic(b.get(k), h.get(k), f"{p}/{escape(k)}")

    def content(self, b: Mapping, h: Mapping, p: str, direction: str, label: str) -> None:
        b_content, h_content = b.get("content") or {}, h.get("content") or {}
        for media in _union(b_content, h_content):
            mp, claim = f"{p}/content/{escape(media)}", f"content/{media}"
            bm, hm = b_content.get(media), h_content.get(media)
            if hm is None:
                self.add(mp, "media-type-changed", f"{label}: {media} removed", b, claim, "base")
            elif bm is None:
                self.add(mp, "media-type-added", f"{label}: {media} added", h, claim, "head")
            else:
                self.schema(bm.get("schema"), hm.get("schema"), f"{mp}/schema", direction)
                for k in _union(bm, hm):
                    if k != "schema":
                        self.generic(bm.get(k), hm.get(k), f"{mp}/{escape(k)}")

    def security(self, b_op: Mapping, h_op: Mapping, ptr: str, label: str) -> None:
        before = _ways_in(b_op.get("security", self.base.get("security")))
        after = _ways_in(h_op.get("security", self.head.get("security")))
        p = f"{ptr}/security"
        for way in sorted(before - after, key=sorted):
            msg = f"{label}: no longer accepts {_way(way)}"
            self.add(p, "security-narrowed", msg, b_op, "security", "base")
        for way in sorted(after - before, key=sorted):
            msg = f"{label}: now accepts {_way(way)}"
            self.add(p, "security-widened", msg, h_op, "security", "head")

    # --- schemas ---------------------------------------------------------------------------
    def schema(self, b: Any, h: Any, p: str, direction: str, b_owner=None, h_owner=None) -> None:
        """Compare two schemas in the request direction (narrowing breaks) or the response
        direction (removal breaks)."""
        if b == h:
            return
        if not isinstance(b, Mapping) or not isinstance(h, Mapping):
            self.generic(b, h, p)
            return
        req = direction == "request"
        self.type_(b, h, p, req)
        self.enum(b, h, p, req)
        for key in ("pattern", "format", "multipleOf"):
            self.constraint(b, h, p, req, key)
        for key in LOWER_BOUNDS:
            self.bound(b, h, p, req, key, lambda old, new: new > old)
        for key in UPPER_BOUNDS:
            self.bound(b, h, p, req, key, lambda old, new: new < old)
        for key in ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems"):
            self.flag(b, h, p, req, key)
        self.additional(b, h, p, req, direction)
        self.properties(b, h, p, req, direction)
        if "items" in b or "items" in h:
            self.schema(b.get("items"), h.get("items"), f"{p}/items", direction)
        for key in ("allOf", "oneOf", "anyOf"):
            self.composition(b, h, p, direction, key)
        for key in _union(b, h):
            if key not in SCHEMA_KEYS:
                self.generic(b.get(key), h.get(key), f"{p}/{escape(key)}")

    def narrowed(self, p: str, req: bool, message: str, b: Mapping, h: Mapping, claim: str) -> None:
        """A change that lets less through: breaks a request, only tightens a response."""
        rule = "request-narrowed" if req else "response-constraint-changed"
        self.add(p, rule, message, h, claim, "head")

    def widened(self, p: str, req: bool, message: str, b: Mapping, h: Mapping, claim: str) -> None:
        rule = "request-widened" if req else "response-constraint-changed"
        self.add(p, rule, message, b, claim, "base")

    def type_(self, b: Mapping, h: Mapping, p: str, req: bool) -> None:
        old, new = b.get("type"), h.get("type")
        if old != new:
            message = f"type {old or 'any'} -> {new or 'any'}"
            widening = new is None or (old, new) == ("integer", "number")
            if req:
                (self.widened if widening else self.narrowed)(p, req, message, b, h, "type")
            elif new is None or old is not None:  # retyped, or any value may now come
                self.add(p, "response-type-changed", message, b, "type", "base")
            else:
                self.narrowed(p, req, message, b, h, "type")
        old_null, new_null = bool(b.get("nullable")), bool(h.get("nullable"))
        if old_null and not new_null:
            self.narrowed(p, req, "null no longer allowed", b, h, "nullable")
        elif new_null and not old_null:
            self.widened(p, req, "null now allowed", b, h, "nullable")

    def enum(self, b: Mapping, h: Mapping, p: str, req: bool) -> None:
        old, new = b.get("enum"), h.get("enum")
        if old == new:
            return
        if old is None:
            self.narrowed(p, req, f"enum {_show(new)} added", b, h, "enum")
            return
        if new is None:
            if req:
                self.widened(p, req, "enum dropped: any value accepted", b, h, "enum")
            else:
                self.add(
                    p, "response-enum-value-added", "enum dropped: any value", b, "enum", "base"
                )
            return
        new_keys = {_key(v) for v in new}
        old_keys = {_key(v) for v in old}
        for value in old:
            if _key(value) not in new_keys:
                if req:
                    self.narrowed(
                        p, req, f"enum value {_show(value)} no longer accepted", b, h, "enum"
                    )
                else:
                    msg = f"enum value {_show(value)} removed"
                    self.add(p, "response-enum-value-removed", msg, b, "enum", "base")
        for value in new:
            if _key(value) not in old_keys:
                if req:
                    self.widened(p, req, f"enum value {_show(value)} accepted", b, h, "enum")
                else:
                    msg = f"enum value {_show(value)} added"
                    self.add(p, "response-enum-value-added", msg, h, "enum", "head")

    def constraint(self, b: Mapping, h: Mapping, p: str, req: bool, key: str) -> None:
        old, new = b.get(key), h.get(key)
        if old == new:
            return
        message = f"{key} {_show(old) if old is not None else 'none'} -> {_show(new) if new is not None else 'none'}"
        if new is None:
            self.widened(p, req, message, b, h, key)
        else:  # added or replaced: a different pattern may refuse what the old one accepted
            self.narrowed(p, req, message, b, h, key)

    def bound(self, b: Mapping, h: Mapping, p: str, req: bool, key: str, tighter) -> None:
        old, new = b.get(key), h.get(key)
        if old == new:
            return
        message = (
            f"{key} {old if old is not None else 'none'} -> {new if new is not None else 'none'}"
        )
        if new is not None and (old is None or tighter(old, new)):
            self.narrowed(p, req, message, b, h, key)
        else:
            self.widened(p, req, message, b, h, key)

    def flag(self, b: Mapping, h: Mapping, p: str, req: bool, key: str) -> None:
        old, new = bool(b.get(key)), bool(h.get(key))
        if new and not old:
            self.narrowed(p, req, f"{key} set", b, h, key)
        elif old and not new:
            self.widened(p, req, f"{key} unset", b, h, key)

    def additional(self, b: Mapping, h: Mapping, p: str, req: bool, direction: str) -> None:
        old, new = b.get("additionalProperties", True), h.get("additionalProperties", True)
        if old == new:
            return
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            self.schema(old, new, f"{p}/additionalProperties", direction)
        elif old is True or (new is False and old is not False):
            self.narrowed(p, req, "unknown fields no longer allowed", b, h, "additionalProperties")
        else:
            self.widened(p, req, "unknown fields allowed", b, h, "additionalProperties")

    def properties(self, b: Mapping, h: Mapping, p: str, req: bool, direction: str) -> None:
        b_props, h_props = b.get("properties") or {}, h.get("properties") or {}
        b_req, h_req = set(b.get("required") or ()), set(h.get("required") or ())
        closed = h.get("additionalProperties") is False
        for name in _union(b_props, h_props):
            pp, claim = f"{p}/properties/{escape(name)}", f"properties/{name}"
            if name not in h_props:
                if not req:
                    self.add(
                        pp, "response-field-removed", f"field {name} removed", b, claim, "base"
                    )
                elif closed:
                    self.add(
                        pp,
                        "request-narrowed",
                        f"field {name} no longer accepted",
                        h,
                        "additionalProperties",
                        "head",
                    )
                else:
                    self.add(
                        pp, "request-element-removed", f"field {name} removed", b, claim, "base"
                    )
            elif name not in b_props:
                if not req:
                    self.add(pp, "response-field-added", f"field {name} added", h, claim, "head")
                elif name in h_req:
                    msg = f"required field {name} added"
                    self.add(pp, "request-field-required", msg, h, f"required/{name}", "head")
                else:
                    self.add(pp, "request-field-added", f"field {name} added", h, claim, "head")
            else:
                self.schema(b_props[name], h_props[name], pp, direction)
        for name in sorted(h_req - b_req):
            if name in b_props or name not in h_props:  # new properties were reported above
                if req:
                    msg = f"field {name} became required"
                    self.add(
                        f"{p}/required",
                        "request-field-required",
                        msg,
                        h,
                        f"required/{name}",
                        "head",
                    )
                else:
                    msg = f"field {name} now always sent"
                    self.add(
                        f"{p}/required",
                        "response-constraint-changed",
                        msg,
                        h,
                        f"required/{name}",
                        "head",
                    )
        for name in sorted(b_req - h_req):
            if name in h_props or name not in b_props:  # removed properties were reported above
                if req:
                    msg = f"field {name} became optional"
                    self.add(f"{p}/required", "request-widened", msg, b, f"required/{name}", "base")
                else:
                    msg = f"field {name} is no longer required"
                    self.add(
                        f"{p}/required",
                        "response-field-optional",
                        msg,
                        b,
                        f"required/{name}",
                        "base",
                    )

    def composition(self, b: Mapping, h: Mapping, p: str, direction: str, key: str) -> None:
        old, new = list(b.get(key) or []), list(h.get(key) or [])
        if old == new:
            return
        req = direction == "request"
        for index in range(min(len(old), len(new))):
            self.schema(old[index], new[index], f"{p}/{key}/{index}", direction)
        for index in range(len(new), len(old)):
            cp, message = f"{p}/{key}/{index}", f"{key} part {index} removed"
            if key == "allOf" and not req:
                self.add(cp, "response-field-removed", message, b, key, "base")
            elif key == "allOf":
                self.widened(cp, req, message, b, h, key)
            else:
                self.narrowed(cp, req, message, b, h, key)
        for index in range(len(old), len(new)):
            cp, message = f"{p}/{key}/{index}", f"{key} part {index} added"
            if key == "allOf":
                self.narrowed(cp, req, message, b, h, key)
            else:
                self.widened(cp, req, message, b, h, key)

    # --- anything else -----------------------------------------------------------------------
    def generic(self, b: Any, h: Any, p: str) -> None:
        """Documentation and examples are patch, x- annotations are patch, the rest is minor."""
        if b == h:
            return
        key = p.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        if key in DOC_KEYS:
            self.add(p, "documentation", f"{key} changed", None, "", "head")
        elif key in EXAMPLE_KEYS:
            self.add(p, "example", f"{key} changed", None, "", "head")
        elif key.startswith("x-"):
            self.add(p, "annotation", f"{key} changed", None, "", "head")
        elif isinstance(b, Mapping) and isinstance(h, Mapping):
            for k in _union(b, h):
                self.generic(b.get(k), h.get(k), f"{p}/{escape(k)}")
        elif isinstance(b, list) and isinstance(h, list) and len(b) == len(h):
            for index, (bi, hi) in enumerate(zip(b, h, strict=True)):
                self.generic(bi, hi, f"{p}/{index}")
        elif b is None:
            self.add(p, "changed", f"{key} added: {_show(h)}", None, "", "head")
        elif h is None:
            self.add(p, "changed", f"{key} removed (was {_show(b)})", None, "", "base")
        else:
            self.add(p, "changed", f"{key} {_show(b)} -> {_show(h)}", None, "", "head")


def _union(a: Any, b: Any) -> list[str]:
    keys = list(a or {}) + [k for k in (b or {}) if k not in (a or {})]
    return keys


def _get(document: Mapping, pointer: str) -> Any:
    node: Any = document
    for raw in pointer.split("/")[1:]:
        node = (
            node.get(raw.replace("~1", "/").replace("~0", "~"))
            if isinstance(node, Mapping)
            else None
        )
    return node


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _parameters(
    item: Mapping, op: Mapping, op_ptr: str, item_ptr: str
) -> dict[tuple[str, str], tuple[str, Mapping]]:
    """Effective parameters by (in, name) with their pointers: the operation's override the
    path item's. Header names are case-insensitive, so they are compared lower-cased."""
    found: dict[tuple[str, str], tuple[str, Mapping]] = {}
    for index, param in enumerate(item.get("parameters") or []):
        found[_param_key(param)] = (f"{item_ptr}/parameters/{index}", param)
    for index, param in enumerate(op.get("parameters") or []):
        found[_param_key(param)] = (f"{op_ptr}/parameters/{index}", param)
    return found


def _param_key(param: Mapping) -> tuple[str, str]:
    where, name = param.get("in", ""), param.get("name", "")
    return where, name.lower() if where == "header" else name


def _ways_in(security: Any) -> set[frozenset[str]]:
    """Each alternative of a security requirement as the set of scheme names it needs."""
    if not security:
        return {frozenset()}
    return {frozenset(requirement or {}) for requirement in security}


def _way(way: frozenset[str]) -> str:
    return "anonymous calls" if not way else " + ".join(sorted(way))


# --- versions --------------------------------------------------------------------------------
_VERSION = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse_version(text: Any) -> tuple[int, int, int] | None:
    match = _VERSION.fullmatch(str(text).strip()) if text is not None else None
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


def check_version(base: Any, head: Any, changes: list[Change] | tuple[Change, ...]) -> VersionCheck:
    """Did `info.version` move as far as the changes need (major, minor or patch)?"""
    required = min((c.severity for c in changes), key=SEVERITY_ORDER.get, default=None)
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
