# Ejournal: `make run` starts the portal with a demo school, `make test` runs the suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ejournal
REDIS_URL ?= redis://127.0.0.1:6379/0
PORT ?= 8000
export DATABASE_URL REDIS_URL

# The first Python >= 3.12 that works: python3.13, python3.12, then pyenv's installs.
PYTHON_BIN ?= $(shell for p in python3.13 python3.12 \
	$$(ls -d /root/.pyenv/versions/3.13.*/bin/python3.13 $$HOME/.pyenv/versions/3.13.*/bin/python3.13 \
	       /root/.pyenv/versions/3.12.*/bin/python3.12 $$HOME/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null); do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: venv run test test-at test-dates services check-db bench faults lint messages clean-venv

$(VENV)/.installed: requirements-dev.txt
	@test -n "$(PYTHON_BIN)" || { echo "Python 3.12+ is required (python3.13 / python3.12 not found)."; exit 1; }
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# Start PostgreSQL and Redis where they are installed locally but stopped.
services:
	@bin/ensure-services

check-db: venv services
	@$(PY) bin/ensure_database.py

run: check-db
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py compilemessages -v0 || true
	DEBUG=1 $(PY) manage.py seed_demo --if-empty --logins-json demo-logins.json
	@bin/run-dev $(PORT)

test: venv services
	@$(PY) manage.py compilemessages -v0 2>/dev/null || true
	$(PY) -m pytest -n 2 --create-db $(PYTEST_ARGS)

# The suite with the machine's clock moved (Debian's faketime): tests own their clock (tests/clock.py), so
# the machine's date must not matter. A Sunday in the winter break, New Year's Eve, the summer, a leap day.
TEST_DATES ?= 2027-01-03 2027-12-31 2027-07-18 2028-02-29
DATE ?= 2027-07-18

test-at: venv services
	@command -v faketime >/dev/null || { echo "faketime is required: apt-get install faketime"; exit 1; }
	@echo "== the suite with the machine's clock at $(DATE) 10:00 =="
	faketime '$(DATE) 10:00:00' $(PY) -m pytest -n 2 --create-db -q $(PYTEST_ARGS)

test-dates:
	@for d in $(TEST_DATES); do $(MAKE) --no-print-directory test-at DATE=$$d || exit 1; done

bench: check-db
	$(PY) bench/run.py

# The fault drill (docs/operations.md): a portal of its own on 127.0.0.1 (database FAULTS_DATABASE_URL, its own
# redis-server) under load while Redis, database connections and a worker fail; about three minutes.
faults: venv services
	$(PY) bench/faults.py

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

messages: venv
	DEBUG=1 $(PY) manage.py makemessages -l ru -l en --ignore '.venv/*' --ignore 'staticfiles/*'
	DEBUG=1 $(PY) manage.py compilemessages

clean-venv:
	rm -rf $(VENV)
