RULE = "the phone verification provider is always down, and 503s say nothing of Retry-After"
EXPECTED_CHECK = "retry_after_header"

import json  # noqa: E402


def mutate(request, response):
    if request.path == "/customers/supported-formats/phone-number" and response.status == 200:
        response.status = 503
        response.headers = {"content-type": "application/problem+json", "api-version": "1.0"}
        response.body = json.dumps(
            {
                "type": "newday:generic:error:unavailable",
                "title": "Down",
                "status": 503,
                "traceId": "00-x",
            }
        ).encode()
    return response
