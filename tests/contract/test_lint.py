import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ndt_contract.lint.rules import lint
from ndt_contract.loader import spec_root


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    """A writable copy of the spec (YAML only)."""
    root = spec_root()
    target = tmp_path / "spec"
    for path in root.rglob("*.yaml"):
        if "ndt_contract" in path.parts:
            continue
        dest = target / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest)
    return target


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def messages(spec: Path) -> list[str]:
    return [str(p) for p in lint(spec / "openapi.yaml")]


def test_the_spec_lints_clean():
    assert lint(spec_root() / "openapi.yaml") == []


@pytest.mark.live
def test_cli_exits_0_on_the_spec():
    out = subprocess.run([sys.executable, "-m", "ndt_cli", "lint"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "clean" in out.stdout


def test_dangling_ref_names_file_and_pointer(spec_copy: Path):
    replace(
        spec_copy / "paths/customers.yaml", "responses.yaml#/Forbidden", "responses.yaml#/Missing"
    )
    assert messages(spec_copy) == [
        "spec/paths/customers.yaml#/get/responses/403: "
        "$ref '../components/responses.yaml#/Missing': nothing at #/Missing"
    ]


def test_ref_to_missing_file(spec_copy: Path):
    replace(spec_copy / "openapi.yaml", "paths/customers.yaml", "paths/nowhere.yaml")
    (problem,) = messages(spec_copy)
    assert problem.startswith("spec/openapi.yaml#/paths/~1customers: ")
    assert "no file 'paths/nowhere.yaml'" in problem


def test_example_violating_its_schema(spec_copy: Path):
    replace(spec_copy / "components/parameters.yaml", '"0003911000001668971"', '"12345"')
    (problem,) = messages(spec_copy)
    assert problem.startswith(
        "spec/paths/customer-by-id.yaml#/paths/~1customers~1{customerId}/parameters/0/examples/"
    )
    assert "'12345' does not match '^[0-9]{19}$'" in problem


def test_response_example_with_wrong_type(spec_copy: Path):
    replace(spec_copy / "components/examples.yaml", "verified: true", "verified: yes please")
    found = messages(spec_copy)
    assert found and all("'yes please' is not of type 'boolean'" in m for m in found)


def test_operation_without_400(spec_copy: Path):
    replace(
        spec_copy / "paths/verify-email.yaml",
        '    "400":\n      $ref: ../components/responses.yaml#/BadRequest\n',
        "",
    )
    assert (
        "spec/paths/verify-email.yaml#/paths/~1customers~1supported-formats~1email-address/post/responses: "
        "VerifyEmail: no 400 response"
    ) in messages(spec_copy)


def test_operation_without_operation_id_or_description(spec_copy: Path):
    replace(spec_copy / "paths/customers.yaml", "  operationId: GetCustomerByAccessToken\n", "")
    found = messages(spec_copy)
    assert any(m.endswith("GET /customers: no operationId") for m in found)


def test_yaml_syntax_error_names_file_and_line(spec_copy: Path):
    replace(spec_copy / "components/headers.yaml", "  required: true", "  required: [true")
    (problem,) = messages(spec_copy)
    assert problem.startswith("spec/components/headers.yaml#: YAML syntax error at line ")


@pytest.mark.live
def test_cli_exits_1_with_one_line_per_problem(spec_copy: Path):
    replace(spec_copy / "components/parameters.yaml", '"0003911000001668971"', '"12345"')
    replace(
        spec_copy / "paths/customers.yaml", "responses.yaml#/Forbidden", "responses.yaml#/Missing"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ndt_cli",
            "lint",
            "--spec",
            str(spec_copy / "openapi.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stdout.splitlines()[-1].startswith("1 problem(s)")  # refs stop resolution first


def test_missing_root_file(tmp_path: Path):
    assert [p.message for p in lint(tmp_path / "openapi.yaml")] == ["no such file"]
