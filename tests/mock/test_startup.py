"""Starting the mock: datasets checked on load, clear usage errors, workers, access log,
banner, version."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import start_mock, stop
from ndt_contract import load_contract
from ndt_fixtures import DatasetError, generate, write_dataset
from support import AMELIA

from mock_server.cli import MAX_CUSTOMERS
from mock_server.dataset_check import checked_folder


def _mock(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", "mock", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "data"
    write_dataset(generate(3, 5), out, seed=3, count=5)
    return out


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _edit_customer(folder: Path, line: int, **changes) -> None:
    lines = _lines(folder / "customers.jsonl")
    profile = json.loads(lines[line - 1])
    profile.update(changes)
    lines[line - 1] = json.dumps(profile) + "\n"
    (folder / "customers.jsonl").write_text("".join(lines), encoding="utf-8")


def _load_all(folder: Path) -> int:
    return sum(1 for _ in checked_folder(folder, load_contract()).records())


def test_a_good_dataset_loads(folder):
    assert _load_all(folder) == 15


def _duplicate_id(folder):
    lines = _lines(folder / "customers.jsonl")
    (folder / "customers.jsonl").write_text("".join([*lines, lines[0]]), encoding="utf-8")


def _duplicate_ref(folder):
    ref = json.loads(_lines(folder / "customers.jsonl")[0])["customerRef"]
    _edit_customer(folder, 4, customerRef=ref)


def _not_json(folder):
    lines = _lines(folder / "customers.jsonl")
    lines[1] = "{not json\n"
    (folder / "customers.jsonl").write_text("".join(lines), encoding="utf-8")


def _dangling_token(folder):
    with open(folder / "tokens.jsonl", "a", encoding="utf-8") as handle:
        handle.write(
            json.dumps({"token": "t-dangling", "customerId": "0003911999999999998"}) + "\n"
        )


def _duplicate_token(folder):
    first = _lines(folder / "tokens.jsonl")[0]
    with open(folder / "tokens.jsonl", "a", encoding="utf-8") as handle:
        handle.write(first)


def _bad_token_row(folder):
    with open(folder / "tokens.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"token": "has space", "customerId": None}) + "\n")


BROKEN = {
    "schema": (
        lambda f: _edit_customer(f, 3, customerRef="bad ref!"),
        r"customers\.jsonl:3: customerRef: ",
    ),
    "nullable as wrong type": (
        lambda f: _edit_customer(f, 2, accounts=None),
        r"customers\.jsonl:2: accounts: ",
    ),
    "NaN": (
        lambda f: _edit_customer(f, 2, givenName=float("nan")),
        r"customers\.jsonl:2: not JSON",
    ),
    "duplicate id": (
        _duplicate_id,
        r"customers\.jsonl:16: id: \d{19} again \(first at .*customers\.jsonl:1\)",
    ),
    "duplicate customerRef": (_duplicate_ref, r"customers\.jsonl:4: customerRef: .* again"),
    "not JSON": (_not_json, r"customers\.jsonl:2: not JSON"),
    "token for no customer": (_dangling_token, r"tokens\.jsonl:\d+: customerId: no customer"),
    "same token twice": (_duplicate_token, r"tokens\.jsonl:\d+: token: the same token again"),
    "token with a space": (_bad_token_row, r"tokens\.jsonl:\d+: token: "),
    "manifest a list": (
        lambda f: (f / "manifest.json").write_text("[1, 2]"),
        r"manifest\.json: not a JSON object",
    ),
    "manifest not UTF-8": (
        lambda f: (f / "manifest.json").write_bytes(b'{"seed": "\xff"}'),
        r"manifest\.json:1: not UTF-8 text",
    ),
    "manifest not JSON": (
        lambda f: (f / "manifest.json").write_text("{seed"),
        r"manifest\.json:1: not JSON",
    ),
}


@pytest.mark.parametrize("label", BROKEN)
def test_a_bad_dataset_names_file_line_and_field(folder, label):
    corrupt, expected = BROKEN[label]
    corrupt(folder)
    with pytest.raises(DatasetError) as caught:
        _load_all(folder)
    assert re.search(expected, str(caught.value)), str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.live
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bad_dataset_is_exit_2_with_one_line(folder, workers):
    _duplicate_id(folder)
    result = _mock("--dataset", str(folder), "--port", "0", "--workers", workers)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "customers.jsonl:16: id:" in lines[0]


@pytest.mark.live
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port: 70000 is not a whole number from 0 to 65,535"),
        (["--port", "http"], "--port: 'http' is not a whole number"),
        (["--customers", str(MAX_CUSTOMERS + 1)], f"from 0 to {MAX_CUSTOMERS:,}"),
        (["--customers", "²"], "is not a whole number"),
        (["--read-timeout", "0"], "outside 0.1..300"),
        (["--admin-token", "x", "--no-admin"], "not allowed with argument"),
        (["--cors-origin", "http://localhost:3000/"], "as browsers send it: http://localhost:3000"),
    ],
)
def test_usage_errors_are_exit_2_and_clear(args, message):
    result = _mock(*args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.live
def test_dataset_file_instead_of_folder_is_a_usage_error(folder):
    result = _mock("--dataset", str(folder / "customers.jsonl"))
    assert result.returncode == 2 and "is a file; pass the folder" in result.stderr


@pytest.mark.live
@pytest.mark.parametrize("flag", [["--seed", "4"], ["--customers", "10"]])
def test_generation_flags_with_a_dataset_are_a_usage_error(folder, flag):
    result = _mock("--dataset", str(folder), *flag)
    assert result.returncode == 2 and "cannot go with --dataset" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.live
def test_version():
    result = _mock("--version")
    assert result.returncode == 0 and re.fullmatch(r"\S+ mock \S+\n", result.stdout)


@pytest.mark.live
@pytest.mark.parametrize("style", ["plain", "json"])
def test_access_log_prints_one_line_per_request(style):
    server = start_mock("--access-log", style)
    try:
        assert httpx.get(f"{server.url}/customers/{AMELIA.customer_id}").status_code == 200
        trace_404 = httpx.get(f"{server.url}/customers/0000000000000000000").json()["traceId"]
    finally:
        stop(server)
    if style == "json":
        entries = [json.loads(line) for line in server.output if line.startswith("{")]
        entries = [e for e in entries if e["path"].startswith("/customers")]
        assert [(e["method"], e["path"], e["status"]) for e in entries] == [
            ("GET", f"/customers/{AMELIA.customer_id}", 200),
            ("GET", "/customers/0000000000000000000", 404),
        ]
        assert entries[1]["traceId"] == trace_404 and entries[0]["duration_ms"] >= 0
    else:
        lines = [line for line in server.output if re.match(r"\d{4}-\d\d-\d\dT\S+ \w+ /cus", line)]
        assert len(lines) == 2
        assert re.search(rf" GET /customers/{AMELIA.customer_id} 200 [\d.]+ms 00-", lines[0])
        assert lines[1].rstrip().endswith(f" 404 {lines[1].split()[-2]} {trace_404}")


@pytest.mark.live
def test_banner_shows_latency_error_rate_cors_and_admin_mode():
    server = start_mock(
        "--latency", "5-10", "--error-rate", "0.25", "--cors-origin", "http://app.example"
    )
    try:
        banner = "".join(server.output)
        assert "latency: 5-10 ms; error rate: 0.25; CORS origins: http://app.example" in banner
        assert "admin API: on, no token (loopback only)" in banner
    finally:
        stop(server)
