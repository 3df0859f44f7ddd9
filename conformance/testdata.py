"""Known customers, tokens and search values for a target, put into the spec's examples.

Real environments: a YAML file (`--testdata`) per environment. The mock: found by asking its
`/__admin/personas` route. Either way the values become the examples of the copy of the spec
that schemathesis reads, so its examples phase hits real customers and links do the rest.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from ndt_contract.bundle import load_yaml

from conformance.auth import env_value
from conformance.bounds import BoundExceeded
from conformance.checks import Identity
from conformance.options import UsageError, is_loopback

# The persona whose token exercises NoCustomerDetails on the mock.
MOCK_TOKEN_PERSONA = "applicant-no-account"
CONTROLS_PATH = "/__mock/controls.json"
PERSONAS_PATH = "/__admin/personas"
MAX_PERSONAS = 100  # the mock has ten; a target with thousands is not our mock
MAX_SEARCHES = 5  # per persona
MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class TestData:
    customer_ids: tuple[str, ...] = ()
    search_filters: tuple[dict[str, str], ...] = ()
    token: str | None = field(default=None, repr=False)
    source: str = "spec examples"
    token_env: str | None = None  # the variable the token came from, for reproductions
    # Who each known token belongs to: the token-identity and NoCustomerDetails oracles.
    identities: dict[str, Identity] = field(default_factory=dict, repr=False)


def _normalise(url: str) -> str:
    return url.strip().rstrip("/").lower()


def load_testdata(path: Path, base_url: str) -> TestData:
    """Known values for `base_url` from a YAML file.

    Either flat (`customerIds`, `searchFilters`, optional `tokenEnv`) or, for several
    environments, `environments: {name: {baseUrl, customerIds, searchFilters, tokenEnv}}`, the
    entry whose baseUrl is the target being chosen. Tokens are never in the file: `tokenEnv`
    names the environment variable that holds one.
    """
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot read test data: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping with customerIds and searchFilters")
    source = str(path)
    if "environments" in data:
        environments = data["environments"] or {}
        chosen = [
            (name, env)
            for name, env in environments.items()
            if isinstance(env, dict)
            and _normalise(str(env.get("baseUrl", ""))) == _normalise(base_url)
        ]
        if not chosen:
            known = ", ".join(
                f"{n} ({e.get('baseUrl')})" for n, e in environments.items() if isinstance(e, dict)
            )
            raise UsageError(
                f"{path}: no environment has baseUrl {base_url}; known: {known or 'none'}"
            )
        name, data = chosen[0]
        source = f"{path} [{name}]"
    ids = data.get("customerIds") or []
    filters = data.get("searchFilters") or []
    if not all(isinstance(i, str) for i in ids) or not all(isinstance(f, dict) for f in filters):
        raise UsageError(f"{path}: customerIds must be strings and searchFilters mappings")
    token_env = data.get("tokenEnv") or None
    token = env_value(str(token_env), f"tokenEnv in {source}") if token_env else None
    identities = _identities(path, data.get("tokens") or [])
    if token and data.get("customerId"):
        identities.setdefault(token, Identity(str(data["customerId"]), bool(data.get("noAccount"))))
    return TestData(tuple(ids), tuple(filters), token, source, token_env, identities)


def _identities(path: Path, entries: Any) -> dict[str, Identity]:
    """`tokens: [{tokenEnv, customerId, noAccount}]`: whose each token is, tokens from the
    environment as always."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise UsageError(f"{path}: tokens must be a list of {{tokenEnv, customerId, noAccount}}")
    found = {}
    for entry in entries:
        if not entry.get("tokenEnv") or not isinstance(entry.get("customerId"), str):
            raise UsageError(f"{path}: every tokens entry needs tokenEnv and a customerId string")
        found[env_value(entry["tokenEnv"], f"tokens[].tokenEnv in {path}")] = Identity(
            entry["customerId"], bool(entry.get("noAccount"))
        )
    return found


def discover_mock(base_url: str, client: httpx.Client, timeout: float = 10.0) -> TestData | None:
    """The mock's personas, when the target is our mock; None for anything else.

    Only a loopback target that describes itself as our mock (its controls document lists
    the personas route) is asked, and what it answers is bounded: at most MAX_PERSONAS
    personas, tokens of at least MIN_TOKEN_LENGTH characters (a shorter one would be
    replaced inside other text by the redaction of reproductions), ids and searches as
    strings. Anything else, and the run goes on with the spec's examples."""
    if not is_loopback(base_url) or not _describes_our_mock(base_url, client, timeout):
        return None
    try:
        response = client.get(f"{base_url.rstrip('/')}{PERSONAS_PATH}", timeout=timeout)
        personas = response.json()["personas"] if response.status_code == 200 else None
    except (httpx.HTTPError, BoundExceeded, ValueError, KeyError, TypeError):
        return None
    if not isinstance(personas, list) or not personas or len(personas) > MAX_PERSONAS:
        return None
    personas = [p for p in personas if isinstance(p, dict) and isinstance(p.get("id"), str)]
    token = next(
        (_token(p) for p in personas if p.get("key") == MOCK_TOKEN_PERSONA and _token(p)), None
    )
    identities = {
        tok: Identity(p["id"], bool(p.get("noAccount"))) for p in personas if (tok := _token(p))
    }
    return TestData(
        tuple(p["id"] for p in personas),
        tuple(_persona_filters(personas)),
        token,
        "mock personas",
        identities=identities,
    )


def _token(persona: dict[str, Any]) -> str | None:
    token = persona.get("token")
    if isinstance(token, str) and len(token) >= MIN_TOKEN_LENGTH and token.isprintable():
        return token
    return None


def _describes_our_mock(base_url: str, client: httpx.Client, timeout: float) -> bool:
    try:
        response = client.get(f"{base_url.rstrip('/')}{CONTROLS_PATH}", timeout=timeout)
        controls = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, BoundExceeded, ValueError):
        return False
    return (
        isinstance(controls, dict)
        and isinstance(controls.get("info"), dict)
        and str(controls["info"].get("title", "")).endswith(" mock: controls")
        and isinstance(controls.get("paths"), dict)
        and PERSONAS_PATH in controls["paths"]
    )


def _persona_filters(personas: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Searches the personas answer: a shared name (two customers), a shared postcode."""
    found = []
    for persona in personas:
        searches = persona.get("searches")
        for f in searches[:MAX_SEARCHES] if isinstance(searches, list) else []:
            if isinstance(f, dict):
                found.append({str(k): v for k, v in f.items() if isinstance(v, str)})
    return found


def apply_to_spec(spec: dict[str, Any], data: TestData) -> dict[str, Any]:
    """A copy of `spec` whose customerId and search examples are the known values."""
    spec = copy.deepcopy(spec)
    for item in spec.get("paths", {}).values():
        for operation in [item, *(v for v in item.values() if isinstance(v, dict))]:
            for param in operation.get("parameters", []) or []:
                if (
                    param.get("in") == "path"
                    and param.get("name") == "customerId"
                    and data.customer_ids
                ):
                    param.pop("example", None)
                    param["examples"] = {
                        f"known{n}": {"value": v} for n, v in enumerate(data.customer_ids)
                    }
            if operation.get("operationId") == "SearchCustomers" and data.search_filters:
                media = operation["requestBody"]["content"]["application/json"]
                media.pop("example", None)
                media["examples"] = {
                    f"known{n}": {"value": {"filter": f}} for n, f in enumerate(data.search_filters)
                }
    return spec
