"""One profile, every personal value replaced by its pseudonym of the same kind and shape.

The walk names each field of the contract's profile; a field it does not know is dropped
rather than copied (an unknown field may hold anything), and so is an unknown address
component. Statuses, types, formats, country codes and SCA exemptions are codes, kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from validation_proxy.record.pseudonyms import Pseudonyms

CODES = ("status",)
COURTESY = ("title", "salutation", "suffix")


def anonymise_profile(profile: dict[str, Any], fake: Pseudonyms) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in profile.items():
        handler = _FIELDS.get(key)
        if handler is not None:
            out[key] = handler(value, fake)
    return out


def _text(convert: Callable[[Pseudonyms, str], str]) -> Callable[[Any, Pseudonyms], Any]:
    def handle(value: Any, fake: Pseudonyms) -> Any:
        return convert(fake, value) if isinstance(value, str) else None if value is None else ""

    return handle


def _kept(value: Any, fake: Pseudonyms) -> Any:
    return value if isinstance(value, str | bool | int | float) or value is None else None


def _codes(value: Any, fake: Pseudonyms) -> Any:
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str)]


def _contact(value: Any, fake: Pseudonyms) -> Any:
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, kind in (("phoneNumbers", fake.phone), ("emailAddresses", fake.email)):
        if key in value:
            out[key] = [
                {"type": item.get("type"), "value": kind(item["value"])}
                if isinstance(item.get("value"), str)
                else {k: v for k, v in item.items() if k == "type"}
                for item in value[key] or []
                if isinstance(item, dict)
            ]
    return out


_COMPONENTS: dict[str, Callable[[Pseudonyms, str], str]] = {
    "flatNumber": Pseudonyms.flat,
    "houseNumber": Pseudonyms.house_number,
    "houseName": Pseudonyms.house_name,
    "street": Pseudonyms.street,
    "locality": Pseudonyms.town,
    "addressLine1": Pseudonyms.address_line,
    "addressLine2": Pseudonyms.address_line,
    "addressLine3": Pseudonyms.address_line,
    "addressLine4": Pseudonyms.address_line,
    "townOrCity": Pseudonyms.town,
    "county": Pseudonyms.county,
    "postcode": Pseudonyms.postcode,
}


def _addresses(value: Any, fake: Pseudonyms) -> Any:
    if not isinstance(value, list):
        return []
    out = []
    for address in value:
        if not isinstance(address, dict):
            continue
        copied: dict[str, Any] = {}
        if isinstance(address.get("id"), str):
            copied["id"] = fake.uuid("addressId", address["id"])
        elif "id" in address:
            copied["id"] = address["id"] if address["id"] is None else None
        if "format" in address:
            copied["format"] = address["format"]
        components = address.get("components")
        if isinstance(components, dict):
            copied["components"] = {
                key: _component(key, item, fake)
                for key, item in components.items()
                if key in _COMPONENTS or key == "countryCode"
            }
        out.append(copied)
    return out


def _component(key: str, value: Any, fake: Pseudonyms) -> Any:
    if key == "countryCode" or not isinstance(value, str):
        return value if value is None or isinstance(value, str) else None
    return _COMPONENTS[key](fake, value)


def _listed(field: str, kind: str, convert: str) -> Callable[[Any, Pseudonyms], Any]:
    def handle(value: Any, fake: Pseudonyms) -> Any:
        if not isinstance(value, list):
            return []
        method = getattr(fake, convert)
        return [
            {field: method(kind, item[field])}
            for item in value
            if isinstance(item, dict) and isinstance(item.get(field), str)
        ]

    return handle


_FIELDS: dict[str, Callable[[Any, Pseudonyms], Any]] = {
    "id": _text(lambda f, v: f.digits("customerId", v)),
    "customerRef": _text(lambda f, v: f.alnum("customerRef", v)),
    "ssoId": _text(lambda f, v: f.sso_id(v)),
    "status": _kept,
    "title": _text(lambda f, v: f.courtesy(v)),
    "salutation": _text(lambda f, v: f.courtesy(v)),
    "suffix": _text(lambda f, v: f.courtesy(v)),
    "givenName": _text(lambda f, v: f.given_name(v)),
    "middleNames": _text(lambda f, v: f.given_name(v)),
    "familyName": _text(lambda f, v: f.family_name(v)),
    "dateOfBirth": _text(lambda f, v: f.date_of_birth(v)),
    "contact": _contact,
    "addresses": _addresses,
    "accounts": _listed("accountNumber", "accountNumber", "digits"),
    "applications": _listed("applicationId", "applicationId", "uuid"),
    "scaExemptions": _codes,
}
