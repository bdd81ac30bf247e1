"""Benchmark: the hazard list with colours for a township of 50,000 hazards, and the daily colour scan.

Usage (SQLite, builds the demo in a scratch file first; delete the file for a fresh run):
    .venv/bin/python bench/bench_hazards.py
On PostgreSQL (the database must exist and may be empty; it is seeded if so):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yingji_bench_hz .venv/bin/python bench/bench_hazards.py
Knobs: BENCH_SCALE (demo scale, default small: the hazards are bulk-created anyway),
BENCH_LIST_HAZARDS (default 50000, all in 丹东街道), BENCH_SCAN_HAZARDS (open hazards for the
scan, default 500000), BENCH_SAMPLES (pages per filter set, default 60), BENCH_PART (list,scan).

1. List: one page (50) of `GET /api/v1/hazards?page=N` and of the `hazards:list` page as the
   township administrator of 丹东街道, over several filter sets including colour=red.
   Baseline: a raw SELECT of the same page of the same table (subtree, list order).
2. Scan: 500,000 open hazards in rectification over the county, deadlines spread over two
   years around today, each already reminded up to yesterday's level (the steady state of
   a daily job). `hazards.scan.run_scan(today)` is timed; rows written are counted per
   table (hazards updated, timeline events, notifications, escalation chains, deliveries,
   risk signals). Then the same scan again (nothing left to claim) against the baseline:
   a raw SELECT of the due ids with the scan's predicate.
Prints Markdown table rows on stdout and progress on stderr.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/yingji-bench-hazards.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import ApiToken, User  # noqa: E402
from demo.constants import TOWNSHIP_A  # noqa: E402
from hazards import reminders  # noqa: E402
from hazards.colours import yellow_from  # noqa: E402
from hazards.models import Hazard, HazardEvent  # noqa: E402
from hazards.scan import RECTIFYING, run_scan  # noqa: E402
from jurisdictions.models import Jurisdiction  # noqa: E402
from notifications.models import Delivery, Escalation, Notification  # noqa: E402
from people.models import Person  # noqa: E402
from places.models import Place  # noqa: E402
from risk.models import PlaceSignal  # noqa: E402

SCALE = os.environ.get("BENCH_SCALE", "small")
LIST_HAZARDS = int(os.environ.get("BENCH_LIST_HAZARDS", "50000"))
SCAN_HAZARDS = int(os.environ.get("BENCH_SCAN_HAZARDS", "500000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "60"))
PAGE_SIZE = 50
BATCH = 5000
STATES = [
    ("reported", 5),
    ("confirmed", 4),
    ("rejected", 3),
    ("assigned", 12),
    ("rectifying", 26),
    ("submitted", 6),
    ("verified", 4),
    ("closed", 40),
]
TYPES = ["fire", "electrical", "gas", "structural", "flood", "other"]
TEXTS = [
    "疏散通道堆放杂物",
    "安全出口锁闭",
    "灭火器过期",
    "电线私拉乱接",
    "燃气软管老化",
    "应急照明损坏",
    "电动自行车室内充电",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure(func: Callable[[int], object], samples: int, warm: int = 3) -> list[float]:
    for i in range(warm):
        func(i)
    times = []
    for i in range(samples):
        start = time.perf_counter()
        func(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def make_rows(
    count: int, places: list[tuple[int, int, str]], persons: list[int], *, prefix: str, open_only: bool, seed: int
) -> int:
    """Insert `count` consistent hazards on `places` (id, jurisdiction id, path) with executemany.

    A prototype row supplies every column's database value once; each row then varies only
    what differs (number, place, state, dates, level), so 500,000 rows take seconds rather
    than the minutes model instances would.
    """
    rng = random.Random(seed)
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    after = reminders.escalate_after_red_days()
    states = [s for s, _w in STATES if not open_only or s in RECTIFYING]
    weights = [w for s, w in STATES if not open_only or s in RECTIFYING]
    now = timezone.now()
    tz = timezone.get_current_timezone()
    fields = [f for f in Hazard._meta.concrete_fields if not f.primary_key]
    proto = Hazard(category="unsafe_condition", hazard_type="fire", description="", source="patrol", found_at=now)
    base = [f.get_db_prep_save(f.pre_save(proto, True), connection) for f in fields]
    col = {f.attname: i for i, f in enumerate(fields)}
    prep = {f.attname: f for f in fields}
    table = Hazard._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )

    def put(row: list[Any], name: str, value: Any) -> None:
        row[col[name]] = prep[name].get_db_prep_save(value, connection)

    made = 0
    while made < count:
        rows = []
        for _ in range(min(BATCH, count - made)):
            place_id, node_id, path = places[rng.randrange(len(places))]
            state = rng.choices(states, weights=weights)[0]
            row = list(base)
            put(row, "number", f"{prefix}{made:09d}")
            put(row, "jurisdiction_id", node_id)
            row[col["jurisdiction_path"]] = path
            put(row, "place_id", place_id)
            row[col["hazard_type"]] = rng.choice(TYPES)
            row[col["severity"]] = "major" if rng.random() < 0.03 else "general"
            row[col["description"]] = rng.choice(TEXTS)
            row[col["state"]] = state
            put(row, "found_at", now - timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 1440)))
            if state not in ("reported", "confirmed", "rejected"):
                deadline = today + timedelta(days=rng.randint(-365, 365))
                start = deadline - timedelta(days=30)
                yellow = yellow_from(start, deadline, days=3, percent=20)
                assigned_at = datetime.combine(start, datetime.min.time(), tzinfo=tz)
                put(row, "deadline", deadline)
                put(row, "original_deadline", deadline)
                put(row, "yellow_from", yellow)
                put(row, "assigned_at", assigned_at)
                put(row, "assignee_person_id", rng.choice(persons) if persons else None)
                row[col["assignee_name"]] = "责任人"
                if state in RECTIFYING:
                    row[col["reminder_level"]] = int(
                        reminders.level_due(deadline, yellow, yesterday, escalate_after=after)
                    )
                else:
                    submitted = assigned_at + timedelta(days=rng.randint(1, 30))
                    put(row, "submitted_at", submitted)
                    put(row, "submitted_on", timezone.localdate(submitted))
                    if state == "closed":
                        put(row, "closed_at", submitted + timedelta(days=2))
            rows.append(row)
            made += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        if made % 50000 < BATCH:
            log(f"  {made:,}/{count:,} hazards")
    return made


def places_under(path: str) -> list[tuple[int, int, str]]:
    return list(
        Place.unscoped.filter(jurisdiction_path__startswith=path, archived_at__isnull=True).values_list(
            "pk", "jurisdiction_id", "jurisdiction_path"
        )
    )


def client_for(username: str) -> tuple[Client, Client]:
    user = User.unscoped.get(username=username)
    _, raw = ApiToken.issue(user)
    page_client = Client()
    page_client.force_login(user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), page_client


# --- 1. list ------------------------------------------------------------------------------------


def bench_list() -> None:
    township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    have = Hazard.unscoped.filter(jurisdiction_path__startswith=township.path).count()
    if have < LIST_HAZARDS:
        persons = list(
            Person.unscoped.filter(jurisdiction_path__startswith=township.path).values_list("pk", flat=True)[:500]
        )
        log(f"list: creating {LIST_HAZARDS - have:,} hazards in {township.name}")
        make_rows(
            LIST_HAZARDS - have,
            places_under(township.path),
            persons,
            prefix=f"BL{int(time.time())}",
            open_only=False,
            seed=1,
        )
    api, pages = client_for("township_admin")
    table = Hazard._meta.db_table
    filter_sets = {
        "no filter": "",
        "colour=red": "&colour=red",
        "colour=yellow": "&colour=yellow",
        "state=rectifying": "&state=rectifying",
        "severity=major": "&severity=major",
        "q=通道 (search)": "&q=%E9%80%9A%E9%81%93",
    }
    total = Hazard.unscoped.filter(jurisdiction_path__startswith=township.path).count()
    for label, query in filter_sets.items():
        count = api.get(f"/api/v1/hazards?page_size=1{query}").json()["count"]
        last = max(1, min(count // PAGE_SIZE, 200))

        def api_page(i: int, query: str = query, last: int = last) -> object:
            response = api.get(f"/api/v1/hazards?page={i % last + 1}&page_size={PAGE_SIZE}{query}")
            assert response.status_code == 200, response.content[:300]
            return response

        def html_page(i: int, query: str = query, last: int = last) -> object:
            response = pages.get(f"/hazards/?page={i % last + 1}{query}")
            assert response.status_code == 200, response.status_code
            return response

        def raw_select(i: int, last: int = last) -> object:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, number, description, state, severity, deadline, yellow_from, submitted_at, found_at, place_id "  # noqa: S608
                    f"FROM {table} WHERE archived_at IS NULL AND jurisdiction_path LIKE %s "
                    "ORDER BY found_at DESC, id DESC LIMIT %s OFFSET %s",
                    [f"{township.path}%", PAGE_SIZE, (i % last) * PAGE_SIZE],
                )
                return cursor.fetchall()

        api_ms = measure(api_page, SAMPLES)
        html_ms = measure(html_page, max(SAMPLES // 2, 10))
        base = measure(raw_select, SAMPLES)
        print(
            f"| {connection.vendor} | {total:,} | {label} | {count:,} | {statistics.median(api_ms):.0f} | {percentile(api_ms, 0.95):.0f} | "
            f"{statistics.median(html_ms):.0f} | {percentile(html_ms, 0.95):.0f} | {statistics.median(base):.2f} | "
            f"{percentile(api_ms, 0.95) / statistics.median(base):.0f}× |",
            flush=True,
        )


# --- 2. scan ------------------------------------------------------------------------------------


COUNTED = {
    "hazards events": HazardEvent.objects,
    "notifications": Notification.objects,
    "escalation chains": Escalation.unscoped,
    "deliveries": Delivery.objects,
    "risk signals": PlaceSignal.unscoped,
}


def counts() -> dict[str, int]:
    return {name: manager.count() for name, manager in COUNTED.items()}


def due_baseline(today: date) -> int:
    after = reminders.escalate_after_red_days()
    table = Hazard._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE state IN ('assigned', 'rectifying') AND deadline IS NOT NULL "  # noqa: S608
            "AND archived_at IS NULL AND ((yellow_from <= %s AND reminder_level < 1) OR (deadline < %s AND reminder_level < 2) "
            "OR (deadline < %s AND reminder_level < 3)) ORDER BY id",
            [today, today, today - timedelta(days=after)],
        )
        return len(cursor.fetchall())


def bench_scan() -> None:
    open_now = Hazard.unscoped.filter(state__in=RECTIFYING).count()
    if open_now < SCAN_HAZARDS:
        county = Jurisdiction.unscoped.filter(parent__isnull=True).first()
        assert county is not None
        persons = list(Person.unscoped.values_list("pk", flat=True)[:5000])
        log(f"scan: creating {SCAN_HAZARDS - open_now:,} open hazards over the county")
        started = time.perf_counter()
        make_rows(
            SCAN_HAZARDS - open_now,
            places_under(county.path),
            persons,
            prefix=f"BS{int(time.time())}",
            open_only=True,
            seed=2,
        )
        log(f"  created in {time.perf_counter() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    today = timezone.localdate()
    total_open = Hazard.unscoped.filter(state__in=RECTIFYING).count()
    due = due_baseline(today)
    before = counts()
    started = time.perf_counter()
    result = run_scan(today)
    seconds = time.perf_counter() - started
    after = counts()
    written = {name: after[name] - before[name] for name in after}
    started = time.perf_counter()
    again = run_scan(today)
    rerun = time.perf_counter() - started
    base = measure(lambda _i: due_baseline(today), 5, warm=1)
    print(
        f"| {connection.vendor} | {total_open:,} | {due:,} | {seconds:.1f} s | {result.claimed:,} | "
        f"{result.yellow:,} / {result.red:,} / {result.escalated:,} | "
        f"{written['hazards events']:,} | {written['notifications']:,} | {written['escalation chains']:,} | "
        f"{written['deliveries']:,} | {written['risk signals']:,} | "
        f"{seconds * 1000 / max(result.claimed, 1):.0f} ms | {rerun * 1000:.0f} ms ({again.claimed}) | "
        f"{statistics.median(base):.0f} ms | {rerun * 1000 / statistics.median(base):.1f}× |",
        flush=True,
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale=SCALE, if_empty=True, verbosity=0)
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="yingji-bench-media-")
    log(f"vendor={connection.vendor} hazards={Hazard.unscoped.count():,} samples={SAMPLES}")
    part = os.environ.get("BENCH_PART", "list,scan")
    if "list" in part:
        print(
            "| database | hazards in township | filter | matching | API p50 ms | API p95 ms | page p50 ms | page p95 ms | raw SELECT p50 ms | API p95 / SELECT |"
        )
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        bench_list()
    if "scan" in part:
        print(
            "| database | open hazards | due today | scan wall | hazards written | yellow / red / escalated | events | "
            "notifications | chains | deliveries | risk signals | per reminder | re-run (claimed) | baseline SELECT of due ids | re-run / SELECT |"
        )
        print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        bench_scan()


if __name__ == "__main__":
    main()
