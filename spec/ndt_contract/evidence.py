"""What the contract knows, and how: the evidence behind every rule, and the enforced profile.

Every constraint the spec states is, by default, our *decision*. It is *known* (the provider's
pages or worked example) or *standard* (NewDay's API design standards) only where the node
claims it in `x-evidence`, naming sources registered in the root's `x-evidence-sources`:

    x-evidence-sources:
      provider.example: {level: known, cites: "...", says: "..."}
    ...
    CustomerProfile:
      x-evidence: {type: provider.example, properties/id: provider.example}

A source may say `fails-by-default: false` (with a `why`): a NewDay guideline whose words are
advice. Its claims keep their provenance but count as decisions, so a departure is drift.

The *enforced profile* is the same document with every decision-level constraint relaxed: what a
conformance run may fail a target on. The full reading stays what the mock serves.

Nullability is documented for no field: an example shows a value, not that a field is never
null. So in the enforced profile a known `type` of a response body allows `null`, unless the node
states `nullable: false` and claims it; the full reading keeps its types.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

from ndt_contract.bundle import escape, unescape

Level = Literal["known", "standard", "decision"]
LEVELS: tuple[Level, ...] = ("known", "standard", "decision")
CLAIM_LEVELS = ("known", "standard")
EVIDENCE = "x-evidence"
SOURCES = "x-evidence-sources"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# Schema keywords that narrow what is valid. `allOf`, `items` and `properties` are structure:
# they stay, and their own constraints are judged where they stand.
SCHEMA_KEYWORDS = (
    "type",
    "format",
    "pattern",
    "enum",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "additionalProperties",
    "anyOf",
    "oneOf",
    "not",
)

# A `$ref` to a named schema: what a response body reaches besides its own inline schema.
COMPONENT_SCHEMA = re.compile(r"^#/components/schemas/([^/]+)")

Kind = Literal["operation", "parameter", "requestBody", "response", "header", "schema"]


@dataclass(frozen=True, order=True)
class Constraint:
    pointer: str  # JSON pointer of the node that states the rule
    kind: str
    rule: str  # `pattern`, `required/id`, `responses/404`, `headers/Retry-After`, ...
    level: Level
    sources: tuple[str, ...]

    def __str__(self) -> str:
        return f"#{self.pointer} {self.rule}: {self.level}"


@dataclass(frozen=True)
class Node:
    pointer: str
    kind: Kind
    value: dict[str, Any]


def iter_nodes(document: Mapping[str, Any]) -> Iterator[Node]:
    """Every node that can state a rule, with what kind of node it is (by position)."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        base = f"/paths/{escape(path)}"
        for index, parameter in enumerate(item.get("parameters") or []):
            yield from _parameter(parameter, f"{base}/parameters/{index}")
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield from _operation(item[method], f"{base}/{method}")
    components = document.get("components") or {}
    walkers = {
        "schemas": _schema,
        "parameters": _parameter,
        "requestBodies": _request_body,
        "responses": _response,
        "headers": _header,
    }
    for section, walk in walkers.items():
        for name, value in (components.get(section) or {}).items():
            yield from walk(value, f"/components/{section}/{escape(name)}")


def _is_node(value: Any) -> bool:
    return isinstance(value, dict) and "$ref" not in value


def _operation(op: dict[str, Any], pointer: str) -> Iterator[Node]:
    yield Node(pointer, "operation", op)
    for index, parameter in enumerate(op.get("parameters") or []):
        yield from _parameter(parameter, f"{pointer}/parameters/{index}")
    if op.get("requestBody") is not None:
        yield from _request_body(op["requestBody"], f"{pointer}/requestBody")
    for status, response in (op.get("responses") or {}).items():
        yield from _response(response, f"{pointer}/responses/{escape(str(status))}")


def _parameter(parameter: Any, pointer: str) -> Iterator[Node]:
    if _is_node(parameter):
        yield Node(pointer, "parameter", parameter)
        yield from _schema(parameter.get("schema"), f"{pointer}/schema")


def _request_body(body: Any, pointer: str) -> Iterator[Node]:
    if _is_node(body):
        yield Node(pointer, "requestBody", body)
        for media, content in (body.get("content") or {}).items():
            if isinstance(content, dict):
                yield from _schema(
                    content.get("schema"), f"{pointer}/content/{escape(media)}/schema"
                )


def _response(response: Any, pointer: str) -> Iterator[Node]:
    if not _is_node(response):
        return
    yield Node(pointer, "response", response)
    for name, header in (response.get("headers") or {}).items():
        yield from _header(header, f"{pointer}/headers/{escape(name)}")
    for media, content in (response.get("content") or {}).items():
        if isinstance(content, dict):
            yield from _schema(content.get("schema"), f"{pointer}/content/{escape(media)}/schema")


