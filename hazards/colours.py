"""Deadline colours (三色预警): green on time, yellow near the deadline, red overdue.

Yellow starts on `yellow_from`, the earlier of "N days before the deadline" and "the last
P% of the rectification period" (defaults 3 days and 20%, from `DeadlinePolicy`). Both
dates are fixed when the deadline is set, so the colour of any hazard on any day is a pure
function of three dates, and the database can filter by colour with date comparisons.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from django.db.models import F, Q

from hazards.choices import OPEN_STATES, RECTIFICATION_STATES, Colour, HazardState

# After submission the rectification clock stops at the submission date.
FROZEN_STATES = (HazardState.SUBMITTED, HazardState.VERIFIED)


def yellow_from(start: date, deadline: date, *, days: int, percent: int) -> date:
    """First yellow day: the earlier of `deadline - days` and the start of the last `percent` of the period.

    The period is counted in whole days from the assignment date to the deadline; the last
    P% is rounded up to whole days so a short deadline still gets at least one yellow day.
    """
    period = max((deadline - start).days, 0)
    by_days = deadline - timedelta(days=days)
    by_share = deadline - timedelta(days=math.ceil(period * percent / 100))
    first = min(by_days, by_share)
    return max(first, start)


def colour_of(
    state: str, deadline: date | None, yellow: date | None, today: date, *, submitted_on: date | None = None
) -> str | None:
    """The colour of a hazard on `today`; None for rejected and closed hazards.

    While the assignee is rectifying, the colour follows today's date. Once rectification is
    submitted the clock stops: the colour is frozen at the submission date, so waiting for
    the station's verification never turns the assignee's hazard red.
    """
    if state not in OPEN_STATES:
        return None
    if deadline is None:
        return Colour.GREEN.value
    day = submitted_on if state in FROZEN_STATES and submitted_on is not None else today
    if day > deadline:
        return Colour.RED.value
    if yellow is not None and day >= yellow:
        return Colour.YELLOW.value
    return Colour.GREEN.value


def colour_q(colour: str, today: date) -> Q:
    """A filter matching the open hazards that `colour_of` gives `colour` on `today`."""
    running = Q(state__in=[s.value for s in RECTIFICATION_STATES], deadline__isnull=False)
    frozen = Q(state__in=[s.value for s in FROZEN_STATES], deadline__isnull=False, submitted_on__isnull=False)
    red = (running & Q(deadline__lt=today)) | (frozen & Q(submitted_on__gt=F("deadline")))
    yellow = (running & Q(deadline__gte=today, yellow_from__lte=today)) | (
        frozen & Q(submitted_on__lte=F("deadline"), submitted_on__gte=F("yellow_from"))
    )
    if colour == Colour.RED:
        return red
    if colour == Colour.YELLOW:
        return yellow
    if colour == Colour.GREEN:
        return Q(state__in=[s.value for s in OPEN_STATES]) & ~red & ~yellow
    raise ValueError(f"unknown colour {colour!r}")
