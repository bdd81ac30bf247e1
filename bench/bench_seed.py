"""Benchmark: `manage.py seed_demo --scale county` on a fresh database, against a baseline.

Run:  .venv/bin/python bench/bench_seed.py              (SQLite only)
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/yingji .venv/bin/python bench/bench_seed.py
                                                        (SQLite, then a scratch PostgreSQL database)

Every measurement is the wall time of a fresh `manage.py` process, so each includes the
same Django start-up. The baseline, measured in the same run on the same database, is a
process that inserts as many rows as the seeder wrote into a plain table (five short
columns, no indexes but the key, no JSON, no ORM), in batches of 500 in one transaction:
the floor any seeder of this size pays. The ratio says how much the real work (planning
geometry, building model rows, indexes, sealing ID numbers, hashing passwords) costs on
top. Generation-only time (planning the tree and the people in memory) is shown too.
Prints a Markdown snippet on stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
MANAGE = str(REPO / "manage.py")

COUNT_ROWS = """
from accounts.models import User
from jurisdictions.models import Jurisdiction
from people.models import Person, Position
print(sum(m.unscoped.count() for m in (Jurisdiction, Person, Position, User)))
"""

PLAIN_INSERT = """
import os
from django.db import connection, transaction
rows = int(os.environ["BENCH_ROWS"])
key = "integer primary key" if connection.vendor == "sqlite" else "bigserial primary key"
with connection.cursor() as cursor:
    cursor.execute("drop table if exists bench_plain")
    cursor.execute(f"create table bench_plain (id {key}, code varchar(20), name varchar(60), "
                   "path varchar(120), payload text)")
with transaction.atomic(), connection.cursor() as cursor:
    for start in range(0, rows, 500):
        cursor.executemany(
            "insert into bench_plain (code, name, path, payload) values (%s, %s, %s, %s)",
            [(f"{i:015d}", f"名称{i}", f"/330225/{i:015d}/", "x" * 200) for i in range(start, min(rows, start + 500))],
        )
with connection.cursor() as cursor:
    cursor.execute("drop table bench_plain")
"""

GENERATE_ONLY = """
from demo.plan import plan_county
from demo.staffing import plan_staff
plan_staff(plan_county("county"))
"""


@dataclass
class Measurement:
    database: str
    seed_seconds: float
    baseline_seconds: float
    generation_seconds: float
    rows: int
    step_lines: list[str]


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, str]:
    """Run one manage.py process; return its wall time and stdout (fail loudly on error)."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, MANAGE, *args], env=env, input=stdin, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def shell(code: str, env: dict[str, str]) -> tuple[float, str]:
    return run(["shell", "--no-imports", "-c", code], env)


def measure(database: str, database_url: str, var_dir: str) -> Measurement:
    env = {**os.environ, "DATABASE_URL": database_url, "YINGJI_VAR_DIR": var_dir, "PYTHONPATH": str(REPO)}
    run(["migrate", "-v0"], env)
    seed_seconds, output = run(["seed_demo", "--scale", "county", "-v1"], env)
    rows = int(shell(COUNT_ROWS, env)[1].strip().splitlines()[-1])
    baseline_seconds, _ = shell(PLAIN_INSERT, {**env, "BENCH_ROWS": str(rows)})
    generation_seconds, _ = shell(GENERATE_ONLY, env)
    steps = [line for line in output.splitlines() if line.startswith("[")]
    return Measurement(database, seed_seconds, baseline_seconds, generation_seconds, rows, steps)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def measure_postgres(url: str, var_dir: str) -> Measurement:
    """Seed a scratch database created next to the one in DATABASE_URL, dropped afterwards."""
    import psycopg

    scratch = f"{urlsplit(url).path.lstrip('/') or 'yingji'}_bench_seed"
    admin_url = with_database(url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        return measure("PostgreSQL", with_database(url, scratch), var_dir)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def markdown(results: list[Measurement]) -> str:
    lines = [
        "### `seed_demo --scale county`",
        "",
        "| database | rows written | seed (wall) | baseline: plain insert of as many rows | ratio | generation only |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.rows:,} | {r.seed_seconds:.2f} s | {r.baseline_seconds:.2f} s "
            f"| {r.seed_seconds / r.baseline_seconds:.1f}× | {r.generation_seconds:.2f} s |"
        )
    lines += [
        "",
        "Each figure is the wall time of a fresh `manage.py` process (Django start-up included in all).",
        "Baseline: the same number of rows inserted into a plain five-column table with `executemany`",
        "in one transaction. Generation only: planning boundaries and people in memory, no database.",
    ]
    for r in results:
        lines += ["", f"Steps on {r.database}:", "", *[f"- {line}" for line in r.step_lines]]
    return "\n".join(lines)


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory(prefix="yingji-bench-seed-") as var_dir:
        results.append(measure("SQLite", f"sqlite:///{var_dir}/bench.sqlite3", var_dir))
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            results.append(measure_postgres(url, var_dir))
    print(markdown(results))


if __name__ == "__main__":
    main()
