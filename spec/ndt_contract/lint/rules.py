"""Lint the contract: small rules, each yielding problems as (file, JSON pointer, message).

Syntax and references are checked file by file before prance runs, so a broken spec is reported
at its source, with a line number, instead of as a resolver traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ndt_contract import openapi_check
from ndt_contract.behaviours import problems as behaviour_problems
from ndt_contract.bundle import BundleError, bundle, escape, load_yaml, pointer_get
from ndt_contract.evidence import (
    CLAIM_LEVELS,
    EVIDENCE,
    SOURCES,
    claims,
    count_levels,
    iter_nodes,
    rules_at,
    source_levels,
)
from ndt_contract.loader import ContractError, iter_operations, resolve


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer}: {self.message}"


def _load_files(spec_file: Path) -> tuple[dict[Path, Any], list[Problem]]:
    """The root file and every file its `$ref`s reach, transitively; nothing else.

    Following the reference graph (instead of globbing the folder) keeps a virtualenv, a
    scratch copy or any other stray YAML beside the spec out of the report.
    """
    root = spec_file.parent
    loaded: dict[Path, Any] = {}
    problems: list[Problem] = []
    pending = [spec_file]
    seen = {spec_file}
    while pending:
        path = pending.pop()
        try:
            loaded[path] = load_yaml(path.read_text(encoding="utf-8"))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
            problems.append(
                Problem(_rel(path, root), "", f"YAML syntax error at {where}: {exc.problem}")
            )
            continue
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append(Problem(_rel(path, root), "", f"cannot read: {exc}"))
            continue
        for _, ref in _walk_refs(loaded[path]):
            target_file = ref.partition("#")[0]
            if not target_file or "://" in target_file:
                continue
            target = (path.parent / target_file).resolve()
            if target not in seen and target.is_file():  # a missing file is check_refs' to report
                seen.add(target)
                pending.append(target)
    return dict(sorted(loaded.items())), problems


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _walk_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer, ref
        for key, value in node.items():
            yield from _walk_refs(value, f"{pointer}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_refs(value, f"{pointer}/{index}")


def check_refs(loaded: Mapping[Path, Any], root: Path) -> Iterator[Problem]:
    """Every $ref names a file that exists and a pointer inside it."""
    for path, data in loaded.items():
        for pointer, ref in _walk_refs(data):
            target_file, _, target_pointer = ref.partition("#")
            target = (path.parent / target_file).resolve() if target_file else path
            if target_file and not target.is_file():
                yield Problem(_rel(path, root), pointer, f"$ref {ref!r}: no file {target_file!r}")
                continue
            target_data = loaded.get(target)
            if target_data is None and target_file:
                continue  # the target failed to parse and is reported on its own
            try:
                pointer_get(target_data, target_pointer)
            except KeyError:
                yield Problem(
                    _rel(path, root), pointer, f"$ref {ref!r}: nothing at #{target_pointer}"
                )


def check_openapi(document: Mapping[str, Any], source: str) -> Iterator[Problem]:
    """Every error of the one OpenAPI 3.0 check the mock also runs at start."""
    for pointer, message in openapi_check.iter_errors(document):
        yield Problem(source, pointer, f"OpenAPI 3.0: {message}")


def check_operations(
    document: Mapping[str, Any], source: Callable[[str], str]
) -> Iterator[Problem]:
    """Every operation has an operationId, a description, a 400 and examples."""
    for op in iter_operations(document):
        pointer = f"/paths/{escape(op.path)}/{op.method}"
        file = source(op.path)
        label = op.operation_id or f"{op.method.upper()} {op.path}"
        if not op.operation_id:
            yield Problem(file, pointer, f"{label}: no operationId")
        if not op.definition.get("description"):
            yield Problem(file, pointer, f"{label}: no description")
        if "400" not in op.definition.get("responses", {}):
            yield Problem(file, f"{pointer}/responses", f"{label}: no 400 response")
        body = op.definition.get("requestBody", {}).get("content", {})
        for media_type, media in body.items():
            if not media.get("examples") and "example" not in media:
                yield Problem(
                    file,
                    f"{pointer}/requestBody/content/{escape(media_type)}",
                    f"{label}: request body has no example",
                )
        for status, response in op.definition.get("responses", {}).items():
            for media_type, media in response.get("content", {}).items():
                if not media.get("examples") and "example" not in media:
                    yield Problem(
                        file,
                        f"{pointer}/responses/{status}/content/{escape(media_type)}",
                        f"{label}: {status} response has no example",
                    )


def _examples(node: Any, pointer: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(pointer, schema, example) for every example that sits beside a schema."""
    if isinstance(node, dict):
        schema = node.get("schema")
        if isinstance(schema, dict):
            if "example" in node:
                yield f"{pointer}/example", schema, node["example"]
            for name, example in (node.get("examples") or {}).items():
                if isinstance(example, dict) and "value" in example:
                    yield f"{pointer}/examples/{escape(name)}/value", schema, example["value"]
        if "example" in node and ("type" in node or "allOf" in node) and "schema" not in node:
            yield f"{pointer}/example", node, node["example"]
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from _examples(value, f"{pointer}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, f"{pointer}/{index}")


def check_examples(document: Mapping[str, Any], source: Callable[[str], str]) -> Iterator[Problem]:
    """Every example validates against the schema beside it (OpenAPI 3.0 dialect, formats on)."""
    from openapi_schema_validator import OAS30Validator, oas30_format_checker

    for pointer, schema, example in _examples(dict(document)):
        validator = OAS30Validator(schema, format_checker=oas30_format_checker)
        for error in sorted(validator.iter_errors(example), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            yield Problem(
                source(_path_of(pointer)), pointer, f"example invalid at {where}: {error.message}"
            )


def _path_of(pointer: str) -> str:
    parts = pointer.split("/")
    if len(parts) > 2 and parts[1] == "paths":
        return parts[2].replace("~1", "/").replace("~0", "~")
    return ""


def check_evidence(
    document: Mapping[str, Any], locate: Callable[[str], tuple[str, str]]
) -> Iterator[Problem]:
    """Every claim points at a rule its node states and names a registered source; every
    source says what it is, where it comes from and how strong it is."""

    def problem(pointer: str, message: str) -> Problem:
        return Problem(*locate(pointer), message)

    registry = document.get(SOURCES)
    if not isinstance(registry, dict):
        yield problem(f"/{SOURCES}", "no registry of evidence sources")
        registry = {}
    for name, entry in registry.items():
        pointer = f"/{SOURCES}/{escape(str(name))}"
        if not isinstance(entry, dict):
            yield problem(pointer, "a source must be a mapping")
            continue
        if entry.get("level") not in CLAIM_LEVELS:
            yield problem(pointer, f"level {entry.get('level')!r} is not known or standard")
        for key in ("cites", "says"):
            if not str(entry.get(key) or "").strip():
                yield problem(pointer, f"source {name!r} has no `{key}`")
        yield from (problem(pointer, message) for message in _source_words(str(name), entry))
    levels = source_levels(document)
    for node in iter_nodes(document):
        raw = node.value.get(EVIDENCE)
        if raw is None:
            continue
        where = f"{node.pointer}/{EVIDENCE}"
        if not isinstance(raw, dict):
            yield problem(where, "x-evidence must map rules to sources")
            continue
        stated = set(rules_at(node))
        claimed = claims(node)
        for rule, ids in claimed.items():
            if rule not in stated:
                yield problem(where, f"claims {rule!r}, which this {node.kind} does not state")
            for source_id in ids:
                if source_id not in registry:
                    yield problem(where, f"{rule!r} cites unknown source {source_id!r}")
            name = rule.removeprefix("required/")
            if (
                rule.startswith("required/")
                and any(levels.get(i) for i in ids)
                and not any(levels.get(i) for i in claimed.get(f"properties/{name}", ()))
            ):
                yield problem(
                    where,
                    f"{rule!r} is claimed but `properties/{name}` is not: the enforced "
                    "profile would demand a field it does not describe",
                )


def _source_words(name: str, entry: Mapping[str, Any]) -> Iterator[str]:
    """A standard quotes the words of its file; a source that says whether it fails a run
    says why. (A known source quotes where the provider has words: the target's own answers
    have none.)"""
    quote = entry.get("quote")
    quotes = quote if isinstance(quote, list) else [quote]
    words = bool(quotes) and all(isinstance(q, str) and q.strip() for q in quotes)
    if entry.get("level") == "standard" and not words:
        yield f"source {name!r} has no `quote` (the words it rests on, verbatim)"
    if "fails-by-default" in entry:
        if not isinstance(entry["fails-by-default"], bool):
            yield f"source {name!r}: `fails-by-default` is true or false"
        if not str(entry.get("why") or "").strip():
            yield f"source {name!r} says whether it fails a run by default, but not `why`"


def lint(spec_file: Path) -> list[Problem]:
    """All problems of the spec rooted at `spec_file`; empty when it is clean."""
    spec_file = spec_file.resolve()
    root = spec_file.parent
    if not spec_file.is_file():
        return [Problem(str(spec_file), "", "no such file")]
    loaded, problems = _load_files(spec_file)
    problems += check_refs(loaded, root)
    if problems:
        return sorted(problems)  # resolving would only restate these
    try:
        document = resolve(spec_file)
    except ContractError as exc:
        return [Problem(_rel(spec_file, root), "", f"cannot resolve: {exc}")]

    raw_paths = (loaded.get(spec_file) or {}).get("paths", {}) or {}

    def source(api_path: str) -> str:
        ref = (raw_paths.get(api_path) or {}).get("$ref", "") if api_path else ""
        file = (root / ref.partition("#")[0]).resolve() if ref else spec_file
        return _rel(file, root)

    problems += check_openapi(document, _rel(spec_file, root))
    problems += check_operations(document, source)
    problems += check_examples(document, source)
    try:
        bundled = bundle(spec_file)
    except BundleError as exc:
        return sorted({*problems, Problem(_rel(spec_file, root), "", f"cannot bundle: {exc}")})
    problems += check_evidence(bundled.document, _locator(bundled.origins, source, root))
    problems += [
        Problem(_rel(spec_file, root), where, message)
        for where, _, message in (p.partition(": ") for p in behaviour_problems(bundled.document))
    ]
    return sorted(set(problems))


def _locator(
    origins: Mapping[str, str], source: Callable[[str], str], root: Path
) -> Callable[[str], tuple[str, str]]:
    """(file, pointer in that file) for a bundle pointer: a named component's own file, or
    the path's file with the document pointer, as the other rules report."""

    def locate(pointer: str) -> tuple[str, str]:
        parts = pointer.split("/")
        if len(parts) > 3 and parts[1] == "components":
            found = origins.get("#" + "/".join(parts[:4]))
            if found:
                file, _, inner = found.partition("#")
                rest = "/".join(parts[4:])
                return str(Path(root.name) / file), inner + (f"/{rest}" if rest else "")
        return source(_path_of(pointer)), pointer

    return locate


def evidence_summary(document: Mapping[str, Any]) -> str:
    counts = count_levels(document)
    total = sum(counts.values())
    return (
        f"{total} constraints: {counts['known']} known, {counts['standard']} standard, "
        f"{counts['decision']} decision"
    )


def run(spec_file: Path) -> int:
    if not spec_file.is_file():  # a --spec that is not there is a usage error, not a problem
        print(f"ndt-customer lint: {spec_file}: no such file", file=sys.stderr)
        return 2
    problems = lint(spec_file)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {spec_file}")
        return 1
    print(evidence_summary(bundle(spec_file).document))
    print(f"{spec_file}: clean")
    return 0
