"""Each branch of the convention checks, on hand-built exchanges."""

import pytest

from checks.fake import FakeTarget, context, level, seen
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
def test_session_id_dropped_or_changed_is_our_reading(came):
    failure = fails(
        client_session_id_echoed,
        seen("VerifyEmail", 429, headers=came, request_headers={"client-session-id": "abc"}),
    )
    # The standard asks that the id be accepted and passed on, not echoed: our reading.
    assert failure.rules == ("conventions.session-id-echo",) and level(failure) == "decision"


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
    assert failure.rule == "conventions.api-version-asked" and level(failure) == "standard"


def test_the_query_supersedes_the_header_and_refusals_are_not_judged():
    asked = {"api-version": "7"}
    run(
        api_version_value,
        seen(
            "GetCustomer",
            headers={"api-version": "1.0"},
            request_headers=asked,
            query={"api-version": "1"},
        ),
    )
    run(
        api_version_value,
        seen("GetCustomer", 400, headers={"api-version": "1.0"}, request_headers=asked),
    )
    failure = fails(
        api_version_value,
        seen("GetCustomer", headers={"api-version": "1.0"}, query={"api-version": "2"}),
    )
    assert failure.rule == "conventions.api-version-asked" and level(failure) == "standard"


@pytest.mark.parametrize("answered", ["v-one", "1", "1.0.0", " 2 "])
def test_api_version_that_is_not_major_minor_is_a_standard_break(answered):
    failure = fails(api_version_value, seen("GetCustomer", headers={"api-version": answered}))
    assert failure.rule == "conventions.api-version-major-minor" and level(failure) == "standard"


def test_undocumented_error_must_be_a_problem():
    problem = {"content-type": "application/problem+json"}
    run(problem_details, seen("GetCustomer", 409, {"type": "x", "status": 409}, headers=problem))
    run(problem_details, seen("GetCustomer", 200, {"id": "1"}))  # not an error
    run(problem_details, seen("GetCustomer", 404, None, headers={"content-type": ""}))  # documented
    failure = fails(
        problem_details,
        seen("GetCustomer", 409, {"type": "x"}, headers={"content-type": "text/html"}),
    )
    assert failure.rule == "conventions.problem-details" and level(failure) == "standard"


@pytest.mark.parametrize("status", [405, 502, 504])
def test_an_undocumented_gateway_status_is_the_gateways_own_shape(status):
    run(problem_details, seen("GetCustomer", status, None, headers={"content-type": "text/html"}))


def test_undocumented_problem_with_another_status_is_a_standard_break():
    problem = {"content-type": "application/problem+json"}
    failure = fails(problem_details, seen("GetCustomer", 409, {"status": 400}, headers=problem))
    assert "body status 400" in failure.message
    assert failure.rule == "conventions.problem-status" and level(failure) == "standard"
