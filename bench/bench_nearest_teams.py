"""Benchmark: nearest available teams to a point (the dispatch look-up), p50/p95 per query.

Usage (SQLite scratch file, created and migrated if needed):
    .venv/bin/python bench/bench_nearest_teams.py
On PostgreSQL (an existing, possibly empty database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yingji_bench_teams .venv/bin/python bench/bench_nearest_teams.py
BENCH_TEAMS=10000 (default) teams are spread over a province-sized box (浙江, ~5° × 4°),
90 % available; BENCH_QUERIES=300 random points inside the box. Three rows are printed
per size: `teams.services.nearest_teams` (box prefilter + exact haversine), and for
comparison a naive scan that loads every available team and sorts it in Python.
Also run at county scale (500 teams in 象山's ~0.6° box). One Markdown table row each.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/yingji-bench-teams.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from jurisdictions.models import Jurisdiction  # noqa: E402
from teams.choices import TeamKind, TeamStatus  # noqa: E402
from teams.models import Team  # noqa: E402
from teams.services import haversine_m, nearest_teams  # noqa: E402

TEAMS = int(os.environ.get("BENCH_TEAMS", "10000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "300"))
LIMIT = 10
PROVINCE_BOX = (118.0, 27.0, 123.0, 31.0)
COUNTY_BOX = (121.55, 29.05, 122.15, 29.65)
BENCH_CODE = "339999"  # a node of its own, so a real demo in the same database is left alone


def bench_node() -> Jurisdiction:
    node = Jurisdiction.unscoped.filter(code=BENCH_CODE).first()
    if node is None:
        node = Jurisdiction(code=BENCH_CODE, name="基准测试县", level="county", kind="county")
        node.save()
    return node


def fill(node: Jurisdiction, count: int, box: tuple[float, float, float, float], rng: random.Random) -> None:
    """Replace the benchmark node's teams by `count` random ones inside `box`."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM teams_team_capabilities WHERE team_id IN (SELECT id FROM teams_team WHERE jurisdiction_id = %s)", [node.pk])
        cursor.execute("DELETE FROM teams_teamstatuschange WHERE jurisdiction_id = %s", [node.pk])
        cursor.execute("DELETE FROM teams_team WHERE jurisdiction_id = %s", [node.pk])
    kinds = list(TeamKind.values)
    teams = [
        Team(
            name=f"基准队伍{i:05d}",
            kind=rng.choice(kinds),
            jurisdiction=node,
            jurisdiction_path=node.path,
            lng=rng.uniform(box[0], box[2]),
            lat=rng.uniform(box[1], box[3]),
            status=TeamStatus.AVAILABLE if rng.random() < 0.9 else rng.choice([TeamStatus.ON_TASK, TeamStatus.UNAVAILABLE]),
        )
        for i in range(count)
    ]
    Team.unscoped.bulk_create(teams, batch_size=2000)
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give a live table
        cursor.execute("ANALYZE teams_team")


def naive(lng: float, lat: float) -> list[int]:
    rows = Team.objects.filter(status=TeamStatus.AVAILABLE, archived_at__isnull=True).values_list("pk", "lng", "lat")
    return [pk for _d, pk in sorted((haversine_m(lng, lat, x, y), pk) for pk, x, y in rows)[:LIMIT]]


def timed(func: object, points: list[tuple[float, float]]) -> list[float]:
    times = []
    for lng, lat in points:
        start = time.perf_counter()
        func(lng, lat)  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return times


def row(label: str, count: int, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    return f"| {connection.vendor} | {label} | {count} | {len(times)} | {statistics.median(times):.2f} | {p95:.2f} | {max(times):.2f} |"


def main() -> None:
    call_command("migrate", verbosity=0)
    node = bench_node()
    rng = random.Random("bench-nearest")
    print("| database | method | teams | queries | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for count, box in ((TEAMS, PROVINCE_BOX), (500, COUNTY_BOX)):
        fill(node, count, box, rng)
        total = Team.unscoped.count()
        points = [(rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])) for _ in range(QUERIES)]
        for lng, lat in points[:20]:  # the two methods agree
            assert [n.team.pk for n in nearest_teams(lng, lat, limit=LIMIT)] == naive(lng, lat)
        print(row("nearest_teams (box + haversine)", total, timed(lambda x, y: nearest_teams(x, y, limit=LIMIT), points)))
        print(row("naive full scan", total, timed(naive, points[: max(20, QUERIES // 5)])))
    fill(node, 0, COUNTY_BOX, rng)


if __name__ == "__main__":
    main()
