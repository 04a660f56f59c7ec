# Two commands for a newcomer: `make demo` (a store with the plugin, a story, then GraphQL served)
# and `make test` (lint, type check, the whole suite on real PostgreSQL). Both set up everything.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := saleor_retention_site.settings
# The demo and the local tools run with this checkout's own SECRET_KEY (made once in var/, which
# git ignores), or the environment's; never the public demo key (system check saleor_retention.E001).
WITH_KEY := SECRET_KEY="$${SECRET_KEY:-$$(scripts/secret_key.sh)}"

.PHONY: install services demo test lint typecheck pytest schema messages bench clean-db

install:
	@scripts/bootstrap.sh

services:
	@scripts/services.sh

demo: install services
	$(WITH_KEY) $(PY) -m saleor_retention_site.demo

test: install services lint typecheck pytest

lint:
	$(VENV)/bin/ruff check saleor_retention saleor_retention_site tests bench
	$(VENV)/bin/ruff format --check saleor_retention saleor_retention_site tests bench

typecheck:
	$(VENV)/bin/mypy saleor_retention

# Exit 5 means pytest collected no tests: a broken suite, said plainly rather than passed.
pytest:
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing" >&2; fi; exit $$rc

# Performance targets, measured in one run on a dedicated database (saleor_retention_bench, created
# and migrated; BENCH_DATABASE_URL overrides): ledger posts/s, orderMarkAsPaid with the plugin active
# vs inactive, me.loyalty requests/s, card PDFs, review pages. Prints a table and rewrites README's
# Benchmarks section.
bench: install services
	$(WITH_KEY) $(PY) -m bench.run

schema: install
	$(WITH_KEY) $(PY) manage.py retention_graphql_schema --write

# Regenerates the zh_Hans catalogue from the app's own source, keeping existing translations (new
# strings arrive with an empty msgstr, near-matches marked fuzzy: translate them, drop the flag),
# then compiles it. makemessages must run inside saleor_retention/ (so it scans only the app), but
# Django cannot start there: celery's Django fixup puts the working directory first on sys.path,
# where saleor_retention/graphql would shadow the graphql package. So Django starts here and the
# command changes directory afterwards; LOCALE_PATHS is emptied so makemessages does not create
# Saleor's (unused) <site-packages>/locale directory. Needs GNU gettext (xgettext, msgmerge).
messages: install
	$(WITH_KEY) $(PY) manage.py shell -c 'import os; from django.core.management import call_command; from django.test.utils import override_settings; os.chdir("saleor_retention"); override_settings(LOCALE_PATHS=[]).enable(); call_command("makemessages", locale=["zh_Hans"], no_obsolete=True)'
	$(VENV)/bin/pybabel compile -d saleor_retention/locale -D django --statistics
