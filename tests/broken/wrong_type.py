RULE = "account numbers come back as numbers, not strings (the provider's example has strings)"
EXPECTED_CHECK = "response_schema_conformance"


EXPECTED_RULES = {"components/schemas.yaml#/AccountNumber type"}


def _numbers(profile):
    for account in profile.get("accounts", []):
        account["accountNumber"] = int(account["accountNumber"])


def mutate(request, response):
    """Every answer alike (profiles and search results), so the target still agrees with
    itself and only the type rule breaks."""
    if response.status != 200 or not request.path.startswith("/customers"):
        return response
    if request.method == "GET":
        body = response.json()
        _numbers(body)
        response.set_json(body)
    elif request.path == "/customers/search":
        body = response.json()
        for profile in body.get("values", []):
            _numbers(profile)
        response.set_json(body)
    return response
