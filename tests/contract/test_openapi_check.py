"""The one OpenAPI 3.0 check, as lint reports it: every error, each at its JSON pointer."""

from ndt_contract.lint.rules import Problem, check_openapi
from ndt_contract.openapi_check import iter_errors

MINIMAL = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}


def test_a_minimal_document_has_no_errors():
    assert list(iter_errors(MINIMAL)) == []
    assert list(check_openapi(MINIMAL, "openapi.yaml")) == []


def test_lint_names_each_error_at_its_pointer():
    document = {**MINIMAL, "bogus": 1, "paths": {"/a/{b}": {"get": {"responses": "none"}}}}
    problems = sorted(check_openapi(document, "openapi.yaml"))
    assert [p.pointer for p in problems] == ["/", "/paths/~1a~1{b}/get/responses"]
    assert all(isinstance(p, Problem) and p.file == "openapi.yaml" for p in problems)
    assert all(p.message.startswith("OpenAPI 3.0: ") for p in problems)
    assert "'bogus' was unexpected" in problems[0].message
