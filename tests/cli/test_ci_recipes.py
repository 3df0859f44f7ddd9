"""The CI recipes in examples/ci/ (and the README): the YAML parses, every `ndt-customer`
command parses with the real parser, and lint, diff and conform against the mock pass when run.
`make mock PORT=...` serves on that port."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import start_mock, stop

from ndt_cli.main import build_parser
from ndt_cli.parsing import option_strings, unknown_options

pytestmark = pytest.mark.live  # starts servers or processes on loopback

REPO = Path(__file__).resolve().parents[2]
RECIPES = sorted((REPO / "examples/ci").glob("*.yml"))
SHELL_STOP = {"&", "&&", "||", "|", ";"}


@dataclass(frozen=True)
class Command:
    recipe: str
    job: str
    argv: tuple[str, ...]  # after `ndt-customer`, variables not yet expanded
    env: dict[str, str]  # the job's own variables

    def __str__(self) -> str:
        return f"{self.recipe}:{self.job}: ndt-customer {' '.join(self.argv)}"


def ndt_commands(script: str) -> list[tuple[str, ...]]:
    """The `ndt-customer` commands of a shell script, without redirections or a trailing `&`."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        tokens = shlex.split(line, comments=True)
        if not tokens or tokens[0] != "ndt-customer":
            continue
        argv = []
        for token in tokens[1:]:
            if token in SHELL_STOP or re.match(r"^[0-9]*>", token):
                break
            argv.append(token)
        found.append(tuple(argv))
    return found


def load(recipe: Path) -> dict:
    return yaml.safe_load(recipe.read_text())


def github_commands(recipe: Path) -> list[Command]:
    doc = load(recipe)
    commands = []
    for job_name, job in doc["jobs"].items():
        for step in job["steps"]:
            env = {**doc.get("env", {}), **job.get("env", {}), **step.get("env", {})}
            for argv in ndt_commands(step.get("run", "")):
                commands.append(Command(recipe.name, job_name, argv, env))
    return commands


def gitlab_commands(recipe: Path) -> list[Command]:
    doc = load(recipe)
    default_before = doc.get("default", {}).get("before_script", [])
    commands = []
    for job_name, job in doc.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        env = {**doc.get("variables", {}), **job.get("variables", {})}
        for line in [*job.get("before_script", default_before), *job["script"]]:
            for argv in ndt_commands(line):
                commands.append(Command(recipe.name, job_name, argv, env))
    return commands


def recipe_commands(recipe: Path) -> list[Command]:
    return github_commands(recipe) if "github" in recipe.name else gitlab_commands(recipe)


ALL_COMMANDS = [command for recipe in RECIPES for command in recipe_commands(recipe)]


def expand(token: str, env: dict[str, str]) -> str:
    """Shell-style `$NAME` / `${NAME}` expansion; an unknown variable fails the test."""

    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in env:
            pytest.fail(f"{token!r}: ${name} is not defined by the recipe or the CI")
        return expand(str(env[name]), env)

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, token)


