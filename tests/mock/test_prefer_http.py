"""`Prefer` over real HTTP: hostile values answer at once with a 400 problem, never a 500, and
never hold up the event loop (one mock process serves everyone)."""

from __future__ import annotations

import time

import pytest
from conftest import start_mock, stop
from support import AMELIA, assert_problem

from mock_server.scenarios import MAX_DELAY_MS

pytestmark = pytest.mark.live  # starts servers or processes on loopback

VALIDATION = "newday:generic:error:validation"
PATH = f"/customers/{AMELIA.customer_id}"


@pytest.fixture(scope="module")
def client():
    server = start_mock()
    with server.client() as http:
        yield http
    stop(server)


# Request line, Host and the other headers stay under the server's 32 KiB limit (431 beyond).
BIG = 31_000


@pytest.mark.parametrize(
    "header",
    [
        "code=" + " " * (BIG // 2) + '"' + " " * (BIG // 2) + '"x',  # froze the mock before
        "a" * BIG + "=1",
        ",".join(["respond-async"] * (BIG // 14)),
    ],
    ids=["quoted spaces", "long name", "many preferences"],
)
def test_a_32_kib_prefer_header_answers_in_milliseconds(client, header):
    started = time.perf_counter()
    response = client.get(PATH, headers={"Prefer": header})
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 400), response.text
    assert elapsed < 0.5
    assert client.get(PATH).status_code == 200  # and the next request is not held up


@pytest.mark.parametrize(
    "header,message",
    [
        ("code=²", "code=² is not a status code"),
        ("delay=³", "delay=³ is not a whole number of milliseconds"),
        ("code=" + "4" * 4301, "code=" + "4" * 40 + "... is not documented for GetCustomer"),
        ("delay=999999", f"delay must be 0-{MAX_DELAY_MS} ms (got 999999)"),
        ("delay=" + "9" * 4301, f"delay must be 0-{MAX_DELAY_MS} ms (got {'9' * 40}...)"),
    ],
)
def test_unreadable_or_out_of_range_numbers_are_a_400_problem(client, header, message):
    response = client.get(PATH, headers={"Prefer": header.encode("latin-1")})
    body = assert_problem(response, 400, VALIDATION)
    assert body["errors"]["Prefer"][0] == message


def test_non_ascii_digits_sent_as_utf_8_are_a_400_problem(client):
    response = client.get(PATH, headers={"Prefer": "code=٤٠٤".encode()})
    body = assert_problem(response, 400, VALIDATION)
    assert body["errors"]["Prefer"][0].endswith("is not a status code")


def test_a_delay_within_range_is_honoured(client):
    response = client.get(PATH, headers={"Prefer": "delay=5"})
    assert response.status_code == 200 and response.headers["preference-applied"] == "delay=5"
