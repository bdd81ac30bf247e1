"""The daily colour scan: reminders when a hazard turns yellow or red, escalation when it stays red.

Colours are never stored (see `hazards.colours`); what the scan keeps is `reminder_level`,
how far the reminders of the *current* deadline have gone. A hazard is due when its
yellow or red day has come and its level is below it. The scan walks due hazards in id
order one chunk at a time, each chunk in its own transaction:

1. claim each row with a conditional UPDATE (`reminder_level` still what we read, state and
   deadline unchanged); a row another worker claimed first updates nothing and is skipped,
   so each level's reminder goes out once however many workers run the scan;
2. start the notifications, write the timeline events and the risk signals.

A crash rolls the chunk back (claims included), so the next run picks the same hazards
up again. Only rows whose level moves are written. Extending the deadline resets the
level (core's `extend` decision), which re-arms the reminders for the new date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from hazards import reminders
from hazards.choices import RECTIFICATION_STATES, ReminderLevel
from hazards.models import Hazard, HazardEvent

log = logging.getLogger("yingji.hazards")

CHUNK_SIZE = 500
RECTIFYING = [s.value for s in RECTIFICATION_STATES]


@dataclass
class ScanResult:
    """What one scan did (the command prints it; the benchmark reports it)."""

    today: date
    examined: int = 0
    claimed: int = 0
    lost: int = 0  # due rows another worker claimed first
    yellow: int = 0
    red: int = 0
    escalated: int = 0
    notifications: int = 0
    chunks: int = 0
    levels: dict[int, int] = field(default_factory=dict)

    @property
    def rows_written(self) -> int:
        """Hazard rows updated (one conditional UPDATE per claimed row, nothing else on the hazard)."""
        return self.claimed


def due_hazards(today: date, *, escalate_after: int) -> QuerySet[Hazard]:
    """Open hazards in rectification whose next reminder level has come on `today`."""
    yellow = Q(yellow_from__lte=today, reminder_level__lt=ReminderLevel.YELLOW)
    red = Q(deadline__lt=today, reminder_level__lt=ReminderLevel.RED)
    escalate = Q(deadline__lt=today - timedelta(days=escalate_after), reminder_level__lt=ReminderLevel.ESCALATED)
    return Hazard.unscoped.filter(
        yellow | red | escalate, state__in=RECTIFYING, deadline__isnull=False, archived_at__isnull=True
    )


def _claim(pk: int, level: int, deadline: date, target: int) -> bool:
    """Move one row from `level` to `target` unless someone (a worker, an extension) changed it."""
    return bool(
        Hazard.unscoped.filter(pk=pk, reminder_level=level, deadline=deadline, state__in=RECTIFYING).update(
            reminder_level=target
        )
    )


def _record_overdue(hazard: Hazard) -> None:
    """Tell the risk model the place has an overdue hazard (one signal per hazard, updated in place)."""
    if hazard.place_id is None:
        return
    from risk.actions import record_signal
    from risk.choices import SignalKind

    assert hazard.place is not None
    record_signal(
        hazard.place,
        SignalKind.HAZARD_OVERDUE,
        severity="major" if hazard.severity == "major" else "general",
        note=f"隐患 {hazard.number} 逾期未整改"[:300],
        source_app="hazards",
        source_ref=str(hazard.pk),
    )


def process_chunk(
    today: date,
    after_id: int,
    result: ScanResult,
    *,
    chunk_size: int,
    escalate_after: int,
    stations: reminders.StationCache | None = None,
) -> int | None:
    """Handle the next chunk of due hazards after `after_id`; return the last id seen (None: done)."""
    stations = stations or reminders.StationCache()
    with transaction.atomic():
        rows = list(
            due_hazards(today, escalate_after=escalate_after)
            .filter(pk__gt=after_id)
            .order_by("pk")
            .values_list("pk", "reminder_level", "deadline", "yellow_from")[:chunk_size]
        )
        if not rows:
            return None
        result.chunks += 1
        result.examined += len(rows)
        claimed: dict[int, tuple[int, int]] = {}
        for pk, level, deadline, yellow in rows:
            target = reminders.level_due(deadline, yellow, today, escalate_after=escalate_after)
            if target <= level:
                continue
            if deadline is not None and _claim(pk, level, deadline, target):
                claimed[pk] = (level, target)
            else:
                result.lost += 1
        if claimed:
            now = timezone.now()
            events: list[HazardEvent] = []
            hazards = (
                Hazard.unscoped.filter(pk__in=claimed)
                .select_related("place", "jurisdiction")
                .defer("jurisdiction__boundary")
                .order_by("pk")
            )
            for hazard in hazards:
                old, target = claimed[hazard.pk]
                hazard.reminder_level = target
                # Skipped levels (the scan did not run on the yellow day) send only what is news:
                # a hazard found already red gets the red reminder, not a stale yellow one.
                sends = (
                    [target]
                    if target != ReminderLevel.ESCALATED or old >= ReminderLevel.RED
                    else [
                        ReminderLevel.RED,
                        ReminderLevel.ESCALATED,
                    ]
                )
                for level in sends:
                    notification = reminders.send(hazard, level, today, stations=stations)
                    result.notifications += notification is not None
                    result.levels[level] = result.levels.get(level, 0) + 1
                    if level == ReminderLevel.YELLOW:
                        result.yellow += 1
                    elif level == ReminderLevel.RED:
                        result.red += 1
                        _record_overdue(hazard)
                    else:
                        result.escalated += 1
                    events.append(
                        HazardEvent(
                            hazard=hazard,
                            action=reminders.EVENT_ACTIONS[ReminderLevel(level)],
                            from_state=hazard.state,
                            to_state=hazard.state,
                            actor_label=reminders.SYSTEM_LABEL,
                            at=now,
                            note=reminders.event_note(level, notification),
                            data=reminders.event_data(level, notification, hazard, today),
                        )
                    )
            HazardEvent.objects.bulk_create(events, batch_size=500)
            result.claimed += len(claimed)
        return int(rows[-1][0])


def run_scan(
    today: date | None = None, *, chunk_size: int = CHUNK_SIZE, escalate_after: int | None = None
) -> ScanResult:
    """Send every reminder due on `today` (default: the local date); safe to run in several workers."""
    today = today or timezone.localdate()
    escalate_after = reminders.escalate_after_red_days() if escalate_after is None else escalate_after
    result = ScanResult(today=today)
    stations = reminders.StationCache()  # station staff, rosters and policies, read once per run
    last = 0
    while True:
        after = process_chunk(
            today, last, result, chunk_size=chunk_size, escalate_after=escalate_after, stations=stations
        )
        if after is None:
            break
        last = after
    log.info(
        "hazard scan %s: %d claimed (%d yellow, %d red, %d escalated), %d lost to other workers",
        today, result.claimed, result.yellow, result.red, result.escalated, result.lost,
    )  # fmt: skip
    return result
