"""Direct tests of mock_server.problems: the catalogue read off a contract, and the renderer."""

from __future__ import annotations

import json
import logging
import re
from types import SimpleNamespace

import pytest
from ndt_contract import Operation
from starlette.exceptions import HTTPException

from mock_server.problems import (
    FALLBACK_TYPES,
    PROBLEM_JSON,
    ApiProblem,
    ProblemCatalogue,
    ProblemKind,
    as_api_problem,
    new_trace_id,
    render_problem,
    validation_problem,
)


def problem_response(type_schema: dict, examples: dict | None = None, headers=None) -> dict:
    media = {"schema": type_schema}
    if examples is not None:
        media["examples"] = {k: {"value": v} for k, v in examples.items()}
    return {"content": {PROBLEM_JSON: media}, **({"headers": headers} if headers else {})}


def enum_type(value: str) -> dict:
    return {"properties": {"type": {"enum": [value]}}}


OPERATIONS = {
    "First": Operation(
        "First",
        "get",
        "/first",
        {
            "responses": {
                "200": {"description": "ok"},
                # the type inside allOf, the title from the second example that has one
                "404": problem_response(
                    {"allOf": [{"properties": {}}, enum_type("ours:missing")]},
                    {"a": {"detail": "no title"}, "b": {"title": "Nobody here."}},
                ),
                # Retry-After documented with a plain example
                "429": problem_response(
                    enum_type("ours:throttled"),
                    headers={"Retry-After": {"schema": {"type": "integer"}, "example": 30}},
                ),
                # Retry-After documented with named examples only
                "500": problem_response(
                    enum_type("ours:unavailable"),
                    headers={"Retry-After": {"examples": {"soon": {"value": "7"}}}},
                ),
                # Retry-After documented without any example, and a schema without a type
                "503": problem_response({}, headers={"Retry-After": {"schema": {}}}),
                # Retry-After whose example is not a number
                "502": problem_response({}, headers={"Retry-After": {"example": "later"}}),
            }
        },
    ),
    "Second": Operation(
        "Second",
        "get",
        "/second",
        {
            "responses": {
                # the first operation already named 404: the first one wins
                "404": problem_response(enum_type("theirs:missing"), {"x": {"title": "Other."}}),
                # no problem media at all: fallback type, HTTP phrase
                "401": {"description": "no body"},
                "418": {"description": "a teapot"},
            }
        },
    ),
}
CATALOGUE = ProblemCatalogue.from_contract(SimpleNamespace(operations=OPERATIONS))


def test_only_error_statuses_are_catalogued():
    assert sorted(CATALOGUE.kinds) == [401, 404, 418, 429, 500, 502, 503]


@pytest.mark.parametrize(
    "status,kind",
    [
        (404, ProblemKind(404, "ours:missing", "Nobody here.", None)),
        (429, ProblemKind(429, "ours:throttled", "Too Many Requests", 30)),
        (500, ProblemKind(500, "ours:unavailable", "Internal Server Error", 7)),
        (503, ProblemKind(503, "newday:generic:error:unavailable", "Service Unavailable", 1)),
        (502, ProblemKind(502, "about:blank", "Bad Gateway", 1)),
        (401, ProblemKind(401, "newday:generic:error:unauthorised", "Unauthorized", None)),
        (418, ProblemKind(418, "about:blank", "I'm a Teapot", None)),
    ],
)
def test_each_documented_status_is_read_off_the_contract(status, kind):
    assert CATALOGUE.kinds[status] == kind


@pytest.mark.parametrize(
    "status,kind",
    [
        (405, ProblemKind(405, FALLBACK_TYPES[405], "Method Not Allowed", None)),
        (413, ProblemKind(413, FALLBACK_TYPES[413], "Request Entity Too Large", None)),
        (400, ProblemKind(400, FALLBACK_TYPES[400], "Bad Request", None)),
        (409, ProblemKind(409, "about:blank", "Conflict", None)),
    ],
)
def test_undocumented_statuses_fall_back_to_our_types(status, kind):
    assert CATALOGUE.kind(status) == kind


def test_an_empty_catalogue_still_gives_retry_after_on_every_retry_status():
    empty = ProblemCatalogue()
    assert [empty.kind(s).retry_after for s in (429, 500, 503, 404)] == [1, 1, 1, None]


