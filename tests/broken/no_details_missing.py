RULE = "NoCustomerDetails is never sent, not even for the applicant with no account"
EXPECTED_CHECK = "no_customer_details"


def mutate(request, response):
    response.headers.pop("nocustomerdetails", None)
    return response
