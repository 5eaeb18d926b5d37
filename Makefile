# The README's commands. `make run` and `make test` set everything up on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
PORT ?= 8000

.PHONY: run test lint messages bench bench-data loadtest clean

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
	$(PY) manage.py seed_demo_quality
	$(PY) manage.py seed_demo_settlement
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
	$(VENV)/bin/lint-imports

## Translations: makemessages, list what is untranslated, compile the .mo (scripts/messages).
messages: $(VENV)/.installed
	./scripts/messages

clean:
	rm -rf var/broker var/cache var/celerybeat-schedule*

## Benchmarks (bench/README.md). They run on PostgreSQL, in a database of their own.
BENCH_DB ?= aftersales_bench
BENCH_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
TICKETS ?= 1000000
# The planner settings docker-compose.yml gives production's PostgreSQL (README, "Scale-out"),
# on the bench database only: without random_page_cost = 1.1 the dispatch ranking took the
# 90-day range scan over every technician's jobs (122 ms) instead of the per-technician index
# (28 ms).
BENCH_SETTINGS = $(PY) -c "import psycopg2; c = psycopg2.connect('$(BENCH_URL)'.rsplit('/', 1)[0] + '/postgres'); c.autocommit = True; cur = c.cursor(); [cur.execute(f'ALTER DATABASE $(BENCH_DB) SET {s}') for s in ('jit = off', 'random_page_cost = 1.1', 'work_mem = \\'16MB\\'')]"
BENCH_ENV = DATABASE_URL=$(BENCH_URL) DJANGO_SETTINGS_MODULE=aftersales.settings.bench

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@touch $@

## Create the bench database if needed and fill it: `make bench-data TICKETS=1000000`.
bench-data: $(VENV)/.bench-installed
	$(PY) -c "import psycopg2; c = psycopg2.connect('$(BENCH_URL)'.rsplit('/', 1)[0] + '/postgres'); c.autocommit = True; cur = c.cursor(); cur.execute(\"SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB)'\"); cur.fetchone() or cur.execute('CREATE DATABASE $(BENCH_DB)')"
	$(BENCH_SETTINGS)
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) manage.py generate_data --tickets $(TICKETS)
	@# The derived tables production's beat keeps current: the KPI report's rollups and
	@# the control room's daily figures (without them both reports read the tickets live).
	$(BENCH_ENV) $(PY) manage.py rollups_rebuild
	$(BENCH_ENV) $(PY) manage.py ticket_stats_rebuild

## Run the benchmark table against the bench database (fill it first with bench-data).
bench: $(VENV)/.bench-installed
	$(BENCH_SETTINGS)
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) -m bench.run $(BENCH_ARGS)

## Load test: gunicorn on loopback + locust (`make loadtest USERS=50 DURATION=60`).
USERS ?= 50
DURATION ?= 60
loadtest: $(VENV)/.bench-installed
	$(BENCH_ENV) $(PY) -m bench.loadtest --users $(USERS) --duration $(DURATION) $(LOADTEST_ARGS)
