"""Direct tests of conformance.checks.base: the seam with schemathesis, on hand-built objects."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from schemathesis.checks import CHECKS

from checks.fake import VIEWS
from conformance.checks import base
from conformance.checks.base import (
    REGISTRY,
    CheckSpec,
    Identity,
    RunContext,
    Violation,
    adapt,
    caller,
    check,
    registered,
    violation,
)
from conformance.exchange import Exchange, exchange_from
from conformance.judge import PatchOp


def seen(**kw) -> Exchange:
    return Exchange("GetCustomer", "get", "/customers/{customerId}", 200, **kw)


@pytest.mark.parametrize(
    "authorization,token",
    [
        (None, None),
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("BEARER x.y.z", "x.y.z"),
        ("Bearer", None),
        ("Bearer   ", None),
        ("Basic abc", None),
        ("abc", None),
    ],
)
def test_the_token_of_a_seen_request(authorization, token):
    headers = {} if authorization is None else {"authorization": authorization}
    assert seen(request_headers=headers).token == token


def test_identity_defaults_to_not_saying_whether_there_is_an_account():
    assert Identity("1") == Identity("1", None)


def test_a_violation_is_a_schemathesis_failure_naming_its_rules():
    op = PatchOp("f.yaml", "remove", "/x")
    raised = Violation(
        operation="GET /x",
        title="T",
        message="M",
        rules=("search.results-match-a-filter", "search.matching"),
        where="w",
        proposal=(op,),
    )
    from schemathesis.core.failures import Failure

    assert isinstance(raised, Failure)
    assert (raised.operation, raised.title, raised.message) == ("GET /x", "T", "M")
    assert (raised.rules, raised.rule, raised.where, raised.proposal) == (
        ("search.results-match-a-filter", "search.matching"),
        "search.results-match-a-filter",  # the first rule is the one it breaks
        "w",
        (op,),
    )
    assert not hasattr(raised, "level")  # a check never states a level
    assert (raised.code, raised.kind_title) == ("NDT", "Customer API contract check failed")


def test_violation_names_the_operation_by_method_and_template():
    made = violation(seen(), "T", "M", "self.repeatable", "search.matching", where="w")
    assert made.operation == "GET /customers/{customerId}"
    assert (made.rules, made.rule, made.where, made.proposal) == (
        ("self.repeatable", "search.matching"),
        "self.repeatable",
        "w",
        (),
    )


def test_a_violation_naming_no_rule_is_refused():
    with pytest.raises(ValueError, match="names the rules"):
        violation(seen(), "T", "M")


def test_rule_setting_reads_a_rules_data_and_nothing_of_a_rule_the_contract_lacks():
    context = RunContext(VIEWS)
    assert 429 in context.rule_setting("conventions.problem-details", "gateway-statuses")
    assert context.rule_setting("conventions.problem-details", "no-such-key") is None
    assert context.rule_setting("no.such-rule", "x") is None


def test_learn_id_collects_the_profile_ids_each_path_id_answered():
    context = RunContext(VIEWS)
    assert not context.ids_are_path_ids()  # nothing learned yet
    assert context.learn_id("1", "1") == {"1"}
    assert context.ids_are_path_ids()
    assert context.learn_id("2", "3") == {"3"}
    assert not context.ids_are_path_ids()
    assert context.learn_id("1", "9") == {"1", "9"}


def test_learn_profile_remembers_who_an_id_was_first():
    context = RunContext(VIEWS)
    assert context.learn_profile({"customerRef": "r"}) is None  # no id: nothing to learn
    first = {"customerRef": "r", "ssoId": "s"}
    assert context.learn_profile({"id": "1", **first}) == first
    assert context.learn_profile({"id": "1", "customerRef": "x", "ssoId": "s"}) == first


def test_customers_differ_only_where_both_show_what_tells_them_apart():
    from conformance.checks.base import other_customer

    assert other_customer({"customerRef": "a"}, {"customerRef": "b"})
    assert not other_customer({"customerRef": "a"}, {"customerRef": "a", "ssoId": "s"})
    assert not other_customer({"customerRef": "a"}, {"ssoId": "s"})  # nothing to compare
    assert other_customer({"ssoId": "s", "customerRef": None}, {"ssoId": "t"})


def test_a_probe_is_claimed_once_per_key_within_the_budget():
    context = RunContext(VIEWS, probe_budget=2)
    assert context.claim_probe("search", "a")
    assert not context.claim_probe("search", "a")  # the same key again
    assert context.claim_probe("search", "b")
    assert not context.claim_probe("search", "c")  # budget spent
    assert context.claim_probe("verify", "a")  # each kind has its own budget
    assert context.probed == {"search": {"a", "b"}, "verify": {"a"}}


def test_a_zero_budget_claims_nothing():
    assert not RunContext(VIEWS, probe_budget=0).claim_probe("k", "a")


def test_where_places_an_operation_in_its_spec_file():
    context = RunContext(VIEWS)
    assert context.where("GetCustomer") == "paths/customer-by-id.yaml#/get"
    assert context.where("SearchCustomers") == "paths/customers-search.yaml#/post"


class Headers(dict):
    """schemathesis' response headers: name -> list of values."""


