"""Search, judged without knowing the target's data: results satisfy their filters, are found
again by their own values, hold no customer twice, and agree with GetCustomer; variants of one
query agree.

Oracles that compare the target with itself (a value copied from its answer finds something,
a result is the customer GetCustomer answers) rest on `target.itself`; those that need our
reading of matching, AND or `id == customerId` name that reading too, so they are drift at most.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ndt_contract.matching import FILTER_KEYS, as_dict, dicts, matches, uk_forms

from conformance.checks.base import Call, RunContext, check, other_customer, violation
from conformance.exchange import Exchange

SEARCH = "SearchCustomers"
# Filters whose meaning the provider leaves to us (it names customerId, not how it matches).
DECIDED_FILTERS = frozenset({"customerId"})
NARROWING_ORDER = ("postcode", "familyName", "givenName", "dateOfBirth")


def _filters(seen: Exchange) -> dict[str, str]:
    body = seen.request_body if isinstance(seen.request_body, dict) else {}
    raw = body.get("filter")
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if k in FILTER_KEYS and isinstance(v, str)}


def _results(seen: Exchange) -> list[dict[str, Any]] | None:
    if seen.status != 200 or not isinstance(seen.body, dict):
        return None
    values = seen.body.get("values")
    if not isinstance(values, list):
        return None
    return [v for v in values if isinstance(v, dict)]


def conclusive(seen: Exchange) -> bool:
    """An answer that says something about the data: not a refusal of the credentials, a
    throttle or an outage (a token may expire between a search and the probe after it)."""
    return seen.status not in (401, 403, 429) and seen.status < 500


def _ids(results: Iterable[Mapping[str, Any]]) -> set[str]:
    return {str(r.get("id")) for r in results if r.get("id") is not None}


def result_cap(ctx: RunContext) -> int | None:
    """The most results one search returns, as the full reading says (None: no cap known)."""
    schema = ctx.views.contract.document["components"]["schemas"].get("SearchResponse", {})
    return (schema.get("properties", {}).get("values") or {}).get("maxItems")


@check
def search_results_match_filter(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """Every result satisfies its filters (a result matching none of them is a contract break;
    one matching some but not all breaks our AND reading)."""
    if seen.operation_id != SEARCH:
        return
    results = _results(seen)
    filters = {k: v for k, v in _filters(seen).items() if k not in DECIDED_FILTERS}
    if not results or not filters:
        return
    wrong = [r for r in results if not matches(filters, r)]
    if not wrong:
        return
    unrelated = [r for r in wrong if not any(matches({k: v}, r) for k, v in filters.items())]
    where = ctx.where(SEARCH)
    if unrelated:
        raise violation(
            seen,
            "Search result does not match its filter",
            f"{len(unrelated)} of {len(results)} results satisfy none of the filters "
            f"{sorted(filters)} as our matching reads them; the provider: search returns the "
            "customers matching the filters",
            "search.results-match-a-filter",
            "search.matching",
            where=where,
        )
    raise violation(
        seen,
        "Search result matches only some filters",
        f"{len(wrong)} of {len(results)} results satisfy some but not all of {sorted(filters)}; "
        "our reading: filters combine with AND",
        "search.filters-combine",
        "search.matching",
        where=where,
    )


@check
def search_no_duplicates(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """A result list holds no customer twice."""
    if seen.operation_id != SEARCH:
        return
    results = _results(seen)
    if not results:
        return
    ids = [str(r.get("id")) for r in results if r.get("id") is not None]
    twice = len(ids) - len(set(ids))
    if twice:
        raise violation(
            seen,
            "Search returned a customer twice",
            f"{twice} of {len(results)} results repeat a customer id already in the list",
            "self.no-duplicates",
            where=ctx.where(SEARCH),
        )


@check
def search_empty_collection(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """A search that matches nobody is a 200 with an empty array, not a 404."""
    if seen.operation_id != SEARCH or seen.status != 404:
        return
    if not _filters(seen):
        return
    raise violation(
        seen,
        "An empty search answered 404",
        "a search answered 404; the guideline: empty collections are a 200 with an empty array",
        "search.empty-is-200",
        where=ctx.where(SEARCH),
    )


@check
def search_result_fetchable(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """A search result fetched by its id exists and is the same customer."""
    if seen.operation_id != SEARCH:
        return
    results = _results(seen)
    if not results or not isinstance(results[0].get("id"), str):
        return
    first = results[0]
    if not ctx.claim_probe("fetch", first["id"]):
        return
    fetched = call("GetCustomer", path_parameters={"customerId": first["id"]})
    if not conclusive(fetched):
        return
    where = ctx.where(SEARCH)
    # Whether a result's id is what GetCustomer takes: the target's own mapping when its
    # answers showed one, else our reading.
    mapping = "self.id-mapping" if ctx.ids_are_path_ids() else "identity.id-is-customer-id"
    body = fetched.body if isinstance(fetched.body, dict) else {}
    shown = fetched.status == 200 and body and not fetched.headers.get("nocustomerdetails")
    if shown and other_customer(first, body):
        raise violation(
            seen,
            "A search result fetched by its id is another customer",
            f"GetCustomer for the result's id {first['id']} answered a customer whose "
            "customerRef or ssoId differs from the result's (id "
            f"{body.get('id')!r}): the target shows one id as two customers",
            "self.id-mapping",
            where=where,
        )
    if fetched.status != 200 or body.get("id") != first["id"]:
        raise violation(
            seen,
            "Search result cannot be fetched",
            f"GetCustomer for the first result's id answered {fetched.status}"
            + (f" with id {body.get('id')!r}" if fetched.status == 200 else "")
            + "; the provider: GetCustomer returns the customer with that unique id",
            mapping,
            where=where,
        )
    if fetched.headers.get("nocustomerdetails"):
        return
    differing = sorted(k for k in first if k in body and body[k] != first[k])
    if differing:
        raise violation(
            seen,
            "Search result differs from GetCustomer",
            f"fields {differing} of a search result differ from GetCustomer's for the same id: "
            "one customer, two answers",
            "self.same-customer",
            where=where,
        )


def own_values(customer: Mapping[str, Any]) -> dict[str, str]:
    """One value per filter, exactly as the customer carries it."""
    values: dict[str, str] = {}
    for name in ("givenName", "familyName", "dateOfBirth", "customerRef"):
        if isinstance(customer.get(name), str) and customer[name]:
            values[name] = customer[name]
    found = {
        "postcode": [
            as_dict(a.get("components")).get("postcode") for a in dicts(customer.get("addresses"))
        ],
        "phoneNumber": [
            p.get("value") for p in dicts(as_dict(customer.get("contact")).get("phoneNumbers"))
        ],
        "accountNumber": [a.get("accountNumber") for a in dicts(customer.get("accounts"))],
    }
    for name, candidates in found.items():
        first = next((v for v in candidates if isinstance(v, str) and v), None)
        if first is not None:
            values[name] = first
    return values


def _search(call: Call, filters: Mapping[str, str]) -> Exchange:
    return call(SEARCH, body={"filter": dict(filters)})


@check
def search_self_retrieval(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """A customer the target returned (a search's first result, or a profile GetCustomer
    answered: the test data's customers in every run) is found again by each of its own values
    (catches results cut short and filters that never match)."""
    if seen.operation_id == SEARCH:
        results = _results(seen) or []
        customer = results[0] if results else None
    elif seen.operation_id == "GetCustomer" and seen.status == 200:
        no_details = seen.headers.get("nocustomerdetails")
        customer = seen.body if isinstance(seen.body, dict) and not no_details else None
    else:
        return
    if customer is None or not isinstance(customer.get("id"), str):
        return
    if not ctx.claim_probe("self", customer["id"]):
        return
    judge_own_values(ctx, customer, call)


def judge_own_values(ctx: RunContext, customer: Mapping[str, Any], call: Call) -> None:
    """Each of a customer's own values, copied byte for byte, finds something (the target's
    own word); finding this very customer is our reading (result sets may be partial)."""
    cap = result_cap(ctx)
    empty, lost = [], []
    last: Exchange | None = None
    for name, value in own_values(customer).items():
        again = _search(call, {name: value})
        found = _results(again)
        if found is None:
            continue  # refused: judged as any answer is
        last = again
        if not found:
            empty.append(name)
        elif customer.get("id") not in _ids(found) and (cap is None or len(found) < cap):
            lost.append(name)
    where = ctx.where(SEARCH)
    if empty and last is not None:
        raise violation(
            last,
            "Search by a customer's own value found nobody",
            f"a search by {sorted(empty)} copied from a customer the target returned came back "
            "empty; the provider: search returns the customers matching the filters",
            "self.own-value-found",
            where=where,
        )
    if lost and last is not None:
        raise violation(
            last,
            "Search does not find a customer by its own values",
            f"a customer returned by a search is not among the results of its own {sorted(lost)}",
            "search.own-value-returns-customer",
            where=where,
        )


def variants(customer: Mapping[str, Any]) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(rule, base filter, variant filter) pairs our reading says return the same customers."""
    values = own_values(customer)
    pairs: list[tuple[str, dict[str, str], dict[str, str]]] = []
    for name in ("familyName", "givenName"):
        if name in values:
            value = values[name]
            for changed in (value.upper(), value.lower()):
                if changed != value:
                    pairs.append(("names match case-insensitively", {name: value}, {name: changed}))
                    break
    if "postcode" in values:
        code = values["postcode"]
        squeezed = "".join(code.split()).lower()
        if squeezed != code:
            pairs.append(
                ("postcodes ignore case and spaces", {"postcode": code}, {"postcode": squeezed})
            )
    if "phoneNumber" in values:
        forms = [f for f in uk_forms(values["phoneNumber"]) if f != values["phoneNumber"]]
        for form in forms[:2]:
            pairs.append(
                (
                    "phones match in any UK form",
                    {"phoneNumber": values["phoneNumber"]},
                    {"phoneNumber": form},
                )
            )
    return pairs


