"""Direct tests of ndt_contract.diff.documents: the document walk (paths, operations, parameters, bodies,
responses, headers, media types, security), on tiny documents built inline."""

from __future__ import annotations

import copy

import pytest
from ndt_contract.diff.documents import _by_template, _param_key, _ways_in, diff_documents

SOURCES = {"provider.reference": {"level": "known"}, "standard.x": {"level": "standard"}}


def doc(paths: dict, version: str = "1.0", **extra) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": version},
        "x-evidence-sources": SOURCES,
        "paths": paths,
        **extra,
    }


def op(**extra) -> dict:
    return {"operationId": "Op", "responses": {"200": {"description": "ok"}}, **extra}


def changes(base: dict, head: dict) -> list[tuple[str, str, str, str]]:
    return [(c.pointer, c.rule, c.message, c.evidence) for c in diff_documents(base, head).changes]


def test_identical_documents_have_no_changes_and_need_no_bump():
    result = diff_documents(doc({"/a": {"get": op()}}), doc({"/a": {"get": op()}}), "x", "y")
    assert (result.base_label, result.head_label, result.changes) == ("x", "y", ())
    assert result.counts == {"breaking": 0, "minor": 0, "patch": 0}
    assert result.version.ok and result.version.required is None


def test_an_operation_removed_and_one_added_with_their_evidence():
    claimed = op(**{"x-evidence": {"operation": "provider.reference"}})
    found = changes(doc({"/a": {"get": claimed}}), doc({"/a": {"post": op()}}))
    assert found == [
        ("/paths/~1a/get", "operation-removed", "GET /a removed", "known"),
        ("/paths/~1a/post", "operation-added", "POST /a added", "decision"),
    ]


def test_a_whole_path_removed():
    assert changes(doc({"/a": {"get": op()}, "/b": {"get": op()}}), doc({"/a": {"get": op()}})) == [
        ("/paths/~1b/get", "operation-removed", "GET /b removed", "decision")
    ]


def test_a_renamed_path_parameter_is_the_same_path():
    def param(name: str) -> dict:
        return {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}

    base = doc({"/c/{id}": {"get": op(parameters=[param("id")])}})
    head = doc({"/c/{customerId}": {"get": op(parameters=[param("customerId")])}})
    assert changes(base, head) == [
        (
            "/paths/~1c~1{customerId}",
            "path-parameter-renamed",
            "/c/{id} -> /c/{customerId}: the URLs are the same",
            "decision",
        )
    ]


def test_other_path_item_keys_are_compared_generically():
    found = changes(
        doc({"/a": {"summary": "x", "get": op()}}), doc({"/a": {"summary": "y", "get": op()}})
    )
    assert found == [("/paths/~1a/summary", "documentation", "summary changed", "decision")]


def query(name="q", required=False, **extra):
    return {
        "in": "query",
        "name": name,
        "required": required,
        "schema": {"type": "string"},
        **extra,
    }


@pytest.mark.parametrize(
    "before,after,expected",
    [
        (
            [],
            [query()],
            ("/paths/~1a/get/parameters/0", "parameter-added", "GET /a: query parameter q added"),
        ),
        (
            [],
            [query(required=True)],
            (
                "/paths/~1a/get/parameters/0",
                "parameter-required",
                "GET /a: query parameter q added, required",
            ),
        ),
        (
            [query()],
            [],
            (
                "/paths/~1a/get/parameters/0",
                "request-element-removed",
                "GET /a: query parameter q removed",
            ),
        ),
        (
            [query()],
            [query(required=True)],
            (
                "/paths/~1a/get/parameters/0",
                "parameter-required",
                "GET /a: query parameter q became required",
            ),
        ),
        (
            [query(required=True)],
            [query()],
            (
                "/paths/~1a/get/parameters/0",
                "request-widened",
                "GET /a: query parameter q became optional",
            ),
        ),
    ],
)
def test_parameters(before, after, expected):
    found = changes(
        doc({"/a": {"get": op(parameters=before)}}), doc({"/a": {"get": op(parameters=after)}})
    )
    assert [f[:3] for f in found] == [expected]


def test_a_parameters_schema_is_compared_in_the_request_direction():
    narrowed = query(schema={"type": "string", "maxLength": 5})
    found = changes(
        doc({"/a": {"get": op(parameters=[query()])}}),
        doc({"/a": {"get": op(parameters=[narrowed])}}),
    )
    assert found == [
        (
            "/paths/~1a/get/parameters/0/schema",
            "request-narrowed",
            "maxLength none -> 5",
            "decision",
        )
    ]


def test_parameter_documentation_is_a_patch():
    found = changes(
        doc({"/a": {"get": op(parameters=[query(description="a")])}}),
        doc({"/a": {"get": op(parameters=[query(description="b")])}}),
    )
    assert found == [
        (
            "/paths/~1a/get/parameters/0/description",
            "documentation",
            "description changed",
            "decision",
        )
    ]


