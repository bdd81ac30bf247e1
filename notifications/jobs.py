"""Background work of the notification core: the outbox drainer and the escalation scan.

Both run on every worker tick and claim their own rows, so any number of workers may run
them side by side; all state lives in the rows.
"""

from __future__ import annotations

import time

from jobs.registry import on_tick
from jobs.runner import default_worker_id
from notifications.escalation import advance_due
from notifications.outbox import send_due

# One tick keeps sending batches while deliveries are due, up to this many seconds, so a
# large warning is not capped at one batch per tick (50 per 2 s); other handlers still run.
DRAIN_BUDGET_SECONDS = 10.0


@on_tick("notifications.outbox")
def drain_outbox() -> int:
    """Send the deliveries that are due (new ones, retries after backoff, crashed workers' leftovers)."""
    deadline = time.monotonic() + DRAIN_BUDGET_SECONDS
    sent = 0
    while True:
        batch = send_due(worker_id=default_worker_id())
        sent += batch
        if not batch or time.monotonic() >= deadline:
            return sent


@on_tick("notifications.escalation")
def escalate() -> int:
    """Advance the escalation chains whose wait elapsed without an acknowledgement."""
    return advance_due(worker_id=default_worker_id())
