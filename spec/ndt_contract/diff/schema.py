"""Schema comparison for `ndt-customer diff`, in the request direction (a narrowing breaks
consumers) or the response direction (a removal breaks them), plus the generic comparison that
classifies documentation, examples and annotations."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ndt_contract.bundle import escape
from ndt_contract.diff.rules import Change, rule_level
from ndt_contract.evidence import source_levels

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


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


class SchemaDiffer:
    """Compares schemas and anything else; subclasses walk the documents and call in."""

    def __init__(self, base: Mapping[str, Any], head: Mapping[str, Any]) -> None:
        self.base, self.head = base, head
        self.levels = {"base": source_levels(base), "head": source_levels(head)}
        self.changes: list[Change] = []

    def add(self, pointer: str, rule: str, message: str, node: Any, claim: str, side: str) -> None:
        """Record a change; its evidence is the level of `claim` at `node` on that side."""
        level = rule_level(node, claim, self.levels[side]) if claim else "decision"
        self.changes.append(Change(pointer, rule, message, level, claim))

    def schema(self, b: Any, h: Any, p: str, direction: str) -> None:
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
        for key in union_keys(b, h):
            if key not in SCHEMA_KEYS:
                self.generic(b.get(key), h.get(key), f"{p}/{escape(key)}")

    def narrowed(
        self,
        p: str,
        req: bool,
        message: str,
        b: Mapping[str, Any],
        h: Mapping[str, Any],
        claim: str,
    ) -> None:
        """A change that lets less through: breaks a request, only tightens a response."""
        rule = "request-narrowed" if req else "response-constraint-changed"
        self.add(p, rule, message, h, claim, "head")

    def widened(
        self,
        p: str,
        req: bool,
        message: str,
        b: Mapping[str, Any],
        h: Mapping[str, Any],
        claim: str,
    ) -> None:
        rule = "request-widened" if req else "response-constraint-changed"
        self.add(p, rule, message, b, claim, "base")

    def type_(self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, req: bool) -> None:
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

    def enum(self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, req: bool) -> None:
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

    def constraint(
        self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, req: bool, key: str
    ) -> None:
        old, new = b.get(key), h.get(key)
        if old == new:
            return
        message = f"{key} {_show(old) if old is not None else 'none'} -> {_show(new) if new is not None else 'none'}"
        if new is None:
            self.widened(p, req, message, b, h, key)
        else:  # added or replaced: a different pattern may refuse what the old one accepted
            self.narrowed(p, req, message, b, h, key)

    def bound(
        self,
        b: Mapping[str, Any],
        h: Mapping[str, Any],
        p: str,
        req: bool,
        key: str,
        tighter: Callable[[Any, Any], bool],
    ) -> None:
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

    def flag(self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, req: bool, key: str) -> None:
        old, new = bool(b.get(key)), bool(h.get(key))
        if new and not old:
            self.narrowed(p, req, f"{key} set", b, h, key)
        elif old and not new:
            self.widened(p, req, f"{key} unset", b, h, key)

    def additional(
        self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, req: bool, direction: str
    ) -> None:
        old, new = b.get("additionalProperties", True), h.get("additionalProperties", True)
        if old == new:
            return
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            self.schema(old, new, f"{p}/additionalProperties", direction)
        elif old is True or (new is False and old is not False):
            self.narrowed(p, req, "unknown fields no longer allowed", b, h, "additionalProperties")
        else:
            self.widened(p, req, "unknown fields allowed", b, h, "additionalProperties")

    def properties(
        self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, req: bool, direction: str
    ) -> None:
        b_props, h_props = b.get("properties") or {}, h.get("properties") or {}
        b_req, h_req = set(b.get("required") or ()), set(h.get("required") or ())
        closed = h.get("additionalProperties") is False
        for name in union_keys(b_props, h_props):
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

    def composition(
        self, b: Mapping[str, Any], h: Mapping[str, Any], p: str, direction: str, key: str
    ) -> None:
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
            for k in union_keys(b, h):
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


_K = TypeVar("_K")


def union_keys(a: Mapping[_K, Any] | None, b: Mapping[_K, Any] | None) -> list[_K]:
    """The keys of both mappings, base order first, so reports follow the document."""
    return list(a or {}) + [k for k in (b or {}) if k not in (a or {})]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
