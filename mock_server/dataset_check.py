"""Every dataset is checked as it loads: a bad one is one line naming file, line and field.

Checked against the full reading of the contract: each customer against the schema responses
are validated with (GetCustomer's 200), unique ids and customerRefs, and tokens that are
well-formed, unique, and point at a customer of the dataset (or at none: the documented
unknown tokens). What the manifest declares must hold too: its customer count, and each
persona's customer (and token, when it names one). A dataset without customers is refused: a
mock that answers 404 to everything serves nobody. The check runs inside the one pass that
builds the store, so it costs a schema check per customer and no second read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ndt_contract import Contract
from ndt_fixtures import Dataset, DatasetError, Record, read_dataset
from ndt_fixtures.dataio import CUSTOMERS, TOKENS
from ndt_fixtures.files import DEFAULT_MAX_FILE_BYTES, numbered_rows
from ndt_fixtures.manifest import MANIFEST

from mock_server.validation import compiled, document_errors


def profile_schema(contract: Contract) -> Mapping[str, Any]:
    response = contract.operation("GetCustomer").response(200) or {}
    schema: Mapping[str, Any] = response["content"]["application/json"]["schema"]
    return schema


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


def check_declared(
    manifest: Mapping[str, Any], folder: Path, found: set[str], token_of: Mapping[str, str]
) -> None:
    """What the manifest says of the customers, against what the files hold."""
    where = folder / MANIFEST
    if not found:
        raise DatasetError(
            f"{folder / CUSTOMERS}: no customers; a dataset needs at least one to serve"
        )
    declared = manifest.get("customers")
    if declared is not None and declared != len(found):
        raise DatasetError(
            f"{where}: customers: {declared}, but {CUSTOMERS} holds {len(found)} "
            "(correct it, or leave the field out)"
        )
    for n, persona in enumerate(manifest.get("personas") or []):
        customer_id, token = persona["id"], persona.get("token")
        if customer_id not in found:
            raise DatasetError(
                f"{where}: personas[{n}]: id: no customer {customer_id} in {CUSTOMERS}"
            )
        if token is not None and token_of.get(customer_id) != token:
            raise DatasetError(
                f"{where}: personas[{n}]: token: not the token {TOKENS} gives {customer_id}"
            )


def checked_folder(
    folder: Path,
    contract: Contract,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    limit_name: str = "",
) -> Dataset:
    """A dataset folder whose every read checks customers, tokens and the manifest."""
    # The folder and its files are checked for kind and size here, before any is read.
    base = read_dataset(folder, max_file_bytes=max_file_bytes, limit_name=limit_name)
    schema = profile_schema(contract)
    tokens_path, customers_path = folder / TOKENS, folder / CUSTOMERS

    def read_tokens() -> tuple[dict[str, str], dict[str, str]]:
        """(customerId -> token, customerId -> where the token row is)."""
        token_of: dict[str, str] = {}
        row_of: dict[str, str] = {}
        seen: set[str] = set()
        for number, row in numbered_rows(tokens_path):
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
            for number, profile in numbered_rows(customers_path):
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
        check_declared(base.manifest, folder, found, token_of)

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
