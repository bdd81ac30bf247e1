"""Background work of the notification core: the outbox drainer and the escalation scan.

Both run on every worker tick and claim their own rows, so any number of workers may run
them side by side; all state lives in the rows.
"""

from __future__ import annotations

from jobs.registry import on_tick
from jobs.runner import default_worker_id
from notifications.escalation import advance_due
from notifications.outbox import send_due


@on_tick("notifications.outbox")
def drain_outbox() -> int:
    """Send the deliveries that are due (new ones, retries after backoff, crashed workers' leftovers)."""
    return send_due(worker_id=default_worker_id())


@on_tick("notifications.escalation")
def escalate() -> int:
    """Advance the escalation chains whose wait elapsed without an acknowledgement."""
    return advance_due(worker_id=default_worker_id())
