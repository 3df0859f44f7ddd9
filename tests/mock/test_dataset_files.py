"""`mock --dataset DIR` with files that are not what they should be: each is exit 2 with one
line naming the file and what it is, before anything is read (real processes)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ndt_contract import load_contract
from ndt_fixtures import DatasetError, generate, write_dataset

from mock_server.cli import byte_size
from mock_server.dataset_check import checked_folder

pytestmark = pytest.mark.live  # starts servers or processes on loopback


def _mock(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", "mock", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "data"
    write_dataset(generate(3, 5), out, seed=3, count=5)
    return out


def _replace(path: Path, make) -> None:
    path.unlink()
    make(path)


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


CASES = {
    "directory": (lambda f: _replace(f / "customers.jsonl", Path.mkdir), "is a directory"),
    "FIFO": (lambda f: _replace(f / "tokens.jsonl", os.mkfifo), "is a FIFO (named pipe)"),
    "/dev/zero": (
        lambda f: _replace(f / "customers.jsonl", lambda p: p.symlink_to("/dev/zero")),
        "is a character device",
    ),
    "manifest a FIFO": (lambda f: _replace(f / "manifest.json", os.mkfifo), "is a FIFO"),
    "bad byte on line 5": (
        lambda f: (f / "customers.jsonl").write_bytes(
            b"".join(
                line if n != 5 else line.replace(b'"', b'"\xff', 1)
                for n, line in enumerate((f / "customers.jsonl").read_bytes().splitlines(True), 1)
            )
        ),
        "customers.jsonl:5: not UTF-8 text",
    ),
    "no customers": (
        lambda f: [(f / name).write_text("") for name in ("customers.jsonl", "tokens.jsonl")],
        "customers.jsonl: no customers; a dataset needs at least one to serve",
    ),
}


@pytest.mark.parametrize("label", CASES)
def test_a_dataset_file_of_the_wrong_kind_is_one_line(folder, label):
    make, expected = CASES[label]
    make(folder)
    line = _one_line(_mock("--dataset", str(folder), timeout=30))
    assert expected in line and str(folder) in line


def test_a_device_as_the_dataset_folder_is_named(tmp_path):
    line = _one_line(_mock("--dataset", "/dev/zero"))
    assert "/dev/zero: is a character device, not a dataset folder" in line


def _sparse(path: Path, size: int) -> None:
    path.unlink()
    with open(path, "wb") as handle:
        handle.truncate(size)  # no blocks written: the test costs no disk


def test_a_2_gb_file_over_the_cap_is_refused_before_reading(folder):
    _sparse(folder / "customers.jsonl", 2 * 1024**3)
    started = time.monotonic()
    line = _one_line(_mock("--dataset", str(folder), "--dataset-max-bytes", "1G"))
    assert "customers.jsonl: 2.0 GiB, over the limit of 1.0 GiB" in line
    assert "--dataset-max-bytes" in line
    assert time.monotonic() - started < 20


def test_a_2_gb_file_under_the_cap_is_read_in_bounded_memory(folder):
    """One 2 GB line: read whole, it peaked at twice its size; now the line cap stops it."""
    _sparse(folder / "customers.jsonl", 2 * 1024**3)
    line = _one_line(_mock("--dataset", str(folder)))
    assert "customers.jsonl:1: a line over 1.0 MiB" in line
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 500


@pytest.mark.parametrize("size", ["2X", "", "-1", "0", "1.5G", "²"])
def test_a_bad_size_limit_is_a_usage_error(size):
    result = _mock("--dataset-max-bytes", size)
    assert result.returncode == 2 and "--dataset-max-bytes" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "text,size",
    [
        ("1048576", 1024**2),
        ("500M", 500 * 1024**2),
        ("2G", 2 * 1024**3),
        ("2GiB", 2 * 1024**3),
        ("2gb", 2 * 1024**3),
        ("1T", 1024**4),
        ("3K", 3072),
        ("7B", 7),
    ],
)
def test_byte_size_reads_bytes_and_binary_units(text, size):
    assert byte_size(text) == size


@pytest.mark.parametrize("text", ["G", "1.5G", "-1", "0", "1X", "1" * 16])
def test_byte_size_refuses_what_is_not_a_size(text):
    with pytest.raises(argparse.ArgumentTypeError):
        byte_size(text)


def _load(folder: Path) -> int:
    return sum(1 for _ in checked_folder(folder, load_contract()).records())


def _manifest(folder: Path, **fields) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, **fields}))


def test_a_manifest_customer_count_that_is_wrong_is_refused(folder):
    _manifest(folder, customers=99)
    with pytest.raises(
        DatasetError, match=r"manifest\.json: customers: 99, but customers\.jsonl holds 15"
    ):
        _load(folder)


def test_a_manifest_persona_token_of_another_customer_is_refused(folder):
    rows = [json.loads(line) for line in (folder / "tokens.jsonl").read_text().splitlines()]
    first, second = [r for r in rows if r["customerId"]][:2]
    persona = {"key": "k", "story": "s", "id": first["customerId"], "token": second["token"]}
    _manifest(folder, personas=[persona])
    with pytest.raises(
        DatasetError, match=r"personas\[0\]: token: not the token tokens\.jsonl gives"
    ):
        _load(folder)


def test_a_manifest_persona_with_its_own_token_loads(folder):
    rows = [json.loads(line) for line in (folder / "tokens.jsonl").read_text().splitlines()]
    first = next(r for r in rows if r["customerId"])
    _manifest(
        folder,
        personas=[{"key": "k", "story": "s", "id": first["customerId"], "token": first["token"]}],
    )
    assert _load(folder) == 15
