"""Redaction before any reporter sees data: secrets and PII never reach a report or log line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.auth import SECRET_HEADERS

REDACTED = "[REDACTED]"
PII_KEYS = {
    "givenname",
    "familyname",
    "middlenames",
    "title",
    "salutation",
    "suffix",
    "dateofbirth",
    "postcode",
    "phonenumber",
    "emailaddress",
    "value",
    "street",
    "housenumber",
    "housename",
    "flatnumber",
    "locality",
    "townorcity",
    "county",
    "addressline1",
    "addressline2",
    "addressline3",
    "addressline4",
    "accountnumber",
    "ssoid",
}


def redact_json(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {
            k: (REDACTED if k.lower() in PII_KEYS and v is not None else redact_json(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact_json(v) for v in data]
    return data


def pii_values(data: Any) -> set[str]:
    """Every string under a PII key, to scrub from free text (messages quote values)."""
    found: set[str] = set()
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key.lower() in PII_KEYS and isinstance(value, str) and len(value) >= 2:
                found.add(value)
            else:
                found |= pii_values(value)
    elif isinstance(data, list):
        for value in data:
            found |= pii_values(value)
    return found


def scrub(text: str, values: Iterable[str], secrets: Iterable[str] = ()) -> str:
    for value in sorted({*values, *(s for s in secrets if s)}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return re.sub(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+", r"\1" + REDACTED, text)


def redact_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for name, value in headers.items():
        text = value[0] if isinstance(value, list) and value else str(value)
        out[name] = REDACTED if name.lower() in SECRET_HEADERS else text
    return out


def body_json(raw: bytes | str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
