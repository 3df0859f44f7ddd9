"""`ndt-customer diff`: a catalogue of spec pairs, one per rule, built from the real spec.

Each case copies spec/ into a temporary folder twice (base and head), edits the YAML files of
one or both, resolves both and asserts the exact set of rules reported and where. A case that
expects nothing (a `$ref` moved to another file, a `$ref` inlined) proves that resolution hides
moves that change nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from ndt_contract.bundle import load_yaml
from ndt_contract.diff.documents import diff_documents
from ndt_contract.diff.report import render_junit, render_markdown, render_text
from ndt_contract.diff.rules import RULES, Change, rule_level
from ndt_contract.diff.sources import SourceError, load_version
from ndt_contract.diff.version import check_version, parse_version
from ndt_contract.evidence import source_levels
from ndt_contract.loader import load_contract, spec_root

VE = "/paths/~1customers~1supported-formats~1email-address/post"
VP = "/paths/~1customers~1supported-formats~1phone-number/post"
GC = "/paths/~1customers~1{customerId}/get"
EMAIL_SCHEMA = f"{VE}/requestBody/content/application~1json/schema"
REPO = Path(__file__).resolve().parents[2]


def resolve(path: Path) -> dict[str, Any]:
    """The document at `path` resolved as `diff` resolves it."""
    return load_contract(path).to_dict()


Files = dict[str, Any]  # spec-relative file name -> its parsed YAML, edited in place


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Quotes every string, so "0003911000001668971" cannot come back as a number."""


_Dumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
)


def build(target: Path, edit: Callable[[Files], None] | None = None) -> Path:
    """A copy of the real spec under `target`, every file parsed and dumped again (so both
    sides of a pair are written the same way), after `edit`; returns its openapi.yaml."""
    root = spec_root()
    files: Files = {}
    for path in sorted(root.rglob("*.yaml")):
        if "ndt_contract" not in path.parts:
            files[path.relative_to(root).as_posix()] = load_yaml(path.read_text())
    if edit:
        edit(files)
    for name, data in files.items():
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True))
    return target / "openapi.yaml"


# --- edits ------------------------------------------------------------------------------------
def schemas(f: Files) -> dict:
    return f["components/schemas.yaml"]


def email_request(f: Files) -> dict:
    return schemas(f)["EmailValidationRequest"]


def verify_email(f: Files) -> dict:
    return f["paths/verify-email.yaml"]["post"]


def verification(f: Files) -> dict:
    return schemas(f)["VerificationResponse"]


def set_version(version: str) -> Callable[[Files], None]:
    def edit(f: Files) -> None:
        f["openapi.yaml"]["info"]["version"] = version

    return edit


def both(*edits: Callable[[Files], None]) -> Callable[[Files], None]:
    def edit(f: Files) -> None:
        for one in edits:
            one(f)

    return edit


def remove_phone_path(f):
    del f["openapi.yaml"]["paths"]["/customers/supported-formats/phone-number"]


def add_delete_operation(f):
    f["paths/customer-by-id.yaml"]["delete"] = {
        "operationId": "DeleteCustomer",
        "responses": {"204": {"description": "gone"}},
    }


def remove_429(f):
    del verify_email(f)["responses"]["429"]


def add_403(f):
    verify_email(f)["responses"]["403"] = {"description": "Forbidden"}


def drop_required(schema: dict, name: str) -> None:
    schema["required"].remove(name)
    if not schema["required"]:  # OpenAPI 3.0 wants a non-empty list or none
        del schema["required"]


def remove_verified(f):
    verification(f)["properties"].pop("verified")
    drop_required(verification(f), "verified")


def add_reason(f):
    verification(f)["properties"]["reason"] = {"type": "string"}


def verified_optional(f):
    del verification(f)["required"]


def verified_as_string(f):
    verification(f)["properties"]["verified"]["type"] = "string"


def drop_applicant(f):
    schemas(f)["CustomerProfile"]["properties"]["status"]["enum"].remove("Applicant")


def add_closed_status(f):
    schemas(f)["CustomerProfile"]["properties"]["status"]["enum"].append("Closed")