def test_header_parameters_match_whatever_their_case_and_item_parameters_count():
    def header(name: str) -> dict:
        return {"in": "header", "name": name, "schema": {"type": "string"}}

    base = doc({"/a": {"parameters": [header("Api-Version")], "get": op()}})
    head = doc({"/a": {"get": op(parameters=[header("api-version")])}})
    assert changes(base, head) == []


def test_param_keys():
    assert _param_key({"in": "path", "name": "id"}, ["x", "id"]) == ("path", "#1")
    assert _param_key({"in": "path", "name": "other"}, ["id"]) == ("path", "other")
    assert _param_key({"in": "header", "name": "Api-Version"}, []) == ("header", "api-version")
    assert _param_key({"in": "query", "name": "Q"}, []) == ("query", "Q")
    assert _by_template({"/c/{id}/x": 1, "/d": 2}) == {"/c/{}/x": "/c/{id}/x", "/d": "/d"}


def body(required=False, schema=None, media="application/json"):
    return {"required": required, "content": {media: {"schema": schema or {"type": "object"}}}}


@pytest.mark.parametrize(
    "before,after,rule,message",
    [
        (None, body(), "request-field-added", "POST /a: request body added"),
        (None, body(required=True), "parameter-required", "POST /a: request body added"),
        (body(), None, "request-element-removed", "POST /a: request body removed"),
        (body(), body(required=True), "parameter-required", "POST /a: body became required"),
        (body(required=True), body(), "request-widened", "POST /a: body became optional"),
        (
            body(),
            body(media="text/plain"),
            "media-type-changed",
            "POST /a: application/json removed",
        ),
    ],
)
def test_request_bodies(before, after, rule, message):
    b_op = op(**({"requestBody": before} if before else {}))
    h_op = op(**({"requestBody": after} if after else {}))
    found = changes(doc({"/a": {"post": b_op}}), doc({"/a": {"post": h_op}}))
    assert (found[0][1], found[0][2]) == (rule, message)


def test_a_media_type_added_beside_the_old_one_is_minor():
    both = {
        "required": False,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {}},
        },
    }
    found = changes(
        doc({"/a": {"post": op(requestBody=body(schema={}))}}),
        doc({"/a": {"post": op(requestBody=both)}}),
    )
    assert found == [
        (
            "/paths/~1a/post/requestBody/content/text~1plain",
            "media-type-added",
            "POST /a: text/plain added",
            "decision",
        )
    ]


