"""Background work of the jobs app itself: large ledger imports (see yingji.ledgers.background)."""

from __future__ import annotations

from jobs.registry import on_tick
from jobs.runner import default_worker_id
from yingji.ledgers import background


@on_tick("ledgers.import_jobs")
def run_import_jobs() -> int:
    """Run one queued ledger check or import per tick, so periodic jobs are not starved."""
    return len(background.run_queued(default_worker_id()))
