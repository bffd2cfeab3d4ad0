# Linli: every command a developer or operator needs. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# Test processes: one per core (pytest-xdist); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

.PHONY: help install demo run worker test test-browser test-fuzz lint format messages check-messages bench prod-check clean

help:
	@echo "make demo           set up, load the demo street on SQLite, run web + worker on $(HOST):$(PORT)"
	@echo "make test           run the whole test suite (SQLite; PostgreSQL when LINLI_DATABASE_URL is set)"
	@echo "make test-browser   run the Playwright browser tests (needs /usr/bin/chromium)"
	@echo "make test-fuzz      fuzz the JSON API for each role with schemathesis (about 2 minutes)"
	@echo "make lint           ruff, mypy (services, selectors, permissions, the kit), migrations, catalogue"
	@echo "make format         ruff format and fix"
	@echo "make messages       extract strings into each app's zh_Hans catalogue (needs gettext)"
	@echo "make check-messages fail if the zh_Hans catalogue has untranslated entries"
	@echo "make bench          run the benchmarks (set LINLI_DATABASE_URL to PostgreSQL)"
	@echo "make run            production-style server: gunicorn (set LINLI_* variables first)"
	@echo "make worker         the background worker: queued tasks and scheduled jobs"
	@echo "make clean          remove the virtualenv and the local SQLite database"

$(BIN)/linli: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/linli

install: $(BIN)/linli
	$(BIN)/linli catalogues compile

demo: install
	mkdir -p var
	$(BIN)/linli migrate --noinput
	$(BIN)/linli demo
	@echo "Worker log: var/worker.log"
	$(BIN)/linli worker > var/worker.log 2>&1 & echo $$! > var/worker.pid
	@trap 'kill $$(cat var/worker.pid) 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/linli runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest --ds=config.settings.test -m "not browser and not fuzz" -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fuzz: install
	$(BIN)/pytest --ds=config.settings.test -m fuzz -n 0 $(PYTEST_ARGS)

test-browser: install
	$(BIN)/pytest --ds=config.settings.test -m browser $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/linli makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/linli makemigrations --check --dry-run
	$(BIN)/linli catalogues check
	$(BIN)/python .ci/dep_audit.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	cd linli && for app in */locale; do (cd $$(dirname $$app) && ../../$(BIN)/linli makemessages -l zh_Hans --no-obsolete -i "tests/*" >/dev/null); done

check-messages: install
	$(BIN)/linli catalogues check

bench: install
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

run: install
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/linli migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/linli collectstatic --noinput
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/gunicorn config.wsgi:application -b $(HOST):$(PORT) -w 3 --timeout 120

worker: install
	$(BIN)/linli worker

clean:
	rm -rf $(VENV) var
