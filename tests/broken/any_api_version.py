RULE = "any Api-Version is accepted (our reading: only 1 and 1.0; the standard does not say)"
EXPECTED_CHECK = "negative_data_rejection"

from urllib.parse import parse_qsl, urlencode  # noqa: E402


def rewrite_scope(scope):
    """Pretend every request asked for version 1, as a server ignoring the version would."""
    headers = [(k, b"1" if k == b"api-version" else v) for k, v in scope.get("headers", [])]
    query = [
        (k, "1" if k == "api-version" else v)
        for k, v in parse_qsl(
            scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        )
    ]
    return {**scope, "headers": headers, "query_string": urlencode(query).encode("latin-1")}


def mutate(request, response):
    return response
