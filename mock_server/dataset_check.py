"""Every dataset is checked as it loads: a bad one is one line naming file, line and field.

Checked against the full reading of the contract: each customer against the schema responses
are validated with (GetCustomer's 200), unique ids and customerRefs, and tokens that are
well-formed, unique, and point at a customer of the dataset (or at none: the documented
unknown tokens). The check runs inside the one pass that builds the store, so it costs one
schema check per customer and no second read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ndt_contract import Contract
from ndt_fixtures import Dataset, DatasetError, Record, read_dataset
from ndt_fixtures.dataio import CUSTOMERS, TOKENS

from mock_server.validation import compiled, document_errors


def profile_schema(contract: Contract) -> Mapping[str, Any]:
    response = contract.operation("GetCustomer").response(200) or {}
    schema: Mapping[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _numbered(path: Path) -> Iterator[tuple[int, Any]]:
    with open(path, encoding="utf-8", errors="strict") as handle:
        number = 0
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield number, json.loads(line, parse_constant=_not_json)
                    except (ValueError, RecursionError) as exc:
                        raise DatasetError(f"{path}:{number}: not JSON: {exc}") from None
        except UnicodeDecodeError:
            raise DatasetError(f"{path}:{number + 1}: not UTF-8 text") from None


def first_error(schema: Mapping[str, Any], profile: Any) -> str | None:
    """`field: message` of the first schema error, or None when the profile is valid."""
    if compiled(schema).is_valid(profile):
        return None
    errors = document_errors(schema, profile, root="(customer)")
    field, messages = next(iter(errors.items()))
    return f"{field}: {messages[0]}"


def check_records(
    located: Iterator[tuple[str, Record]], schema: Mapping[str, Any]
) -> Iterator[Record]:
    """The records, each checked as it streams by; `where` names it in an error."""
    ids: dict[str, str] = {}
    refs: dict[str, str] = {}
    for where, record in located:
        profile = record.profile
        problem = first_error(schema, profile)
        if problem:
            raise DatasetError(f"{where}: {problem}")
        customer_id, ref = profile["id"], profile.get("customerRef")
        if customer_id in ids:
            raise DatasetError(f"{where}: id: {customer_id} again (first at {ids[customer_id]})")
        ids[customer_id] = where
        if ref is not None:
            if ref in refs:
                raise DatasetError(f"{where}: customerRef: {ref} again (first at {refs[ref]})")
            refs[ref] = where
        yield record


def checked_folder(folder: Path, contract: Contract) -> Dataset:
    """A dataset folder whose every read checks customers and tokens."""
    base = read_dataset(folder)  # the manifest and the files exist
    schema = profile_schema(contract)
    tokens_path, customers_path = folder / TOKENS, folder / CUSTOMERS

    def read_tokens() -> tuple[dict[str, str], dict[str, str]]:
        """(customerId -> token, customerId -> where the token row is)."""
        token_of: dict[str, str] = {}
        row_of: dict[str, str] = {}
        seen: set[str] = set()
        for number, row in _numbered(tokens_path):
            where = f"{tokens_path}:{number}"
            if not isinstance(row, dict):
                raise DatasetError(f"{where}: not a JSON object")
            token, customer_id = row.get("token"), row.get("customerId", "missing")
            if not isinstance(token, str) or not token or any(c.isspace() for c in token):
                raise DatasetError(f"{where}: token: a non-empty string without spaces is required")
            if token in seen:
                raise DatasetError(f"{where}: token: the same token again")
            seen.add(token)
            if customer_id is None:
                continue  # a documented unknown token
            if not isinstance(customer_id, str):
                raise DatasetError(f"{where}: customerId: a customer id or null is required")
            if customer_id in token_of:
                raise DatasetError(f"{where}: customerId: {customer_id} has a token already")
            token_of[customer_id] = token
            row_of[customer_id] = where
        return token_of, row_of

    def records() -> Iterator[Record]:
        token_of, row_of = read_tokens()
        found: set[str] = set()

        def located() -> Iterator[tuple[str, Record]]:
            for number, profile in _numbered(customers_path):
                where = f"{customers_path}:{number}"
                if not isinstance(profile, dict) or not isinstance(profile.get("id"), str):
                    raise DatasetError(
                        f"{where}: id: a customer object with a string id is required"
                    )
                found.add(profile["id"])
                yield where, Record(profile, token_of.get(profile["id"]))

        yield from check_records(located(), schema)
        for customer_id, where in row_of.items():
            if customer_id not in found:
                raise DatasetError(f"{where}: customerId: no customer {customer_id} in {CUSTOMERS}")

    return Dataset(records, base.manifest)


def checked_generated(dataset: Dataset, contract: Contract) -> Dataset:
    """A generated dataset, checked the same way (a generator bug is caught at start)."""
    schema = profile_schema(contract)
    seed = dataset.manifest.get("seed")

    def records() -> Iterator[Record]:
        located = (
            (f"generated dataset (seed {seed}), customer {n}", record)
            for n, record in enumerate(dataset.records(), start=1)
        )
        yield from check_records(located, schema)

    return Dataset(records, dataset.manifest)
