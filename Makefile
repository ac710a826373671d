# The two commands: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT      ?= 8000
DEMO_DATA ?= data/demo

.PHONY: install demo test check format lint types bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: a node with the demo coalition on http://127.0.0.1:8000, example alerts played into it
demo: $(STAMP)
	$(BIN)/tanbih demo --port $(PORT) --data-dir $(DEMO_DATA)

## test: the whole suite (CI=true makes PostgreSQL tests mandatory)
test: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term:skip-covered

## check: format, lint, types, tests
check: $(STAMP) lint types test

format: $(STAMP)
	$(BIN)/ruff format src tests bench

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

types: $(STAMP)
	$(BIN)/mypy

## bench: the benchmarks recorded in docs/benchmarks.md
bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .coverage