def shorter_title(f):
    schemas(f)["CustomerProfile"]["properties"]["title"]["maxLength"] = 10


def remove_retry_after(f):
    del f["components/responses.yaml"]["TooManyRequests"]["headers"]["Retry-After"]


def add_response_header(f):
    verify_email(f)["responses"]["200"]["headers"]["X-Cost"] = {"schema": {"type": "integer"}}


def add_channel(required: bool):
    def edit(f):
        email_request(f)["properties"]["channel"] = {"type": "string"}
        if required:
            email_request(f)["required"].append("channel")

    return edit


def add_header_parameter(required: bool):
    def edit(f):
        verify_email(f)["parameters"].append(
            {
                "name": "X-Partner-Id",
                "in": "header",
                "required": required,
                "schema": {"type": "string"},
            }
        )

    return edit


def api_version_required(f):
    f["components/parameters.yaml"]["ApiVersionHeader"]["required"] = True


def remove_session_parameter(f):
    params = verify_email(f)["parameters"]
    params[:] = [p for p in params if "ClientSessionId" not in p.get("$ref", "")]


def email_field(key: str, value: Any):
    def edit(f):
        field = email_request(f)["properties"]["emailAddress"]
        if value is None:
            field.pop(key)
        else:
            field[key] = value

    return edit


def api_version_enum(values: list[str]):
    def edit(f):
        f["components/parameters.yaml"]["ApiVersionHeader"]["schema"]["enum"] = values

    return edit


def open_email_request(f):
    del email_request(f)["additionalProperties"]


def remove_email_field(f):
    email_request(f)["properties"].pop("emailAddress")
    drop_required(email_request(f), "emailAddress")


def body_required(value: bool):
    def edit(f):
        verify_email(f)["requestBody"]["required"] = value

    return edit


def rename_response_media(f):
    content = verify_email(f)["responses"]["200"]["content"]
    content["application/vnd.newday+json"] = content.pop("application/json")


def rename_request_media(f):
    content = verify_email(f)["requestBody"]["content"]
    content["application/vnd.newday+json"] = content.pop("application/json")


def add_request_media(f):
    content = verify_email(f)["requestBody"]["content"]
    content["application/x-www-form-urlencoded"] = dict(content["application/json"])


def get_customer_security(ways: list[dict]):
    def edit(f):
        f["paths/customer-by-id.yaml"]["get"]["security"] = ways

    return edit


def describe_differently(f):
    verify_email(f)["description"] = "Checks that an email address exists."


def change_example(f):
    examples = verify_email(f)["requestBody"]["content"]["application/json"]["examples"]
    examples["deliverable"]["value"] = {"emailAddress": "someone.else@example.com"}


def change_assumption(f):
    verify_email(f)["x-assumption"] = "Another reading."


def rename_operation(f):
    verify_email(f)["operationId"] = "VerifyEmailAddress"


def move_email_schema_to_its_own_file(f):
    f["components/verification-requests.yaml"] = {
        "EmailValidationRequest": schemas(f).pop("EmailValidationRequest")
    }
    ref = "verification-requests.yaml#/EmailValidationRequest"
    f["openapi.yaml"]["components"]["schemas"]["EmailValidationRequest"] = {
        "$ref": f"components/{ref}"
    }
    media = verify_email(f)["requestBody"]["content"]["application/json"]
    media["schema"] = {"$ref": f"../components/{ref}"}


def rename_customer_id_path_parameter(f):
    paths = f["openapi.yaml"]["paths"]
    f["openapi.yaml"]["paths"] = {
        ("/customers/{id}" if key == "/customers/{customerId}" else key): value
        for key, value in paths.items()
    }
    f["components/parameters.yaml"]["CustomerId"]["name"] = "id"
    link = f["paths/customers-search.yaml"]["post"]["responses"]["200"]["links"]
    for value in link.values():  # the link names the parameter it fills
        value["parameters"] = {"id": value["parameters"].pop("customerId")}


def inline_email_schema(f):
    media = verify_email(f)["requestBody"]["content"]["application/json"]
    media["schema"] = dict(email_request(f))


