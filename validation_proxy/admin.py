"""`/__proxy/*`: what the proxy has seen so far, live, for a developer with a browser open.

`GET /__proxy/findings` is the ledger as JSON, `GET /__proxy/drift` the drift as a proposed
JSON Patch, `GET /__proxy/` a small HTML page that refreshes itself. Everything shown is
already redacted. On loopback these answer anyone on the machine (as the mock's admin does);
a proxy bound elsewhere must have `--proxy-token`, and then every route here asks for it.
"""

from __future__ import annotations

import hmac
import html
import json

from starlette.types import Receive, Scope, Send

from validation_proxy.forward import PROBLEM_JSON, problem, send_bytes
from validation_proxy.ledger import Ledger
from validation_proxy.settings import is_loopback_host

PREFIX = "/__proxy"
REFRESH_SECONDS = 5


class Admin:
    def __init__(self, ledger: Ledger, token: str | None) -> None:
        self.ledger = ledger
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = self._refusal(scope)
        if refused is not None:
            await send_bytes(send, *refused, PROBLEM_JSON)
            return
        path = scope["path"].rstrip("/") or "/"
        if scope["method"] not in ("GET", "HEAD"):
            await send_bytes(
                send,
                *problem(405, "method", "Method not allowed", f"{PREFIX}/* is read-only (GET)"),
                PROBLEM_JSON,
                [(b"allow", b"GET, HEAD")],
            )
        elif path == PREFIX:
            await send_bytes(send, 200, self.page().encode(), "text/html; charset=utf-8")
        elif path == f"{PREFIX}/findings":
            await send_bytes(send, 200, _json(self.ledger.snapshot()), "application/json")
        elif path == f"{PREFIX}/drift":
            await send_bytes(
                send, 200, _json(self.ledger.drift_report().patch()), "application/json"
            )
        else:
            await send_bytes(
                send,
                *problem(
                    404,
                    "missing",
                    "No such proxy route",
                    f"routes: {PREFIX}/, {PREFIX}/findings, {PREFIX}/drift",
                ),
                PROBLEM_JSON,
            )

    def _refusal(self, scope: Scope) -> tuple[int, bytes] | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.token is not None:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                return problem(
                    401,
                    "unauthorized",
                    "Proxy token required",
                    f"{PREFIX}/* needs Authorization: Bearer <the --proxy-token value>",
                )
            return None
        host = (
            headers.get("host", "").rsplit(":", 1)[0]
            if "]" not in headers.get("host", "")
            else headers["host"].split("]")[0] + "]"
        )
        if not is_loopback_host(host):
            return problem(
                403, "forbidden", "Loopback only", f"{PREFIX}/* answers on loopback only"
            )
        return None

    def page(self) -> str:
        snap = self.ledger.snapshot()
        rows = []
        for kind in ("failures", "drift"):
            for f in snap[kind]:
                rows.append(
                    "<tr class='{cls}'><td>{ev}</td><td>{title}</td><td>{ops}</td><td>{count}</td>"
                    "<td><code>{where}</code><br>{message}</td></tr>".format(
                        cls="fail" if kind == "failures" else "drift",
                        ev=html.escape(f["evidence"]),
                        title=html.escape(f["title"]),
                        ops=html.escape(", ".join(f["operations"])),
                        count=f["count"],
                        where=html.escape(f["rule"]),
                        message=html.escape(f["message"]),
                    )
                )
        table = (
            "<table><tr><th>evidence</th><th>finding</th><th>operations</th><th>seen</th>"
            "<th>rule</th></tr>" + "".join(rows) + "</table>"
            if rows
            else "<p>No findings yet.</p>"
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in snap["notes"])
        return (
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<meta http-equiv='refresh' content='{REFRESH_SECONDS}'>"
            "<title>ndt-customer proxy</title><style>body{font:14px sans-serif;margin:1.5em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
            "vertical-align:top;text-align:left}.fail td:first-child{color:#b00}"
            ".drift td:first-child{color:#a60}</style></head><body>"
            f"<h1>Proxy to {html.escape(snap['upstream'])}</h1>"
            f"<p><strong>{html.escape(snap['verdict'])}</strong> &middot; since {snap['since']}"
            f" &middot; <a href='{PREFIX}/findings'>JSON</a> &middot; "
            f"<a href='{PREFIX}/drift'>drift patch</a></p><ul>{notes}</ul>{table}</body></html>"
        )


def _json(data: object) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode()
