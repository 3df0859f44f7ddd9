"""The floor of the comparison: bare starlette returning the same JSON bytes as the mock."""

from __future__ import annotations

import json
import sys

import uvicorn
from ndt_fixtures import persona
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

PROFILE = json.dumps(persona("multi-account").profile).encode()
SEARCH = json.dumps({"values": [persona("multi-account").profile]}).encode()


async def get_customer(request):
    return Response(PROFILE, media_type="application/json", headers={"Api-Version": "1.0"})


async def search(request):
    await request.body()
    return Response(SEARCH, media_type="application/json", headers={"Api-Version": "1.0"})


app = Starlette(
    routes=[
        Route("/customers/search", search, methods=["POST"]),
        Route("/customers/{customer_id}", get_customer),
        Route("/heartbeat", lambda request: Response(b"{}", media_type="application/json")),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
