RULE = "the phone verification provider is always down, and the 500 says nothing of Retry-After"
EXPECTED_CHECK = "unavailable_retry_after"
# An outage that never passes is a fault of its own once asked again after its pause.
EXPECTED_RULES = {"conventions.unavailable-retry-after", "self.persistent-fault"}

import json  # noqa: E402


def mutate(request, response):
    if request.path == "/customers/supported-formats/phone-number" and response.status == 200:
        response.status = 500
        response.headers["content-type"] = "application/problem+json"
        response.headers.pop("retry-after", None)
        response.body = json.dumps(
            {
                "type": "newday:generic:error:unavailable",
                "title": "Down",
                "status": 500,
                "traceId": "00-x",
            }
        ).encode()
    return response
