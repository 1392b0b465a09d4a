# Capsync: `make demo` runs the whole app locally with no server needed; `make test` runs lint and the suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The demo talks to the Xero sandbox (Procfile's `xero` process) with its seeded demo app.
SANDBOX := http://127.0.0.1:8765
DEMO_ENV := DEBUG=1 XERO_LOGIN_URL=$(SANDBOX)/login XERO_IDENTITY_URL=$(SANDBOX)/identity XERO_API_URL=$(SANDBOX)/api \
	XERO_CLIENT_ID=capsync-demo XERO_CLIENT_SECRET=demo-secret XERO_WEBHOOK_KEY=demo-webhook-key

.PHONY: demo test lint bench bench-orgs screenshots install install-dev browser migrate clean help

help:
	@echo "make demo   - install, migrate, load demo data and run web + worker + beat on http://127.0.0.1:8000"
	@echo "make test   - install dev dependencies, check formatting and lint with ruff, run the test suite"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Capsync needs Python 3.12 or newer, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Browser tests drive Debian's Chromium; never a browser download.
browser:
	@bash scripts/ensure-chromium

migrate: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

demo: install
	@mkdir -p var/broker var/broker-processed
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_demo_data
	@echo ""
	@echo "Capsync is starting on http://127.0.0.1:8000  (sign in as demo@example.com / demo; Ctrl-C stops it)"
	@echo "The Xero sandbox runs on $(SANDBOX) (its demo Xero user: demo@example.com / demo)"
	@echo ""
	$(DEMO_ENV) $(BIN)/honcho start -f Procfile

lint: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: install-dev browser
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/capsync_bench, is dropped and
# recreated). `make bench BENCH_ARGS=--quick` runs the small size; `--skip-peer` leaves out tap-xero, which the
# bench installs on first use into its own venv .venv-peer/ (its pinned dependencies stay out of .venv).
bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

# Issue 18's many-organisations runs: 100 organisations x 1,000 contacts / 10,000 invoices with 1, 2 and 4 Celery
# workers (prefork pools of 5 processes, as docker-compose.yml runs them; `--pool threads` in BENCH_ORGS_ARGS for
# threads), one after another, each writing its table to docs/BENCHMARKS.md. Needs REDIS_URL (broker, call slots).
BENCH_ORGS_ARGS ?= --orgs 100 --contacts 1000 --invoices 10000 --per-worker 5 --slice-pages 5
bench-orgs: install-dev
	@test -n "$$REDIS_URL" || { echo "bench-orgs needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 1; }
	for workers in 1 2 4; do $(BIN)/python -m bench $(BENCH_ORGS_ARGS) --workers $$workers || exit 1; done

# The README's pictures, from the demo after connecting Xero (needs PostgreSQL, like the tests).
screenshots: install-dev browser
	$(BIN)/python -m pytest -m screenshots tests/screenshots

clean:
	rm -rf $(VENV) .venv-peer var staticfiles db.sqlite3 .pytest_cache
