"""Benchmark: village kit compliance (“3+4+X”) for the whole county, wall time per run.

Usage (SQLite, builds a county demo in a scratch file first):
    .venv/bin/python bench/bench_kit_compliance.py
On PostgreSQL (the database must exist and may be empty; it is seeded if so):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yingji_bench .venv/bin/python bench/bench_kit_compliance.py

Three measurements, BENCH_SAMPLES (default 30) runs each after 3 warm-ups:
- the API, `GET /api/v1/kits/compliance?jurisdiction=<county>` as the county administrator,
  through the whole stack (token auth, scope, queries, matching 350 villages × the kit's
  items, JSON of every village's required/present/missing/expired);
- `supplies.kits.compliance_for(county)` alone (the computation without HTTP and JSON);
- the baseline: one raw grouped SELECT of the same stock (usable, non-archived supplies
  summed per storage-point path, item name, code and category), which fetches what the
  compliance needs but matches nothing and builds no answer.
The last line is the Markdown table row of docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/yingji-bench-kits.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import ApiToken, User  # noqa: E402
from demo.constants import COUNTY_CODE  # noqa: E402
from jurisdictions.choices import Level  # noqa: E402
from jurisdictions.models import Jurisdiction  # noqa: E402
from supplies.kits import compliance_for  # noqa: E402
from supplies.models import Supply  # noqa: E402
from yingji import scoping  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "30"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(label: str, func: Callable[[], object]) -> list[float]:
    for _ in range(3):  # warm caches and connections
        func()
    times = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    print(f"  {label}: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms", file=sys.stderr)
    return times


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale="county", if_empty=True, verbosity=0)
    county = Jurisdiction.unscoped.defer("boundary").get(code=COUNTY_CODE)
    villages = Jurisdiction.unscoped.filter(level=Level.VILLAGE, archived_at__isnull=True).count()
    supplies = Supply.unscoped.filter(archived_at__isnull=True).count()
    if villages < 300 or supplies == 0:
        sys.exit(f"the database holds {villages} villages and {supplies} supplies: not a county demo with supplies; "
                 "drop it (or the scratch file) and run again")
    user = User.unscoped.get(username="county_admin")
    _, raw = ApiToken.issue(user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    scope = scoping.scope_for_user(user)

    first = client.get(f"/api/v1/kits/compliance?jurisdiction={COUNTY_CODE}")
    assert first.status_code == 200, first.content[:300]
    body = first.json()
    assert len(body["villages"]) == villages, (len(body["villages"]), villages)
    print(f"vendor={connection.vendor} villages={villages} supplies={supplies} "
          f"compliant={body['rollup']['compliant']} samples={SAMPLES}", file=sys.stderr)

    def api() -> object:
        response = client.get(f"/api/v1/kits/compliance?jurisdiction={COUNTY_CODE}")
        assert response.status_code == 200
        return response.content

    def computation() -> object:
        with scoping.use_scope(scope):
            return compliance_for(county).as_dict()

    table = Supply._meta.db_table

    def raw_grouped() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT jurisdiction_path, name, item_code, category_id, expiry_date, SUM(quantity) FROM {table} "  # noqa: S608
                "WHERE archived_at IS NULL AND quantity > 0 AND jurisdiction_path LIKE %s "
                "GROUP BY jurisdiction_path, name, item_code, category_id, expiry_date",
                [county.path + "%"],
            )
            return cursor.fetchall()

    whole = measure("API (county admin, whole county)", api)
    inner = measure("compliance_for(county) + as_dict", computation)
    base = measure("baseline: raw grouped SELECT of the same stock", raw_grouped)

    p50 = statistics.median
    print(f"| {connection.vendor} | {villages} | {supplies} | {p50(whole):.0f} | {percentile(whole, .95):.0f} | "
          f"{p50(inner):.0f} | {p50(base):.1f} | {p50(whole) / p50(base):.1f}× |")


if __name__ == "__main__":
    main()
