"""Helpers shared by the test folders."""

from ndt_fixtures import persona

AMELIA = persona("multi-account")
OLIVER = persona("applicant-no-account")
PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int, problem_type: str) -> dict:
    """The response is the contract's problem of this status and type; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == problem_type and body["status"] == status
    assert body["title"] and body["traceId"].startswith("00-")
    assert response.headers["api-version"] == "1.0"
    return body
