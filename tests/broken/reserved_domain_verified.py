RULE = "every email address verifies, even at domains that cannot exist (RFC 2606, RFC 6761)"
EXPECTED_CHECK = "verify_reserved_domain"


def mutate(request, response):
    if request.path == "/customers/supported-formats/email-address" and response.status == 200:
        response.set_json({"verified": True})
    return response
