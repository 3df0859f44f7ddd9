"""Validation that reports every error, not the first, as the contract's 400 map.

Pure functions: the pipeline calls them for requests, responses (`--validate-responses`) and the
admin API's customers, so all three judge a document the same way. Each schema is converted
from OpenAPI 3.0 (`nullable`) to JSON Schema and compiled once (jsonschema-rs, whose `$` is
the end of the string, unlike Python's `re.search`).
"""

from __future__ import annotations

import json
import math
import typing as t
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet

import jsonschema_rs

from mock_server.problems import ApiProblem, validation_problem

Errors = dict[str, list[str]]
MAX_DEPTH = 64  # decision: the contract's documents nest under 10 levels; deeper is hostile
_compiled: dict[int, tuple[object, t.Any]] = {}


def to_json_schema(schema: t.Any) -> t.Any:
    """An OpenAPI 3.0 schema as JSON Schema draft 4: `nullable: true` becomes a null type."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    converted = {key: to_json_schema(value) for key, value in schema.items()}
    if converted.pop("nullable", False):
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
    return converted


def compiled(schema: Mapping[str, t.Any]) -> t.Any:
    """One compiled validator per schema object of the resolved spec, for the process."""
    entry = _compiled.get(id(schema))
    if entry is None or entry[0] is not schema:
        validator = jsonschema_rs.Draft4Validator(to_json_schema(schema), validate_formats=True)
        entry = (schema, validator)
        _compiled[id(schema)] = entry
    return entry[1]


def document_errors(schema: Mapping[str, t.Any], document: t.Any, root: str = "body") -> Errors:
    """Every schema error of `document`, keyed by the dotted path of the failing value."""
    errors: Errors = defaultdict(list)
    try:
        found = list(compiled(schema).iter_errors(document))
    except (RecursionError, ValueError):  # jsonschema-rs: ValueError a few hundred levels deep
        return {root: [f"nested deeper than {MAX_DEPTH} levels"]}
    for error in found:
        errors[".".join(map(str, error.instance_path)) or root].append(error.message)
    return dict(errors)


def convert_parameter(value: str, schema: Mapping[str, t.Any]) -> t.Any:
    """A parameter's text as its schema's type, so integer and boolean parameters validate.

    Text that is not of the type stays text: the schema then reports it as the wrong type.
    """
    kind = schema.get("type")
    if kind == "integer":
        try:
            return int(value, 10)  # "²".isdigit() is true, int("²") is not; 4,300+ digits fail
        except ValueError:
            return value
    if kind == "number":
        try:
            number = float(value)
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def parameter_errors(
    parameters: Mapping[str, Sequence[Mapping[str, t.Any]]],
    sources: Mapping[str, Mapping[str, str]],
    *,
    known_query: AbstractSet[str] | None = None,
) -> Errors:
    """Errors of every parameter; with `known_query`, undocumented query parameters too.

    Header sources are keyed by lower-case name (HTTP header names ignore case)."""
    errors: Errors = defaultdict(list)
    if known_query is not None:
        for name in sources.get("query", {}):
            if name not in known_query:
                errors[name].append(
                    f"unknown query parameter (documented: {sorted(known_query) or 'none'})"
                )
    for location, params in parameters.items():
        values = sources.get(location, {})
        for param in params:
            name = param["name"]
            value = values.get(name.lower() if location == "header" else name)
            if value is None:
                if param.get("required"):
                    errors[name].append(f"required {location} parameter is missing")
                continue
            schema = param.get("schema", {})
            for error in compiled(schema).iter_errors(convert_parameter(value, schema)):
                errors[name].append(error.message)
    return dict(errors)


def superseded_headers(parameters: Mapping[str, Sequence[Mapping[str, t.Any]]]) -> dict[str, str]:
    """Header parameters a same-named query parameter overrides (`api-version` over
    `Api-Version`, as the contract's descriptions say): header name -> query name."""
    queries = {p["name"].lower(): p["name"] for p in parameters.get("query", [])}
    return {
        p["name"]: queries[p["name"].lower()]
        for p in parameters.get("header", [])
        if p["name"].lower() in queries
    }


def _reject_constant(name: str) -> t.NoReturn:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # one for the process


def _needs_tree_check(raw: bytes) -> bool:
    """Cheap byte tests: only a body with enough brackets can be too deep, and only one with a
    `\\u` escape can hold a lone surrogate (raw UTF-8 cannot encode one)."""
    return raw.count(b"[") + raw.count(b"{") > MAX_DEPTH or b"\\u" in raw


def _check_tree(document: t.Any) -> str | None:
    """Why a parsed document is unsafe to go further (too deep, a lone surrogate), or None."""
    stack: list[tuple[t.Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        children: Iterable[t.Any] = ()
        if isinstance(node, dict):
            for key in node:
                if not _encodable(key):
                    return "a key holds a lone surrogate (not Unicode text)"
            children = node.values()
        elif isinstance(node, list):
            children = node
        elif isinstance(node, str) and not _encodable(node):
            return "a string holds a lone surrogate (not Unicode text)"
        stack.extend((child, depth + 1) for child in children)
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_json(raw: bytes, where: str = "body") -> t.Any:
    """The JSON document in `raw`; None when empty; a 400 problem when it is not safe JSON.

    Not JSON: bad UTF-8, bad syntax, NaN/Infinity, integers over Python's 4,300-digit limit
    (`ValueError`, not `JSONDecodeError`), nesting deeper than MAX_DEPTH, lone surrogates.
    """
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise validation_problem({where: ["the body is not valid UTF-8 text"]}) from None
    try:
        document = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise validation_problem(
            {where: [f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]}
        ) from None
    except RecursionError:
        raise validation_problem({where: [f"nested deeper than {MAX_DEPTH} levels"]}) from None
    except ValueError as exc:
        raise validation_problem({where: [f"not JSON: {exc}"]}) from None
    problem = _check_tree(document) if _needs_tree_check(raw) else None
    if problem:
        raise validation_problem({where: [problem]})
    return document


def body_errors(schema: Mapping[str, t.Any], body: t.Any) -> Errors:
    if body is None:
        return {"body": ["a JSON request body is required"]}
    return document_errors(schema, body)


def require_media_type(
    content_type: str | None, documented: AbstractSet[str], has_body: bool
) -> None:
    """415 unless a body says it is one of the documented media types (exactly: an
    undocumented `+json` type is not JSON the operation accepts)."""
    if content_type is None:
        if has_body:
            raise ApiProblem(
                415,
                f"Content-Type is required for this body; send {', '.join(sorted(documented))}.",
            )
        return
    mime, _, params = content_type.partition(";")
    mime = mime.strip().lower()
    if mime not in documented:
        raise ApiProblem(
            415, f"Content-Type {mime!r} is not accepted; send {', '.join(sorted(documented))}."
        )
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise ApiProblem(415, "JSON is UTF-8; other charsets are not accepted.")