def claim_verified(sources: str | list[str]):
    def edit(f):
        f["openapi.yaml"]["x-evidence-sources"] = {
            "provider.reference": {"level": "known", "cites": "provider reference"},
            "standard.errors": {"level": "standard", "cites": "NewDay API standards"},
        }
        verification(f)["x-evidence"] = {"properties/verified": sources}

    return edit


@dataclass(frozen=True)
class Case:
    id: str
    head: Callable[[Files], None]
    expected: dict[str, str]  # rule -> a part of every pointer reported under it
    base: Callable[[Files], None] | None = None


V200 = "/responses/200/content/application~1json/schema"
CATALOGUE = [
    Case("operation-removed", remove_phone_path, {"operation-removed": VP}),
    Case("operation-added", add_delete_operation, {"operation-added": "{customerId}/delete"}),
    Case("status-removed", remove_429, {"status-removed": f"{VE}/responses/429"}),
    Case("status-added", add_403, {"status-added": f"{VE}/responses/403"}),
    Case(
        "response-field-removed",
        remove_verified,
        {"response-field-removed": "/properties/verified"},
    ),
    Case("response-field-added", add_reason, {"response-field-added": "/properties/reason"}),
    Case(
        "response-field-optional",
        verified_optional,
        {"response-field-optional": f"{V200}/required"},
    ),
    Case(
        "response-type-changed",
        verified_as_string,
        {"response-type-changed": "/properties/verified"},
    ),
    Case(
        "response-enum-value-removed",
        drop_applicant,
        {"response-enum-value-removed": "/properties/status"},
    ),
    Case(
        "response-enum-value-added",
        add_closed_status,
        {"response-enum-value-added": "/properties/status"},
    ),
    Case(
        "response-constraint-changed",
        shorter_title,
        {"response-constraint-changed": "/properties/title"},
    ),
    Case(
        "response-header-removed",
        remove_retry_after,
        {"response-header-removed": "/responses/429/headers/Retry-After"},
    ),
    Case("response-header-added", add_response_header, {"response-field-added": "/headers/X-Cost"}),
    Case(
        "new-required-request-field",
        add_channel(required=True),
        {"request-field-required": f"{EMAIL_SCHEMA}/properties/channel"},
    ),
    Case(
        "request-field-became-required",
        add_channel(required=True),
        {"request-field-required": f"{EMAIL_SCHEMA}/required"},
        base=add_channel(required=False),
    ),
    Case(
        "request-field-became-optional",
        add_channel(required=False),
        {"request-widened": f"{EMAIL_SCHEMA}/required"},
        base=add_channel(required=True),
    ),
    Case(
        "request-field-added",
        add_channel(required=False),
        {"request-field-added": f"{EMAIL_SCHEMA}/properties/channel"},
    ),
    Case(
        "new-required-parameter",
        add_header_parameter(required=True),
        {"parameter-required": f"{VE}/parameters/3"},
    ),
    Case(
        "parameter-added",
        add_header_parameter(required=False),
        {"parameter-added": f"{VE}/parameters/3"},
    ),
    Case(
        "parameter-became-required", api_version_required, {"parameter-required": "/parameters/0"}
    ),
    Case(
        "parameter-removed",
        remove_session_parameter,
        {"request-element-removed": f"{VE}/parameters/2"},
    ),
    Case(
        "request-maxLength-narrowed",
        email_field("maxLength", 100),
        {"request-narrowed": f"{EMAIL_SCHEMA}/properties/emailAddress"},
    ),
    Case(
        "request-maxLength-widened",
        email_field("maxLength", 320),
        {"request-widened": f"{EMAIL_SCHEMA}/properties/emailAddress"},
    ),
    Case(
        "request-minLength-narrowed",
        email_field("minLength", 6),
        {"request-narrowed": "/emailAddress"},
    ),
    Case(
        "request-pattern-changed",
        email_field("pattern", "^[a-z]+@[a-z.]+$"),
        {"request-narrowed": "/emailAddress"},
    ),
    Case(
        "request-pattern-removed",
        email_field("pattern", None),
        {"request-widened": "/emailAddress"},
    ),
    Case(
        "request-format-removed", email_field("format", None), {"request-widened": "/emailAddress"}
    ),
    Case(
        "request-type-narrowed",
        email_field("type", "integer"),
        {"request-narrowed": "/emailAddress"},
    ),
    Case(
        "request-enum-value-removed",
        api_version_enum(["1"]),
        {"request-narrowed": "/parameters/0/schema"},
    ),
    Case(
        "request-enum-value-added",
        api_version_enum(["1", "1.0", "2"]),
        {"request-widened": "/parameters/0/schema"},
    ),
    Case(
        "request-object-closed",
        lambda f: None,
        {"request-narrowed": EMAIL_SCHEMA},
        base=open_email_request,
    ),
    Case(
        "request-field-removed-from-a-closed-object",
        remove_email_field,
        {"request-narrowed": f"{EMAIL_SCHEMA}/properties/emailAddress"},
    ),
    Case(
        "request-body-became-required",
        body_required(True),
        {"parameter-required": f"{VE}/requestBody"},
        base=body_required(False),
    ),
    Case(
        "request-body-became-optional",
        body_required(False),
        {"request-widened": f"{VE}/requestBody"},
    ),
    Case(
        "response-media-type-changed",
        rename_response_media,
        {
            "media-type-changed": "/responses/200/content/application~1json",
            "media-type-added": "/responses/200/content/application~1vnd.newday+json",
        },
    ),
    Case(
        "request-media-type-changed",
        rename_request_media,
        {
            "media-type-changed": f"{VE}/requestBody/content/application~1json",
            "media-type-added": f"{VE}/requestBody/content/application~1vnd.newday+json",
        },
    ),
    Case(
        "request-media-type-added",
        add_request_media,
        {"media-type-added": "/requestBody/content/application~1x-www-form-urlencoded"},
    ),
    Case(
        "security-narrowed",
        get_customer_security([{"customerAccessToken": []}]),
        {"security-narrowed": f"{GC}/security"},
        base=get_customer_security([{}, {"customerAccessToken": []}]),
    ),
    Case(
        "security-widened",
        get_customer_security([{}, {"customerAccessToken": []}]),
        {"security-widened": f"{GC}/security"},
        base=get_customer_security([{"customerAccessToken": []}]),
    ),
    Case("documentation", describe_differently, {"documentation": f"{VE}/description"}),
    Case("example", change_example, {"example": "/requestBody/content/application~1json/examples"}),
    Case("annotation", change_assumption, {"annotation": f"{VE}/x-assumption"}),
    Case("other-change", rename_operation, {"changed": f"{VE}/operationId"}),
    Case("nothing-changed", lambda f: None, {}),
    Case("ref-moved-to-another-file", move_email_schema_to_its_own_file, {}),
    Case("ref-inlined", inline_email_schema, {}),
    Case(
        "path-parameter-renamed",
        rename_customer_id_path_parameter,
        {
            "path-parameter-renamed": "/paths/~1customers~1{id}",
            "changed": "/links/GetFirstResult/parameters",
        },
    ),
]


