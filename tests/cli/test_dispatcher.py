"""`ndt-customer` itself: help that explains, --version, typo suggestions, a fast --help."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import shlex
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ndt_cli.commands import SUBCOMMANDS
from ndt_cli.main import build_parser, main
from ndt_cli.parsing import HelpFormatter, suggestion, unknown_options

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.live
def test_top_level_help_imports_neither_connexion_nor_schemathesis():
    probe = (
        "import sys\n"
        "from ndt_cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'connexion', 'schemathesis', 'starlette', 'prance', 'hypothesis'})\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout


@pytest.mark.live
def test_version_names_the_tool_and_the_contract():
    out = cli("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("ndt-customer 0.")
    assert "(contract: Customer API 1." in out.stdout


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: ndt-customer" in capsys.readouterr().out


@pytest.mark.live
@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_every_subcommand_help_shows_exit_codes_and_an_example(name):
    out = cli(name, "--help")
    assert out.returncode == 0, out.stderr
    assert "exit codes:\n  0  " in out.stdout
    assert f"example:\n  ndt-customer {name} " in out.stdout


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_every_example_parses_with_the_real_parser(name):
    argv = shlex.split(SUBCOMMANDS[name].example)[1:]
    parser, _ = build_parser(name)
    args = parser.parse_args(argv)
    assert args.command == name


@pytest.mark.live
@pytest.mark.parametrize(
    ("command", "line"),
    [
        ("conform", "--max-examples MAX_EXAMPLES"),
        ("mock", "--workers WORKERS"),
        ("lint", "--spec SPEC"),
    ],
)
def test_help_shows_defaults(command, line):
    out = cli(command, "--help")
    text = " ".join(out.stdout.split("options:")[1].split())
    start = text.index(line)
    assert "default" in text[start : start + 160]


@pytest.mark.live
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["mock", "--prot", "9000"], "unrecognized option --prot (did you mean --port?)"),
        # a typo of a required option is reported as the typo, not as the missing option
        (["conform", "--base-ur1", "http://x"], "(did you mean --base-url?)"),
        (["lint", "--spc", "x.yaml"], "(did you mean --spec?)"),
        (["--verison"], "(did you mean --version?)"),
        (["mokc"], "unknown command 'mokc' (did you mean mock?)"),
    ],
)
def test_a_typo_exits_2_and_suggests_the_right_word(argv, expected):
    out = cli(*argv)
    assert out.returncode == 2
    assert expected in out.stderr


@pytest.mark.live
def test_an_unrelated_word_gets_no_false_suggestion():
    out = cli("lint", "--zzzzzz")
    assert out.returncode == 2
    assert "unrecognized option --zzzzzz" in out.stderr
    assert "did you mean" not in out.stderr


def test_unknown_options_accepts_exact_and_abbreviated_flags():
    known = ["--port", "--host", "--help"]
    assert unknown_options(["--port", "1", "--ho=x", "--por"], known) == []
    assert unknown_options(["--prot=1", "-x", "value", "--", "--later"], known) == ["--prot"]


def test_suggestion_is_empty_without_a_close_match():
    assert suggestion("--prot", ["--port"]) == " (did you mean --port?)"
    assert suggestion("--qqq", ["--port"]) == ""


@pytest.mark.parametrize(
    ("kwargs", "shown"),
    [
        ({"default": 25, "help": "cases"}, "cases (default: 25)"),
        ({"default": 0, "help": "port"}, "port (default: 0)"),
        ({"default": None, "help": "unset"}, "unset"),
        ({"action": "store_true", "help": "a switch"}, "a switch"),
        ({"default": 8080, "help": "port (default 8080)"}, "port (default 8080)"),
        ({"default": "x", "required": True, "help": "needed"}, "needed"),
    ],
)
def test_help_formatter_adds_a_default_only_when_it_says_something(kwargs, shown):
    parser = argparse.ArgumentParser(formatter_class=HelpFormatter)
    parser.add_argument("--opt", **kwargs)
    assert shown in " ".join(parser.format_help().split())


def _imported_modules(package: Path) -> set[str]:
    """Every module imported, and our package of each (`ndt_contract` for `ndt_contract.lint`)."""
    names = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
    ours = {"ndt_contract", "ndt_fixtures", "mock_server", "conformance", "ndt_cli"}
    return names | {name.split(".")[0] for name in names} & ours


@pytest.mark.parametrize(
    "package", ["spec/ndt_contract", "fixtures/ndt_fixtures", "mock_server", "conformance"]
)
def test_no_lower_package_imports_the_dispatcher(package):
    assert not any(name.split(".")[0] == "ndt_cli" for name in _imported_modules(REPO / package))


@pytest.mark.live
def test_the_dispatcher_imports_its_subcommands_by_name_not_by_string():
    imported = _imported_modules(REPO / "ndt_cli")
    assert {"mock_server", "conformance", "ndt_fixtures", "ndt_contract"} <= imported
    assert "importlib" not in imported


def _interrupted(*_args, **_kwargs):
    raise KeyboardInterrupt


def test_ctrl_c_while_a_subcommand_is_still_importing_is_exit_130(monkeypatch):
    """A Ctrl-C in the first moments lands in the subcommand's imports (build_parser)."""
    monkeypatch.setattr(sys.modules["ndt_cli.main"], "build_parser", _interrupted)
    assert main(["mock"]) == 130


def test_ctrl_c_while_a_subcommand_runs_is_exit_130(monkeypatch):
    command = SUBCOMMANDS["fixtures"]
    real = command.load()
    stub = types.SimpleNamespace(add_arguments=real.add_arguments, run=_interrupted)
    monkeypatch.setitem(SUBCOMMANDS, "fixtures", dataclasses.replace(command, load=lambda: stub))
    assert main(["fixtures", "--count", "1", "--out", "/nonexistent-ndt"]) == 130
