"""The floor of the comparison: bare starlette answering with the mock's own bytes.

Fair by construction: the bodies are the mock's responses, fetched by bench_mock.py
and passed as files, and the headers are the mock's (Api-Version, Vary, no Server or Date
header), so only the work between socket and bytes differs.

    python bench/bare_starlette.py PORT GET_BODY_FILE SEARCH_BODY_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

PROFILE = Path(sys.argv[2]).read_bytes()
SEARCH = Path(sys.argv[3]).read_bytes()
HEADERS = {"Api-Version": "1.0", "Vary": "Origin"}


async def get_customer(request):
    return Response(PROFILE, media_type="application/json", headers=HEADERS)


async def search(request):
    await request.body()
    return Response(SEARCH, media_type="application/json", headers=HEADERS)


app = Starlette(
    routes=[
        Route("/customers/search", search, methods=["POST"]),
        Route("/customers/{customer_id}", get_customer),
        Route("/heartbeat", lambda request: Response(b"{}", media_type="application/json")),
    ]
)

if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
    )