def _header(header: Any, pointer: str) -> Iterator[Node]:
    if _is_node(header):
        yield Node(pointer, "header", header)
        yield from _schema(header.get("schema"), f"{pointer}/schema")


def _schema(schema: Any, pointer: str) -> Iterator[Node]:
    if not _is_node(schema):
        return
    yield Node(pointer, "schema", schema)
    for name, sub in (schema.get("properties") or {}).items():
        yield from _schema(sub, f"{pointer}/properties/{escape(name)}")
    for key in ("items", "additionalProperties", "not"):
        yield from _schema(schema.get(key), f"{pointer}/{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(key) or []):
            yield from _schema(sub, f"{pointer}/{key}/{index}")


def rules_at(node: Node) -> list[str]:
    """The rules a node states, in a stable order."""
    value = node.value
    if node.kind == "operation":
        responses = value.get("responses") or {}
        rules = ["operation"] + ([] if "default" in responses else ["responses"])
        rules += [f"responses/{status}" for status in responses if status != "default"]
        return rules + (["security"] if "security" in value else [])
    if node.kind == "parameter":
        return ["parameter"] + (["required"] if value.get("required") else [])
    if node.kind == "requestBody":
        rules = ["required"] if value.get("required") else []
        return rules + [
            f"content/{media}" for media in value.get("content") or {} if media != "*/*"
        ]
    if node.kind == "response":
        rules = [f"content/{media}" for media in value.get("content") or {}]
        return rules + [f"headers/{name}" for name in value.get("headers") or {}]
    if node.kind == "header":
        return ["required"] if value.get("required") else []
    rules = [key for key in SCHEMA_KEYWORDS if key in value and value[key] is not True]
    rules += ["nullable"] if value.get("nullable") is False else []  # `true` narrows nothing
    rules += [f"required/{name}" for name in value.get("required") or []]
    return rules + [f"properties/{name}" for name in value.get("properties") or {}]


def claims(node: Node) -> dict[str, tuple[str, ...]]:
    """The node's `x-evidence`: rule -> source ids."""
    raw = node.value.get(EVIDENCE) or {}
    if not isinstance(raw, dict):
        return {}
    return {
        str(rule): tuple(ids) if isinstance(ids, list) else (str(ids),) for rule, ids in raw.items()
    }


def source_levels(document: Mapping[str, Any]) -> dict[str, Level]:
    """The level of every source a claim may rest on. A source that does not fail a run by
    default (a guideline's advice) is left out, so its claims are decisions: drift."""
    registry = document.get(SOURCES) or {}
    return {
        str(name): level
        for name, entry in registry.items()
        if isinstance(entry, dict)
        and _is_claim_level(level := entry.get("level"))
        and entry.get("fails-by-default", True) is not False
    }


def _is_claim_level(value: object) -> TypeGuard[Level]:
    return value in CLAIM_LEVELS


def level_of(sources: tuple[str, ...], levels: Mapping[str, Level]) -> Level:
    """The strongest level among the sources a claim names; unregistered ones count for
    nothing, so a typo never promotes a rule."""
    found = {levels.get(source) for source in sources}
    for level in CLAIM_LEVELS:
        if level in found:
            return level
    return "decision"


def iter_constraints(
    document: Mapping[str, Any], waived: frozenset[str] = frozenset()
) -> Iterator[Constraint]:
    """Every rule the document states, with its level. A waived standard source counts as a
    decision: the provider departs from it knowingly."""
    levels = {k: v for k, v in source_levels(document).items() if k not in waived}
    for node in iter_nodes(document):
        claimed = claims(node)
        for rule in rules_at(node):
            sources = claimed.get(rule, ())
            yield Constraint(node.pointer, node.kind, rule, level_of(sources, levels), sources)


def count_levels(document: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
    for constraint in iter_constraints(document):
        counts[constraint.level] += 1
    return counts


def enforced_profile(
    document: Mapping[str, Any], waived: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A copy of the document keeping only known and standard constraints.

    Works on a resolved or a bundled document alike: every node is relaxed where it stands.
    Decision-level statuses, headers and media types are dropped (not demanded), a decision-level
    closed list of statuses gains a `default` response, and decision-level schema keywords,
    required entries and properties go, so anything the target adds there is accepted. A known
    `type` of a response body also allows `null` (`allows_null`).
    """
    relaxed = copy.deepcopy(dict(document))
    levels = {k: v for k, v in source_levels(relaxed).items() if k not in waived}
    answered = response_schemas(relaxed)
    # Relax the deepest nodes first: dropping a property or response removes its subtree.
    for node in sorted(iter_nodes(relaxed), key=lambda n: -n.pointer.count("/")):
        if negated(node.pointer):
            continue  # kept or dropped whole with its `not`: relaxing inside would narrow
        claimed = claims(node)
        decided = {
            rule for rule in rules_at(node) if level_of(claimed.get(rule, ()), levels) == "decision"
        }
        nullable = _in(node.pointer, answered) and allows_null(node, claimed, levels)
        _relax(node, decided)
        if nullable:
            _allow_null(node.value)
    return relaxed


def negated(pointer: str) -> bool:
    """Whether the node sits inside a `not` (a property named `not` does not count)."""
    tokens = pointer.split("/")
    named = ("properties", "schemas")  # a property or a component called `not`
    return any(t == "not" and tokens[i - 1] not in named for i, t in enumerate(tokens) if i)


def allows_null(
    node: Node, claimed: Mapping[str, tuple[str, ...]], levels: Mapping[str, Level]
) -> bool:
    """Whether the enforced view of this response schema lets a value be `null`: its type is
    known (the provider's pages or example show the type a value has when it is there, never
    that it cannot be null) and no claim says `nullable: false`. A standard type stays as the
    standard states it; a decision-level type is dropped anyway."""
    if node.kind != "schema" or "type" not in node.value or node.value.get("nullable") is True:
        return False
    if level_of(claimed.get("type", ()), levels) != "known":
        return False
    return level_of(claimed.get("nullable", ()), levels) == "decision"


def _allow_null(schema: dict[str, Any]) -> None:
    schema["nullable"] = True
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"].append(None)  # a closed list would still refuse null


def response_schemas(document: Mapping[str, Any]) -> tuple[str, ...]:
    """Pointer prefixes of every schema that describes a response body: those under a
    response's content, and every named schema they reach by `$ref`. (A named schema a request
    also used would be among them: the spec keeps the two apart.)"""
    bodies = dict(_response_bodies(document))
    components = (document.get("components") or {}).get("schemas") or {}
    pending = list(bodies.values())
    reached: set[str] = set()
    while pending:
        for ref in _refs(pending.pop()):
            found = COMPONENT_SCHEMA.match(ref)
            name = unescape(found.group(1)) if found else ""
            if name in components and name not in reached:
                reached.add(name)
                pending.append(components[name])
    return (*bodies, *(f"/components/schemas/{escape(name)}" for name in sorted(reached)))


def _response_bodies(document: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(pointer, schema) of every response body, a `$ref` included."""
    responses = [
        (f"/components/responses/{escape(name)}", response)
        for name, response in ((document.get("components") or {}).get("responses") or {}).items()
    ]
    for node in iter_nodes(document):
        if node.kind == "operation":
            for status, response in (node.value.get("responses") or {}).items():
                responses.append((f"{node.pointer}/responses/{escape(str(status))}", response))
    for pointer, response in responses:
        if not _is_node(response):
            continue
        for media, content in (response.get("content") or {}).items():
            if isinstance(content, dict) and isinstance(content.get("schema"), dict):
                yield f"{pointer}/content/{escape(media)}/schema", content["schema"]


def _in(pointer: str, prefixes: tuple[str, ...]) -> bool:
    return any(pointer == p or pointer.startswith(f"{p}/") for p in prefixes)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _relax(node: Node, decided: set[str]) -> None:
    value = node.value
    if node.kind == "operation":
        responses = value.get("responses") or {}
        for rule in sorted(decided):
            if rule.startswith("responses/"):
                responses.pop(rule.removeprefix("responses/"), None)
        if "responses" in decided:
            responses.setdefault(
                "default", {"description": "Any status: the closed list is our decision."}
            )
        if "security" in decided:
            value.pop("security", None)
        value["responses"] = responses
        return
    if node.kind in ("parameter", "header", "requestBody") and "required" in decided:
        value["required"] = False
    for section in ("content", "headers"):
        if node.kind in ("requestBody", "response") and isinstance(value.get(section), dict):
            for rule in decided:
                if rule.startswith(f"{section}/"):
                    value[section].pop(rule.removeprefix(f"{section}/"), None)
            if value[section]:
                continue
            if section == "content" and node.kind == "requestBody":
                value[section] = {"*/*": {}}  # a body must say something: any media type
            else:
                del value[section]
    if node.kind != "schema":
        return
    for rule in decided:
        if rule in SCHEMA_KEYWORDS or rule == "nullable":
            value.pop(rule, None)
        elif rule.startswith("properties/"):
            (value.get("properties") or {}).pop(rule.removeprefix("properties/"), None)
    if "required" in value:
        kept = [name for name in value["required"] if f"required/{name}" not in decided]
        if kept:
            value["required"] = kept
        else:
            del value["required"]
