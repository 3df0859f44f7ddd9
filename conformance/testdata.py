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

from conformance.auth import token_from_env
from conformance.checks import Identity
from conformance.options import UsageError

# The persona whose token exercises NoCustomerDetails on the mock.
MOCK_TOKEN_PERSONA = "applicant-no-account"


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
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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
    token = token_from_env(token_env) if token_env else None
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
        found[token_from_env(entry["tokenEnv"])] = Identity(
            entry["customerId"], bool(entry.get("noAccount"))
        )
    return found


def discover_mock(base_url: str, client: httpx.Client, timeout: float = 10.0) -> TestData | None:
    """The mock's personas, when the target is our mock; None for anything else."""
    try:
        response = client.get(f"{base_url.rstrip('/')}/__admin/personas", timeout=timeout)
        personas = response.json()["personas"] if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None
    if not personas:
        return None
    token = next((p["token"] for p in personas if p.get("key") == MOCK_TOKEN_PERSONA), None)
    identities = {
        p["token"]: Identity(p["id"], bool(p.get("noAccount")))
        for p in personas
        if isinstance(p.get("token"), str) and isinstance(p.get("id"), str)
    }
    return TestData(
        tuple(p["id"] for p in personas),
        tuple(_persona_filters(personas)),
        token,
        "mock personas",
        identities=identities,
    )


def _persona_filters(personas: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Searches the personas answer: a shared name (two customers), a shared postcode."""
    return [dict(f) for p in personas for f in p.get("searches") or [] if isinstance(f, dict)]


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
