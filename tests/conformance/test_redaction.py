"""Redaction, the production guard and the pytest helper: pure parts, one test per branch."""

import json
import os
import shlex
import stat
import subprocess

import pytest
from ndt_contract import load_contract

from conformance.options import (
    ConformOptions,
    UsageError,
    is_loopback,
    is_production,
    normalise_host,
    validate,
    without_userinfo,
)
from conformance.redact import REDACTED, Redactor, Var, ansi_c_quote, shell_word, vocabulary_of

CONTRACT = load_contract()
PROD = "dapi.newdaytechnology.net"


@pytest.mark.parametrize(
    "url",
    [
        f"https://{PROD}/customer-service",
        f"https://{PROD}./customer-service",  # trailing dot
        f"https://{PROD}../customer-service",
        "https://DAPI.NewDayTechnology.NET/customer-service",  # case
        "https://dapi\u3002newdaytechnology\u3002net/customer-service",  # ideographic full stop
        "https://dapi\uff0enewdaytechnology\uff61net/customer-service",  # fullwidth / halfwidth dots
        "https://\uff44\uff41\uff50\uff49.newdaytechnology.net/x",  # fullwidth letters (IDNA maps)
        f"https://user:pw@{PROD}/customer-service",  # userinfo
        f"https://{PROD}:443/customer-service",  # port
        f"https://{PROD}:8443/other/path",  # other port and path: the host decides
        f"http://{PROD}",
        f"https://{PROD}//customer-service//",
    ],
)
def test_production_guard_normalises_before_comparing(url):
    assert is_production(url, CONTRACT)
    with pytest.raises(UsageError, match="production server") as info:
        validate(ConformOptions(base_url=url), CONTRACT)
    assert "pw" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://dapi.stg-newdaytechnology.net/customer-service",
        "https://dapi.newdaytechnology.net.evil.example/customer-service",
        "https://xdapi.newdaytechnology.net/",
        "http://127.0.0.1:8080",
    ],
)
def test_other_hosts_are_not_production(url):
    assert not is_production(url, CONTRACT)


def test_normalise_host_keeps_ip_literals_and_invalid_names():
    assert normalise_host("127.0.0.1.") == "127.0.0.1"
    assert normalise_host("[::1]") == "[::1]"
    assert normalise_host("a..b") == "a..b"  # not valid IDNA: compared as given


def test_userinfo_is_refused_and_never_echoed():
    with pytest.raises(UsageError) as info:
        validate(ConformOptions(base_url="http://qa:hunter2pass@127.0.0.1:9/"), CONTRACT)
    assert "hunter2pass" not in str(info.value) and "credentials do not go in the URL" in str(
        info.value
    )
    assert without_userinfo("http://u:p@h:1/x?q=1") == "http://h:1/x?q=1"
    assert without_userinfo("http://h/x") == "http://h/x"


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://localhost", True),
        ("http://[::1]:80/", True),
        ("http://10.0.0.1", False),
        ("https://dapi.stg-newdaytechnology.net", False),
    ],
)
def test_no_redact_is_for_loopback_only(url, loopback):
    assert is_loopback(url) is loopback
    options = ConformOptions(base_url=url, redact=False)
    if loopback:
        assert validate(options, CONTRACT).redact is False
    else:
        with pytest.raises(UsageError, match="loopback targets only"):
            validate(options, CONTRACT)


def test_shell_word_quotes_literals_and_references_variables():
    assert shell_word(["a b"]) == "'a b'"
    assert shell_word(["Authorization: Bearer ", Var("NDT_TOKEN")]) == (
        '"Authorization: Bearer ${NDT_TOKEN}"'
    )
    assert shell_word(['say "$x" `y`\\', Var("V")]) == '"say \\"\\$x\\" \\`y\\`\\\\${V}"'
    assert ansi_c_quote(b"a'\\\xff\n") == "$'a\\'\\\\\\xff\\x0a'"


