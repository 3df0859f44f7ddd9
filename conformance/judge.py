"""Judge one response against both views of the contract.

A departure the *enforced profile* also rejects breaks a known or standard rule: a failure. A
departure only the *full reading* rejects breaks one of our decisions: drift, reported with the
spec location and the change (JSON Patch on the spec file) that would accept what the target did.
Messages name fields and rules, never values: the target's data is PII until proven otherwise.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ndt_contract import Contract
from ndt_contract.bundle import escape, pointer_get
from ndt_contract.evidence import SCHEMA_KEYWORDS, Level, claims, level_of, source_levels
from ndt_contract.evidence import Node as EvidenceNode
from openapi_schema_validator import OAS30Validator, oas30_format_checker

# An enum value short and plain enough to quote in a patch (a code, not a person's data).
PLAIN_CODE = re.compile(r"[A-Za-z0-9 _:.\-]{1,40}")


@dataclass(frozen=True, order=True)
class PatchOp:
    """One JSON Patch operation (RFC 6902) on one spec file."""

    file: str
    op: str
    path: str
    value: Any = field(default=None, compare=False)  # one change per path, whatever its value

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.op != "remove":
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class Judgement:
    level: Level
    rule: str  # "required/id", "pattern", "status", "content-type", "header/Retry-After", ...
    where: str  # "components/schemas.yaml#/Address": the node that states the rule
    message: str  # what came and what the contract says, without the target's values
    sources: tuple[str, ...] = ()
    proposal: tuple[PatchOp, ...] = field(default=(), compare=False)
    field: str = ""  # the instance path in the body, for grouping ("addresses/0/id")

    @property
    def is_failure(self) -> bool:
        return self.level != "decision"

    @property
    def key(self) -> tuple[str, str]:
        """One root cause: the same rule at the same place, whichever response showed it."""
        return (self.where, self.rule)


@dataclass(frozen=True)
class Views:
    """The two views a verdict needs, with the standards this run waives."""

    contract: Contract
    enforced: Mapping[str, Any]
    levels: Mapping[str, Level]

    @classmethod
    def of(cls, contract: Contract, waived: Iterable[str] = ()) -> Views:
        waived = frozenset(waived)
        enforced = contract.enforced_view(waived) if waived else contract.enforced
        levels = {k: v for k, v in source_levels(contract.document).items() if k not in waived}
        return cls(contract, enforced, levels)

    @property
    def full(self) -> Mapping[str, Any]:
        return self.contract.document

    def where(self, pointer: str) -> str:
        file, inner = self.contract.locate(pointer)
        return f"{file}#{inner}"

    def op_at(self, pointer: str, op: str, tail: str = "", value: Any = None) -> PatchOp:
        file, inner = self.contract.locate(pointer)
        return PatchOp(file, op, inner + tail, value)

    def level_at(self, pointer: str, rule: str, kind: str) -> tuple[Level, tuple[str, ...]]:
        try:
            node = pointer_get(self.full, pointer)
        except KeyError:
            return "decision", ()
        sources = claims(EvidenceNode(pointer, kind, node)).get(rule, ())  # type: ignore[arg-type]
        return level_of(sources, self.levels), sources


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _matching_media(content: Mapping[str, Any], received: str) -> str | None:
    if received in content:
        return received
    for media in content:
        if media.endswith("/*") and received.startswith(media[:-1]):
            return media
    return "*/*" if "*/*" in content else None


def operation_pointer(method: str, path: str) -> str:
    return f"/paths/{escape(path)}/{method.lower()}"


def judge_response(
    views: Views,
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
) -> list[Judgement]:
    """Every rule the response departs from, graded. `headers` keys are lower case."""
    op_ptr = operation_pointer(method, path)
    full_op = pointer_get(views.full, op_ptr)
    enforced_op = pointer_get(views.enforced, op_ptr)
    code = str(status)
    full_responses = full_op.get("responses") or {}
    enforced_responses = enforced_op.get("responses") or {}
    if code not in full_responses and "default" not in full_responses:
        return [_undocumented_status(views, op_ptr, status, enforced_responses, body)]
    response_key = code if code in full_responses else "default"
    response_ptr = f"{op_ptr}/responses/{escape(response_key)}"
    full_response = full_responses[response_key]
    enforced_response = enforced_responses.get(response_key) or {}
    found = _judge_headers(views, response_ptr, full_response, enforced_response, headers)
    found += _judge_body(
        views, response_ptr, full_response, enforced_response, headers.get("content-type"), body
    )
    return found


def _undocumented_status(
    views: Views, op_ptr: str, status: int, enforced_responses: Mapping[str, Any], body: bytes
) -> Judgement:
    """Which statuses an operation answers is the contract's reading (the status-codes
    guideline leaves the choice to each team): one it does not list is drift. A success with
    no body where the documented 200 carries a claimed one (a 204 instead of the profile) is
    graded by that claim: what the operation returns did not come."""
    documented = sorted(k for k in pointer_get(views.full, op_ptr).get("responses", {}))
    message = f"answered {status}; the contract documents {', '.join(documented)}"
    success = enforced_responses.get("200") or {}
    if 200 <= status < 300 and not body.strip() and success.get("content"):
        claimed = next(iter(success["content"]))
        level, sources = views.level_at(f"{op_ptr}/responses/200", f"content/{claimed}", "response")
        if level != "decision":
            message += f", and its 200 carries {claimed}: none came"
            return Judgement(level, "status", views.where(op_ptr), message, sources)
    patch = views.op_at(
        op_ptr,
        "add",
        f"/responses/{status}",
        {"description": f"Observed from the target: {status}."},
    )
    return Judgement("decision", "status", views.where(op_ptr), message, proposal=(patch,))


def _judge_headers(
    views: Views,
    response_ptr: str,
    full_response: Mapping[str, Any],
    enforced_response: Mapping[str, Any],
    headers: Mapping[str, str],
) -> list[Judgement]:
    found = []
    for name, header in (full_response.get("headers") or {}).items():
        if not header.get("required") or name.lower() in headers:
            continue
        header_ptr = f"{response_ptr}/headers/{escape(name)}"
        enforced_header = (enforced_response.get("headers") or {}).get(name) or {}
        message = f"no {name} header; the contract requires it on this response"
        if enforced_header.get("required"):
            level, sources = views.level_at(header_ptr, "required", "header")
            found.append(
                Judgement(
                    level if level != "decision" else "standard",
                    f"header/{name}",
                    views.where(header_ptr),
                    message,
                    sources,
                )
            )
        else:
            patch = views.op_at(response_ptr, "remove", f"/headers/{escape(name)}")
            found.append(
                Judgement(
                    "decision",
                    f"header/{name}",
                    views.where(header_ptr),
                    message,
                    proposal=(patch,),
                )
            )
    return found


def _judge_body(
    views: Views,
    response_ptr: str,
    full_response: Mapping[str, Any],
    enforced_response: Mapping[str, Any],
    content_type: str | None,
    body: bytes,
) -> list[Judgement]:
    full_content = full_response.get("content") or {}
    if not full_content:
        return []
    enforced_content = enforced_response.get("content") or {}
    received = media_type(content_type)
    if not body.strip() and not received:
        message = "an empty body; the contract documents " + ", ".join(sorted(full_content))
        if enforced_content:
            level, sources = views.level_at(
                response_ptr, f"content/{next(iter(enforced_content))}", "response"
            )
            return [Judgement(level, "body", views.where(response_ptr), message, sources)]
        return [Judgement("decision", "body", views.where(response_ptr), message)]
    full_media = _matching_media(full_content, received)
    if full_media is None:
        message = f"came as {received or 'no content type'!r}; the contract documents " + ", ".join(
            sorted(full_content)
        )
        if enforced_content and _matching_media(enforced_content, received) is None:
            claimed = next(iter(enforced_content))
            level, sources = views.level_at(response_ptr, f"content/{claimed}", "response")
            return [
                Judgement(
                    level if level != "decision" else "standard",
                    "content-type",
                    views.where(response_ptr),
                    message,
                    sources,
                )
            ]
        patch = views.op_at(response_ptr, "add", f"/content/{escape(received or '*/*')}", {})
        return [
            Judgement(
                "decision", "content-type", views.where(response_ptr), message, proposal=(patch,)
            )
        ]
    schema = (full_content[full_media] or {}).get("schema")
    if schema is None or "json" not in full_media:
        return []
    try:
        instance = json.loads(body)
    except ValueError:
        level = "standard" if enforced_content else "decision"
        return [
            Judgement(
                level,
                "json",
                views.where(response_ptr),
                f"a {full_media} body that is not JSON",
                ("standard.problem-details",) if level == "standard" else (),
            )
        ]
    schema_ptr = f"{response_ptr}/content/{escape(full_media)}/schema"
    enforced_media = _matching_media(enforced_content, received)
    enforced_schema = (
        (enforced_content.get(enforced_media) or {}).get("schema") if enforced_media else None
    )
    return judge_instance(views, schema_ptr, schema, enforced_schema, instance)


# Schema errors read from one body: enough to name every rule a response breaks, and a bound on
# the time a hostile body (thousands of broken items) can cost the run or the proxy.
MAX_SCHEMA_ERRORS = 200


def _errors(schema: Mapping[str, Any] | None, instance: Any) -> list[Any]:
    if schema is None:
        return []
    validator = OAS30Validator(schema, format_checker=oas30_format_checker)
    return list(itertools.islice(validator.iter_errors(instance), MAX_SCHEMA_ERRORS))


def _error_key(error: Any) -> tuple[Any, ...]:
    return (tuple(error.absolute_path), tuple(error.absolute_schema_path), _missing(error))


def _missing(error: Any) -> str:
    """The one property a `required` error is about (jsonschema raises one per property)."""
    if error.validator != "required" or not isinstance(error.instance, dict):
        return ""
    missing: list[str] = [p for p in error.validator_value if p not in error.instance]
    named = [p for p in missing if error.message.startswith(f"{p!r} ")]
    return (named or missing or [""])[0]


def _leaves(errors: list[Any]) -> list[Any]:
    """The errors that name a rule: a failed anyOf/oneOf/allOf is explained by its context."""
    out = []
    for error in errors:
        if error.validator in ("allOf",) and error.context:
            out += _leaves(list(error.context))
        else:
            out.append(error)
    return out


def judge_instance(
    views: Views,
    schema_ptr: str,
    schema: Mapping[str, Any],
    enforced_schema: Mapping[str, Any] | None,
    instance: Any,
) -> list[Judgement]:
    """Schema departures of one body: failures where the enforced schema rejects it too."""
    enforced_keys = {_error_key(e) for e in _leaves(_errors(enforced_schema, instance))}
    found: dict[tuple[str, str], Judgement] = {}
    for error in _leaves(_errors(schema, instance)):
        judgement = _schema_judgement(views, schema_ptr, error, _error_key(error) in enforced_keys)
        found.setdefault((judgement.where, judgement.rule + judgement.field), judgement)
    return list(found.values())


def _schema_judgement(views: Views, schema_ptr: str, error: Any, enforced: bool) -> Judgement:
    tokens = [escape(str(t)) for t in error.absolute_schema_path]
    keyword = str(error.validator)
    node_ptr = schema_ptr + "".join(f"/{t}" for t in tokens[:-1])
    instance_path = "/".join(str(p) for p in error.absolute_path)
    at = f"`{instance_path}`" if instance_path else "the body"
    missing = _missing(error)
    rule = f"required/{missing}" if missing else keyword
    where = views.where(node_ptr)
    if keyword == "required" and missing:
        message = f"{at} has no `{missing}`; the contract requires it"
    elif keyword == "additionalProperties":
        message = f"{at} has properties the contract does not list"
    elif keyword == "type":
        message = f"{at} is {_json_type(error.instance)}; the contract says {error.validator_value}"
    else:
        message = f"{at} breaks `{keyword}` ({_describe(keyword, error.validator_value)})"
    if enforced:
        level, sources = views.level_at(node_ptr, rule, "schema")
        return Judgement(
            level if level != "decision" else "standard",
            rule,
            where,
            message,
            sources,
            field=instance_path,
        )
    return Judgement(
        "decision",
        rule,
        where,
        message,
        proposal=_proposal(views, node_ptr, keyword, missing, error),
        field=instance_path,
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), "an array" if isinstance(value, list) else "an object"
    )


def _describe(keyword: str, value: Any) -> str:
    if keyword == "enum":
        return f"{len(value)} documented values"
    if keyword in ("anyOf", "oneOf"):
        return f"matches none of its {len(value)} documented shapes"
    if isinstance(value, (str, int, float)) and len(str(value)) <= 80:
        return f"{keyword}: {value}"
    return keyword


def _proposal(
    views: Views, node_ptr: str, keyword: str, missing: str, error: Any
) -> tuple[PatchOp, ...]:
    """The smallest change to the spec file that accepts what came."""
    node = pointer_get(views.full, node_ptr)
    if missing:
        index = list(node.get("required") or []).index(missing)
        return (views.op_at(node_ptr, "remove", f"/required/{index}"),)
    if keyword == "type" and error.instance is None:
        return (views.op_at(node_ptr, "add", "/nullable", True),)
    if (
        keyword == "enum"
        and isinstance(error.instance, str)
        and PLAIN_CODE.fullmatch(error.instance)
    ):
        return (views.op_at(node_ptr, "add", "/enum/-", error.instance),)
    if keyword in SCHEMA_KEYWORDS or keyword in ("format", "nullable"):
        return (views.op_at(node_ptr, "remove", f"/{keyword}"),)
    return ()
