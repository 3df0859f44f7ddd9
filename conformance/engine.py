"""The schemathesis side of a run: phases, configuration, auth, and the event stream each
scenario's cases are counted from and its failed checks turned into findings."""

from __future__ import annotations

import ast
import contextlib
import copy
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ndt_contract import Contract

from conformance.checks import REGISTRY
from conformance.exchange import exchange_from
from conformance.options import ALL_PHASES, ConformOptions, UsageError
from conformance.recorder import Recorder
from conformance.testdata import TestData, apply_to_spec
from conformance.transport import Gate

if TYPE_CHECKING:  # annotations only; schemathesis is imported in the functions that run it
    from schemathesis.schemas import BaseSchema

# Phase names a person understands, for progress lines and reports.
PHASE_TITLES = {
    "probing": "Probing the API",
    "schema_analysis": "Reading the contract",
    "auth_bootstrap": "Checking authentication",
    "examples": "Documented examples",
    "coverage": "Boundary and invalid values",
    "fuzzing": "Random valid requests",
    "stateful": "Linked calls (search, then fetch)",
    "status-coverage": "Forcing documented statuses (mock only)",
}


@dataclass(frozen=True)
class Progress:
    """One step of a run, for a progress bar: `done` of `total` scenarios in `phase`."""

    phase: str
    done: int
    total: int
    operation: str = ""
    failed: bool = False
    message: str = ""


ProgressCallback = Callable[[Progress], None]


# -- Python 3.11.0-3.11.7: ast.parse is not thread-safe ----------------------------------------
# CPython keeps the AST constructor's recursion counter in interpreter-global state until 3.11.8
# (python/cpython#106905, fixed by #113035): when the garbage collector switches threads in the
# middle of `ast.parse`, another thread's parse ends with "SystemError: AST constructor
# recursion depth mismatch". Hypothesis parses source files (lambda descriptions, local
# constants) from every schemathesis worker thread, so `--workers 2` died on it. One lock
# around ast.parse serialises those parses, for the length of a run, on affected versions only.
_AST_LOCK = threading.RLock()
_AST_AFFECTED = (3, 11) <= sys.version_info[:3] < (3, 11, 8) or (3, 12, 0) <= sys.version_info[
    :3
] < (3, 12, 2)


# The runs inside `ast_lock` right now, and the `ast.parse` they found (guarded by _AST_LOCK).
_ast_lock_state: dict[str, Any] = {"users": 0, "original": None}


@contextlib.contextmanager
def ast_lock(affected: bool = _AST_AFFECTED) -> Iterator[None]:
    """Inside: `ast.parse` takes `_AST_LOCK` (on affected versions only). The process's own
    `ast.parse` is put back when the last run inside leaves, so a pytest suite or a program
    that embeds a run keeps its own after it."""
    if not affected:
        yield
        return
    state = _ast_lock_state
    with _AST_LOCK:
        if state["users"] == 0:
            original = state["original"] = ast.parse

            def locked_parse(*args: Any, **kwargs: Any) -> Any:
                with _AST_LOCK:
                    return original(*args, **kwargs)

            ast.parse = locked_parse
        state["users"] += 1
    try:
        yield
    finally:
        with _AST_LOCK:
            state["users"] -= 1
            if state["users"] == 0:
                ast.parse = state["original"]
                state["original"] = None


