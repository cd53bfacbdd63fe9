# Liaison — two commands on a fresh machine: `make demo` and `make test`.
# Everything they need is installed by the targets below, from the project's own files.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: setup demo test check lint typecheck unit bench docs clean

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
test: setup check unit

check: lint typecheck

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python bench/bench_record.py

docs: setup
	$(BIN)/python scripts/gen_cli_docs.py
	$(BIN)/python scripts/gen_api_docs.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache .hypothesis
