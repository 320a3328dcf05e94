# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# schemathesis's per-operation tests need a pytest without xdist (see the module).
FUZZ_TESTS := tests/security/test_api_fuzz.py

.PHONY: run test test-fast lint format bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/clinicorg migrate --noinput
	$(BIN)/clinicorg demo
	PORT=$(PORT) $(BIN)/clinicorg serve

# Lint, formatting, no model change without its migration, then the whole suite (browser tests
# included). Extra pytest options: make test PYTEST_ARGS="-x -k locations".
test: $(TEST_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	CLINICORG_DATA_DIR=test-output/var $(BIN)/clinicorg makemigrations --check --dry-run
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)
	$(BIN)/python -m pytest -p no:xdist -p no:cacheprovider -q $(FUZZ_TESTS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: $(TEST_STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

bench: $(TEST_STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var test-output
