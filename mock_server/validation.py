"""Request validation that reports every error, not the first, as the contract's 400 map.

The pure functions here serve both ways into the mock: connexion's `validator_map` (the
classes below) and the fast lane. Each schema is compiled once (jsonschema-rs).
"""

from __future__ import annotations

import json
import typing as t
from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

import jsonschema_rs
from connexion.lifecycle import ConnexionRequest
from connexion.validators import AbstractRequestBodyValidator, ParameterValidator
from starlette.datastructures import Headers
from starlette.types import Receive, Scope

from mock_server.problems import ApiProblem, validation_problem

_compiled: dict[int, tuple[object, t.Any]] = {}
Errors = dict[str, list[str]]


def compiled(schema: dict) -> t.Any:
    """One compiled validator per schema object of the resolved spec, for the process."""
    entry = _compiled.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, jsonschema_rs.Draft4Validator(schema, validate_formats=True))
        _compiled[id(schema)] = entry
    return entry[1]


def parameter_errors(
    parameters: Mapping[str, list[dict]],
    sources: Mapping[str, Mapping[str, str]],
    *,
    known_query: AbstractSet[str] | None = None,
) -> Errors:
    """Errors of every parameter; with `known_query`, undocumented query parameters too."""
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
            value = values.get(name.replace("-", "_") if location == "path" else name)
            if value is None:
                if param.get("required"):
                    errors[name].append(f"required {location} parameter is missing")
                continue
            for error in compiled(param.get("schema", {})).iter_errors(value):
                errors[name].append(error.message)
    return dict(errors)


def parse_json_body(raw: bytes, encoding: str = "utf-8") -> t.Any:
    """The JSON document in `raw`; None when empty; a 400 problem when it is not JSON."""
    if not raw.strip():
        return None
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise validation_problem({"body": [f"the body is not valid {encoding} text"]}) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise validation_problem(
            {"body": [f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]}
        ) from None
    except RecursionError:
        raise validation_problem({"body": ["JSON nested too deeply"]}) from None


def body_errors(schema: dict, body: t.Any) -> Errors:
    if body is None:
        return {"body": ["a JSON request body is required"]}
    errors: Errors = defaultdict(list)
    try:
        found = list(compiled(schema).iter_errors(body))
    except RecursionError:
        return {"body": ["JSON nested too deeply"]}
    for error in found:
        errors[".".join(map(str, error.instance_path)) or "body"].append(error.message)
    return dict(errors)


def require_json_content_type(content_type: str | None, has_body: bool) -> None:
    """A body must say it is JSON; connexion would guess, validate, then hand over raw bytes."""
    if content_type is None:
        if has_body:
            raise ApiProblem(415, "Content-Type: application/json is required for this body.")
        return
    mime = content_type.split(";")[0].strip().lower()
    if not (mime == "application/json" or mime.endswith("+json")):
        raise ApiProblem(415, f"Content-Type {mime!r} is not accepted; send application/json.")


class CollectingParameterValidator(ParameterValidator):
    def validate_request(self, request: ConnexionRequest) -> None:
        known = None
        if self.strict_validation:
            known = {
                p["name"] for p in self.parameters.get("query", [])
            } | self.security_query_params
        sources = {
            "query": request.query_params,
            "path": request.path_params,
            "header": request.headers,
            "cookie": request.cookies,
        }
        errors = parameter_errors(self.parameters, sources, known_query=known)
        if errors:
            raise validation_problem(errors)


class CollectingJSONBodyValidator(AbstractRequestBodyValidator):
    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        headers = Headers(scope=scope)
        if "content-type" not in headers:
            require_json_content_type(None, bool(int(headers.get("content-length") or 0)))
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        return parse_json_body(
            b"".join([chunk async for chunk in stream]), self._encoding or "utf-8"
        )

    def _validate(self, body: t.Any) -> dict | None:
        if body is None and self._nullable:
            return None
        errors = body_errors(self._schema, body)
        if errors:
            raise validation_problem(errors)
        return body
