"""Direct tests of mock_server.asgi: header lookup, body reading with its limit, and the
response and problem senders, driven with plain receive/send callables (no server)."""

from __future__ import annotations

import asyncio
import json

import pytest

from mock_server.asgi import (
    ClientDisconnected,
    header,
    read_body,
    send_json,
    send_problem,
    send_response,
)
from mock_server.problems import TRACE_ID_SCOPE_KEY, ApiProblem, ProblemCatalogue


def run(coroutine):
    return asyncio.run(coroutine)


def receiver(*messages):
    queue = list(messages)

    async def receive():
        return queue.pop(0)

    return receive


class Sent(list):
    async def __call__(self, message):
        self.append(message)

    @property
    def start(self) -> dict:
        return self[0]

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self[0]["headers"])

    @property
    def body(self) -> bytes:
        return self[1]["body"]


SCOPE = {"headers": [(b"host", b"127.0.0.1:8000"), (b"x-multi", b"one"), (b"x-multi", b"two")]}


@pytest.mark.parametrize("name", ["host", "Host", "HOST"])
def test_header_lookup_ignores_the_asked_names_case(name):
    assert header(SCOPE, name) == "127.0.0.1:8000"


def test_header_returns_the_first_of_repeated_headers_and_none_when_absent():
    assert header(SCOPE, "x-multi") == "one"
    assert header(SCOPE, "authorization") is None
    assert header({}, "host") is None


def test_header_values_are_latin_1():
    assert header({"headers": [(b"x-name", "Zoë".encode("latin-1"))]}, "x-name") == "Zoë"


def test_read_body_joins_chunks():
    receive = receiver(
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"cd"},
    )
    assert run(read_body(receive)) == b"abcd"


def test_read_body_of_no_body_is_empty():
    assert run(read_body(receiver({"type": "http.request"}))) == b""


def test_read_body_at_the_limit_is_fine_and_past_it_a_413():
    assert run(read_body(receiver({"type": "http.request", "body": b"x" * 10}), 10)) == b"x" * 10
    receive = receiver(
        {"type": "http.request", "body": b"x" * 6, "more_body": True},
        {"type": "http.request", "body": b"x" * 5, "more_body": True},
    )
    with pytest.raises(ApiProblem) as caught:
        run(read_body(receive, 10))
    assert (caught.value.status, caught.value.detail) == (413, "The body is over 10 bytes.")


def test_a_disconnect_while_reading_is_its_own_error():
    receive = receiver(
        {"type": "http.request", "body": b"x", "more_body": True}, {"type": "http.disconnect"}
    )
    with pytest.raises(ClientDisconnected):
        run(read_body(receive))


def test_send_response_adds_json_content_type_and_length():
    sent = Sent()
    run(send_response(sent, 201, b'{"a":1}', {"X-Thing": "1"}))
    assert sent.start == {
        "type": "http.response.start",
        "status": 201,
        "headers": [
            (b"x-thing", b"1"),
            (b"content-type", b"application/json"),
            (b"content-length", b"7"),
        ],
    }
    assert sent[1] == {"type": "http.response.body", "body": b'{"a":1}'}


def test_send_response_keeps_a_given_content_type_whatever_its_case():
    sent = Sent()
    run(send_response(sent, 200, b"", {"Content-Type": "text/plain"}))
    assert sent.headers[b"content-type"] == b"text/plain"
    assert [k for k, _ in sent.start["headers"]].count(b"content-type") == 1
    assert sent.headers[b"content-length"] == b"0"


def test_send_json_serialises():
    sent = Sent()
    run(send_json(sent, 200, {"status": "ok"}))
    assert json.loads(sent.body) == {"status": "ok"}
    assert sent.headers[b"content-type"] == b"application/json"


def test_send_problem_renders_with_the_requests_trace_id():
    sent = Sent()
    scope = {TRACE_ID_SCOPE_KEY: "00-abc-01"}
    run(send_problem(sent, ProblemCatalogue(), ApiProblem(429, "Slow down."), scope))
    assert sent.start["status"] == 429
    assert sent.headers[b"content-type"] == b"application/problem+json"
    assert sent.headers[b"retry-after"] == b"1"
    body = json.loads(sent.body)
    assert (body["status"], body["detail"], body["traceId"]) == (429, "Slow down.", "00-abc-01")
    assert int(sent.headers[b"content-length"]) == len(sent.body)


def test_send_problem_without_a_trace_id_sends_an_empty_one():
    sent = Sent()
    run(send_problem(sent, ProblemCatalogue(), ApiProblem(404), {}))
    assert json.loads(sent.body)["traceId"] == ""
