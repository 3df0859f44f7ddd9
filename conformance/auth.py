"""Credentials: from the environment, never the command line; a static bearer or OAuth2.

OAuth2 client credentials (RFC 6749 section 4.4) is how NewDay's platform APIs hand out
short-lived tokens: `OAuthTokenSource` fetches one before the run, reuses it until shortly
before it expires, and fetches a new one when told the target answered 401.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any, overload

import httpx

from conformance.bounds import BoundExceeded
from conformance.options import OAuthSettings, UsageError

_HEADER = re.compile(r"^\s*([A-Za-z0-9-]+)\s*:\s*(.*?)\s*$")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SECRET_HEADERS = {"authorization", "cookie", "x-api-key", "proxy-authorization"}
# A token is renewed this long before the expiry its issuer announced (clock skew, slow requests).
EXPIRY_MARGIN = 0.2  # fraction of its lifetime, at most MAX_EXPIRY_MARGIN seconds
MAX_EXPIRY_MARGIN = 30.0


def env_value(name: str, option: str) -> str:
    """The value of environment variable `name`, named by `option` (the name, not the value)."""
    if not _ENV_NAME.fullmatch(name):
        raise UsageError(f"{option} takes the name of an environment variable, not its value")
    value = os.environ.get(name, "").strip()
    if not value:
        raise UsageError(f"environment variable {name} (from {option}) is empty or unset")
    return value


@overload
def token_from_env(name: str) -> str: ...
@overload
def token_from_env(name: None) -> None: ...
def token_from_env(name: str | None) -> str | None:
    """The bearer token held in environment variable `name` (the name, not the token, is passed)."""
    if name is None:
        return None
    return env_value(name, "--token-env")


def parse_headers(raw: list[str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in raw or []:
        match = _HEADER.match(item)
        if not match:
            raise UsageError(f"--header {item.split(':')[0]!r}: expected 'Name: value'")
        name, value = match.groups()
        if name.lower() in SECRET_HEADERS:
            raise UsageError(
                f"--header {name}: secrets do not go on the command line; use --token-env"
            )
        headers[name] = value
    return headers


class TokenError(Exception):
    """The token endpoint did not issue a token; the message never contains the secret."""


class OAuthTokenSource:
    """Client-credentials tokens for one run, shared by every worker thread."""

    def __init__(
        self,
        settings: OAuthSettings,
        *,
        client_factory: Callable[[], httpx.Client],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.client_id = env_value(settings.client_id_env, "--oauth-client-id-env")
        self.client_secret = env_value(settings.client_secret_env, "--oauth-client-secret-env")
        self._client_factory = client_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetches = 0

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.client_secret, self._token) if s)

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, rejected: str | None = None) -> None:
        """The target refused a token (401): fetch a new one next time, unless already renewed."""
        with self._lock:
            if rejected is None or rejected == self._token:
                self._renew_at = 0.0

    def _fetch(self) -> None:
        data = {"grant_type": "client_credentials"}
        if self.settings.scope:
            data["scope"] = self.settings.scope
        try:
            with self._client_factory() as client:
                response = client.post(
                    self.settings.token_url,
                    data=data,
                    auth=(self.client_id, self.client_secret),
                    headers={"Accept": "application/json"},
                )
        except BoundExceeded as exc:  # the gate's bounds hold for the token endpoint too
            raise TokenError(f"token endpoint {self.settings.token_url}: {exc}") from None
        except httpx.HTTPError as exc:
            raise TokenError(
                f"token endpoint {self.settings.token_url} unreachable: {type(exc).__name__}"
            ) from None
        if response.status_code != 200:
            raise TokenError(
                f"token endpoint {self.settings.token_url} answered {response.status_code} "
                "(check the client id, secret and scope)"
            )
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise TokenError(
                f"token endpoint {self.settings.token_url} answered without an access_token"
            ) from None
        if not isinstance(token, str) or not token:
            raise TokenError(f"token endpoint {self.settings.token_url} issued an empty token")
        margin = min(lifetime * EXPIRY_MARGIN, MAX_EXPIRY_MARGIN)
        self._token = token
        self._renew_at = self._clock() + max(lifetime - margin, 0.0)
        self.fetches += 1


def add_oauth_arguments(group: Any) -> None:
    """The OAuth2 client-credentials flags, as `conform` and `proxy` both take them."""
    group.add_argument(
        "--oauth-token-url", metavar="URL", help="OAuth2 client-credentials token endpoint"
    )
    group.add_argument(
        "--oauth-client-id-env",
        metavar="NAME",
        default="NDT_OAUTH_CLIENT_ID",
        help="environment variable holding the client id (default NDT_OAUTH_CLIENT_ID)",
    )
    group.add_argument(
        "--oauth-client-secret-env",
        metavar="NAME",
        default="NDT_OAUTH_CLIENT_SECRET",
        help="environment variable holding the client secret (default NDT_OAUTH_CLIENT_SECRET)",
    )
    group.add_argument("--oauth-scope", metavar="SCOPE", help="scope to ask for (default: none)")


def oauth_from_args(args: Any) -> OAuthSettings | None:
    """The OAuth2 settings those flags give (None without --oauth-token-url)."""
    if not args.oauth_token_url:
        return None
    return OAuthSettings(
        args.oauth_token_url,
        args.oauth_client_id_env,
        args.oauth_client_secret_env,
        args.oauth_scope,
    )
