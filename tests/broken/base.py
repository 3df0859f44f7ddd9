"""A response-rewriting wrapper around the real mock, served by uvicorn in a thread."""

from __future__ import annotations

import importlib
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from ndt_contract import load_contract
from ndt_fixtures import default_dataset_dir, read_dataset

from mock_server.app import create_app
from mock_server.settings import Settings

# Each breaks one rule the provider documents or a standard: the run must fail, on exactly
# that rule, through the check named in the module.
VARIANTS = (
    "wrong_type",
    "values_renamed",
    "status_204",
    "server_error",
    "no_details_missing",
    "no_details_wrong",
    "token_other_customer",
    "wrong_content_type",
    "missing_api_version",
    "problem_not_json",
    "retry_after_missing",
)
# Each departs from one of our decisions only, or breaks a rule only our reading can tell
# (matching, result sets that may be partial, echoing, reserved domains): the run passes with
# that drift reported, and fails under --strict, through the check named in the module.
DRIFT_VARIANTS = (
    "search_not_matching",
    "search_truncated",
    "reserved_domain_verified",
    "session_not_echoed",
    "names_case_sensitive",
    "postcode_exact_spacing",
    "missing_field",
    "undocumented_status",
    "any_api_version",
)


@dataclass
class Request:
    method: str
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    extra: dict[str, Any] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def set_json(self, data: Any) -> None:
        self.body = json.dumps(data).encode()


class Broken:
    def __init__(
        self,
        app,
        mutate: Callable[[Request, Response], Response],
        rewrite_scope: Callable[[dict], dict] | None = None,
    ) -> None:
        self.app = app
        self.mutate = mutate
        self.rewrite_scope = rewrite_scope or (lambda scope: scope)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = self.rewrite_scope(scope)
        chunks: list[bytes] = []

        async def recording_receive():
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        captured: dict[str, Any] = {"body": b""}

        async def capture(message):
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                # HTTP header bytes are latin-1: a generated header value need not be UTF-8.
                captured["headers"] = {
                    k.decode("latin-1"): v.decode("latin-1") for k, v in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        await self.app(scope, recording_receive, capture)
        sent = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        request = Request(scope["method"], scope["path"], b"".join(chunks), sent)
        response = self.mutate(
            request, Response(captured["status"], captured["headers"], captured["body"])
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        headers["content-length"] = str(len(response.body))
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


class ThreadedServer:
    def __init__(self, app) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def real_app():
    return create_app(load_contract(), read_dataset(default_dataset_dir()), Settings())


def variant(name: str):
    return importlib.import_module(f"broken.{name}")


def serve_variant(name: str) -> ThreadedServer:
    module = variant(name)
    return ThreadedServer(Broken(real_app(), module.mutate, getattr(module, "rewrite_scope", None)))
