"""Direct tests of conformance.probes: what the test data plans, and an outage asked again."""

from __future__ import annotations

import pytest
from checks.fake import VIEWS

from conformance import testdata
from conformance.checks import Identity
from conformance.exchange import Exchange
from conformance.probes import MAX_PAUSE, MAX_REASKED, _seconds, planned, reask_outages
from conformance.recorder import UNAVAILABLE_TYPE, Recorder
from conformance.redact import Redactor
from conformance.report.model import RunResult

Data = testdata.TestData  # not named Test*: pytest would try to collect it
ALL = frozenset({"GetCustomer", "GetCustomerByAccessToken", "SearchCustomers"})
DATA = Data(
    customer_ids=("1", "2"),
    search_filters=({"familyName": "Ng"}, {"familyName": "Ng"}),
    identities={"tok-b": Identity("2"), "tok-a": Identity("3", no_account=True)},
)


def test_every_request_the_test_data_names_is_planned_once_and_marked_documented():
    asked = planned(DATA, ALL)
    assert [(a.operation_id, dict(a.path_parameters), a.body) for a in asked] == [
        ("GetCustomer", {"customerId": "1"}, None),
        ("GetCustomer", {"customerId": "2"}, None),  # once, though a token's customer too
        ("GetCustomer", {"customerId": "3"}, None),
        ("GetCustomerByAccessToken", {}, None),
        ("GetCustomerByAccessToken", {}, None),
        ("SearchCustomers", {}, {"filter": {"familyName": "Ng"}}),  # once
    ]
    tokens = [a.headers["authorization"] for a in asked if a.headers]
    assert tokens == ["Bearer tok-a", "Bearer tok-b"]  # sorted: the same in every run
    assert all(a.documented for a in asked)


def test_only_the_selected_operations_are_planned():
    assert [a.operation_id for a in planned(DATA, frozenset({"SearchCustomers"}))] == [
        "SearchCustomers"
    ]
    assert planned(DATA, frozenset()) == []
    assert planned(Data(), ALL) == []


@pytest.mark.parametrize(
    "retry_after,pause",
    [(None, 1.0), ("", 1.0), ("2", 2.0), ("0", 0.5), ("600", MAX_PAUSE), ("soon", 1.0)],
)
def test_the_pause_honours_retry_after_within_bounds(retry_after, pause):
    assert _seconds(retry_after) == pause


def down(label_path="/customers/{customerId}", status=503, retry=None, body=None):
    headers = {"retry-after": retry} if retry else {}
    return Exchange("GetCustomer", "get", label_path, status, headers, body, url="http://t/x")


def recorder_with(*outages, answered_elsewhere=True) -> Recorder:
    rec = Recorder(VIEWS, Redactor(), RunResult("http://t", 1))
    if answered_elsewhere:
        rec.exchange(Exchange("SearchCustomers", "post", "/customers/search", 200), [], "x")
    for exchange in outages:
        rec.exchange(exchange, [], "fuzzing")
    return rec


def test_an_outage_that_comes_back_after_its_pause_is_a_fault():
    rec = recorder_with(down(retry="2"), down(retry="2"))
    sent, slept = [], []
    reask_outages(rec, lambda e: sent.append(e) or e, slept.append)
    assert len(sent) == 1 and slept == [2.0]  # one label, asked again once
    (found,) = rec.freeze().findings
    assert (found.rule, found.evidence, found.phase) == (
        "self.persistent-fault",
        "known",
        "outages",
    )
    assert found.operations == ["GET /customers/{customerId}"]


def test_an_outage_that_passes_or_cannot_be_asked_again_is_no_finding():
    rec = recorder_with(down())
    ok = Exchange("GetCustomer", "get", "/customers/{customerId}", 200)
    reask_outages(rec, lambda e: ok, lambda s: None)
    reask_outages(rec, lambda e: None, lambda s: None)
    assert rec.freeze().findings == []


def test_a_500_of_another_type_on_the_second_ask_is_not_judged_here():
    rec = recorder_with(down(status=500, body={"type": UNAVAILABLE_TYPE}))
    other = down(status=500, body={"type": "about:blank"})
    reask_outages(rec, lambda e: other, lambda s: None)
    assert rec.freeze().findings == []


def test_nothing_is_asked_again_when_the_target_answered_nothing_else():
    rec = recorder_with(down(), answered_elsewhere=False)
    sent = []
    reask_outages(rec, lambda e: sent.append(e) or e, lambda s: None)
    assert sent == [] and rec.freeze().findings == []


def test_at_most_a_few_outages_are_asked_again():
    paths = [f"/p{n}" for n in range(MAX_REASKED + 2)]
    rec = recorder_with(*(down(path) for path in paths))
    sent = []
    reask_outages(rec, lambda e: sent.append(e) or e, lambda s: None)
    assert len(sent) == MAX_REASKED
