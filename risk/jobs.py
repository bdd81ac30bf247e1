"""Background work of the risk app: the daily re-grade and draining queued re-grade runs."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jobs.registry import on_tick, periodic
from jobs.runner import default_worker_id
from risk.choices import AssessmentCause
from risk.regrade import drain_runs, request_run

TICK_BUDGET_SECONDS = 10.0


@periodic("risk.daily_regrade", every=timedelta(days=1))
def daily_regrade() -> int:
    """Queue today's re-grade of every place (once per date) and start on it.

    Signals age out of their windows and due dates pass even when nothing is edited,
    so every grade is recomputed daily. The run is a row; the tick handler below carries
    on with it, in any worker, until it is finished.
    """
    today = timezone.localdate()
    request_run(AssessmentCause.DAILY, key=f"daily:{today.isoformat()}", today=today)
    return drain_runs(default_worker_id(), budget_seconds=TICK_BUDGET_SECONDS)


@on_tick("risk.regrade_runs")
def continue_regrade_runs() -> int:
    """Give queued runs (daily, model or policy changed) a time slice on every worker tick."""
    return drain_runs(default_worker_id(), budget_seconds=TICK_BUDGET_SECONDS)
