RULE = "Client-Session-Id is not echoed"
EXPECTED_CHECK = "client_session_id_echoed"


def mutate(request, response):
    response.headers.pop("client-session-id", None)
    return response
