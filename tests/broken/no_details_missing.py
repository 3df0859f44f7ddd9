RULE = "NoCustomerDetails is never sent"
EXPECTED_CHECK = "no_customer_details_consistent"


def mutate(request, response):
    response.headers.pop("nocustomerdetails", None)
    return response
