# Chiiki DX Platform — every set-up step on a fresh machine (Python 3.11) goes through here.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck format migrate messages lock worker beat perf stack backup restore clean

# All app code is type-checked: models, services, selectors, views, API, forms, tasks, commands.
TYPED := dx_platform assessments benchmarks community coordination

$(BIN)/python:
	$(shell command -v $(PYTHON) || command -v python3) -m venv $(VENV)

$(STAMP): requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate, load reference data and demo accounts, serve on http://127.0.0.1:8000
# One line per step (the logs say only errors while setting up); mail the site sends goes to var/mail/.
DEMO := DJANGO_LOG_LEVEL=ERROR $(BIN)/python manage.py
demo: install
	@$(DEMO) migrate --noinput -v 0 && echo "Database migrated."
	@$(DEMO) load_reference_data
	@$(DEMO) load_catalog
	@$(DEMO) load_dashboard_dataset
	@$(DEMO) generate_demo_survey --seed 1
	@$(DEMO) seed_demo
	@$(DEMO) seed_demo_content
	@echo "Mail the site sends is written to var/mail/ (one .eml file each) and named in the server's log."
	@$(DEMO) seed_demo --sign-in
	@$(BIN)/python manage.py runserver 127.0.0.1:8000

## make test: install, lint and run the whole suite (SQLite and in-process tasks unless DATABASE_URL/REDIS_URL are set)
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=dx_platform.settings.test
	$(BIN)/pytest -n auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy $(TYPED)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/python manage.py migrate --noinput

## make messages: refresh the translation catalogues and compile them (needs gettext)
messages: install
	$(BIN)/python manage.py makemessages --locale ja --ignore ".venv/*" --ignore "tests/*" --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

## make lock: re-pin every dependency after changing pyproject.toml (runtime for the image, +dev for tests)
lock:
	rm -rf .lockenv && $(shell command -v $(PYTHON) || command -v python3) -m venv .lockenv
	.lockenv/bin/pip install --quiet --upgrade pip
	.lockenv/bin/pip install --quiet .
	{ echo "# Runtime dependencies, exact versions (make lock). The Docker image installs these."; \
	  .lockenv/bin/pip freeze --exclude chiiki-dx-platform; } > requirements.lock
	.lockenv/bin/pip install --quiet ".[dev]" -c requirements.lock
	{ echo "# Runtime and development dependencies, exact versions (make lock). make demo/test install these."; \
	  .lockenv/bin/pip freeze --exclude chiiki-dx-platform; } > requirements-dev.lock
	rm -rf .lockenv build *.egg-info

## make perf: time and peak memory of the benchmark pipeline, bytes of a first page visit (prints figures; not a test)
perf: install
	$(BIN)/python -m tests.perf.run

## make stack: gunicorn (production settings), a worker per queue and beat on the local PostgreSQL and Redis;
## signs in, uploads a national file, 50 clients for 60 s, kills a web and a scoring worker; prints figures
stack: install
	$(BIN)/python -m tests.stack

## make backup: the database (pg_dump or SQLite's backup) and media files into var/backups/<date-time>/
backup: install
	$(BIN)/python manage.py backup

## make restore FROM=var/backups/<date-time>: into the configured, empty database; checks every row count and file
restore: install
	$(BIN)/python manage.py restore $(FROM)

worker: install
	$(BIN)/celery -A dx_platform worker --queues default,scoring,imports,mail --loglevel INFO

beat: install
	$(BIN)/celery -A dx_platform beat --loglevel INFO --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) var staticfiles
