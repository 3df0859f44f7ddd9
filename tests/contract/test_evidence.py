"""The evidence behind every rule, and the enforced profile built from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from contract.test_lint import replace, spec_copy  # noqa: F401  (the fixture)
from ndt_contract import load_contract
from ndt_contract.bundle import pointer_get, resolve_internal
from ndt_contract.evidence import (
    Node,
    allows_null,
    claims,
    count_levels,
    enforced_profile,
    iter_constraints,
    level_of,
    negated,
    response_schemas,
    rules_at,
    source_levels,
)
from ndt_contract.lint.rules import lint
from ndt_contract.loader import resolve, spec_root
from openapi_schema_validator import OAS30Validator, oas30_format_checker

CONTRACT = load_contract()
LEVELS = {"provider.example": "known", "standard.x": "standard"}


def errors(schema, instance) -> list[str]:
    validator = OAS30Validator(schema, format_checker=oas30_format_checker)
    return [e.message for e in validator.iter_errors(instance)]


def examples(name: str) -> dict:
    return CONTRACT.bundle["components"]["examples"][name]["value"]


# -- the provider's own output is never a failure ------------------------------------------


@pytest.mark.parametrize("version", ["ProviderExampleA", "ProviderExampleB"])
def test_both_provider_example_versions_validate_against_the_enforced_profile(version):
    schemas = CONTRACT.enforced["components"]["schemas"]
    assert errors(schemas["CustomerProfile"], examples(version)) == []
    assert errors(schemas["SearchResponse"], {"values": [examples(version)]}) == []


@pytest.mark.parametrize("version", ["ProviderExampleA", "ProviderExampleB"])
def test_the_full_reading_accepts_both_provider_versions_too(version):
    assert (
        errors(CONTRACT.document["components"]["schemas"]["CustomerProfile"], examples(version))
        == []
    )


def test_version_a_breaks_rules_we_dropped_on_its_evidence():
    """Version A has no address id and an empty countryCode: the full reading once demanded
    both, which is why they are no longer required or patterned that way."""
    address = examples("ProviderExampleA")["addresses"][0]
    assert "id" not in address and address["components"]["countryCode"] == ""


def test_the_enforced_profile_still_rejects_what_the_provider_documents_against():
    schemas = CONTRACT.enforced["components"]["schemas"]
    assert errors(schemas["SearchResponse"], {"results": []})  # the `values` wrapper is known
    assert errors(schemas["SearchResponse"], {"values": {}})  # values is a list
    assert errors(schemas["CustomerProfile"], {"id": 3911000001668971})  # ids are strings
    bad_request = schemas["BadRequestProblem"]
    assert errors(bad_request, {"type": "newday:generic:error:validation", "title": "t"})
    assert errors(
        bad_request, {"type": "newday:generic:error:validation", "title": "t", "errors": {"a": "b"}}
    )
    ok = {"type": "newday:generic:error:validation", "title": "t", "errors": {"a": ["b"]}}
    assert errors(bad_request, ok) == []


# The standard's own sample of a service's custom 400 type, with a member of its own.
CUSTOM_400 = {"type": "newday:kyc:error:authenticationInvalid", "remainingAttempts": 3}


@pytest.mark.parametrize(
    "body", [CUSTOM_400, {"type": "about:blank", "title": "Bad Request"}, {}], ids=repr
)
def test_only_a_validation_400_is_held_to_the_validation_shape(body):
    assert errors(CONTRACT.enforced["components"]["schemas"]["BadRequestProblem"], body) == []
    # Every 400 of ours is a validation one: the full reading (the mock's) still says so.
    assert errors(CONTRACT.document["components"]["schemas"]["BadRequestProblem"], body)


def test_a_500_is_held_to_the_unavailable_type_and_retry_after_in_our_reading_only():
    paths = CONTRACT.enforced["paths"]
    for path, method in (("/customers/{customerId}", "get"), ("/customers/search", "post")):
        response = paths[path][method]["responses"]["500"]
        assert "Retry-After" not in response["headers"]  # the generic 500 sample has none
        schema = response["content"]["application/problem+json"]["schema"]
        assert errors(schema, {}) == [] and errors(schema, {"type": "about:blank"}) == []
        assert errors(schema, {"type": 5})  # still an RFC 7807 problem
    full = CONTRACT.document["paths"]["/customers/search"]["post"]["responses"]["500"]
    assert full["headers"]["Retry-After"]["required"] is True
    assert errors(full["content"]["application/problem+json"]["schema"], {"type": "about:blank"})


def test_a_gateway_401_403_or_429_is_not_held_to_the_api_problem_shape():
    for path, item in CONTRACT.enforced["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            responses = op["responses"]
            assert "401" not in responses and "403" not in responses, (path, method)
            throttled = responses.get("429")
            if throttled:  # only the header the throttling sample shows
                assert "content" not in throttled and list(throttled["headers"]) == ["Retry-After"]


def test_client_session_id_is_accepted_by_standard_and_echoed_by_our_decision():
    op = CONTRACT.enforced["paths"]["/customers/search"]["post"]
    assert any(p["name"] == "Client-Session-Id" for p in op["parameters"])
    for status, response in op["responses"].items():
        assert "Client-Session-Id" not in response.get("headers", {}), status


def test_a_response_api_version_is_major_dot_minor_by_standard():
    header = CONTRACT.enforced["paths"]["/customers/search"]["post"]["responses"]["200"]
    schema = header["headers"]["Api-Version"]["schema"]
    assert errors(schema, "1.0") == [] and errors(schema, "1.3") == []
    assert errors(schema, "1")


def test_search_results_carry_status_accounts_and_applications():
    schema = CONTRACT.enforced["components"]["schemas"]["SearchResponse"]
    profile = dict(examples("ProviderExampleB"))
    assert errors(schema, {"values": [profile]}) == []
    without = {k: v for k, v in profile.items() if k != "status"}
    assert errors(schema, {"values": [without]}), "status"
    # A customer with no account carries none: leaving an empty list out is drift, not a break.
    for field in ("accounts", "applications"):
        without = {k: v for k, v in profile.items() if k != field}
        assert errors(schema, {"values": [without]}) == [], field
        full = CONTRACT.document["components"]["schemas"]["SearchResponse"]
        assert errors(full, {"values": [without]}), f"{field}: still our reading"
    assert errors(schema, {"values": [{**profile, "accounts": [{}]}]})
    assert errors(schema, {"values": [{**profile, "applications": [{}]}]})


def test_the_verify_request_field_names_are_known():
    schemas = CONTRACT.document["components"]["schemas"]
    for name, field in (
        ("EmailValidationRequest", "emailAddress"),
        ("UkMobileValidationRequest", "phoneNumber"),
    ):
        node = Node(f"/components/schemas/{name}", "schema", schemas[name])
        assert claims(node)[f"properties/{field}"] == ("provider.reference",)


def test_the_enforced_profile_accepts_legitimate_differences():
    schemas = CONTRACT.enforced["components"]["schemas"]
    profile = {"id": "12", "status": "Dormant", "extra": {"x": 1}, "accounts": []}
    assert errors(schemas["CustomerProfile"], profile) == []
    assert errors(schemas["CustomerProfile"], {}) == []  # no field is known to be required
    assert errors(schemas["UnavailableProblem"], {"type": "newday:generic:error:unavailable"}) == []
    assert errors(schemas["Problem"], {}) == []  # the standard's 401/403/415 samples are `{}`
    assert errors(schemas["NotFoundProblem"], {"type": "about:blank"}) == []  # "should be omitted"


# -- nullability: documented for no field ------------------------------------------------------


def test_version_b_shows_null_where_version_a_shows_text():
    a = examples("ProviderExampleA")["addresses"][0]["components"]
    b = examples("ProviderExampleB")["addresses"][0]["components"]
    assert a["county"] == "" and b["county"] is None


@pytest.mark.parametrize("field", ["title", "middleNames", "dateOfBirth", "accounts", "contact"])
def test_a_null_field_is_drift_not_a_failure(field):
    body = {**examples("ProviderExampleB"), field: None}
    assert errors(CONTRACT.enforced["components"]["schemas"]["CustomerProfile"], body) == []
    assert errors(CONTRACT.document["components"]["schemas"]["CustomerProfile"], body)
    path = CONTRACT.enforced["paths"]["/customers/{customerId}"]["get"]["responses"]["200"]
    assert errors(path["content"]["application/json"]["schema"], body) == []


def test_what_is_claimed_never_null_stays_strict():
    schemas = CONTRACT.enforced["components"]["schemas"]
    assert errors(schemas["CustomerProfile"], None)  # the operation returns the profile
    assert errors(schemas["SearchResponse"], None)
    assert errors(schemas["SearchResponse"], {"values": None})  # an empty collection is []
    assert errors(schemas["SearchResponse"], {"values": [None]})  # a result is a profile
    assert errors(schemas["CustomerProfile"], {"id": 5})  # a known type still holds when set


def test_a_request_never_relaxes_to_null():
    body = CONTRACT.enforced["paths"]["/customers/search"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert errors(schema, {"filter": {"givenName": "Amelia"}}) == []
    assert errors(schema, {"filter": {"givenName": None}})


def test_both_derivations_agree_on_every_operation():
    """The loader derives from the bundle (whose `$ref`s say what a response reaches); the
    resolved document gives the same operations, since no schema is shared by a request and
    a response."""
    assert CONTRACT.enforced["paths"] == enforced_profile(CONTRACT.document)["paths"]


# -- relaxing is total, and keeps what is claimed ----------------------------------------------


@pytest.mark.parametrize("view", ["bundle", "document"])
def test_no_decision_level_constraint_survives_into_the_enforced_profile(view):
    document = getattr(CONTRACT, view)
    survivors = [c for c in iter_constraints(enforced_profile(document)) if c.level == "decision"]
    assert survivors == []


@pytest.mark.parametrize("view", ["bundle", "document"])
def test_every_claimed_constraint_survives_unless_a_dropped_rule_held_it(view):
    document = getattr(CONTRACT, view)
    relaxed = enforced_profile(document)
    kept = set(iter_constraints(relaxed))
    for constraint in iter_constraints(document):
        if constraint.level == "decision":
            continue
        try:
            pointer_get(relaxed, constraint.pointer)
        except KeyError:
            continue  # it sat under a decision-level response, header or property
        assert constraint in kept, constraint


def test_waiving_a_standard_relaxes_exactly_its_rules():
    full = CONTRACT.document
    waived = frozenset({"standard.throttling"})
    relaxed = enforced_profile(full, waived)
    responses = relaxed["paths"]["/customers/search"]["post"]["responses"]
    assert "429" not in responses  # the status itself rested on the throttling standard
    assert responses["500"]["headers"]["Api-Version"]["required"] is True  # not waived
    assert not [c for c in iter_constraints(relaxed, waived) if c.level == "decision"]
    assert all(
        "standard.throttling" not in c.sources or c.level != "standard"
        for c in iter_constraints(full, waived)
    )


def test_decision_statuses_and_the_closed_list_are_not_demanded():
    responses = CONTRACT.enforced["paths"]["/customers/{customerId}"]["get"]["responses"]
    assert "503" not in responses  # the gateway's, our reading
    assert "default" in responses  # which statuses exist at all is our reading
    assert {"200", "400", "404", "429", "500"} <= set(responses)
    assert "401" not in responses and "403" not in responses  # the status-codes guideline advises
    assert "content" not in responses["404"]  # the 404's body is not documented


def test_the_enforced_profile_is_a_valid_openapi_document():
    from openapi_spec_validator import validate

    validate(enforced_profile(CONTRACT.bundle))
    validate(dict(CONTRACT.enforced))


def test_counts_add_up_and_every_level_is_used():
    counts = count_levels(CONTRACT.bundle)
    assert all(counts[level] > 0 for level in ("known", "standard", "decision"))
    assert sum(counts.values()) == len(list(iter_constraints(CONTRACT.bundle)))


# -- the pieces, one branch each -----------------------------------------------------------


def test_level_of_takes_the_strongest_registered_source():
    assert level_of(("standard.x", "provider.example"), LEVELS) == "known"
    assert level_of(("standard.x",), LEVELS) == "standard"
    assert level_of(("typo.source",), LEVELS) == "decision"  # a typo never promotes a rule
    assert level_of((), LEVELS) == "decision"


def test_a_source_that_does_not_fail_by_default_grades_its_claims_as_decisions():
    registry = {
        "s.must": {"level": "standard"},
        "s.says-so": {"level": "standard", "fails-by-default": True},
        "s.advice": {"level": "standard", "fails-by-default": False},
        "s.rumour": {"level": "hearsay"},
    }
    levels = source_levels({"x-evidence-sources": registry})
    assert levels == {"s.must": "standard", "s.says-so": "standard"}
    assert level_of(("s.advice",), levels) == "decision"
    assert level_of(("s.advice", "s.must"), levels) == "standard"


def test_the_spec_grades_guideline_advice_as_decisions():
    levels = source_levels(CONTRACT.document)
    for advice in ("standard.status-codes", "standard.problem-types", "standard.partial-results"):
        assert advice in CONTRACT.evidence_sources and advice not in levels
    for name, source in CONTRACT.evidence_sources.items():
        if source["level"] == "standard":  # a NewDay file, at the commit read, in its words
            assert source["quote"] and "9e542d5" in source["cites"], name
            assert isinstance(source["fails-by-default"], bool) and source["why"], name


def test_claims_take_one_source_or_a_list():
    node = Node("/x", "schema", {"x-evidence": {"type": "a", "enum": ["b", "c"]}})
    assert claims(node) == {"type": ("a",), "enum": ("b", "c")}
    assert claims(Node("/x", "schema", {"x-evidence": "a"})) == {}
    assert claims(Node("/x", "schema", {})) == {}


@pytest.mark.parametrize(
    ("kind", "value", "rules"),
    [
        ("operation", {"responses": {"200": {}}}, ["operation", "responses", "responses/200"]),
        ("operation", {"responses": {"default": {}}, "security": []}, ["operation", "security"]),
        ("parameter", {"required": True}, ["parameter", "required"]),
        ("parameter", {"required": False}, ["parameter"]),
        ("requestBody", {"required": True, "content": {"a/b": {}}}, ["required", "content/a/b"]),
        ("response", {"content": {"a/b": {}}, "headers": {"H": {}}}, ["content/a/b", "headers/H"]),
        ("header", {"required": True}, ["required"]),
        ("header", {}, []),
        (
            "schema",
            {
                "type": "object",
                "additionalProperties": True,
                "required": ["a"],
                "properties": {"a": {}},
            },
            ["type", "required/a", "properties/a"],
        ),
        (
            "schema",
            {"additionalProperties": False, "maxItems": 3},
            ["maxItems", "additionalProperties"],
        ),
    ],
)
def test_rules_at_each_kind_of_node(kind, value, rules):
    assert rules_at(Node("/x", kind, value)) == rules


KNOWN = {"p": "known", "s": "standard"}


@pytest.mark.parametrize(
    ("value", "claimed", "expected"),
    [
        ({"type": "string"}, {"type": ("p",)}, True),  # known: the example shows, never forbids
        ({"type": "string"}, {"type": ("s",)}, False),  # a standard type stays as it says
        ({"type": "string"}, {}, False),  # a decision type is dropped anyway
        ({"type": "string", "nullable": False}, {"type": ("p",), "nullable": ("p",)}, False),
        ({"type": "string", "nullable": False}, {"type": ("p",)}, True),  # unclaimed non-null
        ({"type": "string", "nullable": True}, {"type": ("p",)}, False),  # already
        ({"enum": ["a"]}, {"enum": ("p",)}, False),  # no type, nothing to widen
    ],
)
def test_allows_null_one_branch_each(value, claimed, expected):
    assert allows_null(Node("/x", "schema", value), claimed, KNOWN) is expected


def test_allows_null_is_for_schemas_only():
    header = Node("/x", "header", {"type": "string"})
    assert allows_null(header, {"type": ("p",)}, KNOWN) is False


@pytest.mark.parametrize(
    ("pointer", "inside"),
    [
        ("/components/schemas/A/properties/t/not", True),
        ("/components/schemas/A/not/properties/t", True),
        ("/components/schemas/A/properties/not", False),  # a property named `not`
        ("/components/schemas/not", False),  # a component named `not`
        ("/components/schemas/A", False),
    ],
)
def test_negated(pointer, inside):
    assert negated(pointer) is inside


def nullability_document() -> dict:
    known = {"type": "p"}
    return {
        "x-evidence-sources": {"p": {"level": "known"}, "s": {"level": "standard"}},
        "paths": {
            "/a": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/In"}}
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "d",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Out"}}
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "In": {"type": "string", "x-evidence": known},
                "Out": {
                    "type": "object",
                    "nullable": False,
                    "x-evidence": {
                        "type": "p",
                        "nullable": "p",
                        "properties/a": "p",
                        "properties/b": "p",
                        "properties/c": "p",
                        "properties/d": "p",
                    },
                    "properties": {
                        "a": {"$ref": "#/components/schemas/Leaf"},
                        "b": {"type": "integer"},
                        "c": {
                            "type": "string",
                            "nullable": False,
                            "x-evidence": {"type": "p", "nullable": "s"},
                        },
                        "d": {
                            "type": "string",
                            "enum": ["x"],
                            "x-evidence": {"type": "p", "enum": "p"},
                        },
                    },
                },
                "Leaf": {"type": "string", "x-evidence": known},
            }
        },
    }


def test_a_known_response_type_allows_null_in_the_enforced_profile_only():
    document = nullability_document()
    relaxed = enforced_profile(document)
    schemas = relaxed["components"]["schemas"]
    assert schemas["Leaf"]["nullable"] is True  # reached from a response through a $ref
    assert "nullable" not in schemas["In"]  # a request's schema stays strict
    assert schemas["Out"]["nullable"] is False  # a claimed non-null keeps it strict
    assert "nullable" not in document["components"]["schemas"]["Leaf"]  # the full reading


def test_a_decision_type_is_dropped_not_made_nullable():
    b = enforced_profile(nullability_document())["components"]["schemas"]["Out"]["properties"]["b"]
    assert b == {}


def test_a_standard_claim_of_non_null_keeps_a_known_type_strict():
    out = enforced_profile(nullability_document())["components"]["schemas"]["Out"]["properties"]
    assert out["c"]["nullable"] is False
    assert out["d"]["nullable"] is True and out["d"]["enum"] == ["x", None]  # a closed list too


def test_response_schemas_follow_refs_from_responses_only():
    found = response_schemas(nullability_document())
    assert "/components/schemas/Out" in found and "/components/schemas/Leaf" in found
    assert "/components/schemas/In" not in found
    assert "/paths/~1a/post/responses/200/content/application~1json/schema" in found


def test_relaxing_never_reaches_inside_a_not():
    document = {
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "x-evidence": {"properties/t": "s"},
                    "properties": {"t": {"not": {"enum": ["v"]}, "x-evidence": {"not": "s"}}},
                }
            }
        },
        "x-evidence-sources": {"s": {"level": "standard"}},
    }
    relaxed = enforced_profile(document)
    assert relaxed["components"]["schemas"]["A"]["properties"]["t"]["not"] == {"enum": ["v"]}


def test_relaxing_drops_decision_keywords_entries_and_properties():
    document = {
        "x-evidence-sources": {"s": {"level": "standard", "cites": "c", "says": "s"}},
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "required": ["a", "b"],
                    "additionalProperties": False,
                    "properties": {
                        "a": {"type": "string", "pattern": "x", "x-evidence": {"type": "s"}},
                        "b": {"type": "string"},
                    },
                    "x-evidence": {"type": "s", "required/a": "s", "properties/a": "s"},
                }
            },
            "parameters": {
                "P": {"name": "p", "in": "query", "required": True, "schema": {"type": "string"}}
            },
            "headers": {"H": {"required": True, "schema": {"type": "integer"}}},
            "responses": {
                "R": {
                    "description": "r",
                    "headers": {"H": {"$ref": "#/components/headers/H"}, "K": {}},
                    "content": {"application/json": {}, "text/plain": {}},
                    "x-evidence": {"headers/H": "s", "content/application/json": "s"},
                }
            },
        },
    }
    relaxed = enforced_profile(document)
    a = relaxed["components"]["schemas"]["A"]
    assert a["required"] == ["a"] and "additionalProperties" not in a
    assert list(a["properties"]) == ["a"]
    assert a["properties"]["a"] == {"type": "string", "x-evidence": {"type": "s"}}
    assert relaxed["components"]["parameters"]["P"]["required"] is False
    assert relaxed["components"]["headers"]["H"]["required"] is False
    response = relaxed["components"]["responses"]["R"]
    assert list(response["headers"]) == ["H"] and list(response["content"]) == ["application/json"]
    assert document["components"]["schemas"]["A"]["required"] == ["a", "b"]  # a copy


# -- the bundle ------------------------------------------------------------------------------


def test_the_bundle_resolves_to_what_prance_resolves():
    by_prance = resolve(spec_root() / "openapi.yaml")
    ours = resolve_internal(CONTRACT.bundle)
    assert ours["paths"] == by_prance["paths"]
    for name, schema in by_prance["components"]["schemas"].items():
        assert ours["components"]["schemas"][name] == schema


def test_the_bundle_names_its_components_and_their_files():
    schemas = CONTRACT.bundle["components"]["schemas"]
    result = schemas["SearchResponse"]["properties"]["values"]["items"]
    assert result == {"$ref": "#/components/schemas/SearchResult"}
    assert schemas["SearchResult"]["allOf"][0] == {"$ref": "#/components/schemas/CustomerProfile"}
    assert CONTRACT.origins["#/components/schemas/Address"] == "components/schemas.yaml#/Address"
    assert "paths/" not in str(CONTRACT.bundle)  # path files are inlined


def test_the_bundle_is_a_valid_openapi_document():
    from openapi_spec_validator import validate

    validate(dict(CONTRACT.bundle))


# -- lint checks the claims ----------------------------------------------------------------


def test_lint_rejects_a_claim_on_a_rule_the_node_does_not_state(spec_copy: Path):  # noqa: F811
    replace(
        spec_copy / "components/schemas.yaml",
        "x-evidence: {type: provider.example}\nCustomerRef",
        "x-evidence: {format: provider.example}\nCustomerRef",
    )
    found = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert found == [
        "spec/components/schemas.yaml#/CustomerId/x-evidence: "
        "claims 'format', which this schema does not state"
    ]


def test_lint_rejects_an_unknown_source(spec_copy: Path):  # noqa: F811
    replace(
        spec_copy / "paths/customers.yaml",
        "operation: provider.reference",
        "operation: provider.hearsay",
    )
    (problem,) = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert problem.startswith("spec/paths/customers.yaml#/paths/~1customers/get/x-evidence: ")
    assert "'operation' cites unknown source 'provider.hearsay'" in problem


def test_lint_rejects_a_source_that_names_nothing(spec_copy: Path):  # noqa: F811
    replace(
        spec_copy / "openapi.yaml",
        "    cites: NewDay API-Design, standards/Versioning.md at commit 9e542d5\n",
        "",
    )
    (problem,) = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert problem.endswith("source 'standard.versioning' has no `cites`")


def test_lint_rejects_a_source_that_quotes_nothing(spec_copy: Path):  # noqa: F811
    replace(spec_copy / "openapi.yaml", "      - 1 for requests\n", "      - ' '\n")
    (problem,) = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert problem.endswith(
        "source 'standard.versioning' has no `quote` (the words it rests on, verbatim)"
    )


def test_lint_rejects_a_grade_without_its_reason(spec_copy: Path):  # noqa: F811
    text = (spec_copy / "openapi.yaml").read_text()
    start = text.index("  standard.collections:")
    why = text.index("    why:", start)
    end = text.index("  standard.partial-results:", start)
    (spec_copy / "openapi.yaml").write_text(text[:why] + text[end:])
    (problem,) = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert "standard.collections" in problem and problem.endswith("but not `why`")


def test_lint_rejects_a_grade_that_is_not_a_boolean(spec_copy: Path):  # noqa: F811
    replace(
        spec_copy / "openapi.yaml", "    fails-by-default: false\n", "    fails-by-default: 0\n"
    )
    (problem,) = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert problem.endswith("`fails-by-default` is true or false")


def test_lint_rejects_a_source_of_no_level(spec_copy: Path):  # noqa: F811
    replace(spec_copy / "openapi.yaml", "level: known", "level: rumour")
    found = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert any(p.endswith("level 'rumour' is not known or standard") for p in found)


def test_lint_rejects_a_required_claim_whose_property_is_a_decision(spec_copy: Path):  # noqa: F811
    replace(spec_copy / "components/schemas.yaml", "    properties/values: provider.example\n", "")
    (problem,) = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert "'required/values' is claimed but `properties/values` is not" in problem


@pytest.mark.live
def test_lint_prints_the_counts_and_the_enforced_profile():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "lint", "--profile", "enforced"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    counts = count_levels(CONTRACT.bundle)
    assert (
        f"{sum(counts.values())} constraints: {counts['known']} known, "
        f"{counts['standard']} standard, {counts['decision']} decision"
    ) in out.stdout
    printed = yaml.safe_load(out.stdout.split("\n", 3)[3])
    schema = printed["components"]["schemas"]["CustomerId"]
    assert schema["type"] == "string" and "pattern" not in schema


def test_the_readme_states_the_counts_lint_prints():
    counts = count_levels(CONTRACT.bundle)
    line = (
        f"`{sum(counts.values())} constraints: {counts['known']} known, "
        f"{counts['standard']} standard, {counts['decision']} decision`"
    )
    assert line in (spec_root().parent / "README.md").read_text(encoding="utf-8")
