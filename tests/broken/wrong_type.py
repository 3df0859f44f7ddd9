RULE = "account numbers come back as numbers, not strings (the provider's example has strings)"
EXPECTED_CHECK = "response_schema_conformance"


def mutate(request, response):
    if request.method == "GET" and response.status == 200 and request.path.startswith("/customers"):
        body = response.json()
        for account in body.get("accounts", []):
            account["accountNumber"] = int(account["accountNumber"])
        response.set_json(body)
    return response
