import subprocess
import sys
from pathlib import Path

import pytest
from ndt_contract import load_contract, spec_root

OPERATIONS = {
    "GetCustomer": ("get", "/customers/{customerId}"),
    "GetCustomerByAccessToken": ("get", "/customers"),
    "SearchCustomers": ("post", "/customers/search"),
    "VerifyEmail": ("post", "/customers/supported-formats/email-address"),
    "VerifyPhoneNumber": ("post", "/customers/supported-formats/phone-number"),
}


def test_every_operation_is_present_with_its_method_and_path():
    contract = load_contract()
    found = {op.operation_id: (op.method, op.path) for op in contract.operations.values()}
    assert found == OPERATIONS


def test_no_ref_survives_resolution():
    def refs(node):
        if isinstance(node, dict):
            yield from (["$ref"] if "$ref" in node else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    assert list(refs(dict(load_contract().document))) == []


def test_servers_are_the_published_ones_plus_the_mock():
    urls = [s["url"] for s in load_contract().servers()]
    assert urls[:2] == [
        "https://dapi.stg-newdaytechnology.net/customer-service",
        "https://dapi.newdaytechnology.net/customer-service",
    ]
    assert load_contract().production_urls() == [
        "https://dapi.newdaytechnology.net/customer-service"
    ]


def test_the_seven_models_exist():
    contract = load_contract()
    for name in (
        "BadRequestProblem",
        "CustomerProfile",
        "SearchRequest",
        "SearchResponse",
        "GbrAddressRequest",
        "EmailValidationRequest",
        "UkMobileValidationRequest",
    ):
        assert contract.schema(name)


def test_search_links_to_get_customer():
    links = load_contract().operation("SearchCustomers").response(200)["links"]
    assert any(link["operationId"] == "GetCustomer" for link in links.values())


def test_schema_copies_do_not_write_through():
    contract = load_contract()
    contract.schema("CustomerProfile")["required"].append("nonsense")
    assert "nonsense" not in contract.schema("CustomerProfile")["required"]


@pytest.mark.live
def test_loader_works_from_any_directory(tmp_path: Path):
    code = "from ndt_contract import load_contract; print(len(load_contract().operations))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "5"
    assert (spec_root() / "openapi.yaml").is_file()
