RULE = "responses lack the Api-Version header (the standard: every response carries it)"
EXPECTED_CHECK = "response_headers_conformance"


def mutate(request, response):
    response.headers.pop("api-version", None)
    return response
