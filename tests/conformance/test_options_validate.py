"""Direct tests of conformance.options: every usage rule of `validate`, the production guard
however the host is spelled, and the URL helpers, on a small stand-in contract."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from conformance.options import (
    ALL_PHASES,
    KNOWN_PRODUCTION_HOSTS,
    PRODUCTION_RATE_LIMIT,
    ConformOptions,
    OAuthSettings,
    UsageError,
    is_loopback,
    is_production,
    normalise_host,
    validate,
    without_userinfo,
)

CONTRACT = SimpleNamespace(
    production_urls=lambda: ["https://api.prod.example/customer-service"],
    operations={"GetCustomer": object(), "SearchCustomers": object()},
    evidence_sources={
        "provider.reference": {"level": "known"},
        "standard.throttling": {"level": "standard"},
        "standard.versioning": {"level": "standard"},
        "odd": "not a mapping",
    },
)
LOCAL = "http://127.0.0.1:8080"


def check(**kw) -> ConformOptions:
    return validate(ConformOptions(base_url=kw.pop("base_url", LOCAL), **kw), CONTRACT)


def refused(**kw) -> str:
    with pytest.raises(UsageError) as caught:
        check(**kw)
    return str(caught.value)


def test_good_options_come_back_unchanged():
    options = ConformOptions(base_url=LOCAL, operations=("GetCustomer",), rate_limit="10/s")
    assert validate(options, CONTRACT) is options


@pytest.mark.parametrize("url", ["ftp://host/x", "127.0.0.1:8080", "http://", "https://user@", ""])
def test_only_http_urls_with_a_host(url):
    assert refused(base_url=url) == f"--base-url {without_userinfo(url)!r} is not an http(s) URL"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.prod.example/customer-service",
        "https://API.PROD.EXAMPLE./other/path",  # case, trailing dot, any path
        "https://api.prod.example:8443",  # any port
        "https://api\u3002prod\uff0eexample/x",  # Unicode dots
        f"https://{next(iter(KNOWN_PRODUCTION_HOSTS))}/customer-service",  # the safety net
    ],
)
def test_production_is_refused_however_spelled(url):
    assert "is the production server; refusing to fuzz it" in refused(base_url=url)


def test_production_with_allow_runs_examples_only_slowly_on_one_worker():
    made = check(
        base_url="https://api.prod.example/customer-service",
        allow_production=True,
        workers=4,
        phases=ALL_PHASES,
        rate_limit="50/s",
    )
    assert (made.phases, made.rate_limit, made.workers) == (("examples",), PRODUCTION_RATE_LIMIT, 1)


def test_credentials_in_the_url_are_refused_without_repeating_them():
    message = refused(base_url="http://user:hunter2@127.0.0.1:8080")
    assert message == (
        "--base-url http://127.0.0.1:8080: credentials do not go in the URL (they would be "
        "logged); use --token-env or --oauth-token-url"
    )
    assert "hunter2" not in message


def test_credentials_on_production_are_not_shown_either():
    message = refused(base_url="https://u:p@api.prod.example")
    assert "u:p" not in message and message.startswith("https://api.prod.example is the production")


def test_unknown_operations_are_listed_with_the_known_ones():
    assert refused(operations=("GetCustomer", "Nope", "Also")) == (
        "unknown --operation Also, Nope; known: GetCustomer, SearchCustomers"
    )


@pytest.mark.parametrize("phases,named", [(("examples", "warp"), "warp"), ((), "(none given)")])
def test_unknown_or_no_phases(phases, named):
    assert refused(phases=phases) == f"unknown phase {named}; known: {', '.join(ALL_PHASES)}"


def test_a_key_needs_a_certificate(tmp_path):
    key = tmp_path / "k.pem"
    key.write_text("k")
    assert refused(key=key) == "--key needs --cert"


@pytest.mark.parametrize("field", ["cert", "testdata", "baseline", "ca_bundle"])
def test_files_must_exist(field, tmp_path):
    missing = tmp_path / "missing.pem"
    assert refused(**{field: missing}) == f"{missing}: no such file"


def test_existing_files_pass(tmp_path):
    for name in ("c.pem", "k.pem"):
        (tmp_path / name).write_text("x")
    made = check(cert=tmp_path / "c.pem", key=tmp_path / "k.pem")
    assert made.cert == tmp_path / "c.pem"


def test_a_folder_is_not_a_file(tmp_path):
    assert refused(testdata=tmp_path) == f"{tmp_path}: no such file"


@pytest.mark.parametrize("rate", ["10/s", "300/m", "1/h", "12345/s"])
def test_rate_limits(rate):
    assert check(rate_limit=rate).rate_limit == rate


@pytest.mark.parametrize("rate", ["0/s", "10", "10/d", "ten/s", "10 / s", "-1/s", "1.5/s"])
def test_bad_rate_limits(rate):
    assert refused(rate_limit=rate) == (
        f"--rate-limit {rate!r}: expected requests per unit, e.g. 10/s, 300/m"
    )


@pytest.mark.parametrize("field", ["max_examples", "workers"])
def test_counts_are_at_least_one(field):
    assert refused(**{field: 0}) == "--max-examples and --workers must be at least 1"


@pytest.mark.parametrize("kw", [{"request_timeout": 0}, {"request_timeout": -1}, {"max_time": 0}])
def test_times_are_positive(kw):
    assert refused(**kw) == "--request-timeout and --max-time must be positive"


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_the_outage_threshold_is_a_fraction(threshold):
    assert refused(outage_threshold=threshold) == "--outage-threshold is a fraction between 0 and 1"


@pytest.mark.parametrize("threshold", [0, 1, 0.5])
def test_outage_threshold_bounds_are_allowed(threshold):
    assert check(outage_threshold=threshold).outage_threshold == threshold


@pytest.mark.parametrize("url", ["http://10.0.0.5:8080", "https://staging.example"])
def test_no_redact_only_for_loopback(url):
    assert refused(base_url=url, redact=False) == (
        "--no-redact is allowed for loopback targets only (127.0.0.1, ::1)"
    )


@pytest.mark.parametrize(
    "url", [LOCAL, "http://localhost:1", "http://[::1]:8080", "http://127.9.9.9"]
)
def test_no_redact_on_loopback_is_fine(url):
    assert check(base_url=url, redact=False).redact is False


def test_a_token_and_oauth_together_are_refused():
    oauth = OAuthSettings("https://t/token", "A", "B")
    assert refused(token="x", oauth=oauth) == "choose one of --token-env and --oauth-token-url"
    assert check(oauth=oauth).oauth == oauth


def test_only_standards_can_be_waived():
    assert check(waived=("standard.throttling",)).waived == ("standard.throttling",)
    assert refused(waived=("provider.reference", "odd", "standard.versioning")) == (
        "--waive odd, provider.reference: not a standard of the contract; "
        "standards: standard.throttling, standard.versioning"
    )


def test_a_contract_without_sources_has_no_standards_to_waive():
    bare = SimpleNamespace(production_urls=list, operations={}, evidence_sources=None)
    with pytest.raises(UsageError, match=r"standards: $"):
        validate(ConformOptions(base_url=LOCAL, waived=("standard.x",)), bare)


def test_the_checks_run_in_order_production_before_credentials():
    # Both wrong: the production guard speaks first (it is the one that must never be missed).
    message = refused(base_url="https://u:p@api.prod.example", allow_production=False)
    assert "production server" in message
    allowed = replace(
        ConformOptions(base_url="https://u:p@api.prod.example"), allow_production=True
    )
    with pytest.raises(UsageError, match="credentials do not go in the URL"):
        validate(allowed, CONTRACT)


@pytest.mark.parametrize(
    "host,normal",
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("  example.com ", "example.com"),
        ("a\u3002b\uff0ec\uff61d", "a.b.c.d"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("[::1]", "[::1]"),
        ("127.0.0.1", "127.0.0.1"),
        ("FE80::1", "fe80::1"),
        ("-bad-.example", "-bad-.example"),  # not IDNA-encodable: compared as given
    ],
)
def test_normalise_host(host, normal):
    assert normalise_host(host) == normal


def test_production_check_ignores_userinfo_and_port_and_compares_hosts_only():
    assert is_production("https://x@api.prod.example:1/x", CONTRACT)
    assert not is_production("https://api.prod.example.evil.test", CONTRACT)
    assert not is_production("https://staging.example/customer-service", CONTRACT)
    assert is_production(
        "https://[::1]", SimpleNamespace(production_urls=lambda: ["http://[::1]:9"])
    )


@pytest.mark.parametrize(
    "url,shown",
    [
        ("http://u:p@h:1/x?q=1", "http://h:1/x?q=1"),
        ("http://h/x", "http://h/x"),
        ("http://a@b@h/x", "http://h/x"),
    ],
)
def test_without_userinfo(url, shown):
    assert without_userinfo(url) == shown


@pytest.mark.parametrize(
    "url,loopback",
    [
        ("http://localhost:8080", True),
        ("http://LOCALHOST", True),
        ("http://127.0.0.1", True),
        ("http://[::1]:1", True),
        ("http://10.0.0.1", False),
        ("http://localhost.example", False),
        ("http://example.com", False),
    ],
)
def test_is_loopback(url, loopback):
    assert is_loopback(url) is loopback


def test_default_options_match_the_documented_defaults():
    options = ConformOptions(base_url=LOCAL)
    assert (options.max_examples, options.workers, options.phases, options.request_timeout) == (
        25,
        1,
        ALL_PHASES,
        10.0,
    )
    shown = repr(replace(options, token="s3cret", headers={"X-Key": "hidden"}))
    assert "s3cret" not in shown and "hidden" not in shown  # kept out of logs
