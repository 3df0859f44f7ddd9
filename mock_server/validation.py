"""Request validators for connexion's `validator_map` that report every error, not the first.

Connexion builds a jsonschema validator per parameter per request and stops at the first error;
these compile each schema once (jsonschema-rs) and collect all errors into the contract's 400
`errors` map: field path -> messages.
"""

from __future__ import annotations

import json
import typing as t
from collections import defaultdict

import jsonschema_rs
from connexion.lifecycle import ConnexionRequest
from connexion.validators import AbstractRequestBodyValidator, ParameterValidator
from starlette.datastructures import Headers
from starlette.types import Receive, Scope

from mock_server.problems import ApiProblem, validation_problem

_compiled: dict[int, tuple[object, t.Any]] = {}


def compiled(schema: dict) -> t.Any:
    """One compiled validator per schema object of the resolved spec, for the process."""
    entry = _compiled.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, jsonschema_rs.Draft4Validator(schema, validate_formats=True))
        _compiled[id(schema)] = entry
    return entry[1]


def error_path(prefix: str, instance_path: t.Sequence[t.Any]) -> str:
    return (
        ".".join([prefix, *map(str, instance_path)])
        if prefix
        else ".".join(map(str, instance_path))
    )


class CollectingParameterValidator(ParameterValidator):
    def validate_request(self, request: ConnexionRequest) -> None:
        errors: dict[str, list[str]] = defaultdict(list)
        if self.strict_validation:
            known = {
                p["name"] for p in self.parameters.get("query", [])
            } | self.security_query_params
            for name in request.query_params:
                if name not in known:
                    errors[name].append(
                        f"unknown query parameter (documented: {sorted(known) or 'none'})"
                    )
        sources = {
            "query": request.query_params,
            "path": request.path_params,
            "header": request.headers,
            "cookie": request.cookies,
        }
        for location, params in self.parameters.items():
            values = sources.get(location, {})
            for param in params:
                name = param["name"]
                key = name.replace("-", "_") if location == "path" else name
                value = values.get(key)
                if value is None:
                    if param.get("required"):
                        errors[name].append(f"required {location} parameter is missing")
                    continue
                schema = param.get("schema", {})
                for error in compiled(schema).iter_errors(value):
                    errors[name].append(error.message)
        if errors:
            raise validation_problem(dict(errors))


class CollectingJSONBodyValidator(AbstractRequestBodyValidator):
    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        # connexion guesses JSON for a body without Content-Type, validates it, then hands the
        # handler raw bytes: refuse it here instead.
        headers = Headers(scope=scope)
        if "content-type" not in headers and int(headers.get("content-length") or 0):
            raise ApiProblem(415, "Content-Type: application/json is required for this body.")
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return None
        try:
            text = raw.decode(self._encoding or "utf-8")
        except (UnicodeDecodeError, LookupError):
            raise validation_problem(
                {"body": [f"the body is not valid {self._encoding or 'utf-8'} text"]}
            ) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise validation_problem(
                {"body": [f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]}
            ) from None
        except RecursionError:
            raise validation_problem({"body": ["JSON nested too deeply"]}) from None

    def _validate(self, body: t.Any) -> dict | None:
        if body is None:
            if self._nullable:
                return None
            raise validation_problem({"body": ["a JSON request body is required"]})
        errors: dict[str, list[str]] = defaultdict(list)
        try:
            found = list(compiled(self._schema).iter_errors(body))
        except RecursionError:
            raise validation_problem({"body": ["JSON nested too deeply"]}) from None
        for error in found:
            errors[error_path("", error.instance_path) or "body"].append(error.message)
        if errors:
            raise validation_problem(dict(errors))
        return body
