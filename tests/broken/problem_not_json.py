RULE = "validation errors come as plain application/json (the standard: problem+json)"
EXPECTED_CHECK = "content_type_conformance"


def mutate(request, response):
    if response.status == 400:
        response.headers["content-type"] = "application/json"
    return response
