"""Read-side helpers of the hazard loop: colour, deadline policy, timeline and counts.

Shared by the API, the pages, the ledgers and the dashboard so that a hazard's colour or
its timeline reads the same everywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hazards import colours
from hazards.choices import Colour, HazardState
from hazards.models import DeadlinePolicy, Hazard, HazardEvent, HazardPhoto
from jurisdictions.models import Jurisdiction
from yingji.scoping import path_codes

# Words for the timeline's actions that are not transitions of the table.
EVENT_LABELS = {
    "report": _("发现上报"),
    "extend_request": _("申请延期"),
    "extension_approved": _("批准延期"),
    "extension_refused": _("不批准延期"),
    "supervise": _("挂牌督办"),
    "determination": _("重大隐患判定"),
    "interim_measures": _("管控措施"),
    "photos": _("补充照片"),
    "reminder": _("期限提醒"),
    "remind_yellow": _("临期提醒"),
    "remind_red": _("逾期提醒"),
    "escalate": _("逾期升级"),
}


def hazard_colour(h: Hazard, today: date | None = None) -> str | None:
    """green, yellow or red for an open hazard on `today`; None once rejected or closed."""
    submitted_on = h.submitted_on
    return colours.colour_of(
        h.state, h.deadline, h.yellow_from, today or timezone.localdate(), submitted_on=submitted_on
    )


def deadline_policy_for(jurisdiction: Jurisdiction | None) -> DeadlinePolicy:
    """The most specific policy on the path from `jurisdiction` up to the root, else the global row.

    If even the global row was removed, an unsaved policy with the model's defaults answers,
    so assigning never fails for want of configuration.
    """
    codes = path_codes(jurisdiction.path) if jurisdiction is not None else []
    if codes:
        by_code = {
            p.jurisdiction.code: p  # type: ignore[union-attr]
            for p in DeadlinePolicy.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        }
        for code in reversed(codes):
            if code in by_code:
                return by_code[code]
    return DeadlinePolicy.objects.filter(jurisdiction__isnull=True).first() or DeadlinePolicy()


def event_label(action: str) -> str:
    from hazards.machine import TRANSITIONS

    transition = TRANSITIONS.get(action)
    return transition.label if transition else str(EVENT_LABELS.get(action, action))


def actor_name(event: HazardEvent) -> str:
    if event.actor is not None:
        return str(event.actor.display_name)
    return event.actor_label or "系统"


def timeline(h: Hazard) -> list[dict[str, Any]]:
    """The hazard's steps, oldest first, as plain values (action, states, who, when, note, data)."""
    events = HazardEvent.objects.filter(hazard_id=h.pk).select_related("actor__person").order_by("at", "id")
    return [
        {
            "action": e.action,
            "label": event_label(e.action),
            "from_state": e.from_state,
            "to_state": e.to_state,
            "actor": actor_name(e),
            "actor_id": e.actor_id,
            "at": e.at,
            "note": e.note,
            "data": e.data,
        }
        for e in events
    ]


def photo_url(photo: HazardPhoto) -> str:
    """Photos are served by the API to whoever may see the hazard (never from a public media URL)."""
    try:
        return reverse("api:hazard_photo", kwargs={"hazard_id": photo.hazard_id, "photo_id": photo.pk})
    except NoReverseMatch:  # pragma: no cover - the API is always mounted
        return ""


def colour_counts(hazards: QuerySet[Hazard], today: date | None = None) -> dict[str, int]:
    """How many of `hazards` are green, yellow and red today (three indexed counts)."""
    today = today or timezone.localdate()
    return {c.value: hazards.filter(colours.colour_q(c.value, today)).count() for c in Colour}


def is_open(h: Hazard) -> bool:
    return h.state not in (HazardState.REJECTED, HazardState.CLOSED)
