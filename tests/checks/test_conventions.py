"""Each branch of the convention checks, on hand-built exchanges."""

import pytest

from checks.fake import FakeTarget, context, seen
from conformance.checks import Violation
from conformance.checks.conventions import (
    api_version_value,
    client_session_id_echoed,
    problem_details,
)

CTX = context()
CALL = FakeTarget()


def run(check, exchange):
    check(CTX, exchange, CALL)


def fails(check, exchange) -> Violation:
    with pytest.raises(Violation) as caught:
        check(CTX, exchange, CALL)
    return caught.value


def test_session_id_echoed_passes_and_silence_is_fine():
    run(
        client_session_id_echoed,
        seen(
            "VerifyEmail",
            request_headers={"client-session-id": "x y"},
            headers={"client-session-id": "x y"},
        ),
    )
    run(client_session_id_echoed, seen("VerifyEmail"))  # none sent, none owed


@pytest.mark.parametrize("came", [{}, {"client-session-id": "other"}])
def test_session_id_dropped_or_changed_is_a_standard_break(came):
    failure = fails(
        client_session_id_echoed,
        seen("VerifyEmail", 429, headers=came, request_headers={"client-session-id": "abc"}),
    )
    assert failure.level == "standard" and failure.sources == ("standard.client-session-id",)


def test_api_version_answered_as_asked():
    run(
        api_version_value,
        seen("GetCustomer", headers={"api-version": "1.0"}, request_headers={"api-version": "1"}),
    )
    run(api_version_value, seen("GetCustomer", headers={"api-version": "1.3"}))
    run(api_version_value, seen("GetCustomer"))  # absent: judged with the documented headers


def test_api_version_of_another_major_is_a_standard_break():
    failure = fails(
        api_version_value,
        seen("GetCustomer", headers={"api-version": "2.0"}, request_headers={"api-version": "1"}),
    )
    assert failure.level == "standard"


def test_api_version_that_is_no_version_is_drift():
    assert (
        fails(api_version_value, seen("GetCustomer", headers={"api-version": "v-one"})).level
        == "decision"
    )


def test_undocumented_error_must_be_a_problem():
    problem = {"content-type": "application/problem+json"}
    run(problem_details, seen("GetCustomer", 405, {"type": "x", "status": 405}, headers=problem))
    run(problem_details, seen("GetCustomer", 200, {"id": "1"}))  # not an error
    run(problem_details, seen("GetCustomer", 404, None, headers={"content-type": ""}))  # documented
    failure = fails(
        problem_details,
        seen("GetCustomer", 405, {"type": "x"}, headers={"content-type": "text/html"}),
    )
    assert failure.level == "standard" and failure.rule == "standard.problem-details"


def test_undocumented_problem_with_another_status_is_a_standard_break():
    problem = {"content-type": "application/problem+json"}
    failure = fails(problem_details, seen("GetCustomer", 405, {"status": 400}, headers=problem))
    assert "body status 400" in failure.message
