RULE = "NoCustomerDetails comes with every profile, accounts or not"
EXPECTED_CHECK = "no_customer_details"
# One bug, two documented rules: with accounts, and without a token (one finding per rule).
EXPECTED_RULES = {"identity.no-details-never-with-accounts", "identity.no-details-only-for-a-token"}


def mutate(request, response):
    if request.method == "GET" and request.path.startswith("/customers") and response.status == 200:
        response.headers["nocustomerdetails"] = "true"
    return response
