"""Background housekeeping for accounts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiToken
from jobs.registry import periodic


@periodic("accounts.purge_expired_tokens", every=timedelta(hours=6))
def purge_expired_tokens() -> int:
    """Remove API tokens that expired or were revoked more than a week ago."""
    cutoff = timezone.now() - timedelta(days=7)
    deleted, _ = ApiToken.objects.filter(expires_at__lt=cutoff).delete()
    revoked, _ = ApiToken.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted + revoked
