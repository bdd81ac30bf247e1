"""Re-checks (回头看): a share of last month's closed hazards is drawn for a later visit.

Each township's closures of a period (a calendar month) are drawn once, on any day after
the month ends: `recheck_percent` of them (rounded up, at least one when any closed and
the share is not 0), due `recheck_after_days` after each one's closure (numbers from the
township's `DeadlinePolicy`). The draw is reproducible: the seed is derived from the
township, the period and the site's secret, recorded on every `Recheck`, and
`draw(candidates, seed, share)` on the same closed hazards gives the same choice. Because
the seed is derived rather than random, two workers drawing at once pick the same
hazards, and the one-re-check-per-hazard constraint makes the second draw a no-op.

The result of a re-check is recorded by the station: passed (未反弹), or reopened (隐患反弹),
which reports a new hazard (source 上级交办, linked as `reopened_as`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability
from hazards.choices import HazardState, RecheckState
from hazards.models import Hazard, Recheck
from hazards.policies import PolicyTable
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from yingji import actions


@dataclass(frozen=True)
class Period:
    """A calendar month [start, end)."""

    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    @classmethod
    def previous(cls, today: date) -> Period:
        end = today.replace(day=1)
        start = (end - timedelta(days=1)).replace(day=1)
        return cls(start, end)


def seed_for(township_code: str, period: Period) -> str:
    """The recorded seed of one township's draw: unpredictable without the secret, stable with it."""
    message = f"hazards.recheck:{township_code}:{period.label}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return f"{township_code}:{period.label}:{digest[:16]}"


def share_count(total: int, percent: int) -> int:
    """How many of `total` closures to draw: P% rounded up, at least one if any and P > 0."""
    if total <= 0 or percent <= 0:
        return 0
    return min(total, max(1, math.ceil(total * percent / 100)))


def draw(candidate_ids: Sequence[int], seed: str, percent: int) -> list[int]:
    """The ids drawn from `candidate_ids` with `seed`: a pure function, so anyone can re-run it."""
    ordered = sorted(candidate_ids)
    count = share_count(len(ordered), percent)
    return sorted(random.Random(seed).sample(ordered, count))  # noqa: S311 - a reproducible draw, not a secret


@dataclass
class DrawResult:
    townships: int = 0
    candidates: int = 0
    drawn: int = 0


def closed_in(township: Jurisdiction, period: Period) -> list[int]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.start, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(period.end, datetime.min.time(), tzinfo=tz)
    return list(
        Hazard.unscoped.filter(
            state=HazardState.CLOSED,
            closed_at__gte=start,
            closed_at__lt=end,
            archived_at__isnull=True,
            jurisdiction_path__within=township.path,
        ).values_list("pk", flat=True)
    )


def draw_township(township: Jurisdiction, period: Period, *, policies: PolicyTable, now: datetime) -> tuple[int, int]:
    """Draw one township's re-checks for `period` unless already drawn; returns (candidates, drawn)."""
    candidates = closed_in(township, period)
    if not candidates:
        return 0, 0
    seed = seed_for(township.code, period)
    if Recheck.objects.filter(draw_seed=seed).exists():
        return len(candidates), 0
    policy = policies.for_path(township.path)
    chosen = draw(candidates, seed, policy.recheck_percent)
    closed = dict(Hazard.unscoped.filter(pk__in=chosen).values_list("pk", "closed_at"))
    rows = [
        Recheck(
            hazard_id=pk,
            drawn_at=now,
            draw_seed=seed,
            due_on=timezone.localtime(closed[pk]).date() + timedelta(days=policy.recheck_after_days),
        )
        for pk in chosen
    ]
    with transaction.atomic():
        Recheck.objects.bulk_create(rows, ignore_conflicts=True)
    return len(candidates), len(rows)


def run_draw(today: date | None = None) -> DrawResult:
    """Draw the previous month's re-checks of every township (idempotent: each is drawn once)."""
    today = today or timezone.localdate()
    period = Period.previous(today)
    policies = PolicyTable.load()
    result = DrawResult()
    now = timezone.now()
    for township in (
        Jurisdiction.unscoped.filter(level=Level.TOWNSHIP, archived_at__isnull=True).defer("boundary").order_by("code")
    ):
        candidates, drawn = draw_township(township, period, policies=policies, now=now)
        result.townships += 1
        result.candidates += candidates
        result.drawn += drawn
    return result


def _locked(recheck: Recheck) -> Recheck:
    return Recheck.objects.select_for_update().select_related("hazard").get(pk=recheck.pk)


@transaction.atomic
def record_result(
    recheck: Recheck, *, by: Any, passed: bool, note: str = "", description: str = "", interim_measures: str = ""
) -> Recheck:
    """Record what the re-check found; a rebound reports a new hazard linked to this re-check."""
    actions.require(by, Capability.MANAGE_HAZARDS)
    recheck = _locked(recheck)
    if recheck.state != RecheckState.DUE:
        raise ValidationError(f"该回头看已于 {timezone.localtime(recheck.done_at):%Y-%m-%d} 记录结果，不能重复记录")
    note = note.strip()
    if len(note) > 300:
        raise ValidationError({"note": "说明不超过 300 字"})
    recheck.done_at = timezone.now()
    recheck.done_by = by
    recheck.note = note
    if passed:
        recheck.state = RecheckState.PASSED
    else:
        description = description.strip()
        if not description:
            raise ValidationError({"description": "隐患反弹时请描述发现的问题"})
        from hazards.actions import report_hazard

        old = recheck.hazard
        new = report_hazard(
            by=by,
            place=old.place,
            jurisdiction=old.jurisdiction,
            category=old.category,
            hazard_type=old.hazard_type,
            description=f"【回头看反弹，原隐患 {old.number}】{description}"[:2000],
            source="superior",
            severity=old.severity,
            lat=old.lat,
            lng=old.lng,
            address=old.address,
            interim_measures=interim_measures,
            source_app="hazards.recheck",
            source_ref=str(recheck.pk),
        )
        recheck.state = RecheckState.REOPENED
        recheck.reopened_as = new
    recheck.save()
    return recheck
