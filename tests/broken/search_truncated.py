RULE = "search silently returns one page of 5, newest ids first, and no way to the rest"
EXPECTED_CHECK = "search_self_retrieval"


def mutate(request, response):
    if request.path == "/customers/search" and response.status == 200:
        values = sorted(response.json()["values"], key=lambda c: c["id"], reverse=True)
        response.set_json({"values": values[:5]})
    return response
