#!/usr/bin/env bash
# Prints this checkout's own SECRET_KEY for `make demo` (and the other local make targets),
# creating it on first use: 64 random URL-safe characters in var/secret_key (git ignores var/),
# readable by the owner only, reused on every later run so sessions and signed links survive.
set -euo pipefail
cd "$(dirname "$0")/.."
key_file=var/secret_key
if [[ ! -s $key_file ]]; then
    mkdir -p var
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(48))' > "$key_file.tmp")
    mv "$key_file.tmp" "$key_file"
fi
cat "$key_file"
