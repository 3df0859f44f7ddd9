"""How search filters match a customer (our decisions, marked in the spec).

Shared by the mock (to build its indexes) and the conformance checks (to judge any server's
results). A bug here would hide from conformance against the mock, so tests pin each rule with
a table of equivalences; staging runs are the independent judge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import phonenumbers

FILTERS = (
    "givenName",
    "familyName",
    "postcode",
    "phoneNumber",
    "dateOfBirth",
    "accountNumber",
    "customerRef",
    "customerId",
)


def name_key(value: str) -> str:
    """Case-insensitive, otherwise exact."""
    return value.casefold()


def postcode_key(value: str) -> str:
    """Case and spaces ignored: `n1c4da` is `N1C 4DA`."""
    return "".join(value.split()).upper()


def phone_key(value: str) -> str | None:
    """E.164 with the UK as default region; None when it does not parse as a possible number."""
    try:
        parsed = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def uk_forms(value: object) -> list[str]:
    """National, +44 and 0044 forms of one possible UK number (empty when it is not one)."""
    if not isinstance(value, str):
        return []
    try:
        parsed = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return []
    if parsed.country_code != 44 or not phonenumbers.is_possible_number(parsed):
        return []
    national = str(parsed.national_number)
    return [f"0{national}", f"+44{national}", f"0044{national}"]


def date_key(value: str) -> str:
    """The date part of an ISO 8601 date-time."""
    return value[:10]


def exact_key(value: str) -> str:
    return value


FILTER_KEYS = {
    "givenName": name_key,
    "familyName": name_key,
    "postcode": postcode_key,
    "phoneNumber": phone_key,
    "dateOfBirth": date_key,
    "accountNumber": exact_key,
    "customerRef": exact_key,
    "customerId": exact_key,
}

# Filters whose customer field has the filter's own name, except customerId (the `id`).
SCALAR_FIELDS = {
    "givenName": "givenName",
    "familyName": "familyName",
    "dateOfBirth": "dateOfBirth",
    "customerRef": "customerRef",
    "customerId": "id",
}


def as_dict(value: Any) -> Mapping[str, Any]:
    """The value when it is an object, else an empty one (checks judge any server)."""
    return value if isinstance(value, dict) else {}


def dicts(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list, whatever else a server put in it (checks judge any server)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def customer_keys(filter_name: str, customer: Mapping[str, Any]) -> Iterator[str]:
    """Every key under which `customer` is found by `filter_name`."""
    if filter_name in SCALAR_FIELDS:
        value = customer.get(SCALAR_FIELDS[filter_name])
        if isinstance(value, str) and value:
            key = FILTER_KEYS[filter_name](value)
            if key is not None:  # only phone_key refuses a value, and phoneNumber is not scalar
                yield key
    elif filter_name == "postcode":
        for address in dicts(customer.get("addresses")):
            code = as_dict(address.get("components")).get("postcode")
            if isinstance(code, str) and code:
                yield postcode_key(code)
    elif filter_name == "phoneNumber":
        for phone in dicts(as_dict(customer.get("contact")).get("phoneNumbers")):
            value = phone.get("value")
            key = phone_key(value) if isinstance(value, str) else None
            if key:
                yield key
    elif filter_name == "accountNumber":
        for account in dicts(customer.get("accounts")):
            if isinstance(account.get("accountNumber"), str):
                yield account["accountNumber"]
    else:
        raise KeyError(filter_name)


def matches(filters: Mapping[str, str], customer: Mapping[str, Any]) -> bool:
    """True when `customer` satisfies every filter (AND)."""
    for name, value in filters.items():
        wanted = FILTER_KEYS[name](value)
        if wanted is None or wanted not in set(customer_keys(name, customer)):
            return False
    return True
