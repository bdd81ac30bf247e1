"""Benchmark: the daily re-grade of every place (places per second).

Usage (SQLite, builds a county demo in a scratch file first):
    .venv/bin/python bench/bench_regrade.py
On PostgreSQL (the database must exist and may be empty; it is seeded if so):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yingji_bench_regrade .venv/bin/python bench/bench_regrade.py
BENCH_PLACES=120000 tops the demo up with copies of its places (and their signals) to
the design scale before measuring.

Two passes are timed with the code the worker runs (`risk.regrade.regrade_all`):
"cold" after every stored grade was cleared (every place gets a history row and its
columns rewritten: the worst case, e.g. after a model change) and "steady" right after
(nothing changed: what a normal day costs). One Markdown table row per pass.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
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

from places.models import Place  # noqa: E402
from risk.choices import AssessmentCause  # noqa: E402
from risk.models import PlaceSignal, RiskAssessment  # noqa: E402
from risk.regrade import regrade_all  # noqa: E402

TARGET = int(os.environ.get("BENCH_PLACES", "0"))
COPY_BATCH = 2000


def top_up(target: int) -> None:
    """Copy existing places (with their signals) until there are `target` places."""
    originals = list(Place.unscoped.order_by("pk"))
    signals_by_place: dict[int, list[PlaceSignal]] = {}
    for signal in PlaceSignal.unscoped.all():
        signals_by_place.setdefault(signal.place_id, []).append(signal)
    count = len(originals)
    index = 0
    while count < target:
        batch, sources = [], []
        for _ in range(min(COPY_BATCH, target - count)):
            source = originals[index % len(originals)]
            index += 1
            copy = Place(**{f.attname: getattr(source, f.attname) for f in Place._meta.concrete_fields if f.attname != "id"})
            copy.name = f"{source.name}（{index}）"
            batch.append(copy)
            sources.append(source.pk)
        Place.unscoped.bulk_create(batch, batch_size=COPY_BATCH)
        copied = []
        for place, source_pk in zip(batch, sources, strict=True):
            for signal in signals_by_place.get(source_pk, ()):
                copied.append(
                    PlaceSignal(
                        **{f.attname: getattr(signal, f.attname) for f in PlaceSignal._meta.concrete_fields if f.attname not in ("id", "place_id")},
                        place_id=place.pk,
                    )
                )
        PlaceSignal.unscoped.bulk_create(copied, batch_size=COPY_BATCH)
        count += len(batch)


def timed(label: str) -> None:
    started = time.perf_counter()
    run = regrade_all(AssessmentCause.DAILY)
    seconds = time.perf_counter() - started
    rate = run.places_seen / seconds if seconds else 0.0
    print(
        f"| {connection.vendor} | {label} | {run.places_seen} | {run.places_changed} | {seconds:.1f} | {rate:,.0f} |",
        flush=True,
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", scale="county", if_empty=True, verbosity=0)
    if TARGET and Place.unscoped.count() < TARGET:
        top_up(TARGET)
    Place.unscoped.update(risk_grade="", risk_score=None, risk_graded_at=None)
    RiskAssessment.unscoped.all().delete()
    timed("cold (every place changes)")
    timed("steady (nothing changes)")


if __name__ == "__main__":
    main()