def run_shell(word: str, env: dict[str, str]) -> str:
    return subprocess.run(
        ["bash", "-c", f"printf %s {word}"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
    ).stdout


@pytest.mark.live
def test_quoted_words_round_trip_through_bash():
    word = shell_word(['{"a": "it\'s $HOME `x` \\"q\\"", "b": "', Var("PII_b"), '"}'])
    assert run_shell(word, {"PII_b": "Zoë"}) == '{"a": "it\'s $HOME `x` \\"q\\"", "b": "Zoë"}'
    assert run_shell(ansi_c_quote(b"x\x01'y"), {}) == "x\x01'y"


def test_secrets_become_environment_references_in_a_replayable_curl():
    redactor = Redactor({"s3cr3t-token-value": "NDT_TOKEN"})
    curl = redactor.curl(
        "GET",
        "http://127.0.0.1:8080/customers/0003911000000000009?api-version=1.0",
        {"Authorization": ["Bearer s3cr3t-token-value"], "Api-Version": ["1"], "User-Agent": ["x"]},
        None,
    )
    assert "s3cr3t" not in curl
    assert '-H "Authorization: Bearer ${NDT_TOKEN}"' in curl
    assert "User-Agent" not in curl
    words = shlex.split(curl.replace("${NDT_TOKEN}", "T"))
    assert words[-1] == "http://127.0.0.1:8080/customers/0003911000000000009?api-version=1.0"


def test_unknown_secret_header_values_are_redacted_not_printed():
    curl = Redactor({}).curl("GET", "http://h/x", {"Cookie": ["session=abc"]}, None)
    assert "abc" not in curl and REDACTED in curl


def test_every_response_string_is_pii_unless_its_field_is_safe():
    redactor = Redactor()
    redactor.learn(
        {
            "id": "0003911000000000009",
            "status": "Customer",
            "nickname": "Mo",  # a key nobody told the redactor about
            "contact": {"mobile": "07700 900123", "email": ["a@example.com"]},
            "houseNumber": "12",
        }
    )
    assert not redactor.is_pii("0003911000000000009") and not redactor.is_pii("Customer")
    for value in ("Mo", "07700 900123", "a@example.com", "12"):
        assert redactor.is_pii(value)
    assert redactor.placeholder("mobile", "07700 900123") == "PII_mobile"


def test_same_field_different_values_get_numbered_placeholders():
    redactor = Redactor()
    assert redactor.placeholder("givenName", "Amelia") == "PII_givenName"
    assert redactor.placeholder("givenName", "Oliver") == "PII_givenName_2"
    assert redactor.placeholder("givenName", "Amelia") == "PII_givenName"


def test_whole_url_parts_only_so_a_house_number_leaves_the_ip_alone():
    redactor = Redactor()
    redactor.learn({"houseNumber": "12", "postcode": "EH1 1YZ"})
    url = "".join(
        "${" + s.name + "}" if isinstance(s, Var) else s
        for s in redactor.url_segments(
            "http://127.0.0.1:8012/customers/12?postcode=EH1%201YZ&n=120"
        )
    )
    assert (
        url == "http://127.0.0.1:8012/customers/${PII_houseNumber}?postcode=${PII_postcode}&n=120"
    )


@pytest.mark.live
def test_json_body_placeholders_replay_with_the_private_file(tmp_path):
    redactor = Redactor()
    curl = redactor.curl(
        "POST",
        "http://127.0.0.1:1/customers/search",
        {"Content-Type": ["application/json"]},
        json.dumps({"filter": {"givenName": 'O\'Brien "Jr"', "customerId": "0003"}}).encode(),
    )
    assert "Brien" not in curl and "${PII_givenName}" in curl and "0003" in curl
    pii = tmp_path / "pii.env"
    redactor.write_pii_file(pii)
    assert stat.S_IMODE(pii.stat().st_mode) == 0o600
    body_word = shlex.split(curl.replace("${PII_givenName}", "X"))[-2]
    assert json.loads(body_word) == {"filter": {"givenName": "X", "customerId": "0003"}}
    exported = subprocess.run(
        ["bash", "-c", f'source {pii}; printf %s "$PII_givenName"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert exported == 'O\'Brien "Jr"'


def test_free_text_keeps_contract_words_and_replaces_every_other_quoted_value():
    redactor = Redactor({"tok-123456789": "NDT_TOKEN"}, vocabulary=vocabulary_of(CONTRACT.document))
    redactor.learn({"givenName": "Amelia"})
    text = redactor.text(
        "'Amelia' is not of type 'integer' at 'givenName'; unknown 'Zebediah'; "
        'dump: {"nickname": "Moh... (truncated)\n'
        "Authorization: Bearer tok-123456789 and Bearer abcdefghijk; doesn't matter"
    )
    assert "Amelia" not in text and "Zebediah" not in text and "Moh" not in text
    assert "'<PII_givenName>'" in text and "'integer'" in text and "'givenName'" in text
    assert "$NDT_TOKEN" in text and "abcdefghijk" not in text and "doesn't matter" in text
    technical = redactor.text(
        "came as 'text/plain; charset=utf-8', wanted 'Api-Version: 1.0' '2.10'"
    )
    assert technical == "came as 'text/plain; charset=utf-8', wanted 'Api-Version: 1.0' '2.10'"


def test_no_redact_shows_pii_but_never_secrets():
    redactor = Redactor({"tok-123456789": "NDT_TOKEN"}, enabled=False)
    redactor.learn({"givenName": "Amelia"})
    assert redactor.text("'Amelia' with tok-123456789") == "'Amelia' with $NDT_TOKEN"
    curl = redactor.curl("POST", "http://h/x", {}, b'{"givenName": "Amelia"}')
    assert "Amelia" in curl


def test_vocabulary_leaves_out_examples():
    vocabulary = vocabulary_of(
        {"properties": {"givenName": {"example": "Amelia", "type": "string"}}}
    )
    assert "givenName" in vocabulary and "string" in vocabulary and "Amelia" not in vocabulary


def test_pytest_helper_skips_locally_but_fails_under_ci(monkeypatch):
    from conformance.pytest_plugin import conformance_test

    monkeypatch.delenv("NDT_UNSET_TARGET", raising=False)
    test = conformance_test(base_url_env="NDT_UNSET_TARGET")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        test()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set but no target is configured"):
        test()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        test()
