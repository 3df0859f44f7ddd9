"""The rules `ndt-customer diff` classifies changes by, and the evidence level of a spec rule.

NewDay's versioning standard: **breaking** (major) is a removed operation, status, response field
or enum value in a response; a new required request field or parameter; a narrowed type, pattern
or bound on a request; a changed media type. **Minor** is an addition. **Patch** is descriptions
and examples. Rules marked `basis="decision"` are our reading where the standard is silent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ndt_contract.evidence import Level, Node, claims, level_of

Severity = Literal["breaking", "minor", "patch"]
SEVERITY_ORDER: dict[str, int] = {"breaking": 0, "minor": 1, "patch": 2}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    basis: Literal["standard", "decision"]  # NewDay's standard names it, or it is our reading
    summary: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("operation-removed", "breaking", "standard", "an operation was removed"),
        Rule("status-removed", "breaking", "standard", "a response status is no longer documented"),
        Rule("response-field-removed", "breaking", "standard", "a response field was removed"),
        Rule(
            "response-field-optional",
            "breaking",
            "decision",
            "a response field is no longer required: consumers may stop receiving it",
        ),
        Rule(
            "response-enum-value-removed",
            "breaking",
            "standard",
            "an enum value was removed from a response",
        ),
        Rule("response-type-changed", "breaking", "decision", "a response value changed type"),
        Rule("response-header-removed", "breaking", "decision", "a response header is not sent"),
        Rule(
            "request-field-required",
            "breaking",
            "standard",
            "a new required request field, or a request field became required",
        ),
        Rule(
            "parameter-required",
            "breaking",
            "standard",
            "a new required parameter, or a parameter became required (the body included)",
        ),
        Rule(
            "request-narrowed",
            "breaking",
            "standard",
            "a request type, pattern, format, enum, bound or closed object was narrowed",
        ),
        Rule(
            "media-type-changed",
            "breaking",
            "standard",
            "a request or response media type was removed or replaced",
        ),
        Rule(
            "security-narrowed",
            "breaking",
            "decision",
            "an operation lost a way in (anonymous access or a security scheme)",
        ),
        Rule("operation-added", "minor", "standard", "an operation was added"),
        Rule("status-added", "minor", "standard", "a response status was added"),
        Rule("response-field-added", "minor", "standard", "a response field or header was added"),
        Rule("response-enum-value-added", "minor", "standard", "a response may carry a new value"),
        Rule("request-field-added", "minor", "standard", "an optional request field was added"),
        Rule("parameter-added", "minor", "standard", "an optional parameter was added"),
        Rule("media-type-added", "minor", "standard", "a media type was added"),
        Rule("security-widened", "minor", "standard", "an operation gained a way in"),
        Rule(
            "request-widened",
            "minor",
            "decision",
            "a request accepts more than before (a bound, pattern, enum or requirement relaxed)",
        ),
        Rule(
            "request-element-removed",
            "minor",
            "decision",
            "a request parameter, field or body is no longer documented (senders are not refused)",
        ),
        Rule(
            "response-constraint-changed",
            "minor",
            "decision",
            "a response bound, pattern, format or nullability changed without removing anything",
        ),
        Rule("changed", "minor", "decision", "any other change of meaning"),
        Rule("documentation", "patch", "standard", "a description, summary or title changed"),
        Rule(
            "path-parameter-renamed",
            "patch",
            "decision",
            "a path parameter was renamed: every URL is the same",
        ),
        Rule("example", "patch", "standard", "an example changed"),
        Rule("annotation", "patch", "decision", "an x- annotation (evidence, assumption) changed"),
    )
}


@dataclass(frozen=True, order=True)
class Change:
    """One change: where it is, which rule classifies it, and the evidence of the spec rule."""

    pointer: str
    rule: str
    message: str
    evidence: Level  # of the spec rule the change touches
    claim: str = ""  # the x-evidence rule name the level was read from

    @property
    def severity(self) -> Severity:
        return RULES[self.rule].severity


def rule_level(node: Any, rule: str, levels: Mapping[str, Level]) -> Level:
    """The evidence level of `rule` at `node`: the strongest level among the sources its
    `x-evidence` claims (`levels` is `evidence.source_levels(document)`), else "decision"."""
    if not isinstance(node, Mapping):
        return "decision"
    claimed = claims(Node("", "schema", dict(node)))  # the node's kind does not change its claims
    return level_of(claimed.get(rule, ()), levels)
