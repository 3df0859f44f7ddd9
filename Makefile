# `make mock` and `make test` work on a fresh clone: the venv is created when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080
# `make mock ARGS="--reload --latency 50-200"`: any other `ndt-customer mock` flags.
ARGS ?=
# `make diff BASE=origin/main`: the spec of this checkout against another git version.
BASE ?= main
# `make test PYTEST_WORKERS=` runs the suite in one process; pytest-xdist splits it by module.
PYTEST_WORKERS ?= -n 2 --dist loadscope

.PHONY: mock test test-fast test-live lint diff conform-mock bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

mock: $(STAMP)
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
