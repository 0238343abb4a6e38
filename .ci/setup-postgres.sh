#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and prints its URL as the last line.
#
# Idempotent and bounded: installs the distribution's `postgresql` only when no server binaries
# are found, reuses a cluster already answering on the port, otherwise initdb's a fresh one into
# a temp directory. It listens on 127.0.0.1 and a socket in that directory, nowhere else; trust
# authentication is acceptable only because of that (loopback, a cluster that lives for one run).
set -euo pipefail

PORT="${SYMBI_PG_PORT:-55432}"
DIR="${SYMBI_PG_DIR:-/tmp/symbi-ci-postgres}"
DB="symbi_test"
APT_TIMEOUT="${SYMBI_APT_TIMEOUT:-600}"
say() { echo "setup-postgres: $*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

if [ -z "$(pg_bin)" ]; then
  if [ "$(id -u)" -ne 0 ]; then say "no PostgreSQL server binaries and not root: cannot install postgresql"; exit 1; fi
  say "installing postgresql from the distribution's packages"
  export DEBIAN_FRONTEND=noninteractive
  timeout "$APT_TIMEOUT" apt-get update -qq >/dev/null || { say "apt-get update failed"; exit 1; }
  timeout "$APT_TIMEOUT" apt-get install -y -qq postgresql >/dev/null || { say "apt-get install postgresql failed"; exit 1; }
fi
BIN="$(pg_bin)"
[ -n "$BIN" ] || { say "PostgreSQL server binaries not found after install"; exit 1; }
URL="postgres://postgres@127.0.0.1:${PORT}/${DB}"

# initdb and postgres refuse to run as root: run them as the package's postgres user.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if timeout 5 "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  say "a server already answers on 127.0.0.1:$PORT; reusing it"
else
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
  as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust --no-instructions -E UTF8 >/dev/null
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=200" start >/dev/null \
    || { say "server did not start; log:"; tail -20 "$DIR/server.log" >&2; exit 1; }
  say "started PostgreSQL ($(basename "$(dirname "$BIN")")) on 127.0.0.1:$PORT, data in $DIR/data"
fi
if ! timeout 10 "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  timeout 10 "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi
echo "$URL"
