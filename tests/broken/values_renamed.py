RULE = "search wraps its results in `results` instead of the provider's `values`"
EXPECTED_CHECK = "response_schema_conformance"


def mutate(request, response):
    if request.path == "/customers/search" and response.status == 200:
        response.set_json({"results": response.json()["values"]})
    return response
