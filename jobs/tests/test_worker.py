"""The worker: periodic jobs run once per interval across workers, and survive crashes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jobs import registry
from jobs.claiming import claim_rows
from jobs.models import JobSchedule, WorkerHeartbeat
from jobs.runner import ensure_schedules, run_due_jobs, tick


@pytest.fixture
def counting_job() -> Any:
    calls: list[str] = []
    registry.PERIODIC["test.count"] = registry.PeriodicJob("test.count", timedelta(minutes=10), lambda: calls.append("x"))
    yield calls
    registry.PERIODIC.pop("test.count", None)


def test_a_due_job_runs_once_and_is_rescheduled(db: Any, counting_job: list[str]) -> None:
    ensure_schedules()
    assert "test.count" in run_due_jobs("w1")
    assert run_due_jobs("w2") == [] or "test.count" not in run_due_jobs("w2")
    assert counting_job == ["x"]
    schedule = JobSchedule.objects.get(name="test.count")
    assert schedule.next_run_at > timezone.now() + timedelta(minutes=9)
    assert schedule.locked_by == "" and schedule.run_count == 1


def test_job_runs_again_after_its_interval(db: Any, counting_job: list[str]) -> None:
    ensure_schedules()
    run_due_jobs("w1")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        run_due_jobs("w1")
    assert counting_job == ["x", "x"]


def test_a_job_held_by_a_crashed_worker_is_taken_over_after_the_lease(db: Any, counting_job: list[str]) -> None:
    ensure_schedules()
    JobSchedule.objects.filter(name="test.count").update(locked_by="dead", locked_until=timezone.now() + timedelta(minutes=5))
    assert "test.count" not in run_due_jobs("w2")
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert "test.count" in run_due_jobs("w2")
    assert counting_job == ["x"]


def test_a_failing_job_records_its_error_and_the_worker_goes_on(db: Any) -> None:
    def boom() -> None:
        raise RuntimeError("provider down")

    registry.PERIODIC["test.boom"] = registry.PeriodicJob("test.boom", timedelta(minutes=1), boom)
    try:
        ensure_schedules()
        run_due_jobs("w1")
        assert "provider down" in JobSchedule.objects.get(name="test.boom").last_error
    finally:
        registry.PERIODIC.pop("test.boom", None)


def test_two_workers_claiming_at_once_never_share_a_row(db: Any) -> None:
    for i in range(20):
        JobSchedule.objects.create(name=f"row-{i}")
    rows = JobSchedule.objects.filter(name__startswith="row-")
    first = claim_rows(rows, worker_id="a", lease=timedelta(minutes=1), limit=12)
    second = claim_rows(rows, worker_id="b", lease=timedelta(minutes=1), limit=12)
    assert len(first) == 12 and len(second) == 8
    assert {r.pk for r in first}.isdisjoint({r.pk for r in second})


def test_tick_records_a_heartbeat(db: Any) -> None:
    tick("w-heart")
    assert WorkerHeartbeat.objects.filter(worker_id="w-heart").exists()


def test_expired_tokens_are_purged_by_the_housekeeping_job(db: Any, demo_user: Any) -> None:
    from accounts.jobs import purge_expired_tokens
    from accounts.models import ApiToken

    token, _ = ApiToken.issue(demo_user("leader"))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=8))
    assert purge_expired_tokens() == 1
