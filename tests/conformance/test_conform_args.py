"""Direct tests of conformance.cli: flags and environment into one ConformOptions, in process."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from conformance import cli
from conformance.auth import env_value, parse_headers, token_from_env
from conformance.options import ALL_PHASES, ConformOptions, OAuthSettings, UsageError
from conformance.report.model import EXIT_USAGE

URL = "http://127.0.0.1:8000"


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser(prog="conform")
    cli.add_arguments(built)
    return built


def options(*argv: str) -> ConformOptions:
    return cli.options_from_args(parser().parse_args(["--base-url", URL, *argv]))


def test_the_defaults_are_the_documented_ones():
    assert options() == ConformOptions(
        base_url=URL,
        max_examples=25,
        seed=None,
        workers=1,
        rate_limit=None,
        operations=(),
        phases=ALL_PHASES,
        tls_verify=True,
        headers={},
        token=None,
        oauth=None,
        outage_threshold=0.2,
        redact=True,
    )


def test_base_url_is_required_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        parser().parse_args([])
    assert caught.value.code == 2
    assert "the following arguments are required: --base-url" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,field,value",
    [
        (["--max-examples", "7"], "max_examples", 7),
        (["--seed", "123"], "seed", 123),
        (["--workers", "3"], "workers", 3),
        (["--rate-limit", "10/s"], "rate_limit", "10/s"),
        (
            ["--operation", "GetCustomer", "--operation", "VerifyEmail"],
            "operations",
            ("GetCustomer", "VerifyEmail"),
        ),
        (["--phases", "examples, fuzzing,,"], "phases", ("examples", "fuzzing")),
        (["--include-checks", "a,b"], "include_checks", ("a", "b")),
        (["--exclude-checks", " c "], "exclude_checks", ("c",)),
        (["--request-timeout", "2.5"], "request_timeout", 2.5),
        (["--max-time", "60"], "max_time", 60.0),
        (["--max-response-time", "0.5"], "max_response_time", 0.5),
        (["--hypothesis-database", "db"], "hypothesis_database", Path("db")),
        (["--spec", "s/openapi.yaml"], "spec", Path("s/openapi.yaml")),
        (["--testdata", "td.yaml"], "testdata", Path("td.yaml")),
        (["--allow-production"], "allow_production", True),
        (["--cert", "c.pem"], "cert", Path("c.pem")),
        (["--key", "k.pem"], "key", Path("k.pem")),
        (["--ca-bundle", "ca.pem"], "ca_bundle", Path("ca.pem")),
        (["--insecure"], "tls_verify", False),
        (["--strict"], "strict", True),
        (
            ["--waive", "standard.a", "--waive", "standard.b"],
            "waived",
            ("standard.a", "standard.b"),
        ),
        (["--drift-report", "d.json"], "drift_report", Path("d.json")),
        (["--require-coverage"], "require_coverage", True),
        (["--outage-threshold", "0.5"], "outage_threshold", 0.5),
        (["--baseline", "b.json"], "baseline", Path("b.json")),
        (["--write-baseline", "w.json"], "write_baseline", Path("w.json")),
        (["--junit", "j.xml"], "junit", Path("j.xml")),
        (["--html", "r.html"], "html", Path("r.html")),
        (["--pii-file", "pii.env"], "pii_file", Path("pii.env")),
        (["--no-redact"], "redact", False),
        (
            ["--header", "X-Trace: 1", "--header", "Client-Session-Id:  abc "],
            "headers",
            {"X-Trace": "1", "Client-Session-Id": "abc"},
        ),
    ],
)
def test_each_flag_lands_in_its_field(argv, field, value):
    assert getattr(options(*argv), field) == value


@pytest.mark.parametrize(
    "argv",
    [
        ["--max-examples", "many"],
        ["--seed", "1.5"],
        ["--workers", "two"],
        ["--request-timeout", "soon"],
        ["--outage-threshold", "half"],
        ["--color", "sometimes"],
        ["--no-such-flag"],
    ],
)
def test_malformed_flags_are_argparse_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(["--base-url", URL, *argv])
    assert caught.value.code == 2
    assert "usage: conform" in capsys.readouterr().err


def test_the_token_comes_from_the_named_variable_never_the_command_line(monkeypatch):
    monkeypatch.setenv("MY_TOKEN", "  tok.en.value  ")
    made = options("--token-env", "MY_TOKEN")
    assert (made.token, made.token_env) == ("tok.en.value", "MY_TOKEN")
    assert "tok.en.value" not in repr(made)


def test_an_unset_or_empty_token_variable_is_a_usage_error(monkeypatch):
    monkeypatch.delenv("MISSING_TOKEN", raising=False)
    with pytest.raises(
        UsageError,
        match="environment variable MISSING_TOKEN \\(from --token-env\\) is empty or unset",
    ):
        options("--token-env", "MISSING_TOKEN")
    monkeypatch.setenv("EMPTY_TOKEN", "   ")
    with pytest.raises(UsageError, match="EMPTY_TOKEN"):
        options("--token-env", "EMPTY_TOKEN")


@pytest.mark.parametrize("value", ["eyJhbGciOi.x.y", "Bearer abc", "1TOKEN", "a-b"])
def test_passing_a_value_where_a_variable_name_belongs_is_refused(value):
    with pytest.raises(
        UsageError, match=r"^--token-env takes the name of an environment variable, not its value$"
    ):
        token_from_env(value)


def test_no_token_variable_is_no_token():
    assert token_from_env(None) is None


def test_env_value_names_the_option_it_came_from(monkeypatch):
    monkeypatch.setenv("X_ID", "id")
    assert env_value("X_ID", "--oauth-client-id-env") == "id"
    with pytest.raises(UsageError, match=r"^--oauth-client-id-env takes the name"):
        env_value("not a name", "--oauth-client-id-env")


def test_oauth_settings_with_default_variable_names():
    made = options("--oauth-token-url", "https://login.example/token")
    assert made.oauth == OAuthSettings(
        "https://login.example/token", "NDT_OAUTH_CLIENT_ID", "NDT_OAUTH_CLIENT_SECRET", None
    )


def test_oauth_settings_with_every_flag():
    made = options(
        "--oauth-token-url",
        "https://login.example/token",
        "--oauth-client-id-env",
        "ID_VAR",
        "--oauth-client-secret-env",
        "SECRET_VAR",
        "--oauth-scope",
        "customers.read",
    )
    assert made.oauth == OAuthSettings(
        "https://login.example/token", "ID_VAR", "SECRET_VAR", "customers.read"
    )


def test_oauth_variables_are_not_read_until_a_token_source_is_built(monkeypatch):
    monkeypatch.delenv("NDT_OAUTH_CLIENT_ID", raising=False)
    assert options("--oauth-token-url", "https://t/token").oauth is not None


def test_without_a_token_url_the_oauth_flags_are_ignored():
    assert options("--oauth-scope", "x", "--oauth-client-id-env", "Y").oauth is None


@pytest.mark.parametrize(
    "raw,expected",
    [
        ([], {}),
        (None, {}),
        (["A: 1"], {"A": "1"}),
        (["A:1", "b-c :  two words  "], {"A": "1", "b-c": "two words"}),
        (["X: a:b"], {"X": "a:b"}),
        (["X:"], {"X": ""}),
        (["A: 1", "A: 2"], {"A": "2"}),
    ],
)
def test_header_forms(raw, expected):
    assert parse_headers(raw) == expected


@pytest.mark.parametrize(
    "raw,name", [("no colon", "no colon"), ("Bad Name: x", "Bad Name"), (": x", "")]
)
def test_a_header_without_a_name_is_a_usage_error_naming_it(raw, name):
    with pytest.raises(UsageError) as caught:
        parse_headers([raw])
    assert str(caught.value) == f"--header {name!r}: expected 'Name: value'"


@pytest.mark.parametrize("name", ["Authorization", "cookie", "X-Api-Key", "Proxy-Authorization"])
def test_secret_headers_are_refused_on_the_command_line(name):
    with pytest.raises(UsageError) as caught:
        parse_headers([f"{name}: secret-value"])
    assert (
        str(caught.value)
        == f"--header {name}: secrets do not go on the command line; use --token-env"
    )
    assert "secret-value" not in str(caught.value)


def test_run_turns_a_usage_error_into_exit_2_with_one_line(monkeypatch, capsys):
    monkeypatch.delenv("UNSET_FOR_TEST", raising=False)
    args = parser().parse_args(["--base-url", URL, "--token-env", "UNSET_FOR_TEST", "--quiet"])
    assert cli.run(args) == EXIT_USAGE
    captured = capsys.readouterr()
    assert (
        captured.err
        == "ndt-customer conform: environment variable UNSET_FOR_TEST (from --token-env) is empty or unset\n"
    )
    assert captured.out == ""


def test_run_refuses_a_secret_header_before_any_request(capsys):
    args = parser().parse_args(
        ["--base-url", URL, "--header", "Authorization: Bearer x", "--quiet"]
    )
    assert cli.run(args) == EXIT_USAGE
    assert "secrets do not go on the command line" in capsys.readouterr().err


def test_the_help_carries_the_exit_codes_and_an_example(capsys):
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes: 0 pass; 1 contract or standard failures" in out
    assert "--oauth-client-id-env NDT_STG_TOKEN_ID" in out


def test_a_dispatchers_own_epilog_is_kept():
    own = argparse.ArgumentParser(epilog="mine")
    cli.add_arguments(own)
    assert own.epilog == "mine"


# -- run(): what happens after the runner, with the runner replaced ------------------------------


@pytest.fixture
def fake_runner(monkeypatch):
    """conformance.runner.run_conformance replaced: records its options and progress callback,
    reports one progress step, and returns the result the test set."""
    import conformance.runner
    from conformance.engine import Progress
    from conformance.report.model import RunResult

    calls: dict = {"result": RunResult("http://127.0.0.1:8000", 42, elapsed=1.0)}

    def run_conformance(options, *, on_progress=None):
        calls["options"], calls["progress"] = options, on_progress
        if on_progress is not None:
            on_progress(Progress("Documented examples", 1, 2, "GET /x"))
        return calls["result"]

    monkeypatch.setattr(conformance.runner, "run_conformance", run_conformance)
    return calls


def test_run_prints_the_summary_and_exits_with_the_verdict(fake_runner, capsys):
    args = parser().parse_args(["--base-url", URL, "--seed", "42", "--quiet", "--color", "never"])
    assert cli.run(args) == 0
    assert fake_runner["options"].seed == 42 and fake_runner["progress"] is None
    out = capsys.readouterr().out
    assert (
        out.splitlines()[0] == "Conformance of http://127.0.0.1:8000 to the Customer API contract"
    )
    assert out.rstrip().endswith("PASS: the target honours the contract")
    assert "\033[" not in out


def test_run_exit_code_follows_a_failing_verdict(fake_runner, capsys):
    from report_samples import FAILURE

    fake_runner["result"].findings = [FAILURE]
    assert cli.run(parser().parse_args(["--base-url", URL, "--quiet"])) == 1
    assert capsys.readouterr().out.rstrip().endswith("FAIL: 1 contract/standard failure(s)")


def test_run_writes_junit_and_html_when_asked(fake_runner, tmp_path, capsys):
    junit, html = tmp_path / "r" / "c.xml", tmp_path / "r" / "c.html"
    args = parser().parse_args(
        ["--base-url", URL, "--quiet", "--junit", str(junit), "--html", str(html)]
    )
    assert cli.run(args) == 0
    assert junit.read_text().startswith("<?xml") and "<html" in html.read_text()


def test_run_without_reports_writes_none(fake_runner, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.run(parser().parse_args(["--base-url", URL, "--quiet"])) == 0
    assert list(tmp_path.iterdir()) == []


def test_run_shows_progress_as_plain_lines_unless_quiet(fake_runner, capsys):
    assert cli.run(parser().parse_args(["--base-url", URL, "--color", "never"])) == 0
    assert fake_runner["progress"] is not None
    assert capsys.readouterr().err == "Documented examples ...\n"


def test_run_with_color_always_draws_a_bar_and_paints_the_summary(fake_runner, capsys):
    assert cli.run(parser().parse_args(["--base-url", URL, "--color", "always"])) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("\r[") and captured.err.endswith("\n")
    assert "\033[1m" in captured.out


def test_run_turns_a_usage_error_from_the_runner_into_exit_2(fake_runner, monkeypatch, capsys):
    import conformance.runner

    def refuse(options, *, on_progress=None):
        raise UsageError("https://prod is the production server; refusing to fuzz it")

    monkeypatch.setattr(conformance.runner, "run_conformance", refuse)
    assert cli.run(parser().parse_args(["--base-url", URL, "--quiet"])) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err == (
        "ndt-customer conform: https://prod is the production server; refusing to fuzz it\n"
    )
    assert captured.out == ""
