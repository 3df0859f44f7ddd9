"""Each exchange, after it passed: judged, counted, logged, recorded, in one thread.

The judge runs off the event loop, in one thread that owns the redactor and the checks'
context (neither is shared), so forwarding never waits for it unless a mode needs the verdict
before the answer (`--errors`, `--violations-header`). The queue is bounded: past it an
exchange is counted as not judged rather than letting memory grow. Identical exchanges
(same operation, status, headers the checks read and bodies) get the verdict already given.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TextIO

from conformance.redact import body_json
from validation_proxy.judging import Judge, Judged, Proxied, Route, describe
from validation_proxy.ledger import OFF_CONTRACT, Ledger
from validation_proxy.record import Recording

MAX_PENDING = 2_000
CACHE_SIZE = 4096
_VARYING = frozenset({"date", "traceid", "x-request-id", "request-id", "set-cookie"})
_REQUEST_KEYS = ("api-version", "client-session-id", "content-type")


@dataclass(frozen=True)
class Passed:
    """What forwarding hands over: the exchange, its route, and how it went."""

    route: Route | None
    exchange: Proxied
    elapsed_ms: float
    too_large: bool = False
    unreachable: str = ""  # why the upstream did not answer
    added: str | None = None  # the bearer the proxy added: a secret, shown as its variable


class Pipeline:
    def __init__(
        self,
        judge: Judge,
        ledger: Ledger,
        recording: Recording | None,
        log: TextIO | None,
        secret_env: str = "NDT_PROXY_UPSTREAM_TOKEN",
    ) -> None:
        self.secret_env = secret_env
        self.judge = judge
        self.ledger = ledger
        self.recording = recording
        self.log = log
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="judge")
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._cache: OrderedDict[bytes, Judged] = OrderedDict()

    # -- from the event loop --------------------------------------------------------------

    def submit(self, passed: Passed) -> None:
        """Judge later; the caller has already answered."""
        with self._pending_lock:
            if self._pending >= MAX_PENDING:
                self.ledger.skipped(passed.route.label if passed.route else None)
                return
            self._pending += 1
        future = self._executor.submit(self.process, passed)
        future.add_done_callback(self._done)

    async def judged(self, passed: Passed) -> Judged | None:
        """Judge now: the answer depends on the verdict."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self.process, passed
        )

    def _done(self, _future: object) -> None:
        with self._pending_lock:
            self._pending -= 1

    def close(self) -> None:
        """Wait for every exchange already passed (the reports need them all)."""
        self._executor.shutdown(wait=True)

    # -- in the judging thread ------------------------------------------------------------

    def process(self, passed: Passed) -> Judged | None:
        try:
            return self._process(passed)
        except Exception as exc:  # a judge bug must never stop the proxy: log it, count it
            self._write(f"- judging failed ({type(exc).__name__}); the exchange was passed on")
            self.ledger.record(
                passed.route.label if passed.route else None, passed.exchange.status, "error"
            )
            return None

    def _process(self, passed: Passed) -> Judged | None:
        route, seen = passed.route, passed.exchange
        if passed.added:
            self.judge.learn_secret(passed.added, self.secret_env)
        if passed.unreachable:
            self.ledger.record(route.label if route else None, None, "unreachable")
            self._line(passed, "upstream unreachable", passed.unreachable)
            return None
        if route is None:
            self.ledger.record(None, seen.status, "off-contract")
            self._line(passed, "not in the contract")
            return None
        if passed.too_large:
            self.ledger.record(route.label, seen.status, "too large")
            self._line(passed, "too large to judge")
            return None
        judged = replace(self._judge(route, seen), shown=[])  # the cached one stays as it was
        findings = self.judge.findings(route, seen, judged)
        judged.shown = [
            {"evidence": v.evidence, "where": v.where, "rule": v.rule, "message": v.message}
            for f in findings
            if f.evidence != "decision"
            for v in f.violations
        ]
        for finding in findings:
            if self.ledger.is_new(finding):
                finding.reproduction = self.judge.reproduction(seen)
        self.ledger.record(
            route.label,
            seen.status,
            judged.verdict,
            findings,
            checks=self.judge.applied,
            request_rejected=judged.request_rejected,
        )
        if self.recording is not None and seen.status == 200:
            self.recording.observe(
                route.operation.operation_id,
                seen.status,
                body_json(seen.body),
                seen.request_headers,
                "nocustomerdetails" in seen.headers,
            )
        rules = describe([j for _, j in judged.judgements])
        detail = (
            rules[0] + (f" (+{len(rules) - 1} more)" if len(rules) > 1 else "") if rules else ""
        )
        self._line(passed, judged.verdict.upper() if judged.failures else judged.verdict, detail)
        return judged

    def _judge(self, route: Route, seen: Proxied) -> Judged:
        key = _cache_key(route, seen)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        judged = self.judge.judge(route, seen)
        self._cache[key] = judged
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return judged

    def _line(self, passed: Passed, verdict: str, detail: str = "") -> None:
        """One access-log line: the contract's path template (never the path, which may hold
        an id), the status, the time, the verdict and the first rule broken."""
        route = passed.route
        where = route.operation.path if route else OFF_CONTRACT
        status = passed.exchange.status if not passed.unreachable else "-"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        text = (
            f"{stamp} {passed.exchange.method} {where} {status} {passed.elapsed_ms:.1f}ms {verdict}"
        )
        if detail:
            text += f" {detail}"
        self._write(self.judge.text(text))

    def _write(self, line: str) -> None:
        if self.log is not None:
            self.log.write(line + "\n")
            self.log.flush()


def _cache_key(route: Route, seen: Proxied) -> bytes:
    digest = hashlib.blake2b(digest_size=20)
    bearer = seen.request_headers.get("authorization", "").lower().startswith("bearer ")
    head = [route.label, str(seen.status), str(bearer)]
    head += [f"{k}={v}" for k, v in sorted(seen.headers.items()) if k not in _VARYING]
    head += [f"{k}={seen.request_headers.get(k, '')}" for k in _REQUEST_KEYS]
    head += [f"{k}={v}" for k, v in sorted(seen.query.items())]
    head += [f"{k}={v}" for k, v in sorted(route.path_parameters.items())]
    digest.update("\n".join(head).encode("utf-8", "surrogateescape"))
    digest.update(b"\0" + seen.request_body + b"\0" + seen.body)
    return digest.digest()
