# The one entry point. `make run` and `make test` work on a machine that has only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
ARGS ?=
# pytest-xdist processes; tests mostly wait on PostgreSQL, so more than the 2 cores pays off.
PYTEST_WORKERS ?= 4
WORKERS ?=
name ?=

.DEFAULT_GOAL := help
.PHONY: help venv run stop psql redis-cli migrate rollback migrate-status new-migration \
	seed generate check lint fmt test test-fast bench settings clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP) ## create .venv and install the project with its tools

run: $(STAMP) ## start servers, migrate, seed on first run, serve HTTP (WORKERS=n)
	$(PY) -m service run $(if $(WORKERS),--workers $(WORKERS))

stop: $(STAMP) ## stop the embedded PostgreSQL and Redis
	$(PY) -m service stop

psql: $(STAMP) ## psql on the database in use
	$(PY) -m service psql

redis-cli: $(STAMP) ## redis-cli on the Redis in use
	$(PY) -m service redis-cli

migrate: $(STAMP) ## apply pending migrations (dbmate --wait --strict --migration-lock)
	$(PY) -m service migrate

rollback: $(STAMP) ## roll back the latest migration
	$(PY) -m service rollback

migrate-status: $(STAMP) ## list migrations; exits 1 when some are pending
	$(PY) -m service migrate-status

new-migration: $(STAMP) ## create db/migrations/<ts>_<name>.sql (name=verb_object)
	@test -n "$(name)" || { echo 'usage: make new-migration name=verb_object'; exit 2; }
	$(PY) -m service new-migration $(name)

seed: $(STAMP) ## load the demo data (ARGS=--clean removes it; ARGS='--synthetic N')
	$(PY) -m service seed $(ARGS)

generate: $(STAMP) ## regenerate service/store/queries/ from queries/*.sql
	$(PY) -m service generate

check: $(STAMP) ## fail when service/store/queries/ is stale or a query no longer prepares
	$(PY) -m service check

lint: $(STAMP) ## ruff, mypy, sqlfluff, squawk
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint --disable-progress-bar queries db/migrations
	$(PY) -m service.dev.squawk

fmt: $(STAMP) ## format Python and fix SQL style
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/sqlfluff fix --disable-progress-bar queries db/migrations

test: lint check ## the full suite: lint, generated code current, migrations, pytest
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(ARGS)

test-fast: $(STAMP) ## pytest only
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(ARGS)

bench: $(STAMP) ## benchmarks: generated queries vs asyncpg and aiosql, HTTP vs bare aiohttp
	$(PY) -m bench $(ARGS)

settings: $(STAMP) ## every configuration variable with its default
	$(PY) -m service settings

clean: ## remove the virtual environment and caches (not .data/)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