def test_a_request_body_schema_is_compared_in_the_request_direction():
    b = body(schema={"type": "object", "properties": {"a": {"type": "string"}}})
    h = body(schema={"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})
    found = changes(
        doc({"/a": {"post": op(requestBody=b)}}), doc({"/a": {"post": op(requestBody=h)}})
    )
    assert found == [
        (
            "/paths/~1a/post/requestBody/content/application~1json/schema/required",
            "request-field-required",
            "field a became required",
            "decision",
        )
    ]


def test_statuses_removed_and_added_with_the_operations_claim():
    base_op = op(
        responses={"200": {"description": "ok"}, "429": {"description": "slow"}},
        **{"x-evidence": {"responses/429": "standard.x"}},
    )
    head_op = op(responses={"200": {"description": "ok"}, "404": {"description": "none"}})
    assert changes(doc({"/a": {"get": base_op}}), doc({"/a": {"get": head_op}})) == [
        (
            "/paths/~1a/get/responses/429",
            "status-removed",
            "GET /a: 429 no longer documented",
            "standard",
        ),
        ("/paths/~1a/get/responses/404", "status-added", "GET /a: 404 documented", "decision"),
        ("/paths/~1a/get/x-evidence", "annotation", "x-evidence changed", "decision"),
    ]


def response(headers=None, schema=None, **extra):
    out = {"description": "ok", **extra}
    if headers is not None:
        out["headers"] = headers
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def with_response(resp: dict) -> dict:
    return doc({"/a": {"get": op(responses={"200": resp})}})


H = {"schema": {"type": "string"}}


@pytest.mark.parametrize(
    "before,after,rule,message",
    [
        ({"X-A": H}, {}, "response-header-removed", "GET /a 200: header X-A removed"),
        ({}, {"X-A": H}, "response-field-added", "GET /a 200: header X-A added"),
        (
            {"X-A": {**H, "required": True}},
            {"X-A": H},
            "response-header-removed",
            "GET /a 200: header X-A no longer required",
        ),
        (
            {"X-A": H},
            {"X-A": {**H, "required": True}},
            "response-constraint-changed",
            "GET /a 200: header X-A now required",
        ),
    ],
)
def test_response_headers(before, after, rule, message):
    found = changes(with_response(response(before)), with_response(response(after)))
    assert [(f[1], f[2]) for f in found] == [(rule, message)]


def test_a_response_header_schema_is_compared_in_the_response_direction():
    found = changes(
        with_response(response({"X-A": H})),
        with_response(response({"X-A": {"schema": {"type": "integer"}}})),
    )
    assert found == [
        (
            "/paths/~1a/get/responses/200/headers/X-A/schema",
            "response-type-changed",
            "type string -> integer",
            "decision",
        )
    ]


def test_a_response_body_schema_is_compared_in_the_response_direction():
    b = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    h = {"type": "object", "properties": {"a": {"type": "string"}}}
    found = changes(with_response(response(schema=b)), with_response(response(schema=h)))
    assert found == [
        (
            "/paths/~1a/get/responses/200/content/application~1json/schema/properties/b",
            "response-field-removed",
            "field b removed",
            "decision",
        )
    ]


def test_response_media_type_removed_is_breaking():
    found = changes(with_response(response(schema={})), with_response(response()))
    assert found == [
        (
            "/paths/~1a/get/responses/200/content/application~1json",
            "media-type-changed",
            "GET /a 200: application/json removed",
            "decision",
        )
    ]


def test_response_examples_and_descriptions_are_patches():
    b = response(schema={}, description="old")
    h = response(schema={}, description="new")
    h["content"]["application/json"]["example"] = {"a": 1}
    found = changes(with_response(b), with_response(h))
    assert sorted(f[1] for f in found) == ["documentation", "example"]


@pytest.mark.parametrize(
    "root,before,after,expected",
    [
        (
            None,
            [{"bearer": []}],
            [{"bearer": []}, {}],
            [("security-widened", "GET /a: now accepts anonymous calls")],
        ),
        (
            None,
            [{"bearer": []}, {}],
            [{"bearer": []}],
            [("security-narrowed", "GET /a: no longer accepts anonymous calls")],
        ),
        (
            None,
            [{"a": [], "b": []}],
            [{"a": []}],
            [
                ("security-narrowed", "GET /a: no longer accepts a + b"),
                ("security-widened", "GET /a: now accepts a"),
            ],
        ),
        (
            [{"bearer": []}],
            None,
            [],
            [
                ("security-widened", "GET /a: now accepts anonymous calls"),
                ("security-narrowed", "GET /a: no longer accepts bearer"),
            ],
        ),
        ([{"bearer": []}], None, None, []),  # both inherit the root's
    ],
)
def test_security_per_operation_inheriting_the_root(root, before, after, expected):
    extra = {"security": root} if root is not None else {}
    b_op = op(**({"security": before} if before is not None else {}))
    h_op = op(**({"security": after} if after is not None else {}))
    found = changes(doc({"/a": {"get": b_op}}, **extra), doc({"/a": {"get": h_op}}, **extra))
    assert sorted((f[1], f[2]) for f in found) == sorted(expected)


def test_ways_in():
    assert _ways_in(None) == {frozenset()}
    assert _ways_in([]) == {frozenset()}
    assert _ways_in([{"a": []}, {}]) == {frozenset({"a"}), frozenset()}


def test_root_security_changes_are_compared_per_operation_not_at_the_root():
    base = doc({"/a": {"get": op()}}, security=[{"bearer": []}])
    head = doc({"/a": {"get": op()}}, security=[{"bearer": []}, {}])
    assert [f[:2] for f in changes(base, head)] == [("/paths/~1a/get/security", "security-widened")]


def test_info_is_compared_without_its_version_and_other_keys_generically():
    base = doc({}, version="1.0")
    head = copy.deepcopy(base)
    head["info"].update(version="9.0", title="New")
    head["servers"] = [{"url": "http://x"}]
    assert changes(base, head) == [  # minor before patch
        ("/servers", "changed", 'servers added: [{"url": "http://x"}]', "decision"),
        ("/info/title", "documentation", "title changed", "decision"),
    ]


def test_components_are_compared_generically_except_the_skipped_ones():
    from ndt_contract.diff.documents import SKIPPED_COMPONENTS

    skipped = sorted(SKIPPED_COMPONENTS)[0]
    base = doc(
        {},
        components={skipped: {"A": {"type": "string"}}, "securitySchemes": {"b": {"type": "http"}}},
    )
    head = doc(
        {},
        components={
            skipped: {"A": {"type": "integer"}},
            "securitySchemes": {"b": {"type": "apiKey"}},
        },
    )
    assert changes(base, head) == [
        ("/components/securitySchemes/b/type", "changed", 'type "http" -> "apiKey"', "decision")
    ]


def test_changes_are_ordered_breaking_first_and_deduplicated():
    base = doc({"/a": {"get": op()}, "/b": {"get": op()}})
    head = doc({"/a": {"get": op(description="d")}, "/c": {"get": op()}})
    result = diff_documents(base, head)
    assert [c.severity for c in result.changes] == ["breaking", "minor", "patch"]
    assert result.counts == {"breaking": 1, "minor": 1, "patch": 1}
    assert not result.version.ok and result.version.breaking_unannounced
