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
    claims,
    count_levels,
    enforced_profile,
    iter_constraints,
    level_of,
    rules_at,
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
    assert errors(bad_request, {"type": "other", "title": "t", "errors": {"a": ["b"]}})
    assert errors(
        bad_request, {"type": "newday:generic:error:validation", "title": "t", "errors": {"a": "b"}}
    )
    ok = {"type": "newday:generic:error:validation", "title": "t", "errors": {"a": ["b"]}}
    assert errors(bad_request, ok) == []


def test_the_enforced_profile_accepts_legitimate_differences():
    schemas = CONTRACT.enforced["components"]["schemas"]
    profile = {"id": "12", "status": "Dormant", "extra": {"x": 1}, "accounts": []}
    assert errors(schemas["CustomerProfile"], profile) == []
    assert errors(schemas["CustomerProfile"], {}) == []  # no field is known to be required
    assert errors(schemas["UnavailableProblem"], {"type": "newday:generic:error:unavailable"}) == []
    assert errors(schemas["Problem"], {}) == []  # the standard's 401/403/415 samples are `{}`


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
    assert responses["500"]["headers"]["Retry-After"]["required"] is True
    assert not [c for c in iter_constraints(relaxed, waived) if c.level == "decision"]
    assert all(
        "standard.throttling" not in c.sources or c.level != "standard"
        for c in iter_constraints(full, waived)
    )


def test_decision_statuses_and_the_closed_list_are_not_demanded():
    responses = CONTRACT.enforced["paths"]["/customers/{customerId}"]["get"]["responses"]
    assert "503" not in responses  # the gateway's, our reading
    assert "default" in responses  # which statuses exist at all is our reading
    assert {"200", "400", "401", "403", "404", "429", "500"} <= set(responses)
    assert "content" not in responses["404"]  # a 404 may have an empty body


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
    profile = schemas["SearchResponse"]["properties"]["values"]["items"]
    assert profile == {"$ref": "#/components/schemas/CustomerProfile"}
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
    replace(spec_copy / "openapi.yaml", "    cites: NewDay API design standards, Versioning\n", "")
    (problem,) = [str(p) for p in lint(spec_copy / "openapi.yaml")]
    assert problem.endswith("source 'standard.versioning' has no `cites`")


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
