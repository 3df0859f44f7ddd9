"""Behaviour rules: read from the contract, their level computed from their sources, linted."""

from __future__ import annotations

from ndt_contract import load_contract
from ndt_contract.behaviours import (
    behaviours,
    problems,
    rules_level,
    weakest,
)
from ndt_contract.evidence import source_levels

DOCUMENT = {
    "x-evidence-sources": {
        "k": {"level": "known", "cites": "c", "says": "s"},
        "s": {"level": "standard", "cites": "c", "says": "s"},
    },
    "x-behaviours": {
        "known.rule": {"says": "a", "sources": ["k"]},
        "standard.rule": {"says": "b", "sources": ["s"]},
        "either.rule": {"says": "c", "sources": ["s", "k"], "gateway-statuses": [401]},
        "reading.rule": {"says": "d", "sources": [], "x-assumption": "ours"},
    },
}
RULES = behaviours(DOCUMENT)
LEVELS = source_levels(DOCUMENT)


def test_rules_are_read_with_their_sources_and_settings():
    assert RULES["either.rule"].sources == ("s", "k")
    assert RULES["either.rule"].settings == {"gateway-statuses": [401]}
    assert RULES["reading.rule"].sources == ()


def test_a_rule_holds_at_its_strongest_source_and_a_finding_at_its_weakest_rule():
    assert rules_level(RULES, ["either.rule"], LEVELS) == ("known", ("s", "k"))
    assert rules_level(RULES, ["known.rule", "standard.rule"], LEVELS)[0] == "standard"
    assert rules_level(RULES, ["known.rule", "reading.rule"], LEVELS)[0] == "decision"


def test_a_waived_source_counts_for_nothing():
    waived = {k: v for k, v in LEVELS.items() if k != "s"}
    assert rules_level(RULES, ["standard.rule"], waived) == ("decision", ())
    assert rules_level(RULES, ["either.rule"], waived)[0] == "known"


def test_a_rule_the_contract_does_not_state_rests_on_nothing():
    # A provider's own document carries none of our rules: every finding on them is drift.
    assert rules_level(RULES, ["no.such.rule"], LEVELS) == ("decision", ())
    assert rules_level(RULES, ["known.rule", "no.such.rule"], LEVELS) == ("decision", ("k",))


def test_weakest_of_nothing_is_a_decision():
    assert weakest([]) == "decision"
    assert weakest(["known", "standard"]) == "standard"


def test_lint_names_every_kind_of_bad_rule():
    document = {
        "x-evidence-sources": {"k": {"level": "known"}},
        "x-behaviours": {
            "a": {"says": "", "sources": ["k"]},
            "b": {"says": "x", "sources": "k"},
            "c": {"says": "x", "sources": ["nope"]},
            "d": {"says": "x", "sources": []},
            "e": "not a mapping",
        },
    }
    found = problems(document)
    assert found == [
        "#/x-behaviours/a: says what the rule is (says)",
        "#/x-behaviours/b: sources must be a list (empty for our reading)",
        "#/x-behaviours/c: source 'nope' is not in x-evidence-sources",
        "#/x-behaviours/d: a rule with no source is our reading: say so in x-assumption",
        "#/x-behaviours/e: must be a mapping with says and sources",
    ]
    assert problems({"x-behaviours": []}) == ["#/x-behaviours: must map rule names to rules"]


def test_the_contract_states_its_rules_cleanly():
    document = load_contract().document
    assert problems(document) == []
    rules = behaviours(document)
    assert "identity.token-customer" in rules and "self.same-customer" in rules