def fake_case(operation_id="GetCustomer", method="GET", path="/customers/{customerId}", **kw):
    operation = SimpleNamespace(
        definition=SimpleNamespace(raw={"operationId": operation_id} if operation_id else {}),
        method=method,
        path=path,
        schema=kw.pop("schema", None),
    )
    return SimpleNamespace(operation=operation, path_parameters=kw.pop("path_parameters", None))


def fake_response(status=200, headers=None, content=b"", request=None):
    return SimpleNamespace(
        status_code=status,
        headers=Headers(headers or {}),
        content=content,
        request=request or SimpleNamespace(headers={}, body=None, url=""),
    )


def test_seen_from_reduces_a_schemathesis_exchange():
    request = SimpleNamespace(
        headers={"Authorization": "Bearer t", "Api-Version": "1"},
        body=b'{"filter": {"givenName": "A"}}',
        url="http://t/customers/1?api-version=1&x=y",
    )
    response = fake_response(
        404,
        {"Content-Type": ["application/problem+json"], "X-Empty": [], "Retry-After": ["1", "2"]},
        b'{"type": "missing"}',
        request,
    )
    made = exchange_from(response, fake_case(path_parameters={"customerId": "1"}))
    assert made == Exchange(
        operation_id="GetCustomer",
        method="get",
        path="/customers/{customerId}",
        status=404,
        headers={"content-type": "application/problem+json", "retry-after": "1"},
        body={"type": "missing"},
        request_headers={"authorization": "Bearer t", "api-version": "1"},
        request_body={"filter": {"givenName": "A"}},
        path_parameters={"customerId": "1"},
        query={"api-version": "1", "x": "y"},
        content=b'{"type": "missing"}',
        url="http://t/customers/1?api-version=1&x=y",
        request_content=b'{"filter": {"givenName": "A"}}',
    )
    assert made.token == "t"
    assert made.label == "GET /customers/{customerId}"
    assert made.raw == b'{"type": "missing"}'  # the bytes as sent


def test_an_exchange_built_by_hand_writes_its_body_back_as_raw_bytes():
    assert seen(body={"a": 1}).raw == b'{"a": 1}'
    assert seen().raw == b""


def test_exchange_from_stringifies_path_parameters_and_encodes_a_text_body():
    request = SimpleNamespace(headers={}, body='{"a": 1}', url="http://t/customers/7")
    made = exchange_from(
        fake_response(200, {}, b"{}", request), fake_case(path_parameters={"customerId": 7})
    )
    assert made.path_parameters == {"customerId": "7"}
    assert (made.request_content, made.request_body) == (b'{"a": 1}', {"a": 1})


def test_seen_from_tolerates_a_bare_request_and_a_body_that_is_not_json():
    request = SimpleNamespace()  # no headers, body or url attributes
    made = exchange_from(fake_response(200, {}, b"not json", request), fake_case(operation_id=None))
    assert (made.operation_id, made.body, made.request_headers, made.request_body) == (
        "",
        None,
        {},
        None,
    )
    assert made.path_parameters == {} and made.query == {}


