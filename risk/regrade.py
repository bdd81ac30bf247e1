"""Batch re-grading of every place (the daily run, and the run after a model or policy change).

A run is a `RegradeRun` row. Workers claim it with a lease, grade places in id order one
chunk at a time (signals fetched once per chunk, only changed rows written), and store
the last place id after each chunk, so a run survives restarts and is never processed by
two workers at once. The worker's tick gives each run a time slice and then releases it;
the management command runs one to completion.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jobs.claiming import claim_rows
from places.models import Place
from risk.choices import AssessmentCause
from risk.grading import PolicyTable, attach_kinds, current_model, grade_places, save_outcomes, signals_for
from risk.models import RegradeRun

CHUNK_SIZE = 1000
PLACE_FIELDS = (
    "id", "kind", "jurisdiction_id", "jurisdiction_path", "created_at", "archived_at", "occupancy_status",
    "floor_area", "floors", "building_height", "employees", "beds", "rooms", "seats",
    "has_dormitory", "stores_hazardous_goods", "is_key_unit",
    "last_self_inspection_on", "last_supervision_on",
    "risk_grade", "risk_score", "risk_graded_at", "next_self_inspection_due", "next_supervision_due",
)  # fmt: skip


def request_run(cause: str, *, key: str | None = None, jurisdiction_path: str = "", today: date | None = None) -> RegradeRun:
    """Queue a batch re-grade (idempotent per key: the daily run of a date is queued once)."""
    today = today or timezone.localdate()
    key = key or f"{cause}:{timezone.now().isoformat()}"
    run, _ = RegradeRun.objects.get_or_create(
        key=key, defaults={"cause": cause, "run_on": today, "jurisdiction_path": jurisdiction_path}
    )
    return run


def process_chunk(run: RegradeRun, *, chunk_size: int = CHUNK_SIZE) -> bool:
    """Grade the next chunk of the run's places; return False once the run has finished."""
    model = current_model()
    places_qs = Place.unscoped.only(*PLACE_FIELDS).filter(pk__gt=run.last_place_id)
    if run.jurisdiction_path:
        places_qs = places_qs.filter(jurisdiction_path__within=run.jurisdiction_path)
    with transaction.atomic():
        places = list(places_qs.order_by("pk")[:chunk_size])
        if not places or model is None:
            RegradeRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
            run.finished_at = timezone.now()
            return False
        attach_kinds(places)
        signals = signals_for([p.pk for p in places], model, run.run_on)
        outcomes = grade_places(
            places, signals, model, PolicyTable.load(), cause=run.cause, today=run.run_on, now=timezone.now()
        )
        changed = save_outcomes(outcomes)
        run.last_place_id = places[-1].pk
        RegradeRun.objects.filter(pk=run.pk).update(
            last_place_id=run.last_place_id,
            places_seen=F("places_seen") + len(places),
            places_changed=F("places_changed") + changed,
            started_at=run.started_at or timezone.now(),
        )
        run.started_at = run.started_at or timezone.now()
    return True


def drain_runs(worker_id: str = "", *, budget_seconds: float | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Work on the oldest unfinished run for at most `budget_seconds` (None: until all are done).

    Returns the number of chunks processed. The lease is renewed after every chunk and
    released at the end, so the next tick of any worker continues from the stored position.
    """
    worker_id = worker_id or "risk-regrade"
    lease = timedelta(seconds=settings.WORKER_JOB_LEASE_SECONDS)
    started = time.monotonic()
    chunks = 0
    while True:
        pending = RegradeRun.objects.filter(finished_at__isnull=True).order_by("requested_at", "id")
        claimed = claim_rows(pending, worker_id=worker_id, lease=lease, limit=1)
        if not claimed:
            return chunks
        run = claimed[0]
        try:
            while process_chunk(run, chunk_size=chunk_size):
                chunks += 1
                RegradeRun.objects.filter(pk=run.pk, locked_by=worker_id).update(locked_until=timezone.now() + lease)
                if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                    return chunks
        finally:
            RegradeRun.objects.filter(pk=run.pk, locked_by=worker_id).update(locked_by="", locked_until=None)


def regrade_all(
    cause: str = AssessmentCause.MANUAL,
    *,
    jurisdiction_path: str = "",
    today: date | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> RegradeRun:
    """Re-grade every place (or one subtree) now, in this process; returns the finished run."""
    # Created already leased to this process, so no worker picks it up half-way.
    now = timezone.now()
    run = RegradeRun.objects.create(
        key=f"{cause}:{now.isoformat()}",
        cause=cause,
        run_on=today or timezone.localdate(),
        jurisdiction_path=jurisdiction_path,
        started_at=now,
        locked_by=f"regrade_all:{os.getpid()}",
        locked_until=now + timedelta(hours=12),
    )
    try:
        while process_chunk(run, chunk_size=chunk_size):
            pass
    finally:
        RegradeRun.objects.filter(pk=run.pk).update(locked_by="", locked_until=None)
    run.refresh_from_db()
    return run


def regrade_places(place_ids: list[int], cause: str = AssessmentCause.PLACE_CHANGED, *, chunk_size: int = CHUNK_SIZE) -> int:
    """Re-grade the given places in chunks; for bulk writers (imports) whose rows sent no signals.

    Returns how many places got a history row (new grade or score).
    """
    model = current_model()
    if model is None:
        return 0
    today = timezone.localdate()
    policies = PolicyTable.load()
    changed = 0
    ordered = sorted(set(place_ids))
    for start in range(0, len(ordered), chunk_size):
        ids = ordered[start : start + chunk_size]
        with transaction.atomic():
            places = list(Place.unscoped.only(*PLACE_FIELDS).filter(pk__in=ids).order_by("pk"))
            attach_kinds(places)
            signals = signals_for(ids, model, today)
            outcomes = grade_places(places, signals, model, policies, cause=cause, today=today, now=timezone.now())
            changed += save_outcomes(outcomes)
    return changed
