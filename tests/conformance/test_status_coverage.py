"""Status coverage: which documented statuses a run reached, per operation; --require-coverage.

Against our mock (it announces itself at /__admin/personas) the runner asks for each missing
documented status with `Prefer: code=N` and checks the answer; against anything else it only
reports what it never reached.
"""

import pytest
from broken.base import Broken, ThreadedServer, real_app
from ndt_fixtures import persona

from conformance import ConformOptions, run_conformance
from conformance.report.terminal import render_summary

pytestmark = pytest.mark.live  # every test here starts a process or a server

QUICK = {"max_examples": 2, "seed": 5, "phases": ("examples",)}


def test_the_mock_reaches_every_documented_status_when_asked():
    with ThreadedServer(real_app()) as server:
        result = run_conformance(
            ConformOptions(base_url=server.url, require_coverage=True, **QUICK)
        )
    assert result.uncovered == {}, result.uncovered
    assert result.passed, [(f.operations, f.title, f.message) for f in result.failures]
    forced = {label: op.forced for label, op in result.operations.items()}
    assert all(429 in codes and 500 in codes for codes in forced.values()), forced
    # forced outages are asked for: they neither count as outages nor fail the run
    assert result.outages == {}
    summary = render_summary(result)
    assert "statuses seen / documented" in summary and "never:" not in summary
    assert "(forced: " in summary


class NotTheMock:
    """Hides the mock's admin routes and remembers whether any request asked for a status."""

    def __init__(self) -> None:
        self.prefer_seen = False

    def rewrite_scope(self, scope):
        if any(name.lower() == b"prefer" for name, _ in scope.get("headers", [])):
            self.prefer_seen = True
        if scope["path"].startswith("/__admin"):
            scope = {**scope, "path": "/not-here", "raw_path": b"/not-here"}
        return scope


def test_any_other_target_is_only_reported_and_require_coverage_fails(tmp_path, monkeypatch):
    spy = NotTheMock()
    app = Broken(real_app(), lambda request, response: response, spy.rewrite_scope)
    testdata = tmp_path / "known.yaml"
    testdata.write_text(
        f"customerIds: ['{persona('two-addresses').customer_id}']\n"
        "searchFilters: [{postcode: 'EH1 1YZ'}]\ntokenEnv: NDT_TEST_COVERAGE_TOKEN\n"
    )
    monkeypatch.setenv("NDT_TEST_COVERAGE_TOKEN", persona("two-addresses").token)
    options = {**QUICK, "testdata": testdata}
    with ThreadedServer(app) as server:
        reported = run_conformance(ConformOptions(base_url=server.url, **options))
        required = run_conformance(
            ConformOptions(base_url=server.url, require_coverage=True, **options)
        )
    assert not spy.prefer_seen
    missed = reported.uncovered
    assert missed and all(429 in codes for codes in missed.values())
    assert all(op.forced == () for op in reported.operations.values())
    assert reported.verdict().code == 0, reported.verdict()
    verdict = required.verdict()
    assert verdict.code == 1 and "documented statuses never reached" in verdict.reason
    assert "GET /customers/{customerId} " in verdict.reason
    assert "never: " in render_summary(reported)
