#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer; on a fresh Debian
# machine without them, installs Debian's packages and starts them. DATABASE_URL pointing
# elsewhere skips the PostgreSQL part.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_answers() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

if [ -z "${DATABASE_URL:-}" ] || [[ "$DATABASE_URL" == *"127.0.0.1"* || "$DATABASE_URL" == *"localhost"* ]]; then
  if ! pg_answers; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      echo "services: installing PostgreSQL (Debian package)"
      as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      ver=$(ls /etc/postgresql | sort -V | tail -1)
      # trust auth on loopback, as on the project's machines
      as_root sed -i 's/^\(host\s\+all\s\+all\s\+127.0.0.1\/32\s\+\)\S\+/\1trust/; s/^\(local\s\+all\s\+\(all\|postgres\)\s\+\)\S\+/\1trust/' "/etc/postgresql/$ver/main/pg_hba.conf"
    fi
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    echo "services: starting PostgreSQL $ver"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || as_root pg_ctlcluster "$ver" main start
    for _ in $(seq 30); do pg_answers && break; sleep 1; done
  fi
  pg_answers || { echo "services: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
fi

if ! redis_answers; then
  if ! command -v redis-server >/dev/null; then
    echo "services: installing Redis (Debian package)"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  echo "services: starting Redis"
  mkdir -p var
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$(pwd)/var" --logfile "$(pwd)/var/redis.log"
  for _ in $(seq 20); do redis_answers && break; sleep 0.5; done
fi
redis_answers || { echo "services: Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }

# Printing loyalty cards: a font with Chinese glyphs (cards print in the order's language); the
# tests read the PDFs back with poppler's pdftoppm and decode their QR codes with zbarimg.
if ! command -v zbarimg >/dev/null || ! command -v pdftoppm >/dev/null || ! fc-list | grep -qi "wenquanyi\|noto sans cjk"; then
  echo "services: installing fonts-wqy-microhei, zbar-tools and poppler-utils (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    fonts-wqy-microhei zbar-tools poppler-utils >/dev/null
fi
