"""Serving the provider on a loopback port: in a thread for tests, or from the command line."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from typing import Any

import uvicorn

from .app import create_app
from .bugs import BUGS


class ThreadedProvider:
    """`with ThreadedProvider(bug=None) as server: server.url` - uvicorn on a free port."""

    def __init__(self, bug: str | None = None) -> None:
        self.app = create_app(bug)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="error", lifespan="off", access_log=False)
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> ThreadedProvider:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            raise RuntimeError("the provider did not start within 10 s")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.providers.other",
        description="A second, independent provider of the Customer API, on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--bug", choices=sorted(BUGS), help="switch one bug on")
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.bug), host="127.0.0.1", port=args.port, log_level="info")