def cache_directory() -> Path:
    """Where hypothesis keeps its tables between runs: the user's cache, never the cwd."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ndt-customer" / "hypothesis"


@contextlib.contextmanager
def hypothesis_storage(options: ConformOptions) -> Iterator[None]:
    """Hypothesis writes its caches (Unicode tables, constants) to `.hypothesis/` in the working
    directory. Point it at the user's cache directory for the run (or at the database the
    caller asked for); the example database itself stays off unless asked."""
    previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    target = options.hypothesis_database or cache_directory()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        target = Path(tempfile.mkdtemp(prefix="ndt-conform-"))
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(target)
    try:
        _warm_hypothesis()
        yield
    finally:
        if previous is None:
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        else:
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous


def _warm_hypothesis() -> None:
    """Build hypothesis' Unicode tables once, before any worker starts. Their first use is
    cached without a lock, so two workers would each walk all 1.1 million code points at
    once (measured: --workers 2 took three times as long as one worker until this)."""
    from hypothesis.internal.charmap import charmap, intervals_from_codec

    charmap()
    intervals_from_codec("utf-8")


# -- schemathesis configuration -------------------------------------------------------------


def _linked_operations(contract: Contract) -> dict[str, set[str]]:
    """operationId -> operationIds its responses link to (OpenAPI links)."""
    links: dict[str, set[str]] = {}
    for op in contract.operations.values():
        for response in (op.definition.get("responses") or {}).values():
            for link in ((response or {}).get("links") or {}).values():
                target = (link or {}).get("operationId")
                if target:
                    links.setdefault(op.operation_id, set()).add(target)
    return links


def plan_phases(options: ConformOptions, contract: Contract) -> tuple[tuple[str, ...], list[str]]:
    """The phases to run and notes: stateful needs a link between two selected operations."""
    notes: list[str] = []
    phases = options.phases
    if "stateful" in phases and options.operations:
        chosen = set(options.operations)
        links = _linked_operations(contract)
        if not any(chosen & targets for source, targets in links.items() if source in chosen):
            phases = tuple(p for p in phases if p != "stateful")
            notes.append(
                "linked calls skipped: no link joins the selected operations "
                f"({', '.join(sorted(chosen))}); select both ends of a link to test it"
            )
    return phases, notes


# Phases whose generation shares caches between schemathesis' worker threads: with two
# workers the coverage phase hung in about half the runs here (one thread looping in a
# filtered regex draw), so these run on one worker and the rest on --workers.
SINGLE_WORKER_PHASES = ("examples", "coverage")


def engine_passes(phases: tuple[str, ...], workers: int) -> list[tuple[tuple[str, ...], int]]:
    """The engine runs to make: all phases at once, or with several workers the
    single-worker phases first, then the others in parallel."""
    if workers <= 1:
        return [(phases, 1)]
    first = tuple(p for p in phases if p in SINGLE_WORKER_PHASES)
    rest = tuple(p for p in phases if p not in SINGLE_WORKER_PHASES)
    return [(group, n) for group, n in ((first, 1), (rest, workers)) if group]


def build_schema(
    contract: Contract,
    options: ConformOptions,
    data: TestData,
    phases: tuple[str, ...],
    seed: int,
    token: Callable[[], str] | None,
    on_refused: Callable[[], None] | None,
    *,
    gate: Gate | None = None,
) -> BaseSchema:
    """The schemathesis schema of one pass; with a `gate`, every request it sends (each
    phase, the oracles' follow-ups, status coverage) leaves through that gate."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    config = SchemathesisConfig()
    config.update(seed=seed, max_failures=None)
    project = config.projects.override
    headers = dict(options.headers)
    if data.token and token is None:
        headers["Authorization"] = f"Bearer {data.token}"
    project.update(
        base_url=options.base_url,
        headers=headers,
        workers=options.workers,
        rate_limit=options.rate_limit,
        request_timeout=options.request_timeout,
        tls_verify=str(options.ca_bundle)
        if options.ca_bundle and options.tls_verify
        else options.tls_verify,
        request_cert=str(options.cert) if options.cert else None,
        request_cert_key=str(options.key) if options.key else None,
    )
    project.phases.update(phases=list(phases))
    project.checks.update(
        included_check_names=list(options.include_checks) or ["all"],
        excluded_check_names=list(options.exclude_checks) or None,
        max_response_time=options.max_response_time,
    )
    project.generation.update(
        max_examples=options.max_examples,
        deterministic=False,
        database=str(options.hypothesis_database) if options.hypothesis_database else "none",
    )
    spec = apply_to_spec(contract.to_dict(), data)
    schema: BaseSchema = schemathesis.openapi.from_dict(spec, config=config)
    if gate is not None:
        send_through(schema, gate)
    if options.operations:
        schema = schema.include(operation_id=list(options.operations))
    if token is not None:
        register_token_auth(schema, token, on_refused)
    return schema


def send_through(schema: Any, gate: Gate) -> None:
    """Make `gate` the way `schema` sends: schemathesis asks `schema.transport` for every
    call, so the schema (and its clones) get a transport that mounts the gate on whatever
    session a call uses, or on a fresh one when a call brings none."""
    from schemathesis.transport.requests import REQUESTS_TRANSPORT, RequestsTransport

    class GatedTransport(RequestsTransport):
        def send(self, case: Any, *, session: Any = None, **kwargs: Any) -> Any:
            if session is not None:
                return super().send(case, session=gate.mount(session), **kwargs)
            fresh = gate.requests_session()
            fresh.headers = {}  # as a call without a session sends: no library defaults
            try:
                return super().send(case, session=fresh, **kwargs)
            finally:
                fresh.close()

    transport = copy.copy(REQUESTS_TRANSPORT)  # its serializers (JSON, forms...) included
    transport.__class__ = GatedTransport
    cls = type(schema)
    schema.__class__ = type(
        f"Gated{cls.__name__}", (cls,), {"transport": property(lambda _self: transport)}
    )


def register_token_auth(
    schema: Any, token: Callable[[], str], on_refused: Callable[[], None] | None
) -> None:
    """A bearer from `token()` on every request; on a 401 schemathesis invalidates the cache,
    we tell the token source, and the request is replayed once with a fresh token."""
    from schemathesis.auths import CachingAuthProvider

    class BearerFromSource:
        def get(self, case: Any, ctx: Any) -> str:
            return token()

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = dict(case.headers or {})
            case.headers["Authorization"] = f"Bearer {data}"

    class RefreshOnRefusal(CachingAuthProvider[str]):
        def invalidate(self) -> None:
            super().invalidate()
            if on_refused is not None:
                on_refused()

    schema.auth.providers.append(
        RefreshOnRefusal(BearerFromSource(), refresh_interval=1, retry_on=[401])
    )


def active_checks(options: ConformOptions) -> list[str]:
    """The checks this run applies, named as schemathesis' registry names them at run time;
    an unknown name in --include-checks or --exclude-checks is a usage error. Schemathesis
    registers its OpenAPI checks on first use: loaded here, a fresh process knows them too."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    known = set(CHECKS.get_all_names()) | set(REGISTRY)
    unknown = (
        (set(options.include_checks) | set(options.exclude_checks))
        - known
        - {
            "all",
            "max_response_time",
        }
    )
    if unknown:
        raise UsageError(
            f"unknown check {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        )
    chosen = set(options.include_checks) - {"all"} or known
    if options.max_response_time is not None:
        chosen.add("max_response_time")
    return sorted(chosen - set(options.exclude_checks))


def run_engine(
    schema: Any,
    options: ConformOptions,
    recorder: Recorder,
    on_progress: ProgressCallback | None,
    samples: dict[str, Any],
    deadline: float | None,
) -> None:
    """One engine pass: each finished scenario's exchanges go to the recorder; `samples`
    keeps, per operation, one case the target answered with a 2xx."""
    from schemathesis.engine import events, from_schema

    result = recorder.result
    per_phase = len(result.operations)
    total = per_phase * len([p for p in result.phases if p != "stateful"]) + (
        1 if "stateful" in result.phases else 0
    )
    done = 0
    cut = 0
    stream = from_schema(schema).execute()
    for event in stream:
        if deadline is not None and time.monotonic() > deadline and not result.stopped_early:
            recorder.stopped(f"--max-time {options.max_time:g} s reached")
            stream.stop()
        if isinstance(event, events.ScenarioFinished):
            phase = str(event.phase.value)
            failed = collect_scenario(event.recorder, phase, recorder, samples)
            if not event.is_final:
                done += 1
            if on_progress:
                on_progress(
                    Progress(
                        PHASE_TITLES.get(phase, phase),
                        min(done, total),
                        total,
                        event.recorder.label,
                        failed,
                    )
                )
        elif isinstance(event, events.NonFatalError):
            if deadline is not None and time.monotonic() > deadline:
                cut += 1  # a request the deadline cut: the verdict says what was not run
                continue
            recorder.error(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            recorder.error(str(event.exception), fatal=True)
        elif isinstance(event, events.PhaseStarted) and on_progress:
            name = str(event.phase.name.value)
            if name in ALL_PHASES and name not in result.phases:
                continue  # schemathesis announces the phases it skips too
            on_progress(Progress(PHASE_TITLES.get(name, name), done, total, message="started"))
        elif isinstance(event, events.PhaseFinished):
            name = str(event.phase.name.value)
            if name in result.phases and str(event.status.value) not in ("skip", "interrupted"):
                recorder.phase_done(name)
    if cut:
        recorder.note(f"{cut} request(s) in flight when --max-time came were cut, not failed")


def collect_scenario(
    scenario: Any, phase: str, recorder: Recorder, samples: dict[str, Any] | None = None
) -> bool:
    """Every case of one scenario to the recorder, with the checks run on its answer."""
    failed = False
    for case_id, node in scenario.cases.items():
        case = node.value
        label = case.operation.label
        recorder.case(label)
        interaction = scenario.interactions.get(case_id)
        response = getattr(interaction, "response", None)
        checks = [
            (check.name, None if check.failure_info is None else check.failure_info.failure)
            for check in scenario.checks.get(case_id, [])
        ]
        if response is None:
            for name, failure in checks:
                if failure is not None:
                    failed |= recorder.failure(name, failure, None, phase, label=label)
            continue
        exchange = exchange_from(response, case)
        if samples is not None and 200 <= exchange.status < 300:
            samples.setdefault(label, case)
        failed |= recorder.exchange(exchange, checks, phase, label=label)
    return failed
