# The two commands: `make run` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
.DEFAULT_GOAL := run
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test setup setup-test migrate demo static messages lint format ci clean prod-local prod-local-stop

setup:
	@scripts/bootstrap.sh run

setup-test:
	@scripts/bootstrap.sh test

migrate:
	$(UV) run python manage.py migrate --no-input

demo: migrate
	$(UV) run python manage.py load_demo
	$(UV) run python manage.py search_reindex --no-progress

static:
	$(UV) run python manage.py collectstatic --no-input --verbosity 0

## make run: web (gunicorn) + a real Celery worker on the embedded defaults
run: setup demo static
	@echo ""
	@echo "  线上党校 is starting at http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)"
	@$(UV) run python manage.py load_demo --accounts-only
	@echo ""
	$(UV) run honcho start -f Procfile

## make prod-local: the production stack on this machine, loopback only (docs/deployment.md §6)
prod-local:
	@scripts/prod-local.sh start

prod-local-stop:
	@scripts/prod-local.sh stop

## make test: the same set-up, then lint and the whole suite (pytest exit 5, "no tests", fails)
test: setup-test
	$(UV) run ruff check .
	$(UV) run python manage.py makemigrations --check --dry-run > /dev/null
	$(UV) run pytest $(PYTEST_ARGS)

messages:
	$(UV) run python manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore 'node_modules/*' --ignore '.venv/*' --ignore 'var/*' --ignore 'static/vendor/*' --ignore 'test-artifacts/*'
	$(UV) run python manage.py compilemessages --ignore '.venv/*' --ignore 'node_modules/*'

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format:
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

clean:
	rm -rf var static/vendor
