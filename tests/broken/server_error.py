RULE = "search answers 500 (without a problem body) whenever a phone number filter is given"
EXPECTED_CHECK = "not_a_server_error"


def mutate(request, response):
    if request.path == "/customers/search" and b"phoneNumber" in request.body:
        response.status = 500
        response.headers = {"content-type": "text/plain"}
        response.body = b"Internal Server Error"
    return response
