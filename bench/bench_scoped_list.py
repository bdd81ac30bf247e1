"""Benchmark: the scoped people list API at county scale, against an unscoped SELECT.

Usage (SQLite, builds a county demo in a scratch file first):
    .venv/bin/python bench/bench_scoped_list.py
On PostgreSQL (the database must exist and may be empty; it is seeded if so):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yingji_bench .venv/bin/python bench/bench_scoped_list.py

Each sample fetches one page (50 people) of a township user's list through the whole
stack (middleware, token auth, scope, query, serialisation). The baseline, measured in
the same run, is a raw unscoped SELECT of the same page on the same connection; the
third line isolates the cost of the scope condition itself (scoped vs unscoped ORM query).
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
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/yingji-bench-county.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import ApiToken, User  # noqa: E402
from people.models import Person  # noqa: E402
from yingji import scoping  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))
PAGE_SIZE = 50


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(label: str, func: Callable[[int], object]) -> list[float]:
    for i in range(20):  # warm caches and connections
        func(i)
    times = []
    for i in range(SAMPLES):
        start = time.perf_counter()
        func(i)
        times.append((time.perf_counter() - start) * 1000)
    print(f"  {label}: p50 {statistics.median(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms", file=sys.stderr)
    return times


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale="county", if_empty=True, verbosity=0)
    user = User.unscoped.get(username="township_admin")
    _, raw = ApiToken.issue(user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    scope = scoping.scope_for_user(user)
    visible = Person.unscoped.filter(jurisdiction_path__within=scope.paths[0], archived_at__isnull=True).count()
    total = Person.unscoped.count()
    pages = max(1, visible // PAGE_SIZE)
    print(f"vendor={connection.vendor} people={total} visible_to_township={visible} samples={SAMPLES}", file=sys.stderr)

    def api_page(i: int) -> object:
        response = client.get(f"/api/v1/people?page={i % pages + 1}&page_size={PAGE_SIZE}")
        assert response.status_code == 200
        return response

    table = Person._meta.db_table

    def raw_select(i: int) -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, name, mobile, jurisdiction_id FROM {table} ORDER BY jurisdiction_path, name, id LIMIT %s OFFSET %s",  # noqa: S608
                [PAGE_SIZE, (i % pages) * PAGE_SIZE],
            )
            return cursor.fetchall()

    def orm(scoped: bool) -> Callable[[int], object]:
        def run(i: int) -> object:
            with scoping.use_scope(scope if scoped else scoping.UNRESTRICTED):
                qs = Person.objects.active().order_by("jurisdiction_path", "name", "id")
                return list(qs[(i % pages) * PAGE_SIZE : (i % pages + 1) * PAGE_SIZE]), qs.count()

        return run

    api = measure("scoped API page (township user)", api_page)
    base = measure("baseline: unscoped raw SELECT of a page", raw_select)
    scoped_orm = measure("scoped ORM page + count", orm(True))
    unscoped_orm = measure("unscoped ORM page + count", orm(False))

    p50 = statistics.median
    print(f"| {connection.vendor} | {p50(api):.2f} | {percentile(api, .95):.2f} | {p50(base):.3f} | "
          f"{p50(api) / p50(base):.1f}× | {p50(scoped_orm) / p50(unscoped_orm):.2f}× |")


if __name__ == "__main__":
    main()
