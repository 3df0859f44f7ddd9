"""Direct tests of conformance.drift: the report, the patch per file, and applying it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonpatch
import pytest
import yaml

from conformance.drift import FORMAT, DriftEntry, DriftReport, apply_patch, build_patch
from conformance.judge import Judgement, PatchOp

SCHEMAS = "components/schemas.yaml"
PATHS = "paths/customers.yaml"


def drift(
    where="components/schemas.yaml#/Address",
    rule="required/id",
    message="a required field is missing",
    *proposal: PatchOp,
) -> Judgement:
    return Judgement("decision", rule, where, message, (), tuple(proposal))


REMOVE_ID = PatchOp(SCHEMAS, "remove", "/Address/required/0")
NULLABLE = PatchOp(SCHEMAS, "add", "/Address/properties/id/nullable", True)


def test_an_entry_line_says_where_what_how_often_and_the_change():
    entry = DriftEntry(drift("w", "r", "msg", REMOVE_ID, NULLABLE), 3, {"GET /b", "GET /a"})
    assert entry.line() == (
        "w [r] msg (in 3 responses: GET /a, GET /b) -> remove /Address/required/0 in "
        f"{SCHEMAS}; add /Address/properties/id/nullable = true in {SCHEMAS}"
    )


def test_one_response_is_singular_and_no_proposal_says_so():
    entry = DriftEntry(drift("w", "r", "msg"), 1, {"GET /a"})
    assert entry.line() == "w [r] msg (in 1 response: GET /a) -> no change proposed"


def test_a_report_counts_one_root_cause_per_place_and_rule():
    report = DriftReport()
    assert not report
    report.add(drift(), "GET /a")
    report.add(drift(message="said differently"), "GET /b", count=4)
    report.add(drift(rule="type"), "GET /a")
    assert report
    assert len(report.entries) == 2
    entry = report.entries[("components/schemas.yaml#/Address", "required/id")]
    assert entry.count == 5 and entry.operations == {"GET /a", "GET /b"}
    assert entry.judgement.message == "a required field is missing"  # the first one seen


@pytest.mark.parametrize("level", ["known", "standard", "requested"])
def test_add_refuses_anything_but_drift(level):
    failing = Judgement(level, "r", "w", "m")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="only drift"):
        DriftReport().add(failing, "GET /a")


def test_extend_skips_failures_silently():
    report = DriftReport()
    report.extend([Judgement("known", "type", "w", "m"), drift()], "GET /a")
    assert list(report.entries) == [("components/schemas.yaml#/Address", "required/id")]


def test_lines_are_sorted_by_place_then_rule():
    report = DriftReport()
    report.add(drift("b.yaml#/X", "z"), "op")
    report.add(drift("a.yaml#/X", "y"), "op")
    report.add(drift("a.yaml#/X", "x"), "op")
    assert [line.split(" (in")[0] for line in report.lines()] == [
        "a.yaml#/X [x] a required field is missing",
        "a.yaml#/X [y] a required field is missing",
        "b.yaml#/X [z] a required field is missing",
    ]


def test_build_patch_groups_per_file_with_every_operation_once_and_sorted_reasons():
    patch = build_patch(
        [
            drift("b#/B", "r2", "second", REMOVE_ID),
            drift("a#/A", "r1", "first", REMOVE_ID, NULLABLE),
            drift("c#/C", "r3", "third", PatchOp(PATHS, "replace", "/get/x", 1)),
            Judgement("known", "k", "k#/K", "a failure", (), (PatchOp("x.yaml", "remove", "/y"),)),
        ]
    )
    assert patch == {
        "format": FORMAT,
        "note": "Proposed by a conformance run: each change accepts what the target did.",
        "reasons": [
            {"where": "a#/A", "rule": "r1", "why": "first"},
            {"where": "b#/B", "rule": "r2", "why": "second"},
            {"where": "c#/C", "rule": "r3", "why": "third"},
        ],
        "files": {
            SCHEMAS: [
                {"op": "add", "path": "/Address/properties/id/nullable", "value": True},
                {"op": "remove", "path": "/Address/required/0"},
            ],
            PATHS: [{"op": "replace", "path": "/get/x", "value": 1}],
        },
    }


def test_the_same_path_with_another_value_is_still_one_change():
    first = PatchOp(SCHEMAS, "add", "/A/enum/-", "x")
    second = PatchOp(SCHEMAS, "add", "/A/enum/-", "y")
    patch = build_patch([drift("w", "r", "m", first), drift("w2", "r", "m", second)])
    assert len(patch["files"][SCHEMAS]) == 1


def test_removals_from_one_list_run_highest_index_first_after_the_additions():
    ops = [
        PatchOp(SCHEMAS, "remove", "/P/required/2"),
        PatchOp(SCHEMAS, "remove", "/P/required/10"),
        PatchOp(SCHEMAS, "add", "/P/properties/x/nullable", True),
        PatchOp(SCHEMAS, "remove", "/P/required/0"),
        PatchOp(SCHEMAS, "remove", "/P/pattern"),
    ]
    patch = build_patch([drift("w", "r", "m", *ops)])
    assert [(o["op"], o["path"]) for o in patch["files"][SCHEMAS]] == [
        ("add", "/P/properties/x/nullable"),
        ("remove", "/P/pattern"),
        ("remove", "/P/required/10"),
        ("remove", "/P/required/2"),
        ("remove", "/P/required/0"),
    ]


def test_an_empty_report_writes_an_empty_patch_creating_its_folder(tmp_path: Path):
    target = tmp_path / "deep" / "er" / "drift.json"
    DriftReport().write(target)
    text = target.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "format": FORMAT,
        "note": "Proposed by a conformance run: each change accepts what the target did.",
        "reasons": [],
        "files": {},
    }


def test_write_holds_the_reports_patch(tmp_path: Path):
    report = DriftReport()
    report.add(drift("w", "r", "m", REMOVE_ID), "GET /a")
    report.write(tmp_path / "drift.json")
    assert json.loads((tmp_path / "drift.json").read_text()) == report.patch()


def spec_dir(tmp_path: Path) -> Path:
    spec = tmp_path / "spec"
    (spec / "components").mkdir(parents=True)
    (spec / "paths").mkdir()
    (spec / SCHEMAS).write_text(
        yaml.safe_dump(
            {
                "Address": {
                    "type": "object",
                    "required": ["id", "format", "components"],
                    "properties": {"id": {"type": "string"}, "format": {"type": "string"}},
                }
            }
        )
    )
    (spec / PATHS).write_text(yaml.safe_dump({"get": {"summary": "x"}}))
    (spec / "untouched.yaml").write_text("a: 1\n")
    return spec


def test_apply_patch_changes_each_named_file_in_order(tmp_path: Path):
    spec = spec_dir(tmp_path)
    patch = build_patch(
        [
            drift(
                "w",
                "r",
                "m",
                PatchOp(SCHEMAS, "remove", "/Address/required/0"),
                PatchOp(SCHEMAS, "remove", "/Address/required/2"),
                PatchOp(SCHEMAS, "add", "/Address/properties/id/nullable", True),
            ),
            drift("w2", "r", "m", PatchOp(PATHS, "add", "/get/deprecated", True)),
        ]
    )
    changed = apply_patch(spec, patch)
    assert sorted(p.relative_to(spec.resolve()).as_posix() for p in changed) == [SCHEMAS, PATHS]
    address = yaml.safe_load((spec / SCHEMAS).read_text())["Address"]
    assert address["required"] == ["format"]  # index 2 went before index 0
    assert address["properties"]["id"] == {"type": "string", "nullable": True}
    assert yaml.safe_load((spec / PATHS).read_text()) == {
        "get": {"summary": "x", "deprecated": True}
    }
    assert (spec / "untouched.yaml").read_text() == "a: 1\n"


def test_apply_patch_keeps_key_order_and_unicode(tmp_path: Path):
    spec = tmp_path
    (spec / "s.yaml").write_text("z: 1\na: Zoë\n", encoding="utf-8")
    patch = {"format": FORMAT, "files": {"s.yaml": [{"op": "add", "path": "/m", "value": 2}]}}
    apply_patch(spec, patch)
    assert (spec / "s.yaml").read_text(encoding="utf-8") == "z: 1\na: Zoë\nm: 2\n"


def test_a_patch_without_files_changes_nothing(tmp_path: Path):
    assert apply_patch(tmp_path, {"format": FORMAT}) == []


@pytest.mark.parametrize("patch", [{}, {"format": "ndt-customer/drift-patch/0"}])
def test_another_tools_patch_is_refused_naming_its_format(tmp_path: Path, patch):
    with pytest.raises(ValueError, match="not a drift patch of this tool"):
        apply_patch(tmp_path, patch)


@pytest.mark.parametrize("name", ["../outside.yaml", "/etc/passwd", "a/../../x.yaml"])
def test_a_file_outside_the_spec_is_refused(tmp_path: Path, name):
    spec = tmp_path / "spec"
    spec.mkdir()
    with pytest.raises(ValueError, match="outside"):
        apply_patch(spec, {"format": FORMAT, "files": {name: []}})


def test_an_operation_that_does_not_apply_raises_and_leaves_the_file(tmp_path: Path):
    spec = spec_dir(tmp_path)
    before = (spec / SCHEMAS).read_text()
    patch = {"format": FORMAT, "files": {SCHEMAS: [{"op": "remove", "path": "/Nope"}]}}
    with pytest.raises(jsonpatch.JsonPatchConflict, match="non-existent object 'Nope'"):
        apply_patch(spec, patch)
    assert (spec / SCHEMAS).read_text() == before
