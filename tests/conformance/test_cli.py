"""`ndt-customer conform` as QA and CI run it: exit codes, safety, reports, redaction."""

import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from broken.base import ThreadedServer, real_app, serve_variant
from ndt_contract import load_contract
from ndt_fixtures import PERSONAS, persona

from conformance.options import ConformOptions, UsageError, validate

PRODUCTION = "https://dapi.newdaytechnology.net/customer-service"
STAGING = "https://dapi.stg-newdaytechnology.net/customer-service"


def conform(*args, env=None, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", "conform", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.live
@pytest.mark.parametrize(
    "url", [PRODUCTION, PRODUCTION + "/", "HTTPS://DAPI.NEWDAYTECHNOLOGY.NET/customer-service"]
)
def test_production_is_refused_without_allow_production(url):
    result = conform("--base-url", url)
    assert result.returncode == 2
    assert "production server" in result.stderr and "--allow-production" in result.stderr
    assert "Traceback" not in result.stderr


def test_allow_production_runs_examples_only_and_slowly():
    options = validate(
        ConformOptions(base_url=PRODUCTION, allow_production=True, workers=4), load_contract()
    )
    assert options.phases == ("examples",) and options.rate_limit == "2/s" and options.workers == 1


def test_staging_is_not_production():
    assert validate(ConformOptions(base_url=STAGING), load_contract()).phases[-1] == "stateful"


@pytest.mark.live
def test_unreachable_target_is_inconclusive_exit_3_with_one_reason(tmp_path):
    result = conform(
        "--base-url", f"http://127.0.0.1:{free_port()}", "--junit", str(tmp_path / "j.xml")
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("INCONCLUSIVE: cannot reach")
    assert "Traceback" not in result.stderr
    suite = ET.parse(tmp_path / "j.xml").getroot()
    # Every check skipped, and the run itself one error saying why (a CI widget shows red).
    assert int(suite.get("skipped")) == int(suite.get("tests")) - 1 > 0
    assert suite.get("errors") == "1"


@pytest.mark.live
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "ftp://example.com"], "is not an http(s) URL"),
        (
            ["--base-url", "http://127.0.0.1:1", "--operation", "DeleteCustomer"],
            "unknown --operation DeleteCustomer",
        ),
        (["--base-url", "http://127.0.0.1:1", "--phases", "examples,chaos"], "unknown phase chaos"),
        (
            ["--base-url", "http://127.0.0.1:1", "--token-env", "NDT_NOT_SET_ANYWHERE"],
            "NDT_NOT_SET_ANYWHERE",
        ),
        (
            ["--base-url", "http://127.0.0.1:1", "--token-env", "eyJhbGciOi.abc.def"],
            "name of an environment variable",
        ),
        (
            ["--base-url", "http://127.0.0.1:1", "--header", "Authorization: Bearer abc"],
            "secrets do not go on the command line",
        ),
        (
            [
                "--base-url",
                "http://127.0.0.1:1",
                "--cert",
                "/nonexistent.pem",
                "--key",
                "/nonexistent.key",
            ],
            "no such file",
        ),
    ],
)
def test_usage_errors_are_exit_2(args, message):
    result = conform(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.live
def test_failing_run_exits_1_with_a_readable_redacted_report_and_junit(tmp_path):
    secret = persona("multi-account").token
    junit = tmp_path / "junit.xml"
    with serve_variant("search_not_matching") as server:
        result = conform(
            "--base-url",
            server.url,
            "--max-examples",
            "5",
            "--token-env",
            "NDT_SECRET_TOKEN",
            "--junit",
            str(junit),
            "--strict",  # the filter oracle rests on our matching reading: drift
            env={**os.environ, "NDT_SECRET_TOKEN": secret},
        )
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Search result does not match its filter  (search_results_match_filter)" in out
    assert "reproduce: curl -sS -X POST" in out and "FAIL:" in out
    assert secret not in out and secret not in junit.read_text()
    names = {p.profile["givenName"] for p in PERSONAS} | {p.profile["familyName"] for p in PERSONAS}
    for text in (out, junit.read_text()):
        leaked = [name for name in names if f'"{name}"' in text or f"'{name}'" in text]
        assert leaked == []
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite" and int(suite.get("failures")) >= 1
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    failed = {key for key, case in cases.items() if case.find("failure") is not None}
    assert ("POST /customers/search", "search_results_match_filter") in failed
    # one testcase per (operation, check): the passes are there too
    assert ("GET /customers", "search_results_match_filter") in cases
    passed = [key for key, case in cases.items() if len(case) == 0]
    assert ("POST /customers/search", "not_a_server_error") in passed
    assert int(suite.get("tests")) == len(cases)
    failure = cases[("POST /customers/search", "search_results_match_filter")].find("failure")
    assert failure.get("type") == "decision:search_results_match_filter"


@pytest.mark.live
def test_passing_run_exits_0_and_prints_cases_per_second(tmp_path):
    with ThreadedServer(real_app()) as server:
        result = conform(
            "--base-url", server.url, "--max-examples", "5", "--junit", str(tmp_path / "j.xml")
        )
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.splitlines()[-1].startswith("PASS: the target honours the contract")
    assert "cases/s" in result.stdout
    assert ET.parse(tmp_path / "j.xml").getroot().get("failures") == "0"


@pytest.mark.live
def test_help_states_defaults_exit_codes_and_an_example():
    result = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "conform", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    for needle in (
        "exit codes: 0 pass",
        "1 contract or standard failures",
        "3 inconclusive",
        "example:",
        "(default 25)",
        "(default 10)",
        "a new random seed, printed",
        "nothing is written",
    ):
        assert needle in text, needle


@pytest.mark.live
def test_testdata_file_drives_the_examples(tmp_path):
    data = tmp_path / "staging.yaml"
    data.write_text(
        f"customerIds: ['{persona('two-addresses').customer_id}']\nsearchFilters:\n"
        "  - postcode: 'EH1 1YZ'\ntokenEnv: NDT_TEST_CUSTOMER_TOKEN\n"
    )
    env = {**os.environ, "NDT_TEST_CUSTOMER_TOKEN": persona("two-addresses").token}
    with ThreadedServer(real_app()) as server:
        result = conform(
            "--base-url", server.url, "--testdata", str(data), "--phases", "examples", env=env
        )
        # Without the token every GetCustomerByAccessToken answer is a 401: not a pass.
        data.write_text(data.read_text().replace("tokenEnv: NDT_TEST_CUSTOMER_TOKEN\n", ""))
        untested = conform(
            "--base-url", server.url, "--testdata", str(data), "--phases", "examples"
        )
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"test data: {data}" in result.stdout
    assert untested.returncode == 3, untested.stdout[-3000:]
    assert "every response of GET /customers was 401 or 404" in untested.stdout


@pytest.mark.live
def test_bad_testdata_file_is_exit_2(tmp_path):
    data = tmp_path / "bad.yaml"
    data.write_text("customerIds: [1, 2\n")
    with ThreadedServer(real_app()) as server:
        result = conform("--base-url", server.url, "--testdata", str(data))
    assert result.returncode == 2 and "cannot read test data" in result.stderr


def test_usage_error_type():
    with pytest.raises(UsageError):
        validate(ConformOptions(base_url="not a url"), load_contract())


def test_testdata_environments_pick_the_target_and_read_the_token_from_env(tmp_path, monkeypatch):
    from conformance.testdata import load_testdata

    monkeypatch.setenv("NDT_TEST_STG_TOKEN", "secret-token")
    data = tmp_path / "envs.yaml"
    data.write_text(
        "environments:\n"
        f"  staging:\n    baseUrl: {STAGING}\n    tokenEnv: NDT_TEST_STG_TOKEN\n    customerIds: ['0003911000000000009']\n"
        "  other:\n    baseUrl: http://127.0.0.1:9\n    customerIds: ['0003911000000000002']\n"
    )
    chosen = load_testdata(data, STAGING + "/")
    assert chosen.customer_ids == ("0003911000000000009",) and chosen.token == "secret-token"
    assert chosen.source.endswith("[staging]")
    with pytest.raises(UsageError, match="no environment has baseUrl"):
        load_testdata(data, "http://127.0.0.1:1")


def test_the_shipped_testdata_example_is_valid(monkeypatch):
    from pathlib import Path

    from conformance.testdata import load_testdata

    example = Path(__file__).resolve().parents[2] / "examples/conformance/testdata.yaml"
    monkeypatch.setenv("NDT_STG_CUSTOMER_TOKEN", "t")
    monkeypatch.setenv("NDT_STG_APPLICANT_TOKEN", "a")
    staging = load_testdata(example, STAGING)
    assert staging.customer_ids
    assert staging.identities["t"].no_account is False
    assert staging.identities["a"].no_account is True
    assert load_testdata(example, "http://127.0.0.1:8080").search_filters


def test_testdata_tokens_must_name_a_variable_and_a_customer(tmp_path, monkeypatch):
    from conformance.testdata import load_testdata

    monkeypatch.setenv("T", "token")
    bad = tmp_path / "bad.yaml"
    for tokens in ("[{tokenEnv: T}]", "[{customerId: '1'}]", "{tokenEnv: T}"):
        bad.write_text(f"tokens: {tokens}\n")
        with pytest.raises(UsageError, match="tokens"):
            load_testdata(bad, STAGING)


def test_waiving_what_is_not_a_standard_is_a_usage_error():
    with pytest.raises(UsageError, match="not a standard"):
        validate(
            ConformOptions(base_url="http://127.0.0.1:1", waived=("provider.example",)),
            load_contract(),
        )
    validate(
        ConformOptions(base_url="http://127.0.0.1:1", waived=("standard.throttling",)),
        load_contract(),
    )


def test_production_host_is_refused_even_if_the_spec_stops_naming_it():
    from ndt_contract.loader import Contract

    contract = load_contract()
    renamed = dict(contract.document, servers=[{"url": PRODUCTION, "description": "Live"}])
    other = Contract(renamed, contract.source, contract.operations)
    assert other.production_urls() == []
    with pytest.raises(UsageError, match="production server"):
        validate(ConformOptions(base_url=PRODUCTION), other)
