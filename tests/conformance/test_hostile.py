"""Bounded in every dimension: a run against a target that drips, floods, bombs or nests ends
inconclusive (exit 3) with the bound as its reason, in about the time the bound allows, never
PASS and never a traceback. Each target is hostile at the first probe, and again (politely
answering the probe) on the requests schemathesis sends."""

from __future__ import annotations

import time

import pytest
from hostile import (
    HostileServer,
    big_body,
    deep_json,
    drip_body,
    drip_head,
    endless_chunked,
    gzip_bomb,
    huge_number,
    personas,
)

from conformance import ConformOptions, run_conformance
from conformance.bounds import Limits, decoded_body, json_bounds_error, loads_bounded
from conformance.report.model import EXIT_INCONCLUSIVE
from ndt_cli.main import main

pytestmark = pytest.mark.live  # starts servers or processes on loopback

CASES = {
    "drip in the headers": (drip_head, "longer than 1 s"),
    "drip in the body": (drip_body, "longer than 1 s"),
    "endless chunked body": (endless_chunked, "past 10 MB"),
    "gzip bomb": (gzip_bomb, "past 10 MB"),
    "100 MB body": (big_body, "past 10 MB"),
    "JSON 100,000 deep": (deep_json, "nested deeper than 64"),
    "a 5 MB number": (huge_number, "number longer than 64"),
}


def run(url: str, **kw):
    kw = {"request_timeout": 1.0, "max_examples": 1, "seed": 1, "phases": ("examples",), **kw}
    options = ConformOptions(base_url=url, **kw)
    started = time.monotonic()
    result = run_conformance(options)
    return result, time.monotonic() - started


@pytest.mark.parametrize("hostile_root", [True, False], ids=["at the probe", "in the phases"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_target_ends_inconclusive_with_its_bound(name, hostile_root):
    behaviour, reason = CASES[name]
    with HostileServer(behaviour, hostile_root=hostile_root) as target:
        result, took = run(target.url)
    verdict = result.verdict()
    assert verdict.code == EXIT_INCONCLUSIVE, verdict.reason
    assert reason in verdict.reason, verdict.reason
    assert took < 20, took


def test_max_time_interrupts_a_hung_read():
    with HostileServer(drip_body) as target:
        result, took = run(target.url, max_time=2.0, request_timeout=60.0)
    assert took < 10, took  # the deadline, plus starting schemathesis
    assert result.stopped_early == "--max-time 2 s reached"
    assert result.verdict().code == EXIT_INCONCLUSIVE
    assert any("--max-time 2 s reached during a request" in e for e in result.errors)


def test_the_cli_prints_the_reason_without_a_traceback(capsys):
    with HostileServer(gzip_bomb) as target:
        args = ["--base-url", target.url, "--phases", "examples", "--max-examples", "1"]
        code = main(["conform", "--quiet", *args, "--max-response-bytes", "100000"])
    out = capsys.readouterr()
    assert code == 3 and "Traceback" not in out.out + out.err
    assert "INCONCLUSIVE: stopped: a response body past 100000 bytes" in out.out


# -- persona discovery ----------------------------------------------------------------------


def test_a_target_with_personas_but_no_controls_document_is_not_our_mock():
    with HostileServer(personas(3, controls=False)) as target:
        result, _ = run(target.url)
    assert result.testdata_source == "spec examples"


def test_twenty_thousand_personas_are_not_our_mock():
    with HostileServer(personas(20_000)) as target:
        result, took = run(target.url)
    assert result.testdata_source == "spec examples" and took < 20


def test_a_one_letter_token_is_never_used_nor_substituted():
    with HostileServer(personas(3, token="e")) as target:
        result, _ = run(target.url)
    assert result.testdata_source == "mock personas"
    assert "NDT_TOKEN" not in result.env_needed
    for finding in result.findings:
        if finding.reproduction:
            assert "${NDT_TOKEN" not in finding.reproduction.curl


def test_a_few_personas_from_a_loopback_mock_are_used():
    with HostileServer(personas(3)) as target:
        result, _ = run(target.url)
    assert result.testdata_source == "mock personas" and "NDT_TOKEN" in result.env_needed


# -- the pure bounds, one branch each -----------------------------------------------------------


def test_depth_is_counted_outside_strings_only():
    assert json_bounds_error(b'["' + b"[" * 1000 + b'"]') is None
    assert json_bounds_error(b"[" * 65 + b"]" * 65) == "JSON nested deeper than 64 levels"
    assert json_bounds_error(b"[" * 64 + b"]" * 64) is None


def test_long_numbers_are_found_outside_strings_only():
    assert json_bounds_error(b'{"a": "' + b"1" * 100 + b'"}') is None
    assert "number longer than 64" in json_bounds_error(b'{"a": ' + b"1" * 65 + b"}")
    assert json_bounds_error(b"[1]", Limits(max_number_chars=0)) is not None


def test_loads_bounded_never_raises():
    assert loads_bounded(b"[" * 100_000) is None
    assert loads_bounded(b"not json") is None
    assert loads_bounded(None) is None
    assert loads_bounded('{"a": 1}') == {"a": 1}


def test_decoding_stops_at_the_cap_whatever_the_coding():
    import gzip
    import zlib

    zeros = b"0" * 200_000
    small = Limits(max_response_bytes=100_000)
    for coding, data in [
        ("gzip", gzip.compress(zeros, mtime=0)),
        ("deflate", zlib.compress(zeros)),
        ("deflate", zlib.compress(zeros)[2:-4]),  # raw deflate, as some servers send it
        (None, zeros),
        ("br", zeros),  # kept as sent, capped all the same
    ]:
        with pytest.raises(Exception, match="past 100000 bytes"):
            decoded_body([data], coding, small)
    assert decoded_body([gzip.compress(b"ok")], "gzip") == b"ok"
    assert decoded_body([b"not gzip"], "gzip") == b"not gzip"


def test_a_hostile_token_endpoint_is_a_reason_not_a_traceback(monkeypatch):
    from conformance.options import OAuthSettings

    monkeypatch.setenv("T_ID", "client")
    monkeypatch.setenv("T_SECRET", "a-client-secret-of-length")
    with HostileServer(gzip_bomb) as target:
        oauth = OAuthSettings(f"{target.url}/token", "T_ID", "T_SECRET")
        result, took = run(target.url, oauth=oauth)
    assert result.verdict().code == EXIT_INCONCLUSIVE
    assert "cannot authenticate" in result.verdict().reason
    assert "past 10 MB" in result.verdict().reason and took < 20
