# Liaison — two commands on a fresh machine: `make demo` and `make test`.
# Everything they need is installed by the targets below, from the project's own files.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: setup system-deps demo test check lint typecheck unit bench docs web screenshots clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

## demo: a fresh embedded (SQLite) store in .demo/, with parties and members, served on :8000
demo: setup
	$(BIN)/liaison demo

## test: static checks, then the whole suite (PostgreSQL at 127.0.0.1:5432 is required when CI=true)
test: setup system-deps check unit

## system-deps: Debian's Chromium for the browser tests (a browser download of a test tool cannot work here)
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

check: lint typecheck

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

# two workers: the machine has two cores, and the suite spends much of its time waiting on fsync
unit: setup
	$(BIN)/pytest -q -n 2

bench: setup
	$(BIN)/python bench/bench_record.py

## web: rebuild the page's committed assets from the npm registry (not needed to run or test)
web:
	cd web && npm ci --no-audit --no-fund && node build.mjs

## screenshots: refresh docs/screenshots/ from the page in Debian's Chromium
screenshots: setup system-deps
	$(BIN)/python scripts/web_screenshots.py

docs: setup
	$(BIN)/python scripts/gen_cli_docs.py
	$(BIN)/python scripts/gen_api_docs.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache .hypothesis
