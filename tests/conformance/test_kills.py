"""The suite is proven by the servers it fails: each broken variant must fail its named check."""

import pytest
from broken.base import VARIANTS, ThreadedServer, real_app, serve_variant, variant

from conformance import ConformOptions, run_conformance
from conformance.pytest_plugin import conformance_test

FAST = {"max_examples": 8, "seed": 3}


@pytest.mark.parametrize("name", VARIANTS)
def test_broken_variant_fails_the_named_check(name):
    module = variant(name)
    with serve_variant(name) as server:
        result = run_conformance(ConformOptions(base_url=server.url, **FAST))
    checks = {check for f in result.failures for check in f.checks}
    assert not result.passed, f"{module.RULE}: the suite passed"
    assert module.EXPECTED_CHECK in checks, f"{module.RULE}: failed {sorted(checks)} instead"


def test_the_correct_mock_passes_the_same_run():
    with ThreadedServer(real_app()) as server:
        result = run_conformance(ConformOptions(base_url=server.url, **FAST))
    assert result.passed, [
        (f.operation, f.check, f.message) for f in result.failures
    ] + result.errors
    assert result.cases > 100
    assert set(result.operations) == {
        "GET /customers",
        "GET /customers/{customerId}",
        "POST /customers/search",
        "POST /customers/supported-formats/email-address",
        "POST /customers/supported-formats/phone-number",
    }


def test_pytest_entry_runs_the_same_suite(monkeypatch):
    with ThreadedServer(real_app()) as server:
        monkeypatch.setenv("NDT_TEST_URL", server.url)
        conformance_test(base_url_env="NDT_TEST_URL", max_examples=3, phases=("examples",))()


def test_same_seed_same_cases():
    options = ConformOptions(base_url="", max_examples=4, seed=11, phases=("examples", "fuzzing"))
    counts = []
    with ThreadedServer(real_app()) as server:
        for _ in range(2):
            result = run_conformance(ConformOptions(**{**options.__dict__, "base_url": server.url}))
            counts.append({label: op.cases for label, op in result.operations.items()})
    assert counts[0] == counts[1] and sum(counts[0].values()) > 0
