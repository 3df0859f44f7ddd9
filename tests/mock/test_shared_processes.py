"""One state wherever the mock runs, on real processes over real HTTP: the two workers of
`--workers 2` (their SQLite file), and two separate mocks on one real redis-server
(`--state`). A change through one is answered by the other on the very next request; a
reset clears it everywhere; under a bounded hammer of PUT, DELETE and reset every read is
one whole version of the customer."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, stop
from redis_support import redis_server
from support import AMELIA, assert_problem

pytestmark = [pytest.mark.slow, pytest.mark.live]
MOCK = [sys.executable, "-m", "ndt_cli", "mock", "--port", "0"]
PATH = f"/customers/{AMELIA.customer_id}"
ADMIN = f"/__admin/customers/{AMELIA.customer_id}"
JSON = {"Content-Type": "application/json"}
TRIALS = 40


def start(args: list[str], env: dict[str, str], ready_within: float = 120) -> LiveServer:
    process = subprocess.Popen(
        [*MOCK, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
    )
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        if match:
            server = LiveServer(match.group(1), process, lines)
            threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
            deadline = time.monotonic() + ready_within
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{server.url}/heartbeat", timeout=1).status_code == 200:
                        return server
                except httpx.HTTPError:
                    time.sleep(0.1)
            break
    process.kill()
    raise RuntimeError("the mock did not start:\n" + "".join(lines))


def connect(url: str) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.connect()
    return connection


def call(
    connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None
) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=JSON if body is not None else {})
    response = connection.getresponse()
    return response.status, response.read()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def serving_pid(server: LiveServer, connection: http.client.HTTPConnection) -> int:
    """The worker process holding the server end of `connection` (read from /proc)."""
    client_port = connection.sock.getsockname()[1]
    server_port = int(server.url.rsplit(":", 1)[1])
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if (
            int(local.split(":")[1], 16) == server_port
            and int(remote.split(":")[1], 16) == client_port
        ):
            inode = fields[9]
    assert inode is not None, "the connection is not in /proc/net/tcp"
    for pid in children(server.process.pid):
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
        except OSError:
            continue
    raise AssertionError("no worker holds the connection")


def on_two_workers(server: LiveServer, within: float = 120) -> tuple:
    """Two kept-alive connections that two different workers serve (both workers up)."""
    deadline = time.monotonic() + within
    first = connect(server.url)
    assert call(first, "GET", "/heartbeat")[0] == 200
    first_pid = serving_pid(server, first)
    while time.monotonic() < deadline:
        second = connect(server.url)
        assert call(second, "GET", "/heartbeat")[0] == 200
        if serving_pid(server, second) != first_pid:
            return first, second
        second.close()
        time.sleep(0.05)
    raise AssertionError("every connection landed on one worker")


@pytest.fixture(scope="module")
def workers(tmp_path_factory) -> Iterator[tuple]:
    cache = tmp_path_factory.mktemp("cache")
    server = start(["--workers", "2"], {"NDT_CACHE_DIR": str(cache)})
    try:
        for connection in on_two_workers(server):  # both workers are up
            connection.close()
        yield server
    finally:
        stop(server)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory) -> Iterator[tuple]:
    with redis_server() as url:
        first = start(["--state", url], {})
        second = start(["--state", url], {})
        try:
            yield first, second
        finally:
            stop(first)
            stop(second)


@pytest.fixture(params=["workers", "replicas"])
def two(request) -> Iterator[tuple]:
    """(a server's URL, a connection to one process, a connection to another), fresh for
    each test (an idle connection is closed after a few seconds)."""
    if request.param == "workers":
        server = request.getfixturevalue("workers")
        one, other = on_two_workers(server)
    else:
        server, second = request.getfixturevalue("replicas")
        one, other = connect(server.url), connect(second.url)
    call(one, "POST", "/__admin/reset")
    yield server, one, other
    one.close()
    other.close()


def version(n: int) -> bytes:
    profile = dict(AMELIA.profile, givenName=f"Version{n}", middleNames=f"Whole{n}")
    return json.dumps(profile).encode()


def test_the_banner_says_the_state_is_shared(workers, replicas):
    assert "admin changes: shared by the 2 workers" in "".join(workers.output)
    output = "".join(replicas[0].output)
    assert "admin changes: shared through redis://127.0.0.1:" in output
    assert "keeps its own" not in output


def test_a_put_on_one_is_answered_by_the_other_on_the_very_next_request(two):
    _, one, other = two
    seen = 0
    for n in range(TRIALS):
        status, _ = call(one, "PUT", ADMIN, version(n))
        assert status == 200
        status, body = call(other, "GET", PATH)
        seen += status == 200 and json.loads(body)["givenName"] == f"Version{n}"
    assert seen == TRIALS


def test_a_new_customer_and_a_delete_are_seen_by_the_other_next(two):
    _, one, other = two
    new = dict(AMELIA.profile, id="0003919000000000077", customerRef="Replica077")
    assert call(one, "PUT", f"/__admin/customers/{new['id']}", json.dumps(new).encode())[0] == 201
    _, body = call(other, "POST", "/customers/search", b'{"filter":{"customerRef":"Replica077"}}')
    assert [c["id"] for c in json.loads(body)["values"]] == [new["id"]]
    assert call(other, "DELETE", f"/__admin/customers/{new['id']}")[0] == 200
    assert call(one, "GET", f"/customers/{new['id']}")[0] == 404
    _, body = call(one, "POST", "/customers/search", b'{"filter":{"customerRef":"Replica077"}}')
    assert json.loads(body)["values"] == []


def test_reset_on_one_clears_everywhere_journal_included(two):
    _, one, other = two
    call(one, "PUT", ADMIN, version(1))
    call(one, "DELETE", f"/customers/{AMELIA.customer_id}x")  # journalled (a 405)
    assert call(other, "POST", "/__admin/reset")[0] == 200
    status, body = call(one, "GET", PATH)
    assert status == 200 and json.loads(body) == AMELIA.profile
    status, body = call(one, "GET", "/__admin/journal")
    paths = [entry["path"] for entry in json.loads(body)["entries"]]
    assert f"/customers/{AMELIA.customer_id}x" not in paths


def test_the_journal_is_one_across_processes(two):
    _, one, other = two
    marker = "/customers/0003910000000000123"
    call(one, "GET", marker)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        _, body = call(other, "GET", "/__admin/journal")
        if marker in [e["path"] for e in json.loads(body)["entries"]]:
            return
        time.sleep(0.05)
    raise AssertionError("the other process never showed the entry")


def test_a_hammer_of_put_delete_and_reset_never_shows_half_a_customer(two):
    """Bounded: 3 writers and 2 readers for at most 4 s on loopback."""
    server, one, other = two
    url = server.url
    versions = {json.dumps(json.loads(version(n)), sort_keys=True) for n in range(5)}
    versions.add(json.dumps(AMELIA.profile, sort_keys=True))
    stop_at = time.monotonic() + 4
    bad: list[str] = []
    reads = [0]

    def writer(kind: int) -> None:
        connection = connect(url)
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            if kind == 0:
                call(connection, "PUT", ADMIN, version(n % 5))
            elif kind == 1:
                call(connection, "DELETE", ADMIN)
                call(connection, "PUT", ADMIN, version((n + 2) % 5))
            else:
                call(connection, "POST", "/__admin/reset")
                time.sleep(0.01)

    def reader(connection: http.client.HTTPConnection) -> None:
        while time.monotonic() < stop_at:
            status, body = call(connection, "GET", PATH)
            reads[0] += 1
            if status == 404:
                continue
            if status != 200 or json.dumps(json.loads(body), sort_keys=True) not in versions:
                bad.append(f"{status} {body[:200]!r}")
            status, body = call(
                connection, "POST", "/customers/search", b'{"filter":{"postcode":"N1C 4DA"}}'
            )
            for found in json.loads(body)["values"]:
                if found["id"] == AMELIA.customer_id and (
                    json.dumps(found, sort_keys=True) not in versions
                ):
                    bad.append(f"search {found}")

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    threads += [threading.Thread(target=reader, args=(c,)) for c in (one, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not bad, bad[:3]
    assert reads[0] > 20


def test_an_unreachable_redis_is_one_line_at_start():
    from redis_support import free_port

    for extra in ([], ["--workers", "2"]):
        result = subprocess.run(
            [*MOCK, "--state", f"redis://127.0.0.1:{free_port()}/0", *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert "cannot reach the shared state at redis://127.0.0.1:" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("bad", ["http://x", "redis://", "redis://h:99999/0", "redis://h/x"])
def test_a_state_that_is_not_a_redis_url_is_a_usage_error(bad):
    result = subprocess.run([*MOCK, "--state", bad], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--state" in result.stderr


def test_redis_going_away_answers_problems_not_tracebacks(tmp_path):
    with redis_server() as url:
        server = start(["--state", url], {})
    try:
        response = httpx.get(f"{server.url}{PATH}")
        assert_problem(response, 500, "newday:generic:error:unavailable")
        assert "shared state" in response.json()["detail"]
        assert "Traceback" not in "".join(server.output)
    finally:
        stop(server)
