"""Direct tests of ndt_contract.diff.cli: the command in process on two small specs."""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from mini_spec import MINI_SPEC, write_spec
from ndt_contract.diff import cli as diff_cli
from ndt_contract.loader import ContractError

from ndt_cli.main import main

TWO_HUNDRED = '        "200":\n'
NEW_403 = '        "403":\n          description: forbidden\n'
NO_400 = MINI_SPEC.replace(
    '        "400":\n          description: bad\n          content:\n            application/json:\n'
    "              schema: {type: object}\n              example: {}\n",
    "",
)


def versions(tmp_path: Path, head_text: str, version: str | None = None) -> tuple[str, str]:
    if version:
        head_text = head_text.replace('version: "1.0"', f'version: "{version}"')
    base = write_spec(tmp_path / "base").parent
    head = write_spec(tmp_path / "head", head_text).parent
    return str(base), str(head)


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="diff")
    diff_cli.add_arguments(parser)
    return diff_cli.run(parser.parse_args(list(argv)))


def test_the_fixture_really_removes_a_status():
    assert NO_400 != MINI_SPEC and '"400"' not in NO_400


def test_no_changes_exit_0(tmp_path, capsys):
    base, head = versions(tmp_path, MINI_SPEC)
    assert run(base, head) == 0
    assert capsys.readouterr().out == (
        f"contract diff {base} -> {head}\n"
        "0 change(s): 0 breaking, 0 minor, 0 patch\n"
        "info.version 1.0 -> 1.0: no changes, no bump needed [ok]\n"
    )


def test_a_breaking_change_without_a_major_bump_exits_1(tmp_path, capsys):
    base, head = versions(tmp_path, NO_400)
    assert run(base, head) == 1
    out = capsys.readouterr().out
    assert "BREAKING  status-removed" in out and "/paths/~1things/post/responses/400" in out
    assert out.endswith(
        "info.version 1.0 -> 1.0: breaking changes need a major bump (at least 2.0.0) [FAIL]\n"
    )


def test_a_breaking_change_with_a_major_bump_exits_0(tmp_path, capsys):
    base, head = versions(tmp_path, NO_400, "2.0")
    assert run(base, head) == 0
    assert "1.0 -> 2.0: major bump, as needed [ok]" in capsys.readouterr().out


def test_a_minor_change_without_a_bump_passes_unless_strict(tmp_path, capsys):
    base, head = versions(tmp_path, MINI_SPEC.replace(TWO_HUNDRED, NEW_403 + TWO_HUNDRED))
    assert run(base, head) == 0
    assert run(base, head, "--strict-version") == 1
    assert "minor changes need a minor bump (at least 1.1.0) [FAIL]" in capsys.readouterr().out


def test_a_minor_change_with_a_minor_bump_passes_strict(tmp_path):
    base, head = versions(tmp_path, MINI_SPEC.replace(TWO_HUNDRED, NEW_403 + TWO_HUNDRED), "1.1")
    assert run(base, head, "--strict-version") == 0


def test_a_root_file_is_a_version_too(tmp_path, capsys):
    base, head = versions(tmp_path, NO_400)
    assert run(f"{base}/openapi.yaml", head) == 1
    assert capsys.readouterr().out.startswith(f"contract diff {base}/openapi.yaml -> {head}\n")


def test_markdown_to_a_file_and_junit_beside_it(tmp_path, capsys):
    base, head = versions(tmp_path, NO_400)
    report, junit = tmp_path / "out" / "diff.md", tmp_path / "deeper" / "x" / "diff.xml"
    code = run(base, head, "--format", "markdown", "--output", str(report), "--junit", str(junit))
    assert code == 1
    assert capsys.readouterr().out == ""
    text = report.read_text(encoding="utf-8")
    assert text.startswith(f"### Contract diff: `{base}` → `{head}`\n")
    assert "| breaking | `status-removed` | `/paths/~1things/post/responses/400` |" in text
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "2")


def test_junit_as_the_format_goes_to_stdout(tmp_path, capsys):
    base, head = versions(tmp_path, NO_400, "2.0")
    assert run(base, head, "--format", "junit") == 0
    suite = ET.fromstring(capsys.readouterr().out).find("testsuite")
    assert suite.get("failures") == "0"


def test_a_folder_without_openapi_yaml_is_a_usage_error_exit_2(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    _, head = versions(tmp_path, MINI_SPEC)
    assert run(str(empty), head) == 2
    assert (
        capsys.readouterr().err == f"ndt-customer diff: {empty}: no openapi.yaml in that folder\n"
    )


def test_an_unwritable_report_is_exit_2_naming_why(tmp_path, capsys):
    base, head = versions(tmp_path, MINI_SPEC)
    blocked = tmp_path / "a-directory"
    blocked.mkdir()
    assert run(base, head, "--output", str(blocked)) == 2
    assert capsys.readouterr().err.startswith("ndt-customer diff: cannot write the report: ")


def test_an_unwritable_junit_is_exit_2(tmp_path, capsys):
    base, head = versions(tmp_path, MINI_SPEC)
    (tmp_path / "file").write_text("x")
    assert run(base, head, "--junit", str(tmp_path / "file" / "diff.xml")) == 2
    assert "cannot write the report" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["a", "b", "--format", "yaml"], ["a", "b", "c"]])
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as caught:
        run(*argv)
    assert caught.value.code == 2


def test_an_unresolvable_spec_is_left_to_the_dispatcher(tmp_path, capsys):
    broken = write_spec(
        tmp_path / "broken", "openapi: 3.0.3\npaths:\n  /x:\n    $ref: nowhere.yaml\n"
    )
    _, head = versions(tmp_path, MINI_SPEC)
    with pytest.raises(ContractError, match=r"nowhere\.yaml"):
        run(str(broken), head)
    assert main(["diff", str(broken), head]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ndt-customer diff: ") and "nowhere.yaml" in err


def test_the_dispatcher_runs_diff_in_process(tmp_path, capsys):
    base, head = versions(tmp_path, NO_400)
    assert main(["diff", base, head, "--format", "text"]) == 1
    assert "status-removed" in capsys.readouterr().out
