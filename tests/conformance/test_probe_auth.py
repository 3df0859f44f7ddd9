"""The oracles' probes (a search result fetched again, a token's owner asked) authenticate as
the run does: through the auth provider when there is one, else with the original token."""

from __future__ import annotations

import json

import pytest
import schemathesis
from broken.base import ThreadedServer
from checks.fake import VIEWS
from ndt_contract import load_contract
from schemathesis.config import SchemathesisConfig

from conformance.checks.base import RunContext, caller
from conformance.engine import register_token_auth
from conformance.exchange import Exchange

CUSTOMER = {"customerId": "0003911000000000001"}


class HeaderLog:
    """Answers every request with 200 `{}` and keeps the headers it was sent."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []

    async def __call__(self, scope, receive, send) -> None:
        assert scope["type"] == "http"
        self.headers.append({k.decode().lower(): v.decode() for k, v in scope["headers"]})
        body = json.dumps({}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def target():
    recorder = HeaderLog()
    with ThreadedServer(recorder) as server:
        yield server.url, recorder


def schema_for(url: str):
    config = SchemathesisConfig()
    config.projects.override.update(base_url=url)
    return schemathesis.openapi.from_dict(load_contract().to_dict(), config=config)


def original(headers: dict[str, str]) -> Exchange:
    return Exchange("SearchCustomers", "post", "/customers/search", 200, request_headers=headers)


def search_case(schema):
    operation = schema.find_operation_by_id("SearchCustomers")
    return operation.Case(body={"familyName": "Ng"}, media_type="application/json")


def test_with_an_auth_provider_a_probe_carries_its_current_token_not_the_original(target):
    url, recorder = target
    schema = schema_for(url)
    issued = iter(["fresh-1", "fresh-2"])
    register_token_auth(schema, lambda: next(issued), None)
    seen = original({"authorization": "Bearer expired", "api-version": "1.0"})
    recorder.headers.clear()
    caller(search_case(schema), seen)("GetCustomer", path_parameters=CUSTOMER)
    (sent,) = recorder.headers
    assert sent["authorization"] == "Bearer fresh-1"
    assert sent["api-version"] == "1.0"  # the version still follows the original request


def test_without_a_provider_a_probe_forwards_the_original_token_version_and_session(target):
    url, recorder = target
    schema = schema_for(url)
    seen = original(
        {"authorization": "Bearer static", "api-version": "1.0", "client-session-id": "s-1"}
    )
    recorder.headers.clear()
    caller(search_case(schema), seen)("GetCustomer", path_parameters=CUSTOMER)
    (sent,) = recorder.headers
    assert (sent["authorization"], sent["api-version"], sent["client-session-id"]) == (
        "Bearer static",
        "1.0",
        "s-1",
    )


def test_a_token_the_oracle_names_wins_over_the_provider(target):
    url, recorder = target
    schema = schema_for(url)
    register_token_auth(schema, lambda: "from-provider", None)
    recorder.headers.clear()
    call = caller(search_case(schema), original({}))
    call("GetCustomerByAccessToken", headers={"authorization": "Bearer someone-elses"})
    (sent,) = recorder.headers
    assert sent["authorization"] == "Bearer someone-elses"


def test_every_probe_answer_reaches_the_observer_as_an_exchange(target):
    url, _log = target
    schema = schema_for(url)
    observed: list[Exchange] = []
    context = RunContext(VIEWS, observe=observed.append)
    answer = caller(search_case(schema), original({}), context)(
        "GetCustomer", path_parameters=CUSTOMER
    )
    assert observed == [answer]
    assert (answer.operation_id, answer.status, answer.body) == ("GetCustomer", 200, {})
    assert answer.url.startswith(url) and answer.path_parameters == CUSTOMER
