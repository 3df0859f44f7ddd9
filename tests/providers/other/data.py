"""This provider's own customers and tokens: twelve people, written by hand.

Ids are not the 19-digit strings of the provider's example: the path's `customerId` is a
12-character customer number, and the profile's `id` is a UUID. GetCustomer accepts either,
and always answers with the UUID; the mapping is one to one, for every customer.

Each customer is rendered in one of three styles, all of which the record allows:
- "A", like version A of the provider's example: absent text is `""`, addresses have no
  `id`, the date of birth has no zone;
- "B", like version B: absent text is `null`, addresses have an `id`, dates end in `Z`;
- "C", an ASP.NET service that omits nulls and empty collections: absent members are left
  out, and dates carry the UTC offset they were captured with.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = uuid.UUID("5b0f3f64-8d0e-4c1a-9d36-0e2a9b7c4f11")
COMPONENTS = (
    "flatNumber",
    "houseNumber",
    "houseName",
    "street",
    "locality",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "addressLine4",
    "townOrCity",
    "county",
    "postcode",
    "countryCode",
)


@dataclass(frozen=True)
class Customer:
    """One person as the back end holds them; `profile()` renders them in their style."""

    number: str  # the path's customerId: 12 characters
    given: str
    family: str
    born: str  # YYYY-MM-DD
    style: str
    postcode: str
    town: str
    street: str
    house: str
    ref: str
    phones: tuple[tuple[str, str], ...] = ()
    emails: tuple[tuple[str, str], ...] = ()
    accounts: tuple[str, ...] = ()
    applications: int = 0
    status: str = "Customer"
    middle: str = ""
    title: str = ""
    salutation: str = ""
    sca: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, self.number))

    @property
    def sso_id(self) -> str:
        return base64.b64encode(hashlib.sha256(self.number.encode()).digest()).decode()

    def ids(self) -> tuple[str, str]:
        """Both ids GetCustomer accepts for this customer."""
        return (self.number, self.id)

    def date_of_birth(self) -> str:
        return {
            "A": f"{self.born}T00:00:00",
            "B": f"{self.born}T00:00:00Z",
            "C": f"{self.born}T00:00:00+01:00",
        }[self.style]

    def _absent(self, value: str) -> Any:
        """How this style writes a text that has no value; `OMIT` drops the member."""
        if value:
            return value
        return {"A": "", "B": None, "C": OMIT}[self.style]

    def _list(self, items: list[Any]) -> Any:
        return items if items or self.style != "C" else OMIT

    def address(self) -> dict[str, Any]:
        values = dict.fromkeys(COMPONENTS, "")
        values.update(houseNumber=self.house, townOrCity=self.town, postcode=self.postcode)
        if self.style == "A":
            values["addressLine1"] = self.street
        else:
            values["street"] = self.street
            values["countryCode"] = "GBR"
        address: dict[str, Any] = {"format": "Manual"}
        if self.style != "A":
            address["id"] = str(uuid.uuid5(NAMESPACE, self.number + "/address"))
        address["components"] = _drop({k: self._absent(v) for k, v in values.items()})
        return address

    def profile(self) -> dict[str, Any]:
        """The full profile, members in this service's own order."""
        applications = [
            {"applicationId": str(uuid.uuid5(NAMESPACE, f"{self.number}/application/{n}"))}
            for n in range(self.applications)
        ]
        profile = {
            "id": self.id,
            "customerNumber": self.number,  # not in the record: an extra member is allowed
            "customerRef": self.ref,
            "ssoId": self.sso_id,
            "status": self.status,
            "title": self._absent(self.title),
            "salutation": self._absent(self.salutation),
            "givenName": self.given,
            "middleNames": self._absent(self.middle),
            "familyName": self.family,
            "suffix": self._absent(""),
            "dateOfBirth": self.date_of_birth(),
            "contact": _drop(
                {
                    "phoneNumbers": self._list([{"type": t, "value": v} for t, v in self.phones]),
                    "emailAddresses": self._list([{"type": t, "value": v} for t, v in self.emails]),
                }
            ),
            "addresses": [self.address()],
            "accounts": self._list([{"accountNumber": a} for a in self.accounts]),
            "applications": self._list(applications),
            "scaExemptions": self._list(list(self.sca)),
            **self.extra,
        }
        return _drop(profile)

    def token_record(self) -> dict[str, Any]:
        """What the token record alone knows: the body that goes with NoCustomerDetails
        (no account list: this service omits empty collections)."""
        return {"id": self.id, "customerRef": self.ref, "ssoId": self.sso_id, "status": self.status}


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()


def _drop(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not OMIT}