@pytest.fixture(scope="module")
def real_base(tmp_path_factory) -> dict:
    return resolve(build(tmp_path_factory.mktemp("base")))


def run_case(case: Case, tmp_path: Path, real_base: dict):
    base = resolve(build(tmp_path / "base", case.base)) if case.base else real_base
    head = resolve(build(tmp_path / "head", case.head))
    return diff_documents(base, head)


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_catalogue(case: Case, tmp_path: Path, real_base: dict):
    result = run_case(case, tmp_path, real_base)
    assert {c.rule for c in result.changes} == set(case.expected), render_text(result)
    for change in result.changes:
        assert case.expected[change.rule] in change.pointer, change


def test_every_rule_is_pinned_by_the_catalogue():
    pinned = {rule for case in CATALOGUE for rule in case.expected}
    assert pinned == set(RULES)


@pytest.mark.parametrize(
    ("sources", "level"),
    [("provider.reference", "known"), (["standard.errors", "provider.reference"], "known")],
)
def test_a_change_carries_the_evidence_of_the_rule_it_touches(sources, level, tmp_path, real_base):
    base = claim_verified(sources)
    result = run_case(
        Case("claimed", both(base, remove_verified), {}, base=base), tmp_path, real_base
    )
    (rule,) = {c.rule for c in result.changes if c.severity == "breaking"}
    assert rule == "response-field-removed"
    assert {c.evidence for c in result.changes if c.rule == rule} == {level}
    assert {c.claim for c in result.changes if c.rule == rule} == {"properties/verified"}


