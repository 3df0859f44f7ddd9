"""Examples pair by name, as Microcks and Specmatic read them: a request example and the
response example of the same name are one exchange, and a response example carries a value
for every header its response requires."""

from __future__ import annotations

import pytest
from ndt_contract import load_contract

CONTRACT = load_contract()


def request_examples(op) -> set[str]:
    names = set()
    shared = CONTRACT.document["paths"][op.path].get("parameters") or []
    for parameter in [*shared, *(op.definition.get("parameters") or [])]:
        if parameter.get("in") == "path":
            names |= set(parameter.get("examples") or {})
    for media in ((op.definition.get("requestBody") or {}).get("content") or {}).values():
        names |= set(media.get("examples") or {})
    return names


def response_examples(op) -> dict[str, list[str]]:
    """Example name -> the statuses whose responses hold an example of that name."""
    found: dict[str, list[str]] = {}
    for status, response in (op.definition.get("responses") or {}).items():
        for media in (response.get("content") or {}).values():
            for name in media.get("examples") or {}:
                found.setdefault(name, []).append(status)
    return found


@pytest.mark.parametrize("op", CONTRACT.operations.values(), ids=lambda op: op.operation_id)
def test_every_request_example_has_a_response_of_the_same_name(op):
    unpaired = [name for name in request_examples(op) if name not in response_examples(op)]
    assert unpaired == [], f"{op.operation_id}: request examples without a response: {unpaired}"


@pytest.mark.parametrize("op", CONTRACT.operations.values(), ids=lambda op: op.operation_id)
def test_paired_response_examples_carry_every_required_header(op):
    missing = []
    paired = request_examples(op)
    for status, response in (op.definition.get("responses") or {}).items():
        for media in (response.get("content") or {}).values():
            for name in set(media.get("examples") or {}) & paired:
                for header, spec in (response.get("headers") or {}).items():
                    if spec.get("required") and name not in (spec.get("examples") or {}):
                        missing.append(f"{status} {name}: {header}")
    assert missing == []


@pytest.mark.parametrize(
    ("operation_id", "name", "status", "check"),
    [
        (
            "SearchCustomers",
            "byNameAndPostcode",
            "200",
            lambda v: v["values"][0]["familyName"] == "Hartley",
        ),
        ("VerifyEmail", "reservedDomain", "200", lambda v: v == {"verified": False}),
        (
            "GetCustomer",
            "unknownCustomer",
            "404",
            lambda v: v["type"] == "newday:generic:error:missing",
        ),
    ],
)
def test_the_documented_pairs(operation_id, name, status, check):
    op = CONTRACT.operation(operation_id)
    assert name in request_examples(op)
    assert check(op.response_examples(int(status))[name])


def test_a_header_never_has_both_example_and_examples():
    """Specmatic refuses a header that has both."""
    for name, header in CONTRACT.bundle["components"]["headers"].items():
        assert not ("example" in header and "examples" in header), name