def test_api_problem_keeps_what_it_was_given():
    problem = ApiProblem(409, "detail", errors={"a": ["b"]}, title="T", headers={"Allow": "GET"})
    assert (problem.status, problem.detail, problem.errors, problem.title, problem.headers) == (
        409,
        "detail",
        {"a": ["b"]},
        "T",
        {"Allow": "GET"},
    )
    assert str(problem) == "detail"
    assert str(ApiProblem(418)) == "418"
    assert ApiProblem(400, errors={}).errors is None  # an empty map is no map


def test_validation_problem_is_a_400_with_its_errors_and_a_default_detail():
    problem = validation_problem({"email": ["required"]})
    assert problem.status == 400 and problem.errors == {"email": ["required"]}
    assert problem.detail == "The request does not match the contract."
    assert validation_problem({}, "Custom.").detail == "Custom."


def render(problem: ApiProblem, catalogue: ProblemCatalogue = CATALOGUE):
    status, body, headers = render_problem(catalogue, problem, "00-trace-01")
    return status, json.loads(body), headers


def test_render_a_documented_problem():
    status, body, headers = render(ApiProblem(404, "No customer has this id."))
    assert status == 404
    assert body == {
        "type": "ours:missing",
        "title": "Nobody here.",
        "status": 404,
        "detail": "No customer has this id.",
        "traceId": "00-trace-01",
    }
    assert headers == {"Content-Type": PROBLEM_JSON}


def test_the_problems_own_title_beats_the_catalogues():
    _, body, _ = render(ApiProblem(404, title="Not Found"))
    assert body["title"] == "Not Found" and "detail" not in body


def test_a_400_always_carries_an_errors_map():
    _, body, _ = render(ApiProblem(400, "Bad body."))
    assert body["errors"] == {"request": ["Bad body."]}
    _, body, _ = render(ApiProblem(400))
    assert body["errors"] == {"request": ["Bad Request"]}


def test_errors_are_rendered_when_given_on_any_status():
    _, body, _ = render(ApiProblem(404, errors={"id": ["unknown"]}))
    assert body["errors"] == {"id": ["unknown"]}


def test_retry_after_comes_from_the_catalogue_and_the_problem_may_override_it():
    assert render(ApiProblem(429))[2]["Retry-After"] == "30"
    assert render(ApiProblem(500))[2]["Retry-After"] == "7"
    forced = render(ApiProblem(429, headers={"Retry-After": "120"}))[2]
    assert forced["Retry-After"] == "120"


def test_problem_headers_are_sent_and_content_type_is_problem_json():
    headers = render(ApiProblem(405, headers={"Allow": "GET"}))[2]
    assert headers == {"Content-Type": PROBLEM_JSON, "Allow": "GET"}


def test_an_api_problem_passes_through_as_is():
    problem = ApiProblem(404)
    assert as_api_problem(problem, "t") is problem


def test_a_routing_404_is_the_apis_not_found():
    problem = as_api_problem(HTTPException(404), "t")
    assert (problem.status, problem.title) == (404, "Not Found")
    assert problem.detail == "No such route in the Customer API."


def test_a_routing_405_keeps_its_allow_header():
    problem = as_api_problem(HTTPException(405, headers={"Allow": "GET, POST"}), "t")
    assert problem.status == 405 and problem.headers == {"Allow": "GET, POST"}
    assert problem.detail == "This method is not allowed on this path."
    assert as_api_problem(HTTPException(405), "t").headers == {}


def test_another_client_error_keeps_its_status_and_detail():
    problem = as_api_problem(HTTPException(413, detail="Too big."), "t")
    assert (problem.status, problem.detail) == (413, "Too big.")


def test_an_unexpected_error_is_a_logged_500_naming_the_trace(caplog):
    with caplog.at_level(logging.ERROR, logger="ndt.mock"):
        problem = as_api_problem(RuntimeError("boom"), "00-abc-01")
    assert problem.status == 500
    assert problem.detail == "The mock failed unexpectedly; traceId 00-abc-01 is in its log."
    assert "unhandled error, traceId 00-abc-01" in caplog.text
    assert caplog.records[0].exc_info[0] is RuntimeError


def test_a_server_side_http_exception_is_also_an_unexpected_500(caplog):
    with caplog.at_level(logging.ERROR, logger="ndt.mock"):
        assert as_api_problem(HTTPException(502), "t").status == 500


def test_trace_ids_are_w3c_trace_context_shaped_and_fresh():
    ids = {new_trace_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", i) for i in ids)