SOURCES = {"a": {"level": "known"}, "b": {"level": "standard"}, "c": {"level": "bogus"}}


@pytest.mark.parametrize(
    ("node", "level"),
    [
        ({}, "decision"),
        ({"x-evidence": {"enum": "a"}}, "known"),
        ({"x-evidence": {"enum": "b"}}, "standard"),
        ({"x-evidence": {"enum": ["b", "a"]}}, "known"),
        ({"x-evidence": {"enum": "unknown-id"}}, "decision"),
        ({"x-evidence": {"enum": "c"}}, "decision"),
        ({"x-evidence": {"pattern": "a"}}, "decision"),
        (None, "decision"),
    ],
)
def test_rule_level(node, level):
    levels = source_levels({"x-evidence-sources": SOURCES})
    assert rule_level(node, "enum", levels) == level


@pytest.mark.parametrize(
    ("base", "head", "severity", "ok"),
    [
        ("1.0", "2.0", "breaking", True),
        ("1.0", "1.1", "breaking", False),
        ("1.0", "1.1", "minor", True),
        ("1.0", "1.0.1", "minor", False),
        ("1.0", "1.0.1", "patch", True),
        ("1.0", "1.0", "patch", False),
        ("1.0", "1.0", None, True),
        ("1.0", "next", "minor", False),
        ("v1.2.3", "v2", "breaking", True),
    ],
)
def test_version_check(base, head, severity, ok):
    rule = {"breaking": "operation-removed", "minor": "operation-added", "patch": "example"}
    changes = [Change("/x", rule[severity], "m", "decision")] if severity else []
    verdict = check_version(base, head, changes)
    assert verdict.ok is ok
    assert verdict.required == severity


def test_parse_version():
    assert parse_version("1.0") == (1, 0, 0)
    assert parse_version("2") == (2, 0, 0)
    assert parse_version("1.0-beta") is None
    assert parse_version(None) is None


# --- the command, end to end ------------------------------------------------------------------
def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", "diff", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> dict[str, Path]:
    """Folders: the real spec, a breaking change at 1.0, the same at 2.0, a minor change at 1.0."""
    root = tmp_path_factory.mktemp("versions")
    return {
        "base": build(root / "base").parent,
        "breaking": build(root / "breaking", remove_429).parent,
        "major": build(root / "major", both(remove_429, set_version("2.0"))).parent,
        "minor": build(root / "minor", add_403).parent,
    }


@pytest.mark.live
def test_breaking_without_major_bump_exits_1(pair):
    out = cli(str(pair["base"]), str(pair["breaking"]))
    assert out.returncode == 1, out.stderr
    assert "BREAKING  status-removed" in out.stdout
    assert "need a major bump (at least 2.0.0)" in out.stdout


@pytest.mark.live
def test_breaking_with_major_bump_exits_0(pair):
    out = cli(str(pair["base"]), str(pair["major"]))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "major bump, as needed" in out.stdout


@pytest.mark.live
def test_minor_without_bump_passes_unless_strict(pair):
    assert cli(str(pair["base"]), str(pair["minor"])).returncode == 0
    strict = cli(str(pair["base"]), str(pair["minor"]), "--strict-version")
    assert strict.returncode == 1
    assert "need a minor bump" in strict.stdout


@pytest.mark.live
def test_markdown_and_junit_outputs(pair, tmp_path):
    report, junit = tmp_path / "diff.md", tmp_path / "diff.xml"
    out = cli(
        str(pair["base"]),
        str(pair["breaking"] / "openapi.yaml"),
        "--format",
        "markdown",
        "--output",
        str(report),
        "--junit",
        str(junit),
    )
    assert out.returncode == 1
    text = report.read_text()
    document = resolve(pair["base"] / "openapi.yaml")
    operation = document["paths"]["/customers/supported-formats/email-address"]["post"]
    level = rule_level(operation, "responses/429", source_levels(document))  # as the spec claims
    assert f"| breaking | `status-removed` | `{VE}/responses/429` | {level} |" in text
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("failures") == "2"  # the change and info.version
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["info.version", f"status-removed {VE}/responses/429"]


