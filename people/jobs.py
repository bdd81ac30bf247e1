"""Background housekeeping for people."""

from __future__ import annotations

from datetime import timedelta

from jobs.registry import periodic
from yingji.ledgers import uploads


@periodic("ledgers.purge_pending_uploads", every=timedelta(minutes=15))
def purge_pending_uploads() -> int:
    """Delete import files left after a preview that was never confirmed (they hold ID numbers).

    Registered here because the people ledger is the first to keep uploads; the files of
    every ledger share one directory, so this one job covers them all.
    """
    return uploads.purge_expired()
