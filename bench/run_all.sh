#!/usr/bin/env bash
# Runs every benchmark on SQLite and on PostgreSQL and prints the Markdown for docs/benchmarks.md.
# Usage: bash bench/run_all.sh   (PostgreSQL at 127.0.0.1:5432 with trust auth, as on CI machines)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}

echo "## seed_demo --scale county"
DATABASE_URL="$PG/yingji" $PY bench/bench_seed.py

echo
echo "## Scoped people list API at county scale"
echo "| database | API p50 ms | API p95 ms | baseline SELECT p50 ms | API / baseline | scoped / unscoped ORM |"
echo "|---|---|---|---|---|---|"
rm -f /tmp/yingji-bench-county.sqlite3*
$PY bench/bench_scoped_list.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench
createdb -h 127.0.0.1 -U postgres yingji_bench
DATABASE_URL="$PG/yingji_bench" $PY bench/bench_scoped_list.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench
