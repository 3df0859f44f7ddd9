RULE = "postcodes match only as stored, with their space (our reading: case and spaces ignored)"
EXPECTED_CHECK = "search_metamorphic"


def mutate(request, response):
    if request.path == "/customers/search" and response.status == 200:
        wanted = ((request.json() or {}).get("filter") or {}).get("postcode")
        if wanted is not None:
            kept = [
                c
                for c in response.json()["values"]
                if any(a["components"].get("postcode") == wanted for a in c.get("addresses", []))
            ]
            response.set_json({"values": kept})
    return response
