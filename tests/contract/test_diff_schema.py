"""Direct tests of ndt_contract.diff.schema: each comparison in each direction, on small
schemas, with the rule, message and evidence level it records."""

from __future__ import annotations

import pytest
from ndt_contract.diff.schema import SchemaDiffer, _show, escape, union_keys

SOURCES = {
    "x-evidence-sources": {
        "provider.reference": {"level": "known"},
        "standard.x": {"level": "standard"},
    }
}


def diff(base, head, direction="request", p="/s"):
    differ = SchemaDiffer(SOURCES, SOURCES)
    differ.schema(base, head, p, direction)
    return [(c.pointer, c.rule, c.message, c.evidence) for c in differ.changes]


def one(base, head, direction="request"):
    (found,) = diff(base, head, direction)
    return found


def test_equal_schemas_have_no_changes():
    assert diff({"type": "string", "maxLength": 3}, {"type": "string", "maxLength": 3}) == []


def test_escape_and_union_keys():
    assert escape("a/b~c") == "a~1b~0c" and escape(200) == "200"
    assert union_keys({"b": 1, "a": 2}, {"c": 3, "a": 4}) == ["b", "a", "c"]
    assert union_keys(None, {"x": 1}) == ["x"] and union_keys({}, None) == []


def test_show_cuts_long_values():
    assert _show({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    assert _show("x" * 100) == '"' + "x" * 56 + "..."
    assert len(_show(list(range(50)))) == 60


# -- type and nullable ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old,new,rule,message",
    [
        ("string", "integer", "request-narrowed", "type string -> integer"),
        ("number", "integer", "request-narrowed", "type number -> integer"),
        (None, "string", "request-narrowed", "type any -> string"),
        ("integer", "number", "request-widened", "type integer -> number"),
        ("string", None, "request-widened", "type string -> any"),
    ],
)
def test_request_type_changes(old, new, rule, message):
    b = {"type": old} if old else {}
    h = {"type": new} if new else {}
    assert one(b, h) == ("/s", rule, message, "decision")


@pytest.mark.parametrize(
    "old,new,rule",
    [
        ("string", "integer", "response-type-changed"),
        ("integer", "number", "response-type-changed"),
        ("string", None, "response-type-changed"),  # any value may now come
        (None, "string", "response-constraint-changed"),  # a type pinned: less may come
    ],
)
def test_response_type_changes(old, new, rule):
    b = {"type": old} if old else {}
    h = {"type": new} if new else {}
    assert one(b, h, "response")[1] == rule


@pytest.mark.parametrize(
    "direction,b,h,rule,message",
    [
        ("request", {"nullable": True}, {}, "request-narrowed", "null no longer allowed"),
        ("request", {}, {"nullable": True}, "request-widened", "null now allowed"),
        (
            "response",
            {"nullable": True},
            {"nullable": False},
            "response-constraint-changed",
            "null no longer allowed",
        ),
        ("response", {}, {"nullable": True}, "response-constraint-changed", "null now allowed"),
    ],
)
def test_nullable(direction, b, h, rule, message):
    assert one(b, h, direction) == ("/s", rule, message, "decision")


def test_a_narrowing_takes_the_heads_evidence_and_a_widening_the_bases():
    claimed = {"type": "string", "x-evidence": {"type": "provider.reference"}}
    narrowed = diff(claimed, {**claimed, "type": "boolean"})
    assert narrowed == [("/s", "request-narrowed", "type string -> boolean", "known")]
    widened = diff(
        {"type": "integer", "x-evidence": {"type": "standard.x"}},
        {"type": "number", "x-evidence": {"type": "provider.reference"}},
    )
    assert widened[0] == ("/s", "request-widened", "type integer -> number", "standard")
    assert widened[1] == ("/s/x-evidence", "annotation", "x-evidence changed", "decision")


# -- enum -------------------------------------------------------------------------------------


def test_request_enum_added_narrows():
    assert one({}, {"enum": ["A", "B"]}) == (
        "/s",
        "request-narrowed",
        'enum ["A", "B"] added',
        "decision",
    )


def test_request_enum_dropped_widens():
    assert one({"enum": ["A"]}, {}) == (
        "/s",
        "request-widened",
        "enum dropped: any value accepted",
        "decision",
    )


def test_response_enum_dropped_is_a_value_added():
    assert one({"enum": ["A"]}, {}, "response")[1:3] == (
        "response-enum-value-added",
        "enum dropped: any value",
    )


def test_response_enum_added_only_tightens():
    assert one({}, {"enum": ["A"]}, "response")[1] == "response-constraint-changed"


def test_request_enum_values_removed_and_added():
    assert diff({"enum": ["A", "B"]}, {"enum": ["B", "C"]}) == [
        ("/s", "request-narrowed", 'enum value "A" no longer accepted', "decision"),
        ("/s", "request-widened", 'enum value "C" accepted', "decision"),
    ]


def test_response_enum_values_removed_and_added_with_their_sides_evidence():
    base = {"enum": ["A", "B"], "x-evidence": {"enum": "provider.reference"}}
    head = {"enum": ["B", "C"], "x-evidence": {"enum": "provider.reference"}}
    assert diff(base, head, "response") == [
        ("/s", "response-enum-value-removed", 'enum value "A" removed', "known"),
        ("/s", "response-enum-value-added", 'enum value "C" added', "known"),
    ]


def test_enum_order_and_value_types_matter_by_json_identity():
    assert diff({"enum": ["A", "B"]}, {"enum": ["B", "A"]}) == []
    assert [c[2] for c in diff({"enum": [1]}, {"enum": ["1"]})] == [
        "enum value 1 no longer accepted",
        'enum value "1" accepted',
    ]


# -- pattern, format, multipleOf ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["pattern", "format", "multipleOf"])
def test_a_constraint_added_or_replaced_narrows_and_removed_widens(key):
    assert one({}, {key: "x"}) == ("/s", "request-narrowed", f'{key} none -> "x"', "decision")
    assert one({key: "x"}, {key: "y"}) == (
        "/s",
        "request-narrowed",
        f'{key} "x" -> "y"',
        "decision",
    )
    assert one({key: "x"}, {}) == ("/s", "request-widened", f'{key} "x" -> none', "decision")
    assert one({key: "x"}, {}, "response")[1] == "response-constraint-changed"


# -- bounds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["minLength", "minimum", "minItems", "minProperties"])
def test_lower_bounds(key):
    assert one({key: 1}, {key: 2})[1:3] == ("request-narrowed", f"{key} 1 -> 2")
    assert one({key: 2}, {key: 1})[1:3] == ("request-widened", f"{key} 2 -> 1")
    assert one({}, {key: 1})[1:3] == ("request-narrowed", f"{key} none -> 1")
    assert one({key: 1}, {})[1:3] == ("request-widened", f"{key} 1 -> none")


@pytest.mark.parametrize("key", ["maxLength", "maximum", "maxItems", "maxProperties"])
def test_upper_bounds(key):
    assert one({key: 5}, {key: 3})[1:3] == ("request-narrowed", f"{key} 5 -> 3")
    assert one({key: 3}, {key: 5})[1:3] == ("request-widened", f"{key} 3 -> 5")
    assert one({}, {key: 5})[1:3] == ("request-narrowed", f"{key} none -> 5")
    assert one({key: 5}, {})[1:3] == ("request-widened", f"{key} 5 -> none")
    assert one({key: 5}, {key: 3}, "response")[1] == "response-constraint-changed"


@pytest.mark.parametrize("key", ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"])
def test_flags(key):
    assert one({}, {key: True}) == ("/s", "request-narrowed", f"{key} set", "decision")
    assert one({key: True}, {key: False}) == ("/s", "request-widened", f"{key} unset", "decision")
    assert diff({key: False}, {}) == []  # false and absent mean the same


# -- additionalProperties ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old,new,rule,message",
    [
        (None, False, "request-narrowed", "unknown fields no longer allowed"),
        (True, {"type": "string"}, "request-narrowed", "unknown fields no longer allowed"),
        ({"type": "string"}, False, "request-narrowed", "unknown fields no longer allowed"),
        (False, True, "request-widened", "unknown fields allowed"),
        (False, {"type": "string"}, "request-widened", "unknown fields allowed"),
        ({"type": "string"}, True, "request-widened", "unknown fields allowed"),
    ],
)
def test_additional_properties(old, new, rule, message):
    b = {} if old is None else {"additionalProperties": old}
    h = {"additionalProperties": new}
    assert one(b, h) == ("/s", rule, message, "decision")


def test_additional_properties_schemas_are_compared_inside():
    found = one(
        {"additionalProperties": {"type": "string"}}, {"additionalProperties": {"type": "integer"}}
    )
    assert found == (
        "/s/additionalProperties",
        "request-narrowed",
        "type string -> integer",
        "decision",
    )


def test_absent_and_true_additional_properties_are_the_same():
    assert diff({}, {"additionalProperties": True}) == []


# -- properties and required --------------------------------------------------------------------


def obj(props: dict, required=(), **extra) -> dict:
    schema = {"type": "object", "properties": props, **extra}
    if required:
        schema["required"] = list(required)
    return schema


S = {"type": "string"}


def test_response_field_removed_and_added():
    assert diff(obj({"a": S}), obj({"b": S}), "response") == [
        ("/s/properties/a", "response-field-removed", "field a removed", "decision"),
        ("/s/properties/b", "response-field-added", "field b added", "decision"),
    ]


def test_request_field_removed_from_an_open_object_is_an_element_removed():
    assert one(obj({"a": S}), obj({})) == (
        "/s/properties/a",
        "request-element-removed",
        "field a removed",
        "decision",
    )


def test_request_field_removed_from_a_closed_object_narrows():
    found = diff(obj({"a": S}, additionalProperties=False), obj({}, additionalProperties=False))
    assert found == [
        ("/s/properties/a", "request-narrowed", "field a no longer accepted", "decision")
    ]


def test_request_field_added_optional_or_required():
    assert one(obj({}), obj({"a": S})) == (
        "/s/properties/a",
        "request-field-added",
        "field a added",
        "decision",
    )
    assert one(obj({}), obj({"a": S}, ["a"])) == (
        "/s/properties/a",
        "request-field-required",
        "required field a added",
        "decision",
    )


def test_a_property_compared_inside_with_an_escaped_name():
    assert one(obj({"a/b": S}), obj({"a/b": {"type": "integer"}})) == (
        "/s/properties/a~1b",
        "request-narrowed",
        "type string -> integer",
        "decision",
    )


def test_field_became_required_or_optional_in_each_direction():
    assert one(obj({"a": S}), obj({"a": S}, ["a"])) == (
        "/s/required",
        "request-field-required",
        "field a became required",
        "decision",
    )
    assert one(obj({"a": S}, ["a"]), obj({"a": S})) == (
        "/s/required",
        "request-widened",
        "field a became optional",
        "decision",
    )
    assert one(obj({"a": S}), obj({"a": S}, ["a"]), "response") == (
        "/s/required",
        "response-constraint-changed",
        "field a now always sent",
        "decision",
    )
    assert one(obj({"a": S}, ["a"]), obj({"a": S}), "response") == (
        "/s/required",
        "response-field-optional",
        "field a is no longer required",
        "decision",
    )


def test_required_changes_take_their_evidence_from_the_required_claim():
    claim = {"x-evidence": {"required/a": "provider.reference"}}
    found = diff(obj({"a": S}, ["a"], **claim), obj({"a": S}, **claim), "response")
    assert found == [
        ("/s/required", "response-field-optional", "field a is no longer required", "known")
    ]


def test_a_required_name_without_a_property_is_still_reported():
    assert one(obj({}), obj({}, ["ghost"]))[1:3] == (
        "request-field-required",
        "field ghost became required",
    )


def test_a_new_required_property_is_reported_once_not_twice():
    assert len(diff(obj({}), obj({"a": S}, ["a"]))) == 1
    assert len(diff(obj({"a": S}, ["a"]), obj({}), "response")) == 1


# -- items and composition ----------------------------------------------------------------------


def test_items_are_compared_inside():
    assert (
        one({"type": "array", "items": S}, {"type": "array", "items": {"type": "integer"}})[0]
        == "/s/items"
    )


def test_items_added_is_compared_as_anything_else():
    assert diff({"type": "array"}, {"type": "array", "items": S}) == [
        ("/s/items", "changed", 'items added: {"type": "string"}', "decision")
    ]


def test_composition_parts_compared_by_position():
    found = one({"oneOf": [S, {"type": "integer"}]}, {"oneOf": [S, {"type": "boolean"}]})
    assert found == ("/s/oneOf/1", "request-narrowed", "type integer -> boolean", "decision")


@pytest.mark.parametrize(
    "key,direction,removed_rule,added_rule",
    [
        ("allOf", "request", "request-widened", "request-narrowed"),
        ("allOf", "response", "response-field-removed", "response-constraint-changed"),
        ("oneOf", "request", "request-narrowed", "request-widened"),
        ("anyOf", "request", "request-narrowed", "request-widened"),
        ("anyOf", "response", "response-constraint-changed", "response-constraint-changed"),
    ],
)
def test_composition_parts_removed_and_added(key, direction, removed_rule, added_rule):
    removed = one({key: [S, {"minLength": 1}]}, {key: [S]}, direction)
    assert removed == (f"/s/{key}/1", removed_rule, f"{key} part 1 removed", "decision")
    added = one({key: [S]}, {key: [S, {"minLength": 1}]}, direction)
    assert added == (f"/s/{key}/1", added_rule, f"{key} part 1 added", "decision")


# -- anything else: generic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "key,rule",
    [
        ("description", "documentation"),
        ("title", "documentation"),
        ("summary", "documentation"),
        ("example", "example"),
        ("examples", "example"),
        ("x-assumption", "annotation"),
    ],
)
def test_documentation_examples_and_annotations(key, rule):
    assert one({key: "a"}, {key: "b"}) == (f"/s/{key}", rule, f"{key} changed", "decision")


