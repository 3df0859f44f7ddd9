"""`make mock` installs the base package only: the mock must run without the extras
(conformance runner, lint, development tools), and a subcommand that needs one says which.

The extras are hidden from a real process by an import hook, which is what a base-only
install looks like to Python."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support import AMELIA

from ndt_cli.main import EXTRA_OF, missing_extra

pytestmark = pytest.mark.live  # starts servers or processes on loopback

# Every module the extras bring that the base install does not (pyproject.toml).
HIDDEN = sorted({*EXTRA_OF, "selenium", "mypy", "deptry"})
HOOK = f"""
import sys
from importlib.abc import MetaPathFinder

class Hidden(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HIDDEN!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Hidden())
from ndt_cli.main import main

sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def base_only(tmp_path_factory) -> Path:
    script = tmp_path_factory.mktemp("base") / "base_only.py"
    script.write_text(HOOK, encoding="utf-8")
    return script


def test_the_mock_serves_the_api_and_swagger_ui_without_the_extras(base_only):
    process = subprocess.Popen(
        [sys.executable, str(base_only), "mock", "--port", "0", "--customers", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = process.stdout.readline()
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        assert found, line + process.stdout.read()
        url = found.group(1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        assert httpx.get(f"{url}/customers/{AMELIA.customer_id}").status_code == 200
        assert httpx.get(f"{url}/ui/", timeout=30).status_code == 200  # connexion's Swagger UI
        assert httpx.get(f"{url}/openapi.json").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    "args,extra",
    [(["conform", "--url", "http://127.0.0.1:9"], "conform"), (["lint"], "lint")],
)
def test_a_subcommand_whose_extra_is_missing_says_which_in_one_line(base_only, args, extra):
    result = subprocess.run(
        [sys.executable, str(base_only), *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"needs the '{extra}' extra" in line and f"pip install 'ndt-customer[{extra}]'" in line


def test_missing_extra_names_the_extra_of_a_known_module_only():
    known = ModuleNotFoundError("No module named 'prance.util'", name="prance.util")
    assert missing_extra(known) == (
        "ndt-customer: this command needs the 'lint' extra (prance is not installed): "
        "pip install 'ndt-customer[lint]'"
    )
    assert missing_extra(ModuleNotFoundError("x", name="not_ours")) is None
    assert missing_extra(ModuleNotFoundError("x")) is None
