# ZoneConnect: `make run` serves the demo platform, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_PORT ?= 8001
HOST ?= 127.0.0.1
export ZC_ENV ?= development

.PHONY: install run serve migrate demo test test-postgres lint clean security lint-ops bench \
	chromium
# `make test` lints the whole tree (the SDK's own `make -C sdk check` adds mypy --strict there).
RUFF_PATHS ?= .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml sdk/pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet -e './sdk[flask]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/gateway db upgrade

demo: migrate
	$(BIN)/gateway demo

# The platform on $(PORT), the Demo Site (examples/demo_site) on $(DEMO_PORT), the webhook worker.
run: demo
	HOST=$(HOST) PORT=$(PORT) DEMO_PORT=$(DEMO_PORT) $(BIN)/python scripts/run_demo.py

test: install security lint-ops chromium
	ZC_ENV=test $(BIN)/pytest
	$(MAKE) -C sdk check

test-postgres: install chromium
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} ZC_ENV=test $(BIN)/pytest

lint: install
	$(BIN)/ruff check gateway developer_portal tests

# Part of `make test`: ruff over RUFF_PATHS; `security` runs bandit (fails on a high finding).
lint-ops: install
	$(BIN)/ruff check $(RUFF_PATHS)

# The browser tests (tests/e2e) drive Debian's Chromium through Playwright.
chromium:
	command -v chromium >/dev/null || (apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

security: install
	$(BIN)/bandit -q -r gateway developer_portal --severity-level high

# Load test on 127.0.0.1 only: BENCH_ARGS="--duration 10 --workers 2 --tokens 10000".
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
