"""The recording: every successful profile the upstream returns, anonymised, kept by its
pseudonymous id, and written as a dataset folder `mock --dataset DIR` serves.

Tokens are never written: a token the caller sent is held only as an HMAC under the
recording's key, and each token-to-customer relation seen gets a fresh token of the same JWT
shape in tokens.jsonl. A profile that no longer matches the contract's profile schema after
anonymisation is not written (and counted), so the folder always passes the mock's dataset
check. Writes go to a temporary folder renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ndt_contract import Contract
from ndt_fixtures import UNKNOWN_TOKENS
from ndt_fixtures.dataio import CUSTOMERS, TOKENS
from ndt_fixtures.manifest import FORMAT_VERSION, MANIFEST
from ndt_fixtures.tokens import make_token
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from validation_proxy.record.anonymise import anonymise_profile
from validation_proxy.record.pseudonyms import Pseudonyms

PROFILE_OPERATIONS = frozenset({"GetCustomer", "GetCustomerByAccessToken"})
SEARCH = "SearchCustomers"
BY_TOKEN = "GetCustomerByAccessToken"
SOURCE = "recorded through the validation proxy, anonymised"


def _line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


class Recording:
    def __init__(self, folder: Path, contract: Contract, limit: int = 10_000) -> None:
        self.folder = folder
        self.limit = limit
        self._key = secrets.token_bytes(32)  # this recording's; never written, never logged
        self.pseudonyms = Pseudonyms(self._key)
        self._signing = secrets.token_hex(16)  # signs the fresh tokens; never written either
        response = contract.operation("GetCustomer").response(200) or {}
        schema = response["content"]["application/json"]["schema"]
        self._validator = OAS30Validator(schema, format_checker=oas30_format_checker)
        self._profiles: dict[str, dict[str, Any]] = {}  # pseudonymous id -> profile
        self._token_of: dict[str, str] = {}  # pseudonymous id -> fresh token
        self._tokens_seen: dict[str, str] = {}  # HMAC of a real token -> pseudonymous id
        self._lock = threading.Lock()
        self.dirty = False
        self.refused = 0  # profiles that did not match the schema after anonymisation
        self.over_limit = 0

    # -- observing (the judging thread) ----------------------------------------------------

    def observe(
        self,
        operation_id: str,
        status: int,
        body: Any,
        request_headers: Mapping[str, str],
        no_customer_details: bool = False,
    ) -> int:
        """Record what a 200 carried; returns how many profiles it held."""
        if status != 200 or not isinstance(body, dict):
            return 0
        if operation_id in PROFILE_OPERATIONS:
            profiles = [body]
        elif operation_id == SEARCH and isinstance(body.get("values"), list):
            profiles = [p for p in body["values"] if isinstance(p, dict)]
        else:
            return 0
        recorded = [self._keep(p) for p in profiles]
        if operation_id == BY_TOKEN and recorded[0] is not None and not no_customer_details:
            token = _bearer(request_headers)
            if token:
                self._relate(token, recorded[0])
        return sum(1 for r in recorded if r is not None)

    def _keep(self, profile: dict[str, Any]) -> str | None:
        if not isinstance(profile.get("id"), str):
            return None
        with self._lock:
            if len(self._profiles) >= self.limit:  # past the limit, only known customers
                known = self.pseudonyms.known("customerId", profile["id"])
                if known is None or known not in self._profiles:
                    self.over_limit += 1
                    return None
            fake = anonymise_profile(profile, self.pseudonyms)
            if not self._validator.is_valid(fake):
                self.refused += 1
                return None
            if self._profiles.get(fake["id"]) != fake:
                self._profiles[fake["id"]] = fake
                self.dirty = True
            return str(fake["id"])

    def _relate(self, token: str, customer_id: str) -> None:
        held = hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()
        with self._lock:
            if held in self._tokens_seen or customer_id in self._token_of:
                return
            self._tokens_seen[held] = customer_id
            number = len(self._token_of) + 1
            self._token_of[customer_id] = make_token(f"recorded:{number}", self._signing)
            self.dirty = True

    # -- writing --------------------------------------------------------------------------

    @property
    def customers(self) -> int:
        return len(self._profiles)

    def write(self) -> Path:
        """The dataset folder, replaced whole (temporary folder, then rename)."""
        with self._lock:
            profiles = list(self._profiles.values())
            tokens = dict(self._token_of)
            self.dirty = False
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".recording-", dir=self.folder.parent))
        with open(staging / CUSTOMERS, "w", encoding="utf-8", newline="\n") as out:
            for profile in profiles:
                out.write(_line(profile))
        with open(staging / TOKENS, "w", encoding="utf-8", newline="\n") as out:
            for customer_id, token in tokens.items():
                out.write(_line({"token": token, "customerId": customer_id}))
            for token in UNKNOWN_TOKENS:
                out.write(_line({"token": token, "customerId": None}))
        # Each recorded token relation is a persona of the recording, so `mock --dataset`
        # serves it and `conform` finds it as it finds the built-in ones.
        personas = [
            {
                "key": f"recorded-{n}",
                "story": f"customer {n} {SOURCE}",
                "id": customer_id,
                "token": token,
            }
            for n, (customer_id, token) in enumerate(tokens.items(), start=1)
        ]
        manifest = {
            "format": FORMAT_VERSION,
            "seed": None,
            "count": len(profiles),
            "customers": len(profiles),
            "personas": personas,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _replace_folder(staging, self.folder)
        return self.folder


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _replace_folder(staging: Path, folder: Path) -> None:
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(folder)