CUSTOMERS: tuple[Customer, ...] = (
    Customer(
        "CU7K2M9Q4XAB",
        "Amara",
        "Okafor",
        "1984-02-11",
        "B",
        "N1C 4DA",
        "London",
        "Handyside Street",
        "7",
        "Hq3vR8tLm2",
        phones=(("Mobile", "07700 900101"), ("Work", "020 7160 8800")),
        emails=(("Personal", "amara.okafor@example.co.uk"),),
        accounts=("0003915000000966364", "0003915000000966372"),
        applications=1,
        middle="Adaeze",
        title="Dr.",
        salutation="Ms",
        sca=("scaExempt",),
    ),
    Customer(
        "CU3J8N5R1YBD",
        "Chidi",
        "Okafor",
        "1981-09-30",
        "A",
        "N1C 4DA",
        "London",
        "Handyside Street",
        "7",
        "Pw7xK2nQ9d",
        phones=(("Home", "020 7946 0102"),),
        emails=(("Work", "chidi.okafor@example.com"),),
        accounts=("0003915000000123456",),
        applications=1,
        salutation="Mr",
    ),
    Customer(
        "CU9T4W6E2ZCF",
        "Emeka",
        "Okafor",
        "1990-05-17",
        "C",
        "M1 1AE",
        "Manchester",
        "Piccadilly",
        "12",
        "Zr5bN8vC1q",
        phones=(("Mobile", "+44 7700 900103"),),
        accounts=("4000123412341234",),  # another account system: 16 digits
    ),
    Customer(
        "CU5H1L7P3QDG",
        "Priya",
        "Shah",
        "1988-12-01",
        "B",
        "N1C 4DA",
        "London",
        "Handyside Street",
        "9",
        "Lm4cV7xB2k",
        phones=(("Mobile", "07700 900104"), ("Fax", "020 7946 0999")),
        emails=(("Personal", "priya@shah.example.org"),),
        accounts=("0003915000000777001",),
        title="Mrs",
        salutation="Mrs",
    ),
    Customer(
        "CU2B6V8M4RFH",
        "Zoë",
        "Ó Súilleabháin",
        "1979-07-04",
        "C",
        "BT1 5GS",
        "Belfast",
        "Donegall Square",
        "3",
        "Yt6nM3zX8p",
        phones=(("Work", "028 9032 0202"),),
        emails=(("Personal", "zoe.osuilleabhain@example.ie"),),
        accounts=("0003915000000555010",),
        middle="Máire Áine",
    ),
    Customer(
        "CU8D3X5K9SGJ",
        "Tomasz",
        "Nowak",
        "1995-03-22",
        "C",
        "LS1 4AP",
        "Leeds",
        "Park Row",
        "21",
        "Qa9sD4fG7h",
        phones=(("Mobile", "07700 900106"),),
        applications=1,
        status="Applicant",  # no account yet: NoCustomerDetails with a token
    ),
    Customer(
        "CU4F9Z2N6THK",
        "Grace",
        "Hartley",
        "1962-10-08",
        "A",
        "LS1 4AP",
        "Leeds",
        "Park Row",
        "23",
        "Jk2lZ5xC8v",
        phones=(("Home", "0113 496 0107"),),
        accounts=("0003915000000333020",),
        status="Closed",  # a status the record does not list
    ),
    Customer(
        "CU6G2Y8Q1UJL",
        "Oliver",
        "Hartley",
        "1960-01-29",
        "B",
        "LS1 4AP",
        "Leeds",
        "Park Row",
        "23",
        "Bn8mQ1wE4r",
        phones=(("Mobile", "07700 900108"),),
        emails=(("Personal", "oliver.hartley@example.com"), ("Work", "o.hartley@hartley-co")),
        accounts=("0003915000000333038",),
        salutation="Mr",
    ),
    Customer(
        "CU1C7T3W5VKM",
        "Fatima",
        "Begum",
        "2001-06-15",
        "A",
        "E1 6AN",
        "London",
        "Commercial Street",
        "88",
        "Ty3uI6oP9a",
        phones=(("Mobile", "07700 900109"),),
        emails=(("Personal", "fatima.begum@example.co.uk"),),
        accounts=("0003915000000444048",),
        applications=2,
    ),
    Customer(
        "CU7E4R9Y2WLN",
        "Liam",
        "MacDonald",
        "1975-11-11",
        "B",
        "EH1 1YZ",
        "Edinburgh",
        "High Street",
        "1",
        "Gh5jK8lZ2x",
        phones=(("Mobile", "+447700900110"),),
        accounts=("0003915000000222056",),
        sca=("scaExempt", "trustedBeneficiary"),
    ),
    Customer(
        "CU3A8S1D6XMP",
        "Sofia",
        "Rossi",
        "1993-04-09",
        "C",
        "CF10 1EP",
        "Cardiff",
        "Queen Street",
        "40",
        "Vb7nM2qW5e",
        emails=(("Work", "sofia.rossi@example.it"),),
        accounts=("0003915000000111064",),
    ),
    Customer(
        "CU9W5E7F3YNQ",
        "Jack",
        "Smith",
        "1970-01-01",
        "A",
        "B1 1AA",
        "Birmingham",
        "Colmore Row",
        "5",
        "Rt4yU7iO1p",
        phones=(("Mobile", "07700 900112"), ("Home", "0121 496 0112")),
        emails=(("Personal", "jack.smith@example.com"),),
        accounts=("0003915000000999072", "0003915000000999080"),
        title="Mr",
        salutation="Mr",
    ),
)

BY_KEY: dict[str, Customer] = {key: c for c in CUSTOMERS for key in c.ids()}

# Bearer tokens this service's token table knows: opaque strings, one customer each.
TOKENS: dict[str, str] = {
    "op-token.amara.7f3c9e51": "CU7K2M9Q4XAB",  # a customer with accounts
    "op-token.tomasz.2b8d4a06": "CU8D3X5K9SGJ",  # an applicant with no account
    "op-token.jack.c41e9b77": "CU9W5E7F3YNQ",  # another customer with accounts
}
