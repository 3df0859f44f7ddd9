"""Consistent pseudonyms, one kind of value at a time.

Each real value seeds Faker through an HMAC of (kind, normalised value) under a key drawn for
one recording and never written anywhere, so the pseudonyms cannot be recomputed from a real
value without it. A table per kind keeps the mapping consistent (the same real value, however
it was spelled, gets the same pseudonym: two customers who shared a postcode still do) and
unique where the data needs it (ids, customerRefs, emails). The tables live in memory only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import string
import uuid
from collections.abc import Callable

import phonenumbers
from faker import Faker

# Ofcom's ranges for drama (TV and radio): numbers that will never be allocated to anyone.
DRAMA_MOBILE = ("07700 900", 1000)  # 07700 900000 - 07700 900999
DRAMA_LANDLINES = (
    ("020 7946 0", 1000),
    ("0113 496 0", 1000),
    ("0114 496 0", 1000),
    ("0115 496 0", 1000),
    ("0116 496 0", 1000),
    ("0117 496 0", 1000),
    ("0118 496 0", 1000),
    ("0121 496 0", 1000),
    ("0131 496 0", 1000),
    ("0141 496 0", 1000),
    ("0151 496 0", 1000),
    ("0161 496 0", 1000),
    ("01632 96", 10000),
)
ADULT_YEARS = 18
OLDEST_YEARS = 100
MAX_SHIFT_DAYS = 400
# Titles, salutations and suffixes that are conventions, not identities: kept as they came.
COURTESY = frozenset(
    {
        "",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "dr.",
        "prof",
        "prof.",
        "sir",
        "dame",
        "lord",
        "lady",
        "rev",
        "rev.",
        "jr",
        "jr.",
        "sr",
        "sr.",
        "ii",
        "iii",
        "iv",
    }
)
_ALNUM = string.ascii_letters + string.digits
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(.*)", re.S)


class Pseudonyms:
    """One recording's pseudonyms. `today` is injectable so adulthood is testable."""

    def __init__(self, key: bytes | None = None, today: dt.date | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)
        self._today = today or dt.date.today()
        self._faker = Faker("en_GB")
        self._tables: dict[str, dict[str, str]] = {}
        self._taken: dict[str, set[str]] = {}

    # -- the one mechanism --------------------------------------------------------------

    def _seed(self, kind: str, value: str, attempt: int = 0) -> int:
        digest = hmac.new(self._key, f"{kind}\0{attempt}\0{value}".encode(), hashlib.sha256)
        return int.from_bytes(digest.digest()[:8], "big")

    def _map(
        self,
        kind: str,
        value: str,
        make: Callable[[int], str],
        *,
        unique: bool = True,
        normal: Callable[[str], str] = lambda v: v,
    ) -> str:
        key = normal(value)
        table = self._tables.setdefault(kind, {})
        if key in table:
            return table[key]
        taken = self._taken.setdefault(kind, set())
        for attempt in range(50):
            candidate = make(self._seed(kind, key, attempt))
            if not unique or candidate not in taken:
                break
        taken.add(candidate)
        table[key] = candidate
        return candidate

    def known(self, kind: str, value: str) -> str | None:
        """The pseudonym `value` already has, without making one (tables stay bounded)."""
        return self._tables.get(kind, {}).get(value)

    def _fake(self, seed: int) -> Faker:
        self._faker.seed_instance(seed)
        return self._faker

    # -- identifiers: same shape and length -------------------------------------------------

    def digits(self, kind: str, value: str) -> str:
        """A digit string of the same length; a long one keeps its first characters (the
        system prefix of a 19-digit id) and gets 12 new digits."""
        keep = max(0, len(value) - 12) if len(value) > 12 else 0

        def make(seed: int) -> str:
            tail = str(seed % 10 ** (len(value) - keep)).zfill(len(value) - keep)
            return value[:keep] + tail

        return self._map(kind, value, make)

    def alnum(self, kind: str, value: str) -> str:
        def make(seed: int) -> str:
            raw = b""
            while len(raw) < len(value):
                raw += hmac.new(self._key, f"alnum\0{seed}\0{len(raw)}".encode(), "sha256").digest()
            return "".join(_ALNUM[byte % len(_ALNUM)] for byte in raw[: len(value)])

        return self._map(kind, value, make)

    def sso_id(self, value: str) -> str:
        def make(seed: int) -> str:
            raw = hmac.new(self._key, f"sso\0{seed}".encode(), hashlib.sha256).digest()
            return base64.b64encode(raw).decode("ascii")

        return self._map("ssoId", value, make)

    def uuid(self, kind: str, value: str) -> str:
        def make(seed: int) -> str:
            raw = hmac.new(self._key, f"uuid\0{seed}".encode(), hashlib.sha256).digest()[:16]
            made = str(uuid.UUID(bytes=raw, version=4))
            return made.upper() if value.isupper() else made

        return self._map(kind, value, make, normal=str.lower)

    # -- personal values: same kind, plausible --------------------------------------------

    def given_name(self, value: str) -> str:
        return self._words("givenName", value, lambda f: f.first_name())

    def family_name(self, value: str) -> str:
        return self._words("familyName", value, lambda f: f.last_name())

    def _words(self, kind: str, value: str, word: Callable[[Faker], str]) -> str:
        if not value.strip():
            return value
        count = len(value.split())

        def make(seed: int) -> str:
            fake = self._fake(seed)
            return " ".join(word(fake) for _ in range(count))

        # Unique while Faker has names to give: two real names never merge into one group.
        return self._map(kind, value, make, normal=lambda v: " ".join(v.split()).casefold())

    def courtesy(self, value: str) -> str:
        """A title, salutation or suffix: kept when it is a convention, else a neutral one."""
        return value if value.strip().casefold() in COURTESY else "Mx"

    def email(self, value: str) -> str:
        def make(seed: int) -> str:
            fake = self._fake(seed)
            return f"{fake.user_name()}{seed % 1000}@example.com"

        return self._map("email", value, make, normal=lambda v: v.strip().casefold())

    def phone(self, value: str) -> str:
        """A drama-range number: a mobile for a UK mobile, a landline otherwise, keyed by the
        number in E.164 so every spelling of one number gets one pseudonym."""
        try:
            parsed = phonenumbers.parse(value, "GB")
            key = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            mobile = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        except phonenumbers.NumberParseException:
            key, mobile = re.sub(r"\D", "", value), False
        international = value.strip().startswith(("+", "00"))

        def make(seed: int) -> str:
            if mobile:
                prefix, size = DRAMA_MOBILE
            else:
                prefix, size = DRAMA_LANDLINES[seed % len(DRAMA_LANDLINES)]
            suffix = str((seed // 16) % size).zfill(len(str(size - 1)))
            return prefix + suffix

        # The drama mobile range holds a thousand numbers: past that, numbers are shared.
        national = self._map("phone", key, make, unique=len(self._taken.get("phone", ())) < 900)
        return "+44 " + national[1:] if international else national  # as the caller wrote it

    def postcode(self, value: str) -> str:
        def make(seed: int) -> str:
            for attempt in range(20):
                code = self._fake(seed + attempt).postcode().upper()
                if re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}", code):
                    return code
            return "N1C 4DA"

        return self._map("postcode", value, make, normal=lambda v: re.sub(r"\s", "", v).upper())

    def street(self, value: str) -> str:
        return self._plain("street", value, lambda f: f.street_name())

    def town(self, value: str) -> str:
        return self._plain("town", value, lambda f: f.city())

    def county(self, value: str) -> str:
        return self._plain("county", value, lambda f: f.county())

    def house_name(self, value: str) -> str:
        return self._plain("houseName", value, lambda f: f"{f.last_name()} House")

    def house_number(self, value: str) -> str:
        return self._plain("houseNumber", value, lambda f: str(f.random_int(1, 199)))

    def flat(self, value: str) -> str:
        return self._plain("flat", value, lambda f: f"Flat {f.random_int(1, 40)}")

    def address_line(self, value: str) -> str:
        return self._plain("addressLine", value, lambda f: f.street_address())

    def _plain(self, kind: str, value: str, make: Callable[[Faker], str]) -> str:
        if not value.strip():
            return value
        return self._map(
            kind,
            value,
            lambda seed: make(self._fake(seed)),
            unique=False,
            normal=lambda v: " ".join(v.split()).casefold(),
        )

    def date_of_birth(self, value: str) -> str:
        """Shifted by up to about a year each way, still an adult's (and not over a hundred);
        the time and zone part kept as it came."""
        match = _DATE.fullmatch(value)
        if match is None:
            return "1980-01-01T00:00:00Z"
        try:
            born = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return "1980-01-01T00:00:00Z"
        rest = match[4]

        def make(seed: int) -> str:
            shift = seed % (2 * MAX_SHIFT_DAYS + 1) - MAX_SHIFT_DAYS
            shifted = born + dt.timedelta(days=shift or 1)
            latest = _years_before(self._today, ADULT_YEARS) - dt.timedelta(days=1)
            earliest = _years_before(self._today, OLDEST_YEARS) + dt.timedelta(days=1)
            shifted = min(max(shifted, earliest), latest)
            return shifted.isoformat() + rest

        return self._map("dateOfBirth", born.isoformat() + rest, make, unique=False)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
