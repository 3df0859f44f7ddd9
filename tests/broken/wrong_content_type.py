RULE = "profiles are JSON labelled text/plain (the provider's example: JSON)"
EXPECTED_CHECK = "content_type_conformance"


def mutate(request, response):
    if request.method == "GET" and response.status == 200 and request.path.startswith("/customers"):
        response.headers["content-type"] = "text/plain"
    return response
