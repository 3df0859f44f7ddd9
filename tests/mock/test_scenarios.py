"""Direct tests of mock_server.scenarios: the Prefer language, decoded against one operation."""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from ndt_contract import Operation

from mock_server.problems import ApiProblem
from mock_server.scenarios import (
    MAX_DELAY_MS,
    NO_SCENARIO,
    Scenario,
    examples_by_status,
    forced_problem,
    parse_prefer,
    preference,
    preferences,
    scenario_reply,
    whole_number,
)


def _media(examples: dict, media: str = "application/json") -> dict:
    return {"content": {media: {"examples": {k: {"value": v} for k, v in examples.items()}}}}


# A small operation of our own: the real spec changes under the lead, the grammar does not.
OPERATION = Operation(
    "GetThing",
    "get",
    "/things/{id}",
    {
        "responses": {
            "200": {
                **_media({"plain": {"id": "1"}, "noThingDetails": {"id": "2"}}),
                "headers": {
                    "NoThingDetails": {"schema": {"type": "boolean"}, "example": True},
                    "Api-Version": {"schema": {"type": "string"}},
                },
            },
            "404": _media(
                {"unknownThing": {"title": "No such thing", "errors": {"id": ["unknown"]}}},
                "application/problem+json",
            ),
            "429": {"description": "throttled, no examples"},
            "default": {"description": "ignored: not a status"},
        }
    },
)


def prefer(header: str | None) -> Scenario:
    return parse_prefer(header, OPERATION)


def problem_of(header: str) -> ApiProblem:
    with pytest.raises(ApiProblem) as caught:
        prefer(header)
    return caught.value


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_header_is_no_scenario(header):
    assert prefer(header) is NO_SCENARIO


def test_examples_by_status_lists_every_documented_status_sorted():
    assert examples_by_status(OPERATION) == {
        200: ["noThingDetails", "plain"],
        404: ["unknownThing"],
        429: [],
    }


@pytest.mark.parametrize(
    "header,code,example,delay",
    [
        ("code=404", 404, None, 0),
        ("CODE=404", 404, None, 0),  # names are case-insensitive
        ('code="404"', 404, None, 0),  # quoted values
        ("code = 404", 404, None, 0),
        ("example=plain", 200, "plain", 0),  # the example picks its status
        ("example=unknownThing", 404, "unknownThing", 0),
        ("code=200, example=noThingDetails", 200, "noThingDetails", 0),
        ("code=404; example=unknownThing", 404, "unknownThing", 0),  # ; separates too
        ("delay=250", None, None, 250),
        ("delay=0", None, None, 0),
        (f"delay={MAX_DELAY_MS}", None, None, MAX_DELAY_MS),
        ("code=429, delay=10", 429, None, 10),
    ],
)
def test_preference_forms(header, code, example, delay):
    scenario = prefer(header)
    assert (scenario.code, scenario.example, scenario.delay_ms) == (code, example, delay)


@pytest.mark.parametrize(
    "header",
    ["return=representation", "respond-async", "wait=10", "handling=lenient", ",,;", "=5"],
)
def test_preferences_the_mock_does_not_know_are_ignored(header):
    scenario = prefer(header)
    assert (scenario.code, scenario.example, scenario.delay_ms, scenario.asked) == (
        None,
        None,
        0,
        frozenset(),
    )


def test_unknown_preferences_beside_known_ones_are_ignored():
    scenario = prefer("respond-async, code=404, return=minimal")
    assert scenario.code == 404 and scenario.asked == frozenset({"code"})


def test_the_last_value_of_a_repeated_preference_wins():
    assert prefer("code=404, code=429").code == 429


@pytest.mark.parametrize("value", ["418", "999999", "4" * 4301])
def test_an_undocumented_code_is_a_400_listing_the_codes(value):
    problem = problem_of(f"code={value}")
    message = f"code={value[:40]}{'...' if len(value) > 40 else ''} is not documented for GetThing"
    assert problem.status == 400
    assert problem.detail == f"Prefer header: {message}"
    assert problem.errors == {"Prefer": [message, "available codes: 200, 404, 429"]}


@pytest.mark.parametrize("value", ["abc", "-1", "", "200.0", "²", "٤٠٤", "+404", "4 04"])
def test_a_code_that_is_not_ascii_digits_is_a_400_saying_so(value):
    problem = problem_of(f"code={value}")
    assert problem.status == 400
    assert problem.errors == {
        "Prefer": [f"code={value} is not a status code", "available codes: 200, 404, 429"]
    }


def test_an_unknown_example_is_a_400_listing_every_example():
    problem = problem_of("example=nope")
    assert problem.errors == {
        "Prefer": [
            "no example 'nope' for GetThing",
            "available examples: noThingDetails, plain, unknownThing",
        ]
    }


def test_an_example_of_another_status_than_the_code_is_a_400_listing_that_codes_examples():
    problem = problem_of("code=404, example=plain")
    assert problem.errors == {
        "Prefer": ["no example 'plain' for code 404", "available examples: unknownThing"]
    }


def test_an_example_for_a_code_without_examples_says_none():
    problem = problem_of("code=429, example=plain")
    assert problem.errors["Prefer"][1] == "available examples: none"


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", "³", "", "1e3"])
def test_a_delay_that_is_not_a_whole_number_is_a_400(value):
    problem = problem_of(f"delay={value}")
    assert problem.status == 400
    assert problem.errors == {
        "Prefer": [
            f"delay={value} is not a whole number of milliseconds",
            f"available: 0 to {MAX_DELAY_MS}",
        ]
    }


