RULE = "responses lack the Api-Version header"
EXPECTED_CHECK = "api_version_header"


def mutate(request, response):
    response.headers.pop("api-version", None)
    return response
