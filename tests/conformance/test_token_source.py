"""Direct tests of conformance.auth.OAuthTokenSource against an in-process token endpoint
(httpx.MockTransport) and a fake clock: caching, renewal, invalidation, every TokenError."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import httpx
import pytest

from conformance.auth import MAX_EXPIRY_MARGIN, OAuthTokenSource, TokenError
from conformance.options import OAuthSettings, UsageError

TOKEN_URL = "https://login.example/oauth/token"
SECRET = "s3cr3t-client-secret"


class Endpoint:
    """A token endpoint: answers in turn, recording what it was asked."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if answer == "token":
            self.issued += 1
            return httpx.Response(
                200, json={"access_token": f"tok-{self.issued}", "expires_in": 100}
            )
        return answer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    monkeypatch.setenv("T_CLIENT_ID", "client-1")
    monkeypatch.setenv("T_CLIENT_SECRET", SECRET)


def source(endpoint: Endpoint, clock: Clock | None = None, scope: str | None = None):
    settings = OAuthSettings(TOKEN_URL, "T_CLIENT_ID", "T_CLIENT_SECRET", scope)
    return OAuthTokenSource(
        settings,
        client_factory=lambda: httpx.Client(transport=httpx.MockTransport(endpoint)),
        clock=clock or Clock(),
    )


def test_the_request_is_client_credentials_with_basic_auth_and_no_scope_by_default():
    endpoint = Endpoint("token")
    assert source(endpoint).token() == "tok-1"
    (request,) = endpoint.requests
    assert request.method == "POST" and str(request.url) == TOKEN_URL
    assert parse_qs(request.content.decode()) == {"grant_type": ["client_credentials"]}
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    expected = base64.b64encode(f"client-1:{SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"


def test_the_scope_is_asked_for_when_set():
    endpoint = Endpoint("token")
    source(endpoint, scope="customers.read").token()
    assert parse_qs(endpoint.requests[0].content.decode())["scope"] == ["customers.read"]


def test_a_token_is_fetched_once_and_reused_until_shortly_before_expiry():
    endpoint, clock = Endpoint("token"), Clock()
    tokens = source(endpoint, clock)
    assert tokens.token() == "tok-1"
    clock.now += 79.9  # a 100 s token is renewed 20 s (20%) early
    assert tokens.token() == "tok-1"
    assert tokens.fetches == 1 and len(endpoint.requests) == 1
    clock.now += 0.1
    assert tokens.token() == "tok-2"
    assert tokens.fetches == 2


def test_the_renewal_margin_is_at_most_thirty_seconds():
    endpoint = Endpoint(
        httpx.Response(200, json={"access_token": "long", "expires_in": 3600}), "token"
    )
    clock = Clock()
    tokens = source(endpoint, clock)
    tokens.token()
    clock.now += 3600 - MAX_EXPIRY_MARGIN - 0.01
    assert tokens.token() == "long"
    clock.now += 0.02
    assert tokens.token() == "tok-1"


def test_a_token_without_expires_in_lives_five_minutes():
    endpoint = Endpoint(httpx.Response(200, json={"access_token": "a"}), "token")
    clock = Clock()
    tokens = source(endpoint, clock)
    tokens.token()
    clock.now += 269.9  # 300 s less min(60, 30)
    assert tokens.token() == "a"
    clock.now += 0.2
    assert tokens.token() == "tok-1"


def test_a_token_already_expired_is_fetched_every_time():
    endpoint = Endpoint(httpx.Response(200, json={"access_token": "x", "expires_in": 0}))
    tokens = source(endpoint)
    tokens.token()
    tokens.token()
    assert tokens.fetches == 2


def test_invalidate_fetches_a_new_token_next_time():
    endpoint = Endpoint("token")
    tokens = source(endpoint)
    assert tokens.token() == "tok-1"
    tokens.invalidate()
    assert tokens.token() == "tok-2"


def test_invalidating_the_current_token_renews_it_and_an_old_one_does_not():
    endpoint = Endpoint("token")
    tokens = source(endpoint)
    first = tokens.token()
    tokens.invalidate(first)
    second = tokens.token()
    assert second == "tok-2"
    tokens.invalidate(first)  # another worker's late 401 for the token already replaced
    assert tokens.token() == second and tokens.fetches == 2


def test_secrets_lists_the_client_secret_and_the_current_token_for_redaction():
    tokens = source(Endpoint("token"))
    assert tokens.secrets == (SECRET,)
    tokens.token()
    assert tokens.secrets == (SECRET, "tok-1")


def test_missing_credentials_are_usage_errors_before_any_request(monkeypatch):
    monkeypatch.delenv("T_CLIENT_SECRET")
    endpoint = Endpoint("token")
    with pytest.raises(UsageError, match="T_CLIENT_SECRET \\(from --oauth-client-secret-env\\)"):
        source(endpoint)
    assert endpoint.requests == []


def token_error(answer) -> str:
    with pytest.raises(TokenError) as caught:
        source(Endpoint(answer)).token()
    message = str(caught.value)
    assert SECRET not in message and "client-1" not in message
    return message


def test_an_unreachable_endpoint_names_the_error_kind_only():
    message = token_error(httpx.ConnectError("refused to connect to secret host"))
    assert message == f"token endpoint {TOKEN_URL} unreachable: ConnectError"


@pytest.mark.parametrize("status", [400, 401, 403, 500, 302])
def test_a_non_200_names_the_status(status):
    assert token_error(httpx.Response(status, json={"error": "invalid_client"})) == (
        f"token endpoint {TOKEN_URL} answered {status} (check the client id, secret and scope)"
    )


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b"not json"),
        httpx.Response(200, json={"token": "x"}),
        httpx.Response(200, json=["access_token"]),
        httpx.Response(200, json={"access_token": "x", "expires_in": "soon"}),
        httpx.Response(200, json={"access_token": "x", "expires_in": None}),
    ],
)
def test_an_answer_without_a_usable_access_token(answer):
    assert token_error(answer) == f"token endpoint {TOKEN_URL} answered without an access_token"


@pytest.mark.parametrize("token", ["", None, 42, ["x"]])
def test_an_empty_or_non_string_token(token):
    answer = httpx.Response(200, content=json.dumps({"access_token": token}).encode())
    assert token_error(answer) == f"token endpoint {TOKEN_URL} issued an empty token"


def test_a_failed_fetch_keeps_nothing_and_the_next_call_tries_again():
    endpoint = Endpoint(httpx.Response(503), "token")
    tokens = source(endpoint)
    with pytest.raises(TokenError):
        tokens.token()
    assert tokens.fetches == 0 and tokens.secrets == (SECRET,)
    assert tokens.token() == "tok-1"