@pytest.mark.live
def test_junit_passes_when_the_version_announces_the_break(pair):
    out = cli(str(pair["base"]), str(pair["major"]), "--format", "junit")
    suite = ET.fromstring(out.stdout).find("testsuite")
    assert suite.get("failures") == "0"
    assert int(suite.get("tests")) == 2


@pytest.mark.live
@pytest.mark.parametrize(
    "argv",
    [["no/such/folder", "spec"], ["spec", "--format", "yaml"], []],
    ids=["unknown-version", "bad-format", "missing-base"],
)
def test_usage_errors_exit_2(argv):
    assert cli(*argv).returncode == 2


@pytest.mark.live
def test_an_unresolvable_version_exits_2(tmp_path):
    broken = tmp_path / "openapi.yaml"
    broken.write_text("openapi: 3.0.3\npaths:\n  /x:\n    $ref: nowhere.yaml\n")
    out = cli(str(broken), "spec")
    assert out.returncode == 2
    assert "nowhere.yaml" in out.stderr


def _in_git() -> bool:
    probe = subprocess.run(["git", "rev-parse", "HEAD:spec"], cwd=REPO, capture_output=True)
    return shutil.which("git") is not None and probe.returncode == 0


needs_git = pytest.mark.skipif(not _in_git(), reason="not a git checkout")


@pytest.mark.live
@needs_git
@pytest.mark.parametrize("ref", ["HEAD:spec", "HEAD", "HEAD:spec/openapi.yaml"])
def test_git_versions_read_through_git_archive(ref, tmp_path):
    version = load_version(ref, cwd=REPO)
    committed = subprocess.run(
        ["git", "show", "HEAD:spec/openapi.yaml"], cwd=REPO, capture_output=True, text=True
    ).stdout
    assert version.document["info"]["version"] == yaml.safe_load(committed)["info"]["version"]
    assert version.label == ref


@pytest.mark.live
@needs_git
def test_a_git_ref_that_does_not_exist_is_a_usage_error():
    with pytest.raises(SourceError, match="not a file, a folder, or a git"):
        load_version("no-such-branch-xyz:spec", cwd=REPO)


def test_renderers_say_no_changes(real_base):
    result = diff_documents(real_base, real_base, "a", "b")
    assert "0 change(s)" in render_text(result)
    assert "| severity |" not in render_markdown(result)
    assert 'failures="0"' in render_junit(result)


def test_markdown_fits_a_pull_request_comment():
    """Hundreds of annotation changes (evidence added everywhere) fold away, capped."""
    from ndt_contract.diff.documents import DiffResult
    from ndt_contract.diff.report import MAX_PATCH_ROWS, MAX_ROWS

    many = [
        Change(f"/paths/~1x/get/x-evidence/{i}", "annotation", "x", "decision") for i in range(700)
    ]
    breaking = [Change(f"/paths/~1y{i}/get", "operation-removed", "y", "known") for i in range(300)]
    changes = tuple(breaking + many)
    result = DiffResult("a", "b", changes, check_version("1.0", "1.0", changes))
    text = render_markdown(result)
    assert len(text) < 65_536
    assert f"... and {300 - MAX_ROWS} more" in text
    assert f"... and {700 - MAX_PATCH_ROWS} more" in text
    assert "<details><summary>700 patch change(s)</summary>" in text


def test_unquoted_status_codes_are_pointer_tokens_too():
    """YAML reads `404:` as an integer: the diff still names it in its pointer."""

    def document(responses: dict) -> dict:
        return {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1.0"},
            "paths": {"/a": {"get": {"operationId": "A", "responses": responses}}},
        }

    base = document({200: {"description": "ok"}, 404: {"description": "missing"}})
    head = document({200: {"description": "ok"}})
    result = diff_documents(base, head)
    assert [(c.rule, c.pointer) for c in result.changes] == [
        ("status-removed", "/paths/~1a/get/responses/404")
    ]
