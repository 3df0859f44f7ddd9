"""This provider's own search: how a filter value meets a customer.

Its choices, each within what the record leaves free: names compare case-insensitively after
trimming; postcodes ignore case and spaces; phone numbers compare as national UK digits (`+44`
and `0044` read as `0`); `dateOfBirth` compares its date part; customerRef, accountNumber and
customerId (either id form) compare exactly; filters combine with AND. Results come in this
service's own order (by ssoId), with no cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime

from .data import CUSTOMERS, Customer

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


def national_digits(value: str) -> str:
    """A UK phone number as national digits; '' for a number of another country."""
    digits = re.sub(r"[\s().-]", "", value)
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith(("+", "00")):
        return ""
    return digits if re.fullmatch("[0-9]+", digits) else ""


def date_part(value: str) -> date | None:
    """The calendar date as written (a zone never shifts it); None when it is no date-time."""
    try:
        return datetime.fromisoformat(value.strip()).date()
    except ValueError:
        return None


def _name(value: str) -> str:
    return value.strip().casefold()


def _postcode(value: str) -> str:
    return "".join(value.split()).upper()


Matcher = Callable[[Customer, str], bool]
MATCHERS: dict[str, Matcher] = {
    "givenName": lambda c, v: _name(c.given) == _name(v),
    "familyName": lambda c, v: _name(c.family) == _name(v),
    "postcode": lambda c, v: _postcode(c.postcode) == _postcode(v),
    "phoneNumber": lambda c, v: (
        bool(national_digits(v)) and national_digits(v) in {national_digits(n) for _, n in c.phones}
    ),
    "dateOfBirth": lambda c, v: date_part(v) == date_part(c.born),
    "accountNumber": lambda c, v: v in c.accounts,
    "customerRef": lambda c, v: c.ref == v,
    "customerId": lambda c, v: v in c.ids(),
}


def search(
    filters: Mapping[str, str], matchers: Mapping[str, Matcher] = MATCHERS
) -> list[Customer]:
    """Customers matching every filter, in this service's order."""
    found = [c for c in CUSTOMERS if all(matchers[k](c, v) for k, v in filters.items())]
    return sorted(found, key=lambda c: c.sso_id)