def test_other_keys_report_added_removed_and_changed_values():
    assert one({}, {"default": "x"}) == ("/s/default", "changed", 'default added: "x"', "decision")
    assert one({"default": "x"}, {}) == (
        "/s/default",
        "changed",
        'default removed (was "x")',
        "decision",
    )
    assert one({"default": 1}, {"default": 2}) == (
        "/s/default",
        "changed",
        "default 1 -> 2",
        "decision",
    )


def test_generic_walks_into_mappings_and_equal_length_lists():
    assert one({"default": {"a": [1, 2]}}, {"default": {"a": [1, 3]}}) == (
        "/s/default/a/1",
        "changed",
        "1 2 -> 3",
        "decision",
    )
    assert one({"default": [1]}, {"default": [1, 2]}) == (
        "/s/default",
        "changed",
        "default [1] -> [1, 2]",
        "decision",
    )


def test_a_schema_that_is_not_a_mapping_is_compared_generically():
    assert diff(True, False) == [("/s", "changed", "s true -> false", "decision")]


def test_escaped_keys_are_read_back_for_classification():
    differ = SchemaDiffer(SOURCES, SOURCES)
    differ.generic("a", "b", "/s/x-a~1b")
    differ.generic("a", "b", "/s/c~0d")
    assert [(c.rule, c.message) for c in differ.changes] == [
        ("annotation", "x-a/b changed"),
        ("changed", 'c~d "a" -> "b"'),
    ]
