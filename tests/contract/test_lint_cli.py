"""Direct tests of ndt_contract.lint.cli: `main` in process on a small spec, stdout captured."""

from __future__ import annotations

import argparse

import pytest
import yaml
from mini_spec import MINI_SPEC, write_spec
from ndt_contract.lint import cli as lint_cli


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="lint")
    lint_cli.add_arguments(parser)
    return lint_cli.run(parser.parse_args(list(argv)))


def profile_of(out: str) -> dict:
    _, _, body = out.partition("# the ")
    return yaml.safe_load(body.partition("\n")[2])


def name_schema(document: dict) -> dict:
    content = document["paths"]["/things"]["post"]["requestBody"]["content"]
    return content["application/json"]["schema"]["properties"]["name"]


def test_a_clean_spec_exits_0_with_the_evidence_summary(tmp_path, capsys):
    spec = write_spec(tmp_path)
    assert run("--spec", str(spec)) == 0
    assert capsys.readouterr().out == (
        f"18 constraints: 5 known, 1 standard, 12 decision\n{spec}: clean\n"
    )


def test_the_full_profile_is_printed_without_examples_or_assumptions(tmp_path, capsys):
    spec = write_spec(tmp_path)
    assert run("--spec", str(spec), "--profile", "full") == 0
    out = capsys.readouterr().out
    assert f"# the full profile of {spec}\n" in out
    document = profile_of(out)
    post = document["paths"]["/things"]["post"]
    assert post["responses"]["200"]["content"]["application/json"] == {
        "schema": {
            "type": "object",
            "properties": {"id": {"type": "string", "pattern": "^[0-9]+$"}},
        }
    }
    assert "example" not in out and "x-assumption" not in out
    assert name_schema(document)["maxLength"] == 10


def test_the_enforced_profile_keeps_claimed_rules_only(tmp_path, capsys):
    spec = write_spec(tmp_path)
    assert run("--spec", str(spec), "--profile", "enforced") == 0
    document = profile_of(capsys.readouterr().out)
    post = document["paths"]["/things"]["post"]
    assert list(post["responses"]) == ["default"]  # the closed list of statuses is a decision
    assert name_schema(document)["type"] == "string"
    assert name_schema(document)["maxLength"] == 10  # a standard rule
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert "type" not in schema  # `type: object` is ours: not claimed


def test_a_waived_standard_drops_its_rules_from_the_enforced_profile(tmp_path, capsys):
    spec = write_spec(tmp_path)
    assert run("--spec", str(spec), "--profile", "enforced", "--waive", "standard.limits") == 0
    assert "maxLength" not in name_schema(profile_of(capsys.readouterr().out))


def test_a_waiver_does_not_change_the_full_profile(tmp_path, capsys):
    spec = write_spec(tmp_path)
    assert run("--spec", str(spec), "--profile", "full", "--waive", "standard.limits") == 0
    assert name_schema(profile_of(capsys.readouterr().out))["maxLength"] == 10


def test_problems_exit_1_one_line_each_and_no_profile(tmp_path, capsys):
    broken = MINI_SPEC.replace("      description: Make a thing.\n", "").replace('"400"', '"401"')
    spec = write_spec(tmp_path, broken)
    assert run("--spec", str(spec), "--profile", "full") == 1
    out = capsys.readouterr().out
    folder = tmp_path.name
    assert out.splitlines() == [
        f"{folder}/openapi.yaml#/paths/~1things/post: MakeThing: no description",
        f"{folder}/openapi.yaml#/paths/~1things/post/responses: MakeThing: no 400 response",
        f"2 problem(s) in {spec}",
    ]
    assert "# the full profile" not in out


def test_a_missing_spec_is_a_usage_error_exit_2_as_the_help_says(tmp_path, capsys):
    missing = tmp_path / "nowhere.yaml"
    assert run("--spec", str(missing)) == 2
    err = capsys.readouterr().err
    assert err == f"ndt-customer lint: {missing}: no such file\n"


@pytest.mark.parametrize("argv", [["--profile", "partial"], ["--nope"]])
def test_bad_arguments_are_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        run(*argv)
    assert caught.value.code == 2


def test_readable_hides_examples_and_assumptions_at_any_depth():
    node = {"a": [{"example": 1, "b": {"examples": {}, "x-assumption": "x", "c": 2}}], "d": 3}
    assert lint_cli._readable(node) == {"a": [{"b": {"c": 2}}], "d": 3}
