"""Behaviour rules: what a target must do beyond the shape of one response, with their evidence.

The contract's root `x-behaviours` (spec/behaviours.yaml) names each rule, what it says and the
sources it rests on. A rule holds at the strongest level of its sources (any one of them backs
it); a finding that rests on several rules is as strong as the weakest of them. A check names
rules; it never states a level, so replacing spec/ or waiving a source moves verdicts without a
code change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ndt_contract.evidence import LEVELS, Level, level_of

BEHAVIOURS = "x-behaviours"


@dataclass(frozen=True)
class Rule:
    name: str
    says: str
    sources: tuple[str, ...]
    settings: Mapping[str, Any]  # the rule's other members (e.g. statuses a gateway answers)


def behaviours(document: Mapping[str, Any]) -> dict[str, Rule]:
    """Every behaviour rule the document states, by name."""
    found: dict[str, Rule] = {}
    for name, entry in (document.get(BEHAVIOURS) or {}).items():
        if not isinstance(entry, Mapping):
            continue
        sources = entry.get("sources") or ()
        found[str(name)] = Rule(
            str(name),
            str(entry.get("says", "")),
            tuple(str(s) for s in sources) if isinstance(sources, list) else (),
            {k: v for k, v in entry.items() if k not in ("says", "sources")},
        )
    return found


def weakest(levels: Iterable[Level]) -> Level:
    """The weakest of some levels (decision when there are none)."""
    found = set(levels)
    for level in reversed(LEVELS):
        if level in found:
            return level
    return "decision"


def rules_level(
    rules: Mapping[str, Rule], names: Iterable[str], levels: Mapping[str, Level]
) -> tuple[Level, tuple[str, ...]]:
    """The level a finding resting on `names` holds at, and the sources behind it.

    `levels` are the registered sources' levels with any waived source left out, so a waived
    standard counts for nothing here too. A rule the contract does not state (a provider's own
    document carries none of ours) rests on nothing: a decision."""
    chosen: list[Level] = []
    sources: list[str] = []
    for name in names:
        rule = rules.get(name)
        if rule is None:
            chosen.append("decision")
            continue
        chosen.append(level_of(rule.sources, levels))
        sources += [s for s in rule.sources if s in levels and s not in sources]
    return weakest(chosen), tuple(sources)


def problems(document: Mapping[str, Any]) -> list[str]:
    """What lint reports about the behaviour rules: unregistered sources, readings unmarked."""
    registered = set((document.get("x-evidence-sources") or {}).keys())
    found: list[str] = []
    section = document.get(BEHAVIOURS)
    if section is not None and not isinstance(section, Mapping):
        return [f"#/{BEHAVIOURS}: must map rule names to rules"]
    for name, entry in (section or {}).items():
        where = f"#/{BEHAVIOURS}/{name}"
        if not isinstance(entry, Mapping):
            found.append(f"{where}: must be a mapping with says and sources")
            continue
        if not str(entry.get("says", "")).strip():
            found.append(f"{where}: says what the rule is (says)")
        sources = entry.get("sources")
        if not isinstance(sources, list):
            found.append(f"{where}: sources must be a list (empty for our reading)")
            continue
        for source in sources:
            if source not in registered:
                found.append(f"{where}: source {source!r} is not in x-evidence-sources")
        if not sources and not str(entry.get("x-assumption", "")).strip():
            found.append(f"{where}: a rule with no source is our reading: say so in x-assumption")
    return found
