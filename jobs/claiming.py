"""Claiming rows so that any number of workers can run without doing work twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone


def claim_rows(
    queryset: models.QuerySet, *, worker_id: str, lease: timedelta, limit: int = 50, now: datetime | None = None
) -> list[Any]:
    """Claim up to `limit` rows of `queryset` whose lease is free or expired.

    The model needs `locked_by` and `locked_until` fields. On PostgreSQL the candidates are
    read with ``FOR UPDATE SKIP LOCKED``; on SQLite (a single writer) a conditional
    UPDATE per row decides. Either way a row is claimed by one worker only.
    """
    now = now or timezone.now()
    free = models.Q(locked_until__isnull=True) | models.Q(locked_until__lt=now)
    until = now + lease
    with transaction.atomic():
        candidates = queryset.filter(free)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        claimed = []
        for pk in ids:
            if queryset.model._base_manager.filter(free, pk=pk).update(locked_by=worker_id, locked_until=until):
                claimed.append(pk)
    return list(queryset.model._base_manager.filter(pk__in=claimed, locked_by=worker_id))
