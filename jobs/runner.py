"""The worker loop: heartbeat, periodic jobs, and tick handlers."""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from jobs.claiming import claim_rows
from jobs.models import JobSchedule, WorkerHeartbeat
from jobs.registry import PERIODIC, TICK_HANDLERS, autodiscover
from yingji.context import acting_as_system
from yingji.scoping import unscoped

log = logging.getLogger("yingji.worker")


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def ensure_schedules() -> None:
    for name in PERIODIC:
        JobSchedule.objects.get_or_create(name=name)


def run_due_jobs(worker_id: str) -> list[str]:
    """Run every periodic job that is due and not held by another worker; return their names."""
    lease = timedelta(seconds=settings.WORKER_JOB_LEASE_SECONDS)
    due = JobSchedule.objects.filter(name__in=list(PERIODIC), next_run_at__lte=timezone.now())
    ran = []
    for schedule in claim_rows(due, worker_id=worker_id, lease=lease, limit=10):
        job = PERIODIC[schedule.name]
        started = timezone.now()
        error = ""
        try:
            with acting_as_system(f"worker {job.name}"):
                job.func()
        except Exception:
            error = traceback.format_exc()[-4000:]
            log.exception("job %s failed", job.name)
        JobSchedule.objects.filter(pk=schedule.pk, locked_by=worker_id).update(
            locked_by="",
            locked_until=None,
            last_started_at=started,
            last_finished_at=timezone.now(),
            last_error=error,
            run_count=F("run_count") + 1,
            next_run_at=started + job.every,
        )
        ran.append(job.name)
    return ran


def run_tick_handlers() -> None:
    for name, handler in TICK_HANDLERS.items():
        try:
            with acting_as_system(f"worker {name}"):
                handler()
        except Exception:
            log.exception("tick handler %s failed", name)


def tick(worker_id: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": now})
    run_due_jobs(worker_id)
    run_tick_handlers()


def run_forever(worker_id: str | None = None, *, once: bool = False, stop: object = None) -> None:
    """Loop until stopped. `stop` may be a threading.Event-like object with is_set()."""
    worker_id = worker_id or default_worker_id()
    autodiscover()
    with unscoped():
        ensure_schedules()
        log.info("worker %s started with jobs %s", worker_id, sorted(PERIODIC))
        while True:
            close_old_connections()
            try:
                tick(worker_id)
            except Exception:
                log.exception("worker tick failed")
            if once or (stop is not None and stop.is_set()):  # type: ignore[attr-defined]
                break
            time.sleep(settings.WORKER_TICK_SECONDS)
