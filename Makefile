# ZoneConnect: `make run` serves the demo platform, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export ZC_ENV ?= development

.PHONY: install run serve migrate demo test test-postgres lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/gateway db upgrade

demo: migrate
	$(BIN)/gateway demo

run: demo
	$(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) 'gateway:create_app()'

test: install
	ZC_ENV=test $(BIN)/pytest

test-postgres: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} ZC_ENV=test $(BIN)/pytest

lint: install
	$(BIN)/ruff check gateway developer_portal tests

clean:
	rm -rf $(VENV) instance .pytest_cache
