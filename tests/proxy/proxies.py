"""A live validation proxy, started as users start it (the CLI), in front of a live upstream."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class LiveProxy:
    url: str
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)  # stdout and stderr, merged
    drain: threading.Thread | None = None

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15, **kwargs)

    def findings(self, **kwargs) -> dict:
        """The live findings, once the judging thread has caught up with `exchanges`."""
        return httpx.get(f"{self.url}/__proxy/findings", timeout=10, **kwargs).json()

    def wait_exchanges(self, count: int, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            snap = self.findings()
            if snap["exchanges"] >= count or time.monotonic() > deadline:
                return snap
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str]:
        """Stop it as a CI job or Ctrl-C does; its exit code and everything it printed."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        time.sleep(0.1)  # the drain thread reads the last lines
        if self.drain is not None:
            self.drain.join(timeout=5)
        self.process.stdout.close()
        return code, "".join(self.output)


def start_proxy(upstream: str, *args: str, env: dict[str, str] | None = None) -> LiveProxy:
    process = subprocess.Popen(
        [sys.executable, "-m", "ndt_cli", "proxy", "--upstream", upstream, "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"validation proxy on (http://127\.0\.0\.1:\d+)", line)
        if match:
            proxy = LiveProxy(match.group(1), process, lines)
            proxy.drain = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
            proxy.drain.start()
            return proxy
    process.kill()
    raise RuntimeError("proxy did not start:\n" + "".join(lines))


def run_proxy(upstream: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """A proxy that must refuse to start: its exit code and message."""
    done = subprocess.run(
        [sys.executable, "-m", "ndt_cli", "proxy", "--upstream", upstream, "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    return done.returncode, done.stdout + done.stderr


class Echo:
    """An upstream that answers what it was sent (to see what the proxy passed on), and an
    OAuth2 token endpoint that counts its tokens; `/slow` answers after a second."""

    def __init__(self) -> None:
        self.seen: list[dict] = []
        self.issued = 0
        self.refuse: set[str] = set()  # tokens answered 401

        async def echo(request: Request) -> Response:
            body = await request.body()
            entry = {
                "method": request.method,
                "path": request.url.path,
                "raw_path": request.scope.get("raw_path", b"").decode("latin-1"),
                "query": request.url.query,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            self.seen.append(entry)
            auth = entry["headers"].get("authorization", "")
            if auth.removeprefix("Bearer ") in self.refuse:
                return JSONResponse({"status": 401}, status_code=401)
            return JSONResponse(entry, headers={"Api-Version": "1.0", "X-Upstream": "echo"})

        async def token(request: Request) -> Response:
            self.issued += 1
            return JSONResponse(
                {"access_token": f"oauth-token-{self.issued:04d}-xyz", "expires_in": 3600}
            )

        async def slow(request: Request) -> Response:
            import asyncio

            await asyncio.sleep(1.5)
            return JSONResponse({})

        self.app = Starlette(
            routes=[
                Route("/token", token, methods=["POST"]),
                Route("/slow", slow),
                Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )


class ThreadedUpstream:
    def __init__(self, app) -> None:
        import socket

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> ThreadedUpstream:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