class FollowUp:
    """An operation's Case(...).call(...) as schemathesis gives it: records what it was asked."""

    def __init__(self, log: list, operation_id: str, auth_provider: bool = False) -> None:
        self.log = log
        self.operation_id = operation_id
        self.operation = SimpleNamespace(
            definition=SimpleNamespace(raw={"operationId": operation_id}),
            method="POST",
            path="/customers/search",
            app=None,
            # the run's auth provider (OAuth2), when it has one
            schema=SimpleNamespace(auth=SimpleNamespace(is_defined=auth_provider)),
        )

    def Case(self, **kwargs):
        self.log.append(("case", self.operation_id, kwargs))
        follow = SimpleNamespace(
            operation=self.operation, path_parameters=kwargs["path_parameters"]
        )

        def call(headers, **transport):
            self.log.append(("call", {**dict(headers), **transport}))
            return fake_response(200, {"Content-Type": ["application/json"]}, b'{"values": []}')

        follow.call = call
        return follow


def test_caller_asks_again_forwarding_only_token_version_and_session():
    log: list = []
    schema = SimpleNamespace(find_operation_by_id=lambda oid: FollowUp(log, oid))
    original = seen(
        request_headers={
            "authorization": "Bearer t",
            "api-version": "1",
            "client-session-id": "s",
            "x-other": "dropped",
            "content-type": "application/json",
        }
    )
    answer = caller(fake_case(schema=schema), original)(
        "SearchCustomers", body={"filter": {"givenName": "A"}}, headers={"X-Extra": "1"}
    )
    assert log == [
        (
            "case",
            "SearchCustomers",
            {
                "path_parameters": {},
                "body": {"filter": {"givenName": "A"}},
                "media_type": "application/json",
            },
        ),
        (
            "call",
            {
                "authorization": "Bearer t",
                "api-version": "1",
                "client-session-id": "s",
                "X-Extra": "1",
            },
        ),
    ]
    assert (answer.operation_id, answer.status, answer.body) == (
        "SearchCustomers",
        200,
        {"values": []},
    )


def test_caller_hands_every_follow_up_answer_to_the_observer():
    log: list = []
    observed: list = []
    schema = SimpleNamespace(find_operation_by_id=lambda oid: FollowUp(log, oid))
    context = RunContext(VIEWS, observe=observed.append)
    answer = caller(fake_case(schema=schema), seen(), context)(
        "SearchCustomers", body={"filter": {"givenName": "A"}}
    )
    assert observed == [answer]


def test_caller_without_a_body_sends_path_parameters_only():
    log: list = []
    schema = SimpleNamespace(find_operation_by_id=lambda oid: FollowUp(log, oid))
    caller(fake_case(schema=schema), seen())("GetCustomer", path_parameters={"customerId": "9"})
    assert log[0] == ("case", "GetCustomer", {"path_parameters": {"customerId": "9"}})
    assert log[1] == ("call", {})


def test_with_an_auth_provider_the_probe_gets_a_fresh_token_not_the_originals(monkeypatch):
    import schemathesis.auths

    log: list = []
    applied = []
    monkeypatch.setattr(
        schemathesis.auths, "set_on_case", lambda case, context, _: applied.append(case)
    )
    schema = SimpleNamespace(
        find_operation_by_id=lambda oid: FollowUp(log, oid, auth_provider=True)
    )
    original = seen(request_headers={"authorization": "Bearer old", "api-version": "1"})
    caller(fake_case(schema=schema), original)("GetCustomer", path_parameters={"customerId": "9"})
    assert len(applied) == 1 and applied[0].path_parameters == {"customerId": "9"}
    assert log[1] == ("call", {"api-version": "1"})  # the original token is not replayed


def test_adapt_names_the_function_and_does_nothing_outside_a_run(monkeypatch):
    called = []
    spec = CheckSpec("my_check", lambda ctx, s, call: called.append(s), "My check.")
    adapted = adapt(spec)
    assert (adapted.__name__, adapted.__doc__) == ("my_check", "My check.")
    monkeypatch.setattr(base, "_ACTIVE", None)
    assert adapted(None, fake_response(), fake_case()) is None
    assert called == []


def test_adapt_runs_the_check_on_the_seen_exchange_with_the_active_context(monkeypatch):
    called = []
    context = RunContext(VIEWS)
    spec = CheckSpec("my_check", lambda ctx, s, call: called.append((ctx, s, call)), "")
    monkeypatch.setattr(base, "_ACTIVE", context)
    assert adapt(spec)(None, fake_response(201), fake_case()) is None
    ((ctx, made, call),) = called
    assert ctx is context and made.status == 201 and callable(call)


