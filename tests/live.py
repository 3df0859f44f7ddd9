"""Live servers for the tests that need one: the mock started as users start it (the CLI), on a
free loopback port, and stopped as users stop it (Ctrl-C)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import httpx


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    output: list[str]  # what the server printed, for debugging a failure

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)


def start_mock(
    *args: str, env: dict[str, str] | None = None, module: str = "ndt_cli"
) -> LiveServer:
    process = subprocess.Popen(
        [sys.executable, "-m", module, "mock", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 30
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        if match:
            server = LiveServer(match.group(1), process, lines)
            # Keep draining the server's output, or a full pipe would one day block it.
            threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
            wait_ready(server.url)
            return server
    process.kill()
    raise RuntimeError("mock did not start:\n" + "".join(lines))


def wait_ready(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/heartbeat", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} never answered /heartbeat")


def stop(server: LiveServer) -> None:
    server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
