"""Background work of warnings: expiry at the end of the validity period."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from earlywarning.actions import expire
from earlywarning.choices import ACTIVE_STATES
from earlywarning.models import EarlyWarning
from jobs.registry import periodic
from yingji.scoping import unscoped


@periodic("warnings.expire_due", every=timedelta(minutes=1))
def expire_due_warnings() -> int:
    """Mark active warnings past their end time expired and stop their escalations.

    Each warning is expired in its own transaction under a row lock and `expire()` re-checks
    the state, so two workers running this job at once expire each warning once.
    """
    now = timezone.now()
    expired = 0
    with unscoped():
        due = EarlyWarning.unscoped.filter(state__in=ACTIVE_STATES, ends_at__lte=now).order_by("ends_at")
        for warning in due.select_related("jurisdiction", "kind")[:200]:
            if expire(warning, now=now).state == "expired":
                expired += 1
    return expired
