RULE = "a valid access token is answered with another customer's profile"
EXPECTED_CHECK = "token_identity"
# The applicant's token also loses its NoCustomerDetails header: a second documented rule.
EXPECTED_RULES = {
    "paths/customers.yaml#/get identity.token-customer",
    "identity.no-details-when-no-account",
}

from ndt_fixtures import persona  # noqa: E402

SOMEONE_ELSE = persona("multi-account").profile


def mutate(request, response):
    if request.method == "GET" and request.path == "/customers" and response.status == 200:
        response.headers.pop("nocustomerdetails", None)
        response.set_json(SOMEONE_ELSE)
    return response
