"""The bugs this provider can be started with, one at a time: `create_app(bug=NAME)`.

Each is a real mistake a provider could ship, not a departure from one of our readings; a
conformance run against it must fail, on the finding that names it.
"""

from __future__ import annotations

BUGS: dict[str, str] = {
    "filter_ignored": "search ignores familyName whenever postcode is also given",
    "names_case_sensitive": "search matches family names case-sensitively",
    "other_profile_for_some_ids": "GetCustomer answers the next customer's profile for every "
    "third customer",
    "api_version_major_only": "responses carry Api-Version: 1 (the standard: major.minor)",
    "first_match_only": "search returns only its first match",
    "html_404": "GetCustomer answers an unknown id with an HTML page",
    "search_always_400": "search answers 400 to every request, the documented shape included",
    "outage_on_one_name": "a search for the family name Okafor always answers 500 unavailable "
    "with Retry-After, dressed as an outage",
    "truncated_followup": "GetCustomer by a search result's id (the UUID) answers truncated JSON",
    "no_details_missing": "NoCustomerDetails is never sent, not even for the applicant's token",
    "no_details_for_accounts": "NoCustomerDetails is sent for tokens whose customer has accounts",
    "token_other_accounts": "a token with accounts answers its own id with another customer's "
    "accounts",
    "duplicate_result": "every search result list holds its first customer twice",
    "own_identifier_empty": "searches by customerRef or accountNumber never match",
    "unstable_get": "GetCustomer answers every other call for an id with another customer",
    "search_get_disagree": "search results carry empty middle names that GetCustomer shows",
    "no_details_without_token": "GetCustomer sends NoCustomerDetails for the applicant even "
    "without a token",
    "empty_search_404": "a search with no match answers 404 instead of 200 with an empty list",
}


def check_bug(name: str | None) -> str | None:
    """`name` when it is a known bug (or None); a ValueError listing the known ones otherwise."""
    if name is not None and name not in BUGS:
        raise ValueError(f"unknown bug {name!r}; known: {', '.join(sorted(BUGS))}")
    return name
