"""The suite against a provider it has never seen: correct, then with one bug at a time.

`providers.other` shares no code with our mock and takes the freedoms the record leaves. The
correct provider must pass with drift reported, whatever the seed; each bug must fail the run
on the finding that names it (the check and the rule in EXPECTED below), and that finding must
not also fire on the correct provider. Where today's checks miss a bug, or the correct provider
is red, the case is a strict xfail saying which oracle is missing or which findings fire, so
that the oracles that fix it turn it into an XPASS (update the table then).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from conformance import ConformOptions, run_conformance
from conformance.report.model import RunResult
from providers.other import BUGS, ThreadedProvider
from providers.other.app import Request

pytestmark = pytest.mark.live  # starts servers or processes on loopback


class Expect(NamedTuple):
    """The finding that names a bug: one of `checks`, breaking `rule` (a behaviour rule of
    spec/behaviours.yaml, or the judge's rule name), as a failure; or, where the bug breaks
    only a reading of ours, as drift (`drift=True`). `missing`: why today's suite does not
    catch it that way (the case is then a strict xfail)."""

    checks: tuple[str, ...]
    rule: str
    missing: str | None = None
    drift: bool = False


# The judge re-judges a whole response whichever response check failed first, and judges every
# answer an oracle's follow-up gets (`response_conformance`).
RESPONSE = ("response_schema_conformance", "response_headers_conformance", "response_conformance")

# bug -> the finding that must name it. ONE table: update it when checks and rules change.
EXPECTED: dict[str, Expect] = {
    "filter_ignored": Expect(
        ("search_results_match_filter", "search_metamorphic"), "search.filters-combine", drift=True
    ),
    "names_case_sensitive": Expect(("search_metamorphic",), "search.matching", drift=True),
    "other_profile_for_some_ids": Expect(
        ("search_result_fetchable", "customer_id_mapping"), "self.id-mapping"
    ),
    "api_version_major_only": Expect(("api_version_value",), "conventions.api-version-major-minor"),
    "first_match_only": Expect(
        ("search_self_retrieval",), "search.own-value-returns-customer", drift=True
    ),
    # The NotFound response's content claims no evidence (a gateway answers unknown routes in
    # its own shape): a text/html 404 is drift.
    "html_404": Expect(("content_type_conformance", *RESPONSE), "content-type", drift=True),
    "search_always_400": Expect(("documented_request_accepted",), "requests.documented-accepted"),
    "outage_on_one_name": Expect(("persistent_outage",), "self.persistent-fault"),
    "truncated_followup": Expect(RESPONSE, "json"),
    "no_details_missing": Expect(("no_customer_details",), "identity.no-details-when-no-account"),
    "no_details_for_accounts": Expect(
        ("no_customer_details",), "identity.no-details-never-with-accounts"
    ),
    "token_other_accounts": Expect(("token_identity",), "identity.token-customer"),
    "duplicate_result": Expect(("search_no_duplicates",), "self.no-duplicates"),
    "own_identifier_empty": Expect(("search_self_retrieval",), "self.own-value-found"),
    "unstable_get": Expect(("customer_id_mapping",), "self.repeatable"),
    "search_get_disagree": Expect(("search_result_fetchable",), "self.same-customer"),
    "no_details_without_token": Expect(
        ("no_customer_details",), "identity.no-details-only-for-a-token"
    ),
    "empty_search_404": Expect(("search_empty_collection",), "search.empty-is-200"),
}

TESTDATA = Path(__file__).parent / "other" / "testdata.yaml"
TOKEN_ENV = {
    "OTHER_PROVIDER_TOKEN": "op-token.tomasz.2b8d4a06",
    "OTHER_PROVIDER_CUSTOMER_TOKEN": "op-token.amara.7f3c9e51",
    "OTHER_PROVIDER_SECOND_TOKEN": "op-token.jack.c41e9b77",
}
PHASES = ("examples", "coverage", "fuzzing", "stateful")
MAX_EXAMPLES = 5
SEEDS = (1, 2, 3)
BUG_SEED = 3


@contextlib.contextmanager
def tokens_in_env() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in TOKEN_ENV}
    os.environ.update(TOKEN_ENV)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Run(NamedTuple):
    result: RunResult
    requests: list[Request]


def conform(bug: str | None, seed: int) -> Run:
    """One bounded, in-process conformance run against a fresh provider on a loopback port."""
    with tokens_in_env(), ThreadedProvider(bug) as server:
        result = run_conformance(
            ConformOptions(
                base_url=server.url,
                testdata=TESTDATA,
                max_examples=MAX_EXAMPLES,
                seed=seed,
                phases=PHASES,
            )
        )
        return Run(result, list(server.app.log))


def rule_name(rule: str) -> str:
    """A finding's rule without the spec location in front of it."""
    return rule.rsplit(" ", 1)[-1]


def failing(result: RunResult) -> set[tuple[str, str]]:
    return {(v.check, rule_name(v.rule)) for f in result.failures for v in f.violations}


def drifting(result: RunResult) -> set[tuple[str, str]]:
    return {(v.check, rule_name(v.rule)) for f in result.drift for v in f.violations}


def describe(result: RunResult) -> str:
    lines = [result.verdict().reason]
    lines += [f"FAIL {c} | {r}" for c, r in sorted(failing(result))]
    lines += sorted({f"drift {v.check} | {v.rule}" for f in result.drift for v in f.violations})
    return "\n".join(lines + result.errors[:3])


_CORRECT: dict[int, Run] = {}


def correct_run(seed: int) -> Run:
    """The correct provider's run for a seed, done once per test session."""
    if seed not in _CORRECT:
        _CORRECT[seed] = conform(None, seed)
    return _CORRECT[seed]


def test_every_bug_has_one_expected_finding():
    assert set(EXPECTED) == set(BUGS)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_correct_provider_passes_with_drift(seed):
    result = correct_run(seed).result
    assert result.errors == [], result.errors
    assert result.drift, "a provider this different from our readings must show drift"
    assert result.failures == [], describe(result)
    assert result.verdict().code == 0, describe(result)


def test_the_correct_provider_is_answered_and_judged():
    """Not an empty green: every operation got a documented success, and drift names the
    freedoms taken (ids of another shape, omitted empty arrays, a status of its own)."""
    result = correct_run(BUG_SEED).result
    for label, stats in result.operations.items():
        assert 200 in stats.observed, f"{label}: {stats.observed}"
    drift = {v.rule for f in result.drift for v in f.violations}
    assert "components/schemas.yaml#/CustomerId pattern" in drift
    assert "components/schemas.yaml#/CustomerProfile required/accounts" in drift
    assert "components/schemas.yaml#/CustomerProfile/properties/status enum" in drift


def test_the_test_data_is_requested():
    data = yaml.safe_load(TESTDATA.read_text(encoding="utf-8"))
    requests = correct_run(BUG_SEED).requests
    asked = {r.path.rsplit("/", 1)[-1] for r in requests if r.method == "GET"}
    searched = []
    for r in requests:
        if r.path == "/customers/search":
            with contextlib.suppress(ValueError, AttributeError):
                searched.append(json.loads(r.body).get("filter"))
    never_asked = [i for i in data["customerIds"] if i not in asked]
    never_sent = [f for f in data["searchFilters"] if f not in searched]
    assert never_asked == [] and never_sent == [], (never_asked, never_sent)


def test_get_customer_is_asked_without_a_token():
    requests = correct_run(BUG_SEED).requests
    assert any(
        r.path.startswith("/customers/") and r.method == "GET" and "authorization" not in r.headers
        for r in requests
    )


def _bug_cases() -> list:
    cases = []
    for name, expect in EXPECTED.items():
        marks = (
            [pytest.mark.xfail(strict=True, raises=AssertionError, reason=expect.missing)]
            if expect.missing
            else []
        )
        cases.append(pytest.param(name, marks=marks, id=name))
    return cases


@pytest.mark.parametrize("bug", _bug_cases())
def test_each_bug_fails_on_the_finding_that_names_it(bug):
    expect = EXPECTED[bug]
    result = conform(bug, BUG_SEED).result
    found = drifting if expect.drift else failing
    if not expect.drift:
        assert result.verdict().code == 1, f"{BUGS[bug]}: {describe(result)}"
    named = {(c, r) for c, r in found(result) if c in expect.checks and r == expect.rule}
    assert named, f"{BUGS[bug]}: not named by {expect}\n{describe(result)}"
    also_correct = named & found(correct_run(BUG_SEED).result)
    assert not also_correct, (
        f"{BUGS[bug]}: {sorted(also_correct)} fires on the correct provider too"
    )
