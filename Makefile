# `make mock` and `make test` work on a fresh clone: the venv is created when missing.
# `make mock` installs the base package only (the mock's runtime); `make test`, `lint` and
# `bench` install the extras too (conformance runner, contract lint, development tools).
# uv installs when it is on PATH (it resolves and fetches in parallel); pip otherwise.
# `INSTALLER=pip` forces pip.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MOCK_STAMP := $(VENV)/.mock-stamp
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080
# `make mock ARGS="--reload --latency 50-200"`: any other `ndt-customer mock` flags.
ARGS ?=
# `make diff BASE=origin/main`: the spec of this checkout against another git version.
BASE ?= main
INSTALLER ?= $(if $(shell command -v uv 2>/dev/null),uv,pip)

ifeq ($(INSTALLER),uv)
VENV_CMD = uv venv -q --python $(PYTHON) $(VENV)
INSTALL = uv pip install -q --python $(BIN)/python
else
VENV_CMD = $(PYTHON) -m venv $(VENV)
INSTALL = $(BIN)/python -m pip install -q --disable-pip-version-check
endif
# `make test PYTEST_WORKERS=` runs the suite in one process; pytest-xdist splits it by module.
PYTEST_WORKERS ?= -n 2 --dist loadscope

.PHONY: mock test test-fast test-live lint diff conform-mock bench clean

$(MOCK_STAMP): pyproject.toml
	test -x $(BIN)/python || $(VENV_CMD)
	$(INSTALL) -e .
	touch $(MOCK_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(VENV_CMD)
	$(INSTALL) -e '.[conform,lint,dev]'
	touch $(STAMP) $(MOCK_STAMP)

mock: $(MOCK_STAMP)
	$(BIN)/ndt-customer mock --port $(PORT) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/deptry .
	$(BIN)/ndt-customer lint

diff: $(STAMP)
	$(BIN)/ndt-customer diff $(BASE):spec spec

# The contract gate first (fast), then the whole suite, whose summary closes the log.
test: lint conform-mock
	$(BIN)/pytest --junitxml=reports/pytest.xml $(PYTEST_WORKERS)

# Every test that starts no process or server: the loop to run between two edits.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not live" -q

# Only the tests that start processes or servers (marked `live`, see tests/conftest.py).
test-live: $(STAMP)
	$(BIN)/pytest -m live $(PYTEST_WORKERS)

conform-mock: $(STAMP)
	bash .ci/conform-mock $(BIN)

bench: $(STAMP)
	$(BIN)/python bench/bench_fixtures.py
	$(BIN)/python bench/bench_mock.py

clean:
	rm -rf $(VENV)
