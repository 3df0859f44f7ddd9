RULE = "profiles come without customerRef (our reading requires it; the provider's does not say)"
EXPECTED_CHECK = "response_schema_conformance"


def mutate(request, response):
    if request.method == "GET" and request.path.startswith("/customers") and response.status == 200:
        body = response.json()
        body.pop("customerRef", None)
        response.set_json(body)
    return response
