RULE = "account numbers come back as numbers, not strings"
EXPECTED_CHECK = "response_schema_conformance"


def mutate(request, response):
    if request.method == "GET" and response.status == 200 and request.path.startswith("/customers"):
        body = response.json()
        for account in body.get("accounts", []):
            account["accountNumber"] = int(account["accountNumber"])
        body["status"] = 1
        response.set_json(body)
    return response
