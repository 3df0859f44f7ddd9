RULE = "NoCustomerDetails comes with every profile, accounts or not"
EXPECTED_CHECK = "no_customer_details"


def mutate(request, response):
    if request.method == "GET" and request.path.startswith("/customers") and response.status == 200:
        response.headers["nocustomerdetails"] = "true"
    return response
