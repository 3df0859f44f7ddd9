RULE = "names match only in the case they were stored in (our reading: case-insensitive)"
EXPECTED_CHECK = "search_metamorphic"


def mutate(request, response):
    if request.path == "/customers/search" and response.status == 200:
        filters = (request.json() or {}).get("filter") or {}
        kept = [
            c
            for c in response.json()["values"]
            if all(c.get(k) == filters[k] for k in ("givenName", "familyName") if k in filters)
        ]
        response.set_json({"values": kept})
    return response
