"""Credentials come from the environment, never the command line; headers from --header."""

from __future__ import annotations

import os
import re

from conformance.options import UsageError

_HEADER = re.compile(r"^\s*([A-Za-z0-9-]+)\s*:\s*(.*?)\s*$")
SECRET_HEADERS = {"authorization", "cookie", "x-api-key", "proxy-authorization"}


def token_from_env(name: str | None) -> str | None:
    """The bearer token held in environment variable `name` (the name, not the token, is passed)."""
    if name is None:
        return None
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise UsageError("--token-env takes the name of an environment variable, not a token")
    value = os.environ.get(name, "").strip()
    if not value:
        raise UsageError(f"environment variable {name} (from --token-env) is empty or unset")
    return value


def parse_headers(raw: list[str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in raw or []:
        match = _HEADER.match(item)
        if not match:
            raise UsageError(f"--header {item!r}: expected 'Name: value'")
        name, value = match.groups()
        if name.lower() in SECRET_HEADERS:
            raise UsageError(
                f"--header {name}: secrets do not go on the command line; use --token-env"
            )
        headers[name] = value
    return headers
