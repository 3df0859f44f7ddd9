"""A YAML alias bomb in the spec is one line and exit 2 for `diff`, the mock and `conform`
(and one problem for `lint`), in seconds, never a hang: the one YAML loader measures the
document its aliases stand for before building it."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ndt_contract.bundle import MAX_YAML_NODES, expanded_size, load_yaml

pytestmark = pytest.mark.live  # starts servers or processes on loopback

REPO = Path(__file__).resolve().parents[2]
LEVELS = "abcdefghi"


def bomb() -> str:
    lines = ["x-bomb:", '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in itertools.pairwise(LEVELS):
        lines.append(f"  {name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def bombed_spec(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bombed") / "spec"
    shutil.copytree(REPO / "spec", folder, ignore=shutil.ignore_patterns("ndt_contract"))
    with (folder / "openapi.yaml").open("a") as out:
        out.write(bomb())
    return folder / "openapi.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_the_bomb_is_small():
    assert len(bomb()) < 600


@pytest.mark.parametrize(
    "args",
    [
        ("diff", "spec/openapi.yaml", "{spec}"),
        ("mock", "--port", "0", "--spec", "{spec}"),
        ("conform", "--base-url", "http://127.0.0.1:9", "--spec", "{spec}"),
    ],
    ids=lambda a: a[0],
)
def test_a_bomb_is_one_line_and_exit_2(bombed_spec, args):
    out = run(*(a.format(spec=bombed_spec) for a in args))
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.count("\n") == 1 and "expands past" in out.stderr, out.stderr


def test_lint_reports_the_bomb_as_a_problem(bombed_spec):
    out = run("lint", "--spec", str(bombed_spec))
    assert out.returncode == 1 and "expands past" in out.stdout + out.stderr


def test_the_committed_spec_loads_within_the_bounds():
    for path in (REPO / "spec").rglob("*.yaml"):
        load_yaml(path.read_text(encoding="utf-8"))


def test_shared_nodes_count_once_per_reference():
    node = yaml.compose("a: &x [1, 2]\nb: *x\nc: *x\n")
    assert expanded_size(node) == 1 + 3 + 3 * (1 + 2)  # the mapping, its keys, three lists of two


@pytest.mark.parametrize(
    "text,why",
    [
        (bomb(), f"past {MAX_YAML_NODES:,} nodes"),
        ("[" * 300 + "]" * 300, "deeper than 200"),
        ("&a [*a]", "contains it"),
    ],
)
def test_refusals(text, why):
    with pytest.raises(yaml.YAMLError, match=why):
        load_yaml(text)


def test_an_empty_document_is_none():
    assert load_yaml("") is None
