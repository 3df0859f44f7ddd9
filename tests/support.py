"""Helpers shared by the test folders."""

import asyncio

import httpx
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


def asgi_request(app, method: str, path: str, **kwargs) -> httpx.Response:
    """One request to an ASGI app in this process (no server, no socket)."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())
