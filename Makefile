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
	chromium lock lock-upgrade lock-check settings-docs typecheck translations catalogs axe
# `make test` lints the whole tree (the SDK's own `make -C sdk check` adds mypy --strict there).
RUFF_PATHS ?= .

UV_VERSION ?= 0.13.8
UV := $(BIN)/uv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# uv resolves the lock files and installs from them (pip would too, only slower).
$(UV): | $(BIN)/python
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

# Installs exactly the pins of requirements-dev.lock. When pyproject.toml and the lock files
# disagree (a dependency merged without `make lock`), scripts/lock.py re-locks and says so loudly.
$(VENV)/.installed: $(UV) pyproject.toml sdk/pyproject.toml requirements.lock requirements-dev.lock
	$(BIN)/python scripts/lock.py ensure
	$(UV) pip install --python $(BIN)/python --quiet -r requirements-dev.lock
	$(UV) pip install --python $(BIN)/python --quiet --no-deps -e . -e ./sdk
	touch $@

# Message catalogs (gateway/translations): `make translations` extracts every marked string of
# gateway/ and developer_portal/ (babel.cfg) and updates each language's messages.po; translate
# the new entries, then `make install` (or `make catalogs`) compiles them. The compiled .mo files
# are committed too, so a fresh clone (and a plain `pip install`) has them.
TRANSLATIONS := gateway/translations
PYBABEL_KEYWORDS := -k _l -k N_ -k NP_:1,2
CATALOGS := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

install: $(VENV)/.installed $(CATALOGS)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS) -l $*

catalogs: $(CATALOGS)

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(PYBABEL_KEYWORDS) --no-location --sort-output \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching \
		--ignore-obsolete
	@echo "Now translate the new (empty) entries of $(TRANSLATIONS)/zh_Hans/LC_MESSAGES/messages.po"

# Re-resolve the lock files after changing dependencies (pins still allowed are kept);
# `make lock-upgrade` moves every pin to the newest allowed version; `make lock-check` only checks.
lock: $(UV)
	$(BIN)/python scripts/lock.py refresh

lock-upgrade: $(UV)
	$(BIN)/python scripts/lock.py upgrade

lock-check: $(BIN)/python
	$(BIN)/python scripts/lock.py check

# .env.example and docs/configuration.md, generated from gateway/config.py's DEFAULTS.
settings-docs: install
	$(BIN)/python -m gateway.settings_doc --write

migrate: install
	$(BIN)/gateway db upgrade

# Registers the Demo Site's URIs for $(HOST):$(DEMO_PORT) (re-registered when the ports change).
demo: migrate
	HOST=$(HOST) PORT=$(PORT) DEMO_PORT=$(DEMO_PORT) $(BIN)/gateway demo

# The platform on $(PORT), the Demo Site (examples/demo_site) on $(DEMO_PORT), the webhook worker.
run: demo
	HOST=$(HOST) PORT=$(PORT) DEMO_PORT=$(DEMO_PORT) $(BIN)/python scripts/run_demo.py

test: install security lint-ops typecheck chromium
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
# Without root (a developer's laptop) a missing Chromium is reported and the browser tests skip.
chromium: axe
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || (apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	@command -v chromium >/dev/null || echo "== No Chromium and not root: the browser tests" \
		"(tests/e2e) will be skipped. Install it with: sudo apt-get install chromium"
	@# Chinese pages need CJK fonts (Noto Sans CJK) or screenshots show boxes.
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || (apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-cjk)
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || echo "== No CJK fonts and not root: Chinese" \
		"screenshots would show boxes. Install them with: sudo apt-get install fonts-noto-cjk"

# Part of `make test`: mypy over the server packages (not strict yet; see [tool.mypy]).
typecheck: install
	$(BIN)/mypy

# node_modules from package-lock.json (package.json): axe-core, injected into pages by the browser
# tests to check accessibility, and openid-client, the certified client of tests/certified.
axe: node_modules/axe-core/axe.min.js

node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null || { echo "== npm is missing: install Node.js (apt-get install" \
		"npm) for the accessibility checks of the browser tests"; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

security: install
	$(BIN)/bandit -q -r gateway developer_portal --severity-level high

# Load test on 127.0.0.1 only: BENCH_ARGS="--duration 10 --workers 2 --tokens 10000".
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
