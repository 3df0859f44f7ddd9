RULE = "errors come as plain application/json without traceId"
EXPECTED_CHECK = "problem_details"


def mutate(request, response):
    if response.status >= 400:
        body = response.json() or {}
        body.pop("traceId", None)
        response.set_json(body)
        response.headers["content-type"] = "application/json"
    return response
