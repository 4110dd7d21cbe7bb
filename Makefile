# The two commands: `make run` serves the portal at http://127.0.0.1:8000, `make test` runs the checks.
VENV := .venv
PYTHON := $(VENV)/bin/python
MANAGE := $(PYTHON) manage.py

.PHONY: run test audit lint messages makemessages migrate demo worker clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

messages:
	$(MANAGE) compilemessages --ignore=.venv -v0

run: $(VENV)/.run-installed
	bin/system-packages run
	$(MAKE) messages
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	$(MANAGE) runserver 127.0.0.1:8000

test: $(VENV)/.dev-installed
	bin/system-packages test
	$(MAKE) messages
	AUDIT_UNAVAILABLE=warn $(MAKE) audit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(MANAGE) makemigrations --check --dry-run -v0
	$(VENV)/bin/pytest

# Known vulnerabilities in the pinned packages (pip-audit against PyPI's data); fails when it cannot tell.
audit: $(VENV)/.dev-installed
	bin/audit-dependencies

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

makemessages: $(VENV)/.dev-installed
	$(MANAGE) makemessages --ignore=.venv --ignore=staticfiles --no-obsolete -l ar -l ku -l fr -l es -l ru

worker: $(VENV)/.run-installed
	$(VENV)/bin/celery -A portal worker --pool solo --loglevel INFO

demo: $(VENV)/.run-installed
	$(MANAGE) load_demo

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var
