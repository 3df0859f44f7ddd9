RULE = "search returns the same fixed customers whatever the filter"
EXPECTED_CHECK = "search_results_match_filter"

from ndt_fixtures import PERSONAS  # noqa: E402


def mutate(request, response):
    if request.path == "/customers/search" and response.status == 200:
        response.set_json({"values": [p.profile for p in PERSONAS[:3]]})
    return response