def ci_env(command: Command, tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The command's variables plus what the CI itself provides (runner paths, File variables)."""
    provided = {
        "RUNNER_TEMP": str(tmp_path),
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "NDT_STG_CERT": str(tmp_path / "client.pem"),
        "NDT_STG_KEY": str(tmp_path / "client.key"),
    }
    return {**provided, **command.env, **overrides}


def argv_for(command: Command, env: dict[str, str], reports: Path) -> list[str]:
    """Expanded arguments, with the recipe's `reports/` redirected into the test's folder."""
    expanded = [expand(token, env) for token in command.argv]
    return [
        str(reports / t[len("reports/") :]) if t.startswith("reports/") else t for t in expanded
    ]


def run_cli(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ndt_cli", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_there_is_a_recipe_per_ci():
    assert [r.name for r in RECIPES] == ["github-actions.yml", "gitlab-ci.yml"]


def test_the_github_workflow_parses():
    doc = load(REPO / "examples/ci/github-actions.yml")
    triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    assert set(doc["jobs"]) == {"lint-and-diff", "conform-mock", "conform-staging"}
    for job in doc["jobs"].values():
        assert job["runs-on"] and all("run" in s or "uses" in s for s in job["steps"])
    staging = doc["jobs"]["conform-staging"]
    secrets = [s["env"] for s in staging["steps"] if "env" in s] + [staging["env"]]
    assert all(
        value.startswith("${{ secrets.")
        for env in secrets
        for name, value in env.items()
        if name.startswith("NDT_")
    )


def test_the_gitlab_pipeline_parses():
    doc = load(REPO / "examples/ci/gitlab-ci.yml")
    jobs = {name: job for name, job in doc.items() if isinstance(job, dict) and "script" in job}
    assert set(jobs) == {"lint-and-diff", "conform-mock", "conform-staging"}
    for job in jobs.values():
        assert job["stage"] in doc["stages"]
        assert isinstance(job["script"], list)


def test_every_recipe_runs_each_subcommand_it_promises():
    for recipe in RECIPES:
        used = {c.argv[0] for c in recipe_commands(recipe)}
        assert used == {"lint", "diff", "mock", "conform"}, recipe.name


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=str)
def test_every_command_exists_in_the_real_parser(command: Command, tmp_path: Path):
    argv = [expand(token, ci_env(command, tmp_path)) for token in command.argv]
    parser, subparsers = build_parser(argv[0])
    assert unknown_options(argv[1:], option_strings(subparsers[argv[0]])) == []
    args = parser.parse_args(argv)  # exits 2 (failing the test) on anything argparse refuses
    assert args.command == argv[0]


def test_staging_secrets_never_appear_on_the_command_line():
    staging = [c for c in ALL_COMMANDS if c.job == "conform-staging"]
    assert len(staging) == 2
    for command in staging:
        text = " ".join(command.argv)
        assert "--cert $" in text.replace('"', "") and "--key $" in text.replace('"', "")
        assert "Authorization" not in text and "--token-env" not in text
        assert "--testdata examples/conformance/testdata.yaml" in text


def _git_base() -> str:
    probe = subprocess.run(["git", "rev-parse", "HEAD:spec"], cwd=REPO, capture_output=True)
    return "HEAD:spec" if probe.returncode == 0 else str(REPO / "spec")


@pytest.mark.live
@pytest.mark.parametrize(
    "command", [c for c in ALL_COMMANDS if c.argv[0] in ("lint", "diff")], ids=str
)
def test_lint_and_diff_commands_pass(command: Command, tmp_path: Path):
    # On a pull request the base is the target branch; here, the committed spec of this checkout.
    env = ci_env(command, tmp_path, BASE_SPEC=_git_base())
    out = run_cli(argv_for(command, env, tmp_path / "reports"))
    assert out.returncode == 0, out.stdout + out.stderr
    if command.argv[0] == "diff":
        assert (tmp_path / "reports/contract-diff.md").read_text().startswith("### Contract diff")
        assert (tmp_path / "reports/contract-diff.xml").is_file()


@pytest.mark.live
@pytest.mark.slow
def test_conform_against_the_mock_passes(tmp_path: Path):
    server = start_mock()
    try:
        port = server.url.rsplit(":", 1)[1]
        to_run = {}
        for command in ALL_COMMANDS:
            if command.argv[0] == "conform" and "MOCK_PORT" in " ".join(command.argv):
                env = ci_env(command, tmp_path, MOCK_PORT=port)
                argv = argv_for(command, env, tmp_path / "reports")
                to_run[tuple(argv)] = command
        assert len(to_run) >= 1
        (tmp_path / "reports").mkdir()
        for argv, command in to_run.items():
            out = run_cli([*argv, "--quiet"])
            assert out.returncode == 0, f"{command}\n{out.stdout}\n{out.stderr}"
            assert (tmp_path / "reports/conformance-mock.xml").is_file()
    finally:
        stop(server)


def test_the_readme_shows_each_recipe_verbatim():
    readme = (REPO / "README.md").read_text()
    for recipe in RECIPES:
        assert recipe.read_text() in readme, f"README is out of date with {recipe.name}"


# --- make mock PORT=... -----------------------------------------------------------------------
def make(*args: str) -> list[str]:
    venv = Path(sys.executable).parent.parent
    return ["make", "-C", str(REPO), "-o", f"{venv}/.installed-stamp", f"VENV={venv}", *args]


@pytest.mark.live
def test_make_mock_takes_a_port_with_8080_by_default():
    def dry_run(*args: str) -> str:
        return subprocess.run(make("-n", "mock", *args), capture_output=True, text=True).stdout

    assert "ndt-customer mock --port 8080" in dry_run()
    assert "ndt-customer mock --port 9000" in dry_run("PORT=9000")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.live
def test_make_mock_serves_on_the_given_port():
    port = _free_port()
    process = subprocess.Popen(
        make("mock", f"PORT={port}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail(f"make mock PORT={port} never answered")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# --- the staging recipes, with the loopback mock standing in for staging ---------------------
def _client_certificate(folder: Path) -> None:
    """A throwaway certificate and key where the recipes expect the CI to put them."""
    key, cert = str(folder / "client.key"), str(folder / "client.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=ndt-test",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )


def _testdata_for(mock_url: str, folder: Path) -> Path:
    """The committed test data, its staging entry pointed at the mock."""
    doc = load(REPO / "examples/conformance/testdata.yaml")
    doc["environments"]["staging"]["baseUrl"] = mock_url
    path = folder / "testdata.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize(
    "command", [c for c in ALL_COMMANDS if c.job == "conform-staging"], ids=str
)
def test_the_staging_recipes_run_as_given(command: Command, tmp_path: Path):
    """The command as written, its secrets supplied as the CI would (the tokens the committed
    test data names, a client certificate), against the mock; only the examples phase, so a
    rate-limited run stays short."""
    from ndt_fixtures import persona

    server = start_mock()
    try:
        _client_certificate(tmp_path)
        env = ci_env(
            command,
            tmp_path,
            STAGING_URL=server.url,
            NDT_STG_CUSTOMER_TOKEN=persona("multi-account").token,
            NDT_STG_APPLICANT_TOKEN=persona("applicant-no-account").token,
        )
        argv = argv_for(command, env, tmp_path / "reports")
        argv = [
            str(_testdata_for(server.url, tmp_path))
            if a.endswith("conformance/testdata.yaml")
            else a
            for a in argv
        ]
        (tmp_path / "reports").mkdir()
        secrets = {k: v for k, v in env.items() if k.startswith("NDT_STG_") and "TOKEN" in k}
        out = run_cli([*argv, "--quiet", "--phases", "examples"], env=secrets)
        assert out.returncode == 0, f"{command}\n{out.stdout}\n{out.stderr}"
        assert (tmp_path / "reports/conformance-staging.xml").is_file()
    finally:
        stop(server)


def test_a_token_the_test_data_names_is_blamed_on_the_test_data(monkeypatch):
    from conformance.options import UsageError
    from conformance.testdata import load_testdata

    monkeypatch.setenv("NDT_STG_CUSTOMER_TOKEN", "a-customer-token-long-enough")
    monkeypatch.delenv("NDT_STG_APPLICANT_TOKEN", raising=False)
    path = REPO / "examples/conformance/testdata.yaml"
    with pytest.raises(UsageError) as refused:
        load_testdata(path, load(path)["environments"]["staging"]["baseUrl"])
    assert "NDT_STG_APPLICANT_TOKEN (from tokens[].tokenEnv in" in str(refused.value)
    assert "--token-env" not in str(refused.value)
