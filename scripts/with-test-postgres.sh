#!/usr/bin/env bash
# Run a command against Debian's PostgreSQL: starts the local cluster if needed, creates a
# `neddie` role allowed to create the test database, and exports DATABASE_URL.
# Usage: scripts/with-test-postgres.sh COMMAND...
set -euo pipefail

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi
}

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  if [ "$(id -u)" -eq 0 ]; then pg_ctlcluster "$version" main start; else sudo pg_ctlcluster "$version" main start; fi
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'neddie'\"" | grep -q 1 \
  || as_postgres "psql -p $port -c \"CREATE ROLE neddie LOGIN CREATEDB PASSWORD 'neddie-test'\""

export DATABASE_URL="postgres://neddie:neddie-test@127.0.0.1:$port/neddie"
exec "$@"
