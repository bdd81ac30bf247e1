"""Benchmark: the place registry at county scale — Excel import, the filtered list API, the map layer.

Usage (SQLite, builds a county demo in a scratch file first; delete the file for a fresh run):
    .venv/bin/python bench/bench_places.py
On PostgreSQL (the database must exist and may be empty; it is seeded if so):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yingji_bench_places .venv/bin/python bench/bench_places.py
Knobs: BENCH_PLACES (list/map scale, default 120000: the demo is topped up with copies of its
own places), BENCH_IMPORT_ROWS (default 100000; the ledger takes at most 50,000 rows per
file, so larger counts are split into files of that size, imported one after the other),
BENCH_SAMPLES (list samples per filter set, default 100).

Every figure has a baseline measured in the same run on the same database:
1. Import: the generated .xlsx goes through `yingji.ledgers.background.run_job` with the
   places importer — exactly what the worker runs for a large upload, and what the page and
   `POST /api/v1/places/import` run for a small one (read, parse, check, point-in-polygon
   assignment, create through `places.actions`, audit, first grading). Baseline: reading the
   same files with openpyxl alone (read-only, every cell value).
2. List: one page (50) of `GET /api/v1/places` through the whole stack with five filter
   sets, as the county administrator (all places visible) and as a township administrator.
   Baseline: a raw SELECT of a page of the same table in the list's order. In between, the
   same scoped, filtered ORM query (count + page) without HTTP and serialisation.
3. Map: `GET /api/v1/places/geojson` for the whole county as the county administrator.
   Baseline: a raw SELECT of the same columns for every located place.
Prints Markdown table rows on stdout and progress on stderr.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/yingji-bench-places.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from accounts.models import ApiToken, User  # noqa: E402
from jobs.choices import ImportJobStatus  # noqa: E402
from places.filters import PlaceFilters, filter_places  # noqa: E402
from places.ledgers import MAX_ROWS, PLACES_LEDGER  # noqa: E402
from places.models import Place, PlaceKind  # noqa: E402
from yingji import scoping  # noqa: E402
from yingji.ledgers import background, uploads  # noqa: E402

TARGET = int(os.environ.get("BENCH_PLACES", "120000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
PAGE_SIZE = 50
COPY_BATCH = 2000
MAP_SAMPLES = 5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure(func: Callable[[int], object], samples: int, warm: int = 5) -> list[float]:
    for i in range(warm):
        func(i)
    times = []
    for i in range(samples):
        start = time.perf_counter()
        func(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def top_up(target: int) -> None:
    """Bulk-copy the demo's own places (same grids, kinds, grades, due dates) up to `target`."""
    originals = list(Place.unscoped.order_by("pk"))
    count, index = len(originals), 0
    while count < target:
        batch = []
        for _ in range(min(COPY_BATCH, target - count)):
            source = originals[index % len(originals)]
            index += 1
            copy = Place(**{f.attname: getattr(source, f.attname) for f in Place._meta.concrete_fields if f.attname != "id"})
            copy.name = f"{source.name}（{index}）"
            copy.credit_code = ""
            batch.append(copy)
        Place.unscoped.bulk_create(batch, batch_size=COPY_BATCH)
        count += len(batch)


def client_for(username: str) -> Client:
    _, raw = ApiToken.issue(User.unscoped.get(username=username))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


# --- 2. list ---------------------------------------------------------------------------------


def bench_list() -> None:
    kind = PlaceKind.objects.filter(code="rental_house").first() or PlaceKind.objects.first()
    assert kind is not None
    filter_sets = {
        "no filter": "",
        f"kind={kind.code}": f"&kind={kind.code}",
        "risk_grade=general": "&risk_grade=general",
        "overdue=true": "&overdue=true",
        "q=路 (search)": "&q=%E8%B7%AF",
    }
    table = Place._meta.db_table
    for username in ("county_admin", "township_admin"):
        client = client_for(username)
        scope = scoping.scope_for_user(User.unscoped.get(username=username))
        for label, query in filter_sets.items():
            count = client.get(f"/api/v1/places?page_size=1{query}").json()["count"]
            pages = max(1, min(count // PAGE_SIZE, 200))

            def api_page(i: int, client: Client = client, query: str = query, pages: int = pages) -> object:
                response = client.get(f"/api/v1/places?page={i % pages + 1}&page_size={PAGE_SIZE}{query}")
                assert response.status_code == 200, response.content[:200]
                return response

            def raw_select(i: int, pages: int = pages) -> object:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT id, name, address, lng, lat, risk_grade, kind_id, jurisdiction_id FROM {table} "  # noqa: S608
                        "ORDER BY jurisdiction_path, name, id LIMIT %s OFFSET %s",
                        [PAGE_SIZE, (i % pages) * PAGE_SIZE],
                    )
                    return cursor.fetchall()

            def orm_page(i: int, query: str = query, pages: int = pages, scope: Any = scope) -> object:
                params = dict(part.split("=", 1) for part in query.strip("&").split("&") if part)
                params = {k: unquote(v) for k, v in params.items()}
                with scoping.use_scope(scope):
                    places = filter_places(PlaceFilters.from_mapping(params))
                    return places.count(), list(places[(i % pages) * PAGE_SIZE : (i % pages + 1) * PAGE_SIZE])

            api = measure(api_page, SAMPLES)
            orm = measure(orm_page, SAMPLES)
            base = measure(raw_select, SAMPLES)
            print(
                f"| {connection.vendor} | {username} | {label} | {count:,} | {statistics.median(api):.0f} | "
                f"{percentile(api, 0.95):.0f} | {statistics.median(orm):.0f} | {statistics.median(base):.2f} | "
                f"{statistics.median(api) / statistics.median(base):.0f}× |",
                flush=True,
            )


# --- 3. map layer ----------------------------------------------------------------------------


def bench_map() -> None:
    from places.api import GEOJSON_LIMIT  # after the URLconf: places.api imports the API root

    client = client_for("county_admin")
    sizes: list[int] = []
    features: list[int] = []

    def layer(_: int) -> object:
        response = client.get("/api/v1/places/geojson")
        assert response.status_code == 200
        sizes.append(len(response.content))
        features.append(response.content.count(b'"Feature"'))
        return response

    table = Place._meta.db_table

    def raw_select(_: int) -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, name, lng, lat, risk_grade, kind_id, is_key_unit FROM {table} "  # noqa: S608
                "WHERE lng IS NOT NULL AND archived_at IS NULL"
            )
            return cursor.fetchall()

    located = Place.unscoped.filter(lng__isnull=False, archived_at__isnull=True).count()
    api = measure(layer, MAP_SAMPLES, warm=1)
    base = measure(raw_select, MAP_SAMPLES, warm=1)
    print(
        f"| {connection.vendor} | {located:,} | {features[-1]:,} (cap {GEOJSON_LIMIT:,}) | {sizes[-1] / 1e6:.2f} MB | "
        f"{statistics.median(api):.0f} | {statistics.median(base):.0f} | {statistics.median(api) / statistics.median(base):.1f}× |",
        flush=True,
    )


