"""`--cors-origin` takes an origin as browsers send it, or says which one was meant."""

from __future__ import annotations

import argparse
import re

import pytest

from mock_server.cli import _origin


@pytest.mark.parametrize(
    "origin",
    [
        "*",
        "null",
        "http://localhost:3000",
        "https://app.example.com",
        "https://app.example.com:8443",
        "http://127.0.0.1:5173",
        "http://[::1]:3000",
        "capacitor://localhost",
    ],
)
def test_origins_browsers_send_are_kept_as_they_are(origin):
    assert _origin(origin) == origin


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("http://localhost:3000/", "http://localhost:3000"),
        ("HTTP://LocalHost:3000", "http://localhost:3000"),
        ("http://app.example:80", "http://app.example"),
        ("https://app.example:443", "https://app.example"),
        ("http://app.example:", "http://app.example"),
        ("http://bücher.example", "http://xn--bcher-kva.example"),
        ("http://[0:0:0:0:0:0:0:1]", "http://[::1]"),
        ("http://[::FFFF:127.0.0.1]", "http://[::ffff:7f00:1]"),
    ],
)
def test_a_near_miss_names_the_origin_browsers_would_send(given, meant):
    with pytest.raises(
        argparse.ArgumentTypeError, match=f"as browsers send it: {re.escape(meant)}$"
    ):
        _origin(given)


@pytest.mark.parametrize(
    "given",
    [
        "localhost:3000",
        "app.example",
        "http://",
        "http://user@app.example",
        "http://app.example/app",
        "http://app.example?x=1",
        "http://app.example#top",
        "http://app.example:99999",
        "http://app.example:port",
        "",
        "http://localhost ",
        "http://a b",
        "http:// x",
        "http://[::1",
        "http://[zz]",
        "http://[fe80::1%25eth0]",
    ],
)
def test_what_is_no_origin_at_all_is_refused_with_an_example(given):
    with pytest.raises(argparse.ArgumentTypeError, match="is not an origin: browsers send"):
        _origin(given)
