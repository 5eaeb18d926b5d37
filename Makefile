# The README's commands. `make run` and `make test` set everything up on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
PORT ?= 8000

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

## Run the platform (web + Celery worker + beat) on SQLite and the filesystem broker,
## with demo data. Ctrl-C stops all three.
run: $(VENV)/.installed
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Aftersales is starting on http://127.0.0.1:$(PORT)/  (API docs: /api/docs/, admin: /admin/)"
	@echo ""
	PATH="$(abspath $(VENV))/bin:$$PATH" AFTERSALES_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

## Run the test suite (PostgreSQL + Redis when reachable, else SQLite + filesystem broker).
test: $(VENV)/.installed
	./scripts/test

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf var/broker var/cache var/celerybeat-schedule*
