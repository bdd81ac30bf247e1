"""Small display helpers for the account pages."""

from __future__ import annotations

import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def whole_minutes(value: timedelta | None) -> int:
    """A lock-out period in whole minutes, rounded up (people wait in minutes, not ISO 8601)."""
    if not value:
        return 0
    return max(1, math.ceil(value.total_seconds() / 60))
