"""The pseudonyms, one branch each: same kind and shape, consistent, keyed per recording."""

from __future__ import annotations

import datetime as dt
import re

from ndt_contract import load_contract
from ndt_fixtures import persona

from validation_proxy.record.anonymise import anonymise_profile
from validation_proxy.record.pseudonyms import Pseudonyms
from validation_proxy.record.recording import Recording

TODAY = dt.date(2026, 12, 8)


def fake(key: bytes = b"k" * 32) -> Pseudonyms:
    return Pseudonyms(key, today=TODAY)


def test_phone_numbers_keep_their_kind_and_every_spelling_maps_alike():
    p = fake()
    mobile = p.phone("07911 123456")
    assert re.fullmatch(r"07700 900\d{3}", mobile)
    assert p.phone("+447911123456") == "+44 " + mobile[1:]
    assert p.phone("00447911123456") == "+44 " + mobile[1:]
    landline = p.phone("020 7160 8800")
    assert re.fullmatch(r"(020 7946 0\d{3}|01\d{2} 496 0\d{3}|01632 96\d{4})", landline)
    assert p.phone("not a number")  # unparseable: still a drama-range number


def test_postcodes_are_valid_shapes_and_ignore_case_and_spaces():
    p = fake()
    code = p.postcode("N1C 4DA")
    assert re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}", code)
    assert p.postcode("n1c4da") == code and p.postcode("SW1A 1AA") != code


def test_a_date_of_birth_moves_but_stays_an_adults():
    p = fake()
    shifted = p.date_of_birth("1970-01-01T00:00:00Z")
    assert shifted != "1970-01-01T00:00:00Z" and shifted.endswith("T00:00:00Z")
    young = dt.date.fromisoformat(p.date_of_birth("2008-12-07T00:00:00")[:10])
    assert young <= dt.date(2008, 12, 7) and p.date_of_birth("2008-12-07T00:00:00").endswith(
        "T00:00:00"
    )
    old = dt.date.fromisoformat(p.date_of_birth("1926-12-09")[:10])
    assert old > dt.date(1926, 12, 8)
    assert p.date_of_birth("not a date") == "1980-01-01T00:00:00Z"


def test_identifiers_keep_shape_length_and_prefix_and_stay_unique():
    p = fake()
    ids = {p.digits("customerId", f"000391100000000{n:04d}") for n in range(500)}
    assert len(ids) == 500 and all(len(i) == 19 and i.startswith("0003911") for i in ids)
    assert re.fullmatch(r"[A-Za-z0-9]{10}", p.alnum("customerRef", "4vMgYYLnQJ"))
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", p.sso_id("x"))
    assert re.fullmatch(
        r"[0-9a-f-]{36}", p.uuid("a", "93A1C2CE-C345-4057-BD5F-1A639573F00F").lower()
    )


def test_the_key_decides_the_pseudonyms_and_the_table_keeps_them():
    one, other = fake(b"a" * 32), fake(b"b" * 32)
    assert one.family_name("Hartley") == one.family_name("HARTLEY")
    assert one.email("A@X.org") == one.email("a@x.org ") and one.email("a@x.org").endswith(
        "@example.com"
    )
    assert one.sso_id("x") != other.sso_id("x")
    assert one.known("customerId", "1") is None
    assert one.courtesy("Dr.") == "Dr." and one.courtesy("Her Grace of Anywhere") == "Mx"


def test_a_profile_loses_unknown_fields_and_matches_the_contract():
    profile = dict(persona("multi-account").profile, secretNote="do not copy me")
    out = anonymise_profile(profile, fake())
    assert "secretNote" not in out and out["status"] == profile["status"]
    assert out["scaExemptions"] == profile["scaExemptions"]
    recording = Recording(__import__("pathlib").Path("/nonexistent"), load_contract(), limit=1)
    assert recording.observe("GetCustomer", 200, profile, {}) == 1
    other = persona("applicant-no-account").profile
    assert recording.observe("GetCustomer", 200, other, {}) == 0  # past --record-limit
    assert recording.over_limit == 1
    assert recording.observe("GetCustomer", 200, profile, {}) == 1  # a known one still updates
    assert recording.observe("VerifyEmail", 200, {"verified": True}, {}) == 0
