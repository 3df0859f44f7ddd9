RULE = "successful JSON is labelled text/plain"
EXPECTED_CHECK = "content_type_conformance"


def mutate(request, response):
    if response.status == 200 and request.path.startswith("/customers"):
        response.headers["content-type"] = "text/plain"
    return response
