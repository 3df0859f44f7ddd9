RULE = "an unknown customer is 410 Gone, which our reading does not list"
EXPECTED_CHECK = "status_code_conformance"


def mutate(request, response):
    if response.status == 404:
        response.status = 410
        body = response.json()
        body["status"] = 410
        response.set_json(body)
    return response
