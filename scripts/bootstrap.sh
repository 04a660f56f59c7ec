#!/usr/bin/env bash
# Creates .venv and installs Saleor 2.10.1 (the demo and test store) + this package on CPython
# 3.11. Idempotent: a venv whose stamp matches the current pins is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
stamp_src=$(cat requirements/constraints.txt setup.cfg | sha256sum | cut -d' ' -f1)
# Translation catalogues: the .mo files are build artefacts (git ignores them), compiled from the
# committed .po files with Babel (pure Python, a Saleor dependency; GNU gettext is not needed).
# It takes well under a second, so it runs on every call, also when the venv is up to date: a .po
# edited since the last run is always picked up. Fuzzy entries are left out (no --use-fuzzy); a
# msgstr whose %(name)s placeholders differ from its msgid fails the run, and so does a catalogue
# whose header is marked fuzzy, which pybabel would otherwise skip quietly, leaving no or a stale .mo.
compile_messages() {
  local po
  .venv/bin/pybabel -q compile -d saleor_retention/locale -D django
  for po in saleor_retention/locale/*/LC_MESSAGES/django.po; do
    [ "${po%.po}.mo" -nt "$po" ] || { echo "bootstrap: $po not compiled (header marked fuzzy?)" >&2; exit 1; }
  done
}
if [ -f .venv/.installed ] && [ "$(cat .venv/.installed)" = "$stamp_src" ]; then
  compile_messages
  exit 0
fi
start=$(date +%s)
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# pip>=24.1 rejects celery 4 metadata; setuptools>=81 has no pkg_resources (django-countries 6 needs it)
.venv/bin/pip install -q "pip==24.0" "setuptools==69.5.1" wheel
# Saleor 2.10.1 is the demo and test store; the package itself does not depend on Saleor.
.venv/bin/pip install -q --ignore-requires-python -c requirements/constraints.txt saleor -e ".[dev]"
# The compatibility shim must load before anything imports celery or Django (celery's CLI, pytest
# plugins): a .pth file runs it at interpreter start-up.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "import saleor_retention.compat as _src; _src.install()" > "$site/saleor_retention_compat.pth"
compile_messages
echo "$stamp_src" > .venv/.installed
echo "bootstrap: installed in $(( $(date +%s) - start ))s"