@pytest.mark.parametrize("value", [str(MAX_DELAY_MS + 1), "999999", "9" * 4301])
def test_a_delay_out_of_range_is_a_400_that_says_the_range(value):
    problem = problem_of(f"delay={value}")
    assert problem.status == 400
    message = problem.errors["Prefer"][0]
    assert message.startswith(f"delay must be 0-{MAX_DELAY_MS} ms (got {value[:40]}")
    assert len(message) < 120  # a long value is not echoed whole


def test_a_long_example_name_is_not_echoed_whole():
    problem = problem_of("example=" + "x" * 5000)
    assert problem.errors["Prefer"][0] == f"no example {'x' * 40 + '...'!r} for GetThing"


@pytest.mark.parametrize(
    "part,found",
    [
        ("code=404", ("code", "404")),
        ('  Code = " 404 " ', ("code", "404")),
        ('code="404', ("code", "404")),  # an unclosed quote, as the old pattern read it
        ('code=404"', ("code", "404")),
        ('code="', ("code", "")),
        ('code="4"0"', None),  # a quote inside the value: unreadable, ignored
        ("respond-async", None),  # no value
        ("co de=404", None),  # a name is letters and hyphens
        ("c0de=404", None),
        ("=404", None),
        ("wait=10=20", ("wait", "10=20")),
    ],
)
def test_one_preference_is_read_or_ignored(part, found):
    assert preference(part) == found


def test_preferences_keep_the_known_ones_and_the_last_value():
    assert preferences("respond-async; wait=5, code=404;delay=1, code=429") == {
        "code": "429",
        "delay": "1",
    }


@pytest.mark.parametrize(
    "text,number",
    [
        ("0", 0),
        ("60000", 60000),
        ("007", 7),
        ("1" * 10, 10**9),
        ("", None),
        ("²", None),
        ("-1", None),
    ],
)
def test_whole_number_reads_ascii_digits_only(text, number):
    assert whole_number(text) == number


def test_a_header_of_32_kib_is_parsed_in_linear_time():
    """The old pattern backtracked: 2.4 KB of this took seconds; 32 KB now takes milliseconds."""
    hostile = [
        "code=" + " " * 32_000 + "x",
        "code=" + " " * 16_000 + '"' + " " * 15_000 + '"x',  # seconds at 2.4 KB before
        "a" * 32_000 + "=",
        'code="' + " " * 32_000,
        ",".join(["respond-async"] * 2_500),
        "delay=" + "\t" * 16_000 + '"',
    ]
    for header in hostile:
        started = time.perf_counter()
        with contextlib.suppress(ApiProblem):
            prefer(header)
        assert time.perf_counter() - started < 0.05, header[:20]


@pytest.mark.parametrize(
    "scenario,overrides",
    [
        (Scenario(), False),
        (Scenario(code=200), False),  # the real operation answers (a 404 stays a 404)
        (Scenario(code=404), True),
        (Scenario(code=200, example="plain"), True),
        (Scenario(example="plain"), True),
        (Scenario(delay_ms=100), False),
    ],
)
def test_which_scenarios_override_the_response(scenario, overrides):
    assert scenario.overrides_response is overrides


@pytest.mark.parametrize(
    "header,applied",
    [
        ("code=404", "code=404"),
        ("code=200", ""),  # not honoured as an override: not applied
        ("example=plain", "example=plain"),  # the code was not asked, so not named
        ("code=200, example=plain", "code=200, example=plain"),
        ("delay=50", "delay=50"),
        ("delay=0", ""),
        ("code=404, example=unknownThing, delay=5", "code=404, example=unknownThing, delay=5"),
        ("return=minimal", ""),
    ],
)
def test_preference_applied_names_only_what_was_honoured(header, applied):
    assert prefer(header).applied() == applied


def test_a_forced_problem_takes_title_and_errors_from_the_example():
    problem = forced_problem(404, {"title": "No such thing", "errors": {"id": ["unknown"]}})
    assert (problem.status, problem.detail, problem.title, problem.errors) == (
        404,
        "Forced by the Prefer header.",
        "No such thing",
        {"id": ["unknown"]},
    )


def test_a_forced_problem_without_an_example_leaves_the_catalogue_to_title_it():
    problem = forced_problem(429, None)
    assert (problem.status, problem.title, problem.errors) == (429, None, None)


def test_scenario_reply_raises_the_forced_problem_with_the_named_example():
    with pytest.raises(ApiProblem) as caught:
        scenario_reply(OPERATION, prefer("example=unknownThing"))
    assert caught.value.status == 404 and caught.value.title == "No such thing"


def test_scenario_reply_for_a_code_alone_does_not_borrow_an_example():
    with pytest.raises(ApiProblem) as caught:
        scenario_reply(OPERATION, prefer("code=404"))
    assert caught.value.title is None and caught.value.errors is None


def test_scenario_reply_returns_the_named_success_example():
    reply = scenario_reply(OPERATION, prefer("example=plain"))
    assert (reply.status, json.loads(reply.body), reply.headers) == (200, {"id": "1"}, {})


def test_an_example_named_like_a_documented_header_also_sets_that_header():
    reply = scenario_reply(OPERATION, prefer("example=noThingDetails"))
    assert json.loads(reply.body) == {"id": "2"}
    assert reply.headers == {"NoThingDetails": "True"}


def test_without_an_example_name_the_first_documented_example_answers():
    reply = scenario_reply(OPERATION, Scenario(code=None))
    assert reply.status == 200 and json.loads(reply.body) == {"id": "1"}


def test_a_success_without_examples_answers_an_empty_body():
    bare = Operation("Bare", "post", "/bare", {"responses": {"204": {"description": "done"}}})
    reply = scenario_reply(bare, Scenario(code=204))
    assert (reply.status, reply.body, reply.headers) == (204, b"", {})
