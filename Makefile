# The two commands: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT      ?= 8000
DEMO_DATA ?= data/demo
# The console: built from web/ with npm into the package, where the node serves it.
WEB_STAMP   := src/tanbih/web_static/.built
NPM_STAMP   := web/node_modules/.installed
WEB_SOURCES := $(wildcard web/src/*) web/index.html web/build.mjs web/tsconfig.json
CHROMIUM    := /usr/bin/chromium

.PHONY: install web browser demo test check format lint types bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## web: the console's assets (npm ci with the committed lock, then the esbuild build)
web: $(WEB_STAMP)

$(NPM_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_STAMP): $(NPM_STAMP) $(WEB_SOURCES)
	cd web && npm run --silent build
	touch $@

## browser: Debian's chromium for the console's browser tests (Playwright cannot download one)
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "chromium is missing and cannot be installed here (needs root and apt-get):"; \
	    echo "the console's browser tests skip, or fail under CI=true"; \
	  fi; }

## demo: a node with the demo coalition on http://127.0.0.1:8000, example alerts played into it
demo: $(STAMP) $(WEB_STAMP)
	$(BIN)/tanbih demo --port $(PORT) --data-dir $(DEMO_DATA)

## test: the whole suite (CI=true makes PostgreSQL and browser tests mandatory)
test: $(STAMP) $(WEB_STAMP) browser
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
	rm -rf web/node_modules src/tanbih/web_static
