"""The pure validation functions, one test per branch."""

import pytest

from mock_server.problems import ApiProblem
from mock_server.scenarios import Scenario
from mock_server.validation import (
    MAX_DEPTH,
    convert_parameter,
    parse_json,
    require_media_type,
    superseded_headers,
    to_json_schema,
)


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        ("42", {"type": "integer"}, 42),
        ("²", {"type": "integer"}, "²"),
        ("9" * 5000, {"type": "integer"}, "9" * 5000),
        ("1.5", {"type": "number"}, 1.5),
        ("nan", {"type": "number"}, "nan"),
        ("x", {"type": "number"}, "x"),
        ("true", {"type": "boolean"}, True),
        ("false", {"type": "boolean"}, False),
        ("yes", {"type": "boolean"}, "yes"),
        ("007", {"type": "string"}, "007"),
    ],
)
def test_parameters_are_converted_by_their_schema_type(value, schema, expected):
    assert convert_parameter(value, schema) == expected


def test_nullable_becomes_a_null_type_and_enum_member():
    assert to_json_schema({"type": "string", "nullable": True, "enum": ["a"]}) == {
        "type": ["string", "null"],
        "enum": ["a", None],
    }
    assert to_json_schema({"items": [{"type": "integer", "nullable": False}]}) == {
        "items": [{"type": "integer"}]
    }


def test_the_query_supersedes_a_same_named_header():
    params = {
        "header": [{"name": "Api-Version"}, {"name": "Client-Session-Id"}],
        "query": [{"name": "api-version"}],
    }
    assert superseded_headers(params) == {"Api-Version": "api-version"}


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"\xff",
        b"NaN",
        b"[Infinity]",
        b"1" * 4400,
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b'"\\udc00"',
        b'{"\\ud800": 1}',
    ],
)
def test_unsafe_json_is_a_400(raw):
    with pytest.raises(ApiProblem) as caught:
        parse_json(raw)
    assert caught.value.status == 400 and caught.value.errors


def test_safe_json_and_empty_bodies():
    assert parse_json(b"  ") is None
    assert parse_json(b'{"a": ["\\u00e9"]}') == {"a": ["é"]}
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


@pytest.mark.parametrize(
    ("content_type", "has_body", "status"),
    [
        (None, False, None),
        (None, True, 415),
        ("application/json", True, None),
        ("Application/JSON; charset=utf-8", True, None),
        ("application/json; charset=iso-8859-1", True, 415),
        ("application/merge-patch+json", True, 415),
        ("text/plain", True, 415),
    ],
)
def test_media_type_must_be_documented(content_type, has_body, status):
    documented = frozenset({"application/json"})
    if status is None:
        require_media_type(content_type, documented, has_body)
        return
    with pytest.raises(ApiProblem) as caught:
        require_media_type(content_type, documented, has_body)
    assert caught.value.status == status


def test_preference_applied_lists_only_what_was_asked_and_honoured():
    assert Scenario(code=200).applied() == ""  # code=200 alone runs the real operation
    assert Scenario(code=404, asked=frozenset({"code"})).applied() == "code=404"
    assert Scenario(code=200, example="x", asked=frozenset({"example"})).applied() == "example=x"
    assert Scenario(delay_ms=5, asked=frozenset({"delay"})).applied() == "delay=5"
