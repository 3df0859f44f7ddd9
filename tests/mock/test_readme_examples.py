"""The README's mock examples, run as written: each `curl` block of "Two requests to start from"
against a fresh mock, its status and JSON answer compared with the block shown after it."""

from __future__ import annotations

import itertools
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from live import start_mock, stop

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### Two requests to start from"
DEFAULT_BASE = "http://127.0.0.1:8080"  # what the README's commands talk to (`make mock`)
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


@dataclass
class Example:
    command: str
    status: int
    answer: object
    method: str = "GET"
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    data: str | None = None


def section(text: str) -> str:
    start = text.index(SECTION)
    end = text.index("\n### ", start + len(SECTION))
    return text[start:end]


def parse_curl(command: str) -> dict:
    """The request a `curl` command line sends (the flags the README uses)."""
    tokens = shlex.split(command.replace("\\\n", " "))
    assert tokens[0] == "curl", command
    request: dict = {"method": None, "headers": {}, "data": None, "url": None}
    position = 1
    while position < len(tokens):
        token = tokens[position]
        if token == "-s":
            position += 1
            continue
        if token in ("-X", "-H", "-d"):
            value = tokens[position + 1]
            if token == "-X":
                request["method"] = value
            elif token == "-H":
                name, _, header_value = value.partition(":")
                request["headers"][name.strip()] = header_value.strip()
            else:
                request["data"] = value
            position += 2
            continue
        assert not token.startswith("-"), f"a curl flag this test does not know: {token}"
        request["url"] = token
        position += 1
    request["method"] = request["method"] or ("POST" if request["data"] else "GET")
    return request


def examples(text: str) -> list[Example]:
    found, previous_end = [], 0
    blocks = list(BLOCK.finditer(text))
    for block, after in itertools.pairwise(blocks):
        if block.group(1) != "sh" or not block.group(2).startswith("curl"):
            continue
        assert after.group(1) == "json", f"no JSON answer after {block.group(2)!r}"
        status = re.search(r"`(\d{3})`", text[previous_end : block.start()])
        assert status, f"no status named before {block.group(2)!r}"
        request = parse_curl(block.group(2).strip())
        found.append(
            Example(
                block.group(2).strip(),
                int(status.group(1)),
                json.loads(after.group(2)),
                request["method"],
                request["url"],
                request["headers"],
                request["data"],
            )
        )
        previous_end = after.end()
    return found


EXAMPLES = examples(section(README.read_text(encoding="utf-8")))


def test_the_readme_has_a_search_and_an_admin_example():
    requests = [(e.method, e.url.split("?")[0]) for e in EXAMPLES]
    assert ("POST", f"{DEFAULT_BASE}/customers/search") in requests
    assert any(m == "PUT" and u.startswith(f"{DEFAULT_BASE}/__admin/") for m, u in requests)
    assert all(e.url.startswith(DEFAULT_BASE + "/") for e in EXAMPLES)


@pytest.mark.live
def test_the_readme_examples_answer_as_shown():
    server = start_mock()  # fresh: the examples change the data, in order
    try:
        with httpx.Client(timeout=10) as client:
            for example in EXAMPLES:
                response = client.request(
                    example.method,
                    server.url + example.url[len(DEFAULT_BASE) :],
                    headers=example.headers,
                    content=example.data,
                )
                assert response.status_code == example.status, (example.command, response.text)
                assert response.json() == example.answer, example.command
    finally:
        stop(server)


def test_parse_curl_reads_the_flags_the_readme_uses():
    request = parse_curl("curl -s -X PUT 'http://h/x?a=1' \\\n  -H 'A: b c' -d '{\"k\": 1}'")
    assert request == {
        "method": "PUT",
        "url": "http://h/x?a=1",
        "headers": {"A": "b c"},
        "data": '{"k": 1}',
    }
    assert parse_curl("curl -d '{}' http://h/")["method"] == "POST"
    with pytest.raises(AssertionError, match="--json"):
        parse_curl("curl --json '{}' http://h/")
