RULE = "the customer behind a token comes back as 204 No Content (the reference: it returns the profile)"
EXPECTED_CHECK = "status_code_conformance"


def mutate(request, response):
    if request.method == "GET" and request.path == "/customers" and response.status == 200:
        response.status = 204
        response.body = b""
        response.headers.pop("content-type", None)
        response.headers.pop("nocustomerdetails", None)
    return response
