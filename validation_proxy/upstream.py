"""The upstream: the production guard, the credentials the proxy may add, and the client.

`guard_upstream` is the one place this package asks the conformance guard whether a URL is
production, so when that guard moves (into the conformance transport) one function follows it.
The caller's own Authorization always passes untouched; the proxy adds a bearer (static, or
OAuth2 client credentials renewed before expiry and after a 401) only to requests that carry
none, so a local frontend without secrets can reach staging.
"""

from __future__ import annotations

import asyncio
import ssl

import httpx
from ndt_contract import Contract

from conformance.auth import OAuthTokenSource, token_from_env
from conformance.options import is_production, without_userinfo
from validation_proxy.client import UpstreamClient
from validation_proxy.settings import ProxySettings, ProxyUsageError

PROXY_TOKEN_ENV = "NDT_PROXY_UPSTREAM_TOKEN"


def guard_upstream(settings: ProxySettings, contract: Contract) -> None:
    """Refuse production unless asked for; never record production's customers."""
    if not is_production(settings.upstream, contract):
        return
    shown = without_userinfo(settings.upstream)
    if not settings.allow_production:
        raise ProxyUsageError(
            f"{shown} is the production server; refusing to proxy it "
            "(pass --allow-production to judge production traffic)"
        )
    if settings.record is not None:
        raise ProxyUsageError(f"{shown} is the production server: --record is refused there")


def tls_context(settings: ProxySettings) -> ssl.SSLContext:
    """CA bundle and client certificate (mutual TLS), for the upstream and the token endpoint."""
    context = ssl.create_default_context(
        cafile=str(settings.ca_bundle) if settings.ca_bundle else None
    )
    if not settings.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.cert:
        context.load_cert_chain(str(settings.cert), str(settings.key) if settings.key else None)
    return context


class Credentials:
    """The bearer the proxy adds to requests without one (or nothing), and the secrets it knows
    (each named by the environment variable a reproduction reads it from)."""

    def __init__(self, settings: ProxySettings) -> None:
        self._static = settings.token
        self.static_env = settings.token_env or PROXY_TOKEN_ENV
        self._oauth: OAuthTokenSource | None = None
        self.oauth_env = ""
        if settings.oauth is not None:
            context = tls_context(settings)
            self._oauth = OAuthTokenSource(
                settings.oauth,
                client_factory=lambda: httpx.Client(
                    verify=context, timeout=settings.upstream_timeout
                ),
            )
            self.oauth_env = settings.oauth.client_secret_env

    @property
    def adds_bearer(self) -> bool:
        return self._static is not None or self._oauth is not None

    def secrets(self) -> dict[str, str]:
        """Secret value -> the variable a reproduction names instead (never the value)."""
        found: dict[str, str] = {}
        if self._static:
            found[self._static] = self.static_env
        if self._oauth is not None:
            found[self._oauth.client_secret] = self.oauth_env
            for secret in self._oauth.secrets:
                found.setdefault(secret, "NDT_OAUTH_TOKEN")
        return found

    async def bearer(self) -> str | None:
        if self._static is not None:
            return self._static
        if self._oauth is not None:
            return await asyncio.to_thread(self._oauth.token)
        return None

    def rejected(self, token: str) -> None:
        """The upstream answered 401 to a token the proxy added: renew it next time."""
        if self._oauth is not None:
            self._oauth.invalidate(token)

    @property
    def fetches(self) -> int:
        return self._oauth.fetches if self._oauth is not None else 0


def static_token(env: str | None) -> str | None:
    """The static bearer from `--token-env NAME` (the name, not the token, is on the line)."""
    return token_from_env(env)


def client(settings: ProxySettings) -> UpstreamClient:
    """The upstream's connections for the proxy's life; the deadline covers connecting, the
    answer's head and each chunk of its body. Redirects pass to the caller as they came."""
    tls = tls_context(settings) if settings.upstream.lower().startswith("https:") else None
    return UpstreamClient(settings.upstream, timeout=settings.upstream_timeout, tls=tls)
