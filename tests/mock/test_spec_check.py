"""The contract's OpenAPI check: ours (jsonschema_rs) on connexion's schema, read without
importing connexion; connexion's own check skipped only inside `connexion_skips_its_check`."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import pytest
import yaml
from connexion.spec import OpenAPISpecification, Specification
from ndt_contract import ContractError, load_contract
from ndt_contract.openapi_check import check_openapi, openapi_errors, openapi_schema

from mock_server.spec_check import connexion_skips_its_check

MOCK = [sys.executable, "-m", "ndt_cli", "mock", "--port", "0"]


def broken_contract(edit):
    contract = load_contract()
    document = copy.deepcopy(dict(contract.document))
    edit(document)
    return type(contract)(MappingProxyType(document), contract.source, contract.operations)


def test_the_contract_is_valid_openapi():
    assert openapi_errors(load_contract().document) == []
    check_openapi(load_contract())


def test_an_unknown_top_level_key_is_named():
    contract = broken_contract(lambda d: d.update(bogus=1))
    with pytest.raises(ContractError, match=r"not valid OpenAPI 3\.0: /: .*'bogus'"):
        check_openapi(contract)


def test_the_place_of_a_nested_error_is_a_pointer():
    def edit(document):
        document["paths"]["/customers"]["get"]["responses"] = "none"

    assert openapi_errors(broken_contract(edit).document, limit=1) == [
        '/paths/~1customers/get/responses: "none" is not of type "object"'
    ]


def test_at_most_limit_errors_are_reported():
    def edit(document):
        document.update(a=1, b=2, c=3, d=4)
        document["info"] = "x"

    assert len(openapi_errors(broken_contract(edit).document, limit=2)) == 2


def test_the_schema_is_connexions_own_openapi_3_schema():
    assert openapi_schema() == OpenAPISpecification.openapi_schema


@pytest.mark.live
def test_the_check_does_not_import_connexion():
    """The API answers before connexion is imported (swagger_ui.py): the check must not."""
    code = (
        "import sys; from ndt_contract import load_contract; "
        "from ndt_contract.openapi_check import check_openapi; check_openapi(load_contract()); "
        "print('connexion' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_connexion_skips_its_check_only_inside_and_gets_it_back():
    inherited = Specification.__dict__["_validate_spec"]
    with connexion_skips_its_check():
        assert OpenAPISpecification._validate_spec({"not": "a spec"}) is None
    assert "_validate_spec" not in OpenAPISpecification.__dict__
    assert OpenAPISpecification.__dict__.get("_validate_spec", inherited) is inherited


def test_connexion_gets_its_check_back_when_the_block_raises():
    with pytest.raises(RuntimeError), connexion_skips_its_check():
        raise RuntimeError("boom")
    assert "_validate_spec" not in OpenAPISpecification.__dict__


def test_a_class_of_its_own_check_is_put_back_as_it_was():
    def own(cls, spec):
        raise AssertionError("own check")

    OpenAPISpecification._validate_spec = classmethod(own)
    try:
        with connexion_skips_its_check():
            assert OpenAPISpecification._validate_spec({}) is None
        assert OpenAPISpecification.__dict__["_validate_spec"].__func__ is own
    finally:
        del OpenAPISpecification._validate_spec


def copied_spec(tmp_path: Path) -> Path:
    spec = Path(load_contract().source).parent
    copy_root = tmp_path / "spec"
    for path in spec.rglob("*.yaml"):
        if "ndt_contract" in path.parts:
            continue
        target = copy_root / path.relative_to(spec)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    return copy_root / "openapi.yaml"


def refusal(root: Path, *args: str) -> list[str]:
    result = subprocess.run(
        [*MOCK, *args, "--spec", str(root)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stdout + result.stderr
    return result.stderr.strip().splitlines()


@pytest.mark.live
@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_mock_refuses_an_invalid_spec_in_one_line(tmp_path: Path, workers: str):
    root = copied_spec(tmp_path)
    document = yaml.safe_load(root.read_text())
    document["bogusTopLevel"] = 1
    root.write_text(yaml.safe_dump(document, sort_keys=False))
    assert refusal(root, "--workers", workers) == [
        f"ndt-customer mock: {root}: not valid OpenAPI 3.0: /: Additional properties are not "
        "allowed ('bogusTopLevel' was unexpected)"
    ]


@pytest.mark.live
def test_a_wrong_shape_deep_in_the_spec_is_one_line_before_anything_reads_it(tmp_path: Path):
    """Valid YAML, wrong shape: the mock's own readers (search cap, profile schema) would
    crash on it with a TypeError; the check runs before them."""
    root = copied_spec(tmp_path)
    by_id = root.parent / "paths" / "customer-by-id.yaml"
    document = yaml.safe_load(by_id.read_text())
    document["get"]["responses"]["200"] = 42
    by_id.write_text(yaml.safe_dump(document, sort_keys=False))
    (line,) = refusal(root)
    assert line.startswith(f"ndt-customer mock: {root}: not valid OpenAPI 3.0: ")
    assert "/paths/~1customers~1{customerId}/get/responses/200: 42 is not valid" in line