@check
def search_metamorphic(ctx: RunContext, seen: Exchange, call: Call) -> None:
    """Variants our reading treats as one query return the same customers, and adding a filter
    never adds results (both our readings: drift, not failure)."""
    if seen.operation_id != SEARCH:
        return
    results = _results(seen)
    filters = _filters(seen)
    if not results or not isinstance(results[0].get("id"), str):
        return
    customer = results[0]
    if not ctx.claim_probe("metamorphic", customer["id"]):
        return
    cap = result_cap(ctx)
    differing = []
    for rule, base, variant in variants(customer):
        base_seen, variant_seen = _search(call, base), _search(call, variant)
        if not (conclusive(base_seen) and conclusive(variant_seen)):
            continue
        first, second = _results(base_seen), _results(variant_seen)
        if first is None or (cap is not None and max(len(first), len(second or [])) >= cap):
            continue
        if second is None or _ids(first) != _ids(second):
            differing.append(rule)
    extra = values_added(call, filters, customer, results, cap)
    if extra:
        differing.append("adding a filter never adds results")
    readings = sorted(set(differing))
    if readings:
        rule = (
            "search.filters-combine"
            if readings == ["adding a filter never adds results"]
            else "search.matching"
        )
        raise violation(
            seen,
            "Search variants disagree",
            f"queries our reading treats alike returned different customers; the readings: "
            f"{readings}",
            rule,
            where=ctx.where(SEARCH),
        )


def values_added(
    call: Call,
    filters: Mapping[str, str],
    customer: Mapping[str, Any],
    results: list[dict[str, Any]],
    cap: int | None,
) -> bool:
    """True when narrowing the original query by one more of the customer's values added a
    customer the original query did not return."""
    extra = {k: v for k, v in own_values(customer).items() if k not in filters}
    if not filters or not extra or (cap is not None and len(results) >= cap):
        return False
    # A value other customers share (a postcode, a family name) shows an OR most often.
    name = min(extra, key=lambda n: (NARROWING_ORDER.index(n) if n in NARROWING_ORDER else 99, n))
    narrowed = _results(_search(call, {**filters, name: extra[name]}))
    return narrowed is not None and not _ids(narrowed) <= _ids(results)
