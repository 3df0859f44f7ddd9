RULE = "documented errors come as plain application/json (the standard: problem+json)"
EXPECTED_CHECK = "content_type_conformance"


def mutate(request, response):
    if response.status in (400, 401, 404):
        response.headers["content-type"] = "application/json"
    return response