# --- 1. import -------------------------------------------------------------------------------


def ledger_files(rows: int, stamp: str) -> list[bytes]:
    """.xlsx files with the ledger's headers (at most MAX_ROWS rows each), points taken from demo places."""
    points = list(Place.unscoped.filter(lng__isnull=False).order_by("pk").values_list("lng", "lat")[:5000])
    kinds = list(PlaceKind.objects.filter(active=True).order_by("code").values_list("name", flat=True))
    headers = ["名称", "场所类型", "地址", "经度", "纬度", "坐标系", "法定代表人/主要负责人", "法定代表人手机号",
               "建筑面积（㎡）", "层数", "从业人数", "经营状态"]
    files = []
    for start in range(0, rows, MAX_ROWS):
        book = Workbook(write_only=True)
        sheet = book.create_sheet(PLACES_LEDGER.name)
        sheet.append(headers)
        for i in range(start, min(rows, start + MAX_ROWS)):
            lng, lat = points[i % len(points)]
            sheet.append([f"压测导入场所{stamp}-{i:06d}", kinds[i % len(kinds)], f"象山县压测路 {i} 号", lng, lat, "WGS-84",
                          "王建国", f"138{i % 100000000:08d}", 50 + i % 900, 1 + i % 6, 1 + i % 40, "营业"])
        out = io.BytesIO()
        book.save(out)
        files.append(out.getvalue())
    return files


def openpyxl_alone(content: bytes) -> int:
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    cells = 0
    for values in book.worksheets[0].iter_rows(values_only=True):
        cells += sum(1 for v in values if v is not None)
    book.close()
    return cells


def bench_import() -> None:
    user = User.unscoped.get(username="county_admin")
    stamp = time.strftime("%H%M%S")
    files = ledger_files(IMPORT_ROWS, stamp)
    before = Place.unscoped.count()
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="yingji-bench-media-")
    log(f"import: {IMPORT_ROWS} rows in {len(files)} file(s), {sum(map(len, files)) / 1e6:.1f} MB")
    started = time.perf_counter()
    for number, content in enumerate(files, start=1):
        upload = SimpleUploadedFile(f"场所台账{number}.xlsx", content)
        pending = uploads.stash(upload, user=user, ledger="places")
        job = background.enqueue(pending, user=user, ledger_key="places", dry_run=False)
        job = background.run_job(job)
        assert job.status == ImportJobStatus.DONE and job.report.get("imported"), (job.error, str(job.report)[:500])
    seconds = time.perf_counter() - started
    created = Place.unscoped.count() - before
    assert created == IMPORT_ROWS, (created, IMPORT_ROWS)
    started = time.perf_counter()
    for content in files:
        openpyxl_alone(content)
    baseline = time.perf_counter() - started
    print(
        f"| {connection.vendor} | {IMPORT_ROWS:,} | {seconds:.1f} s | {IMPORT_ROWS / seconds:,.0f} | {baseline:.1f} s | "
        f"{seconds / baseline:.0f}× |",
        flush=True,
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale="county", if_empty=True, verbosity=0)
    if Place.unscoped.count() < TARGET:
        top_up(TARGET)
    log(f"vendor={connection.vendor} places={Place.unscoped.count()} samples={SAMPLES}")
    part = os.environ.get("BENCH_PART", "list,map,import")
    if "list" in part:
        print("| database | user | filter | matching | API p50 ms | API p95 ms | ORM count + page p50 ms | raw SELECT p50 ms | API / SELECT |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
        bench_list()
    if "map" in part:
        print("| database | located places | features | payload | API ms | raw SELECT ms | API / SELECT |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        bench_map()
    if "import" in part and IMPORT_ROWS:
        print("| database | rows | import (wall) | rows/s | openpyxl read alone | import / read |")
        print("|---|---:|---:|---:|---:|---:|")
        bench_import()


if __name__ == "__main__":
    main()
