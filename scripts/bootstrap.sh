#!/usr/bin/env bash
# Creates .venv and installs Saleor 2.10.1 + this package on CPython 3.11. Idempotent:
# a venv whose stamp matches the current pins is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
stamp_src=$(cat requirements/constraints.txt setup.cfg | sha256sum | cut -d' ' -f1)
if [ -f .venv/.installed ] && [ "$(cat .venv/.installed)" = "$stamp_src" ]; then
  exit 0
fi
start=$(date +%s)
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# pip>=24.1 rejects celery 4 metadata; setuptools>=81 has no pkg_resources (django-countries 6 needs it)
.venv/bin/pip install -q "pip==24.0" "setuptools==69.5.1" wheel
.venv/bin/pip install -q --ignore-requires-python -c requirements/constraints.txt -e ".[dev]"
# The compatibility shim must load before anything imports celery or Django (celery's CLI, pytest
# plugins): a .pth file runs it at interpreter start-up.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "import saleor_retention.compat as _src; _src.install()" > "$site/saleor_retention_compat.pth"
echo "$stamp_src" > .venv/.installed
echo "bootstrap: installed in $(( $(date +%s) - start ))s"
