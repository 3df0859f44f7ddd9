RULE = (
    "search answers 502 whenever a phone number filter is given, and says nothing of when to retry"
)
EXPECTED_CHECK = "not_a_server_error"

import json  # noqa: E402


def mutate(request, response):
    if request.path == "/customers/search" and b"phoneNumber" in request.body:
        response.status = 502
        response.headers["content-type"] = "application/problem+json"
        response.headers.pop("retry-after", None)
        response.body = json.dumps(
            {"type": "newday:generic:error:upstream", "title": "Bad gateway", "status": 502}
        ).encode()
    return response
