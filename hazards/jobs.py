"""Background work of the hazards app: the daily colour/reminder scan and the monthly re-check draw."""

from __future__ import annotations

from datetime import timedelta

from hazards.rechecks import run_draw
from hazards.scan import run_scan
from jobs.registry import periodic
from yingji.context import acting_as_system


@periodic("hazards.daily_scan", every=timedelta(hours=6))
def daily_scan() -> int:
    """Send the reminders due today. Runs a few times a day so a worker down at midnight delays
    reminders by hours, not a day; a second run the same day finds nothing left to claim."""
    with acting_as_system("hazards.scan"):
        return run_scan().claimed


@periodic("hazards.recheck_draw", every=timedelta(days=1))
def recheck_draw() -> int:
    """Draw last month's re-checks (each township once; later runs of the month do nothing)."""
    with acting_as_system("hazards.recheck"):
        return run_draw().drawn
