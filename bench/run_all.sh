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

echo
echo "## Warning to 10,000 recipients: queuing, sending with 1 and 4 workers, acknowledgements"
echo "| database | what | measured | baseline (same run) | ratio |"
echo "|---|---|---|---|---|"
$PY bench/bench_warning_delivery.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_delivery
createdb -h 127.0.0.1 -U postgres yingji_bench_delivery
DATABASE_URL="$PG/yingji_bench_delivery" $PY bench/bench_warning_delivery.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_delivery

echo
echo "## Places at county scale: list API, map layer, Excel import (bench/bench_places.py)"
rm -f /tmp/yingji-bench-places.sqlite3*
$PY bench/bench_places.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_places
createdb -h 127.0.0.1 -U postgres yingji_bench_places
DATABASE_URL="$PG/yingji_bench_places" $PY bench/bench_places.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_places

echo
echo "## Daily re-grade of every place at 120,000 places (bench/bench_regrade.py)"
echo "| database | pass | places | changed | seconds | places/s |"
echo "|---|---|---|---|---|---|"
rm -f /tmp/yingji-bench-county.sqlite3*
BENCH_PLACES=120000 $PY bench/bench_regrade.py 2>/dev/null

echo
echo "## Village kit compliance for the whole county, 350 villages (bench/bench_kit_compliance.py)"
echo "| database | villages | supplies | API p50 ms | API p95 ms | compliance_for p50 ms | baseline grouped SELECT p50 ms | API / baseline |"
echo "|---|---|---|---|---|---|---|---|"
rm -f /tmp/yingji-bench-kits.sqlite3*
$PY bench/bench_kit_compliance.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_kits
createdb -h 127.0.0.1 -U postgres yingji_bench_kits
DATABASE_URL="$PG/yingji_bench_kits" $PY bench/bench_kit_compliance.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_kits

echo
echo "## Nearest available teams among 10,000 (bench/bench_nearest_teams.py)"
rm -f /tmp/yingji-bench-teams.sqlite3*
$PY bench/bench_nearest_teams.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_teams
createdb -h 127.0.0.1 -U postgres yingji_bench_teams
DATABASE_URL="$PG/yingji_bench_teams" $PY bench/bench_nearest_teams.py 2>/dev/null | tail -n +3
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_teams

echo
echo "## Hazards: list with colours for a township of 50,000, daily colour scan over 500,000 open (bench/bench_hazards.py)"
rm -f /tmp/yingji-bench-hazards.sqlite3*
$PY bench/bench_hazards.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_hz
createdb -h 127.0.0.1 -U postgres yingji_bench_hz
DATABASE_URL="$PG/yingji_bench_hz" $PY bench/bench_hazards.py 2>/dev/null
dropdb --if-exists -h 127.0.0.1 -U postgres yingji_bench_hz