def test_adapt_lets_a_violation_through_to_schemathesis(monkeypatch):
    def failing(ctx, s, call):
        raise violation(s, "T", "M", "self.repeatable")

    monkeypatch.setattr(base, "_ACTIVE", RunContext(VIEWS))
    with pytest.raises(Violation, match="M"):
        adapt(CheckSpec("failing", failing, ""))(None, fake_response(), fake_case())


def test_the_check_decorator_registers_name_function_and_first_doc_line(monkeypatch):
    monkeypatch.setattr(base, "REGISTRY", {})

    def sample_check(ctx, s, call):
        """First line.

        More detail."""

    assert check(sample_check) is sample_check
    registry = base.REGISTRY
    assert registry == {"sample_check": CheckSpec("sample_check", sample_check, "First line.")}


def test_a_check_without_a_docstring_registers_with_an_empty_doc(monkeypatch):
    monkeypatch.setattr(base, "REGISTRY", {})

    def undocumented(ctx, s, call):
        pass

    check(undocumented)
    registry = base.REGISTRY
    assert registry == {"undocumented": CheckSpec("undocumented", undocumented, "")}


def test_the_package_registry_holds_our_checks_and_schemathesis_does_not():
    assert {"token_identity", "search_results_match_filter", "problem_details"} <= set(REGISTRY)
    assert not set(REGISTRY) & set(CHECKS.get_all_names())


def test_registered_hands_our_checks_to_schemathesis_for_one_run_only():
    context = RunContext(VIEWS)
    with registered(context) as names:
        assert sorted(names) == sorted(REGISTRY)
        assert set(names) <= set(CHECKS.get_all_names())
        assert base._ACTIVE is context
    assert not set(REGISTRY) & set(CHECKS.get_all_names())
    assert base._ACTIVE is None


def test_registered_with_names_hands_over_only_those():
    with registered(RunContext(VIEWS), frozenset({"token_identity", "not_ours"})) as names:
        assert names == ["token_identity"]
        assert "problem_details" not in CHECKS.get_all_names()
    assert "token_identity" not in CHECKS.get_all_names()


def test_registered_cleans_up_after_an_error():
    with pytest.raises(RuntimeError, match="boom"), registered(RunContext(VIEWS)):
        raise RuntimeError("boom")
    assert base._ACTIVE is None and not set(REGISTRY) & set(CHECKS.get_all_names())


def test_a_name_schemathesis_already_has_is_refused():
    def token_identity(ctx, response, case):
        return None

    CHECKS.register(token_identity)
    try:
        with (
            pytest.raises(
                RuntimeError, match=r"already registered with schemathesis: \['token_identity'\]"
            ),
            registered(RunContext(VIEWS)),
        ):
            pass
        assert base._ACTIVE is None
    finally:
        CHECKS.unregister("token_identity")


def test_no_check_writes_a_level_and_every_rule_named_is_in_the_contract():
    import ast
    from pathlib import Path

    from ndt_contract.evidence import LEVELS

    import conformance.checks as package

    rules = RunContext(VIEWS).rules
    for source in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in LEVELS, f"{source.name}: level literal {node.value!r}"
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "violation":
                assert len(node.args) > 3, (source.name, node.lineno)  # it names a rule
                named = {a.value for a in node.args[3:] if isinstance(a, ast.Constant)}
                assert named <= set(rules), (source.name, node.lineno, named)


def test_a_follow_up_carries_the_runs_headers_and_transport_and_drops_a_header_given_none():
    log: list = []
    schema = SimpleNamespace(find_operation_by_id=lambda oid: FollowUp(log, oid))
    context = RunContext(
        VIEWS, headers={"X-Team": "qa", "Authorization": "Bearer run"}, transport={"verify": False}
    )
    original = seen(request_headers={"authorization": "Bearer original"})
    caller(fake_case(schema=schema), original, context)(
        "GetCustomer", path_parameters={"customerId": "9"}, headers={"authorization": None}
    )
    assert log[1] == ("call", {"authorization": None, "X-Team": "qa", "verify": False})
