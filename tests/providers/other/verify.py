"""A verify service that checks syntax only, as the `supported-formats` path suggests.

An address verifies when it is `local@domain` with no spaces (RFC 5321 allows a domain
without a dot), unless its top-level domain is reserved and so can never exist (RFC 2606,
RFC 6761). A number verifies when it reads as a UK mobile (07 and nine more digits, `+44` or
`0044` read as `0`). Anything else is a plain `false`: a false answer never stops a journey.
"""

from __future__ import annotations

import re

from .search import national_digits

RESERVED_TLDS = frozenset({"invalid", "test", "example", "localhost"})
ADDRESS = re.compile(r"[^@\s]+@([^@\s]+)")
UK_MOBILE = re.compile(r"07[0-9]{9}")


def email_exists(address: str) -> bool:
    match = ADDRESS.fullmatch(address)
    if match is None:
        return False
    tld = match[1].rstrip(".").rsplit(".", 1)[-1].lower()
    return tld not in RESERVED_TLDS


def mobile_exists(number: str) -> bool:
    return UK_MOBILE.fullmatch(national_digits(number)) is not None
