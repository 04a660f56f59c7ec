# Two commands for a newcomer: `make demo` (a store with the plugin, a story, then GraphQL served)
# and `make test` (lint, type check, the whole suite on real PostgreSQL). Both set up everything.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := saleor_retention_site.settings

.PHONY: install services demo test lint typecheck pytest schema messages bench clean-db

install:
	@scripts/bootstrap.sh

services:
	@scripts/services.sh

demo: install services
	$(PY) -m saleor_retention_site.demo

test: install services lint typecheck pytest

lint:
	$(VENV)/bin/ruff check saleor_retention saleor_retention_site tests

typecheck:
	$(VENV)/bin/mypy saleor_retention

# Exit 5 means pytest collected no tests: a broken suite, said plainly rather than passed.
pytest:
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing" >&2; fi; exit $$rc

schema: install
	$(PY) manage.py retention_graphql_schema --write

messages: install
	cd saleor_retention && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete && ../$(PY) ../manage.py compilemessages -l zh_Hans
