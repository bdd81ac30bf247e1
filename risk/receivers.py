"""Re-grade a place when what it is changes (固有风险), whoever saved it.

The places app saves places through its own actions; listening to `post_save` here keeps
the risk rules out of that app. Only fields the scoring model or the due dates read
trigger a re-grade, so renaming a place or editing its phone numbers costs nothing.
Queryset `update()`/`bulk_create()` (seeding, imports' bulk paths) do not send signals:
those callers grade afterwards (the demo step does) or leave it to the daily run.
"""

from __future__ import annotations

from typing import Any

from places.models import Place
from risk.choices import AssessmentCause

GRADED_FIELDS = (
    "kind_id", "floor_area", "floors", "building_height", "employees", "beds", "rooms", "seats",
    "has_dormitory", "stores_hazardous_goods", "is_key_unit", "occupancy_status", "archived_at",
    "last_self_inspection_on", "last_supervision_on",
)  # fmt: skip
_GRADED_NAMES = {name.removesuffix("_id") for name in GRADED_FIELDS} | set(GRADED_FIELDS)


def _touches_graded(update_fields: Any) -> bool:
    return update_fields is None or bool(set(update_fields) & _GRADED_NAMES)


def remember_graded_fields(sender: type[Place], instance: Place, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    instance._risk_before = None  # type: ignore[attr-defined]
    if raw or instance._state.adding or instance.pk is None or not _touches_graded(update_fields):
        return
    instance._risk_before = Place._base_manager.filter(pk=instance.pk).values(*GRADED_FIELDS).first()  # type: ignore[attr-defined]


def regrade_changed_place(
    sender: type[Place], instance: Place, created: bool, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or getattr(instance, "_risk_skip_regrade", False):
        return
    from risk.grading import regrade_place

    if created:
        regrade_place(instance, AssessmentCause.INITIAL)
        return
    if not _touches_graded(update_fields):
        return
    before = getattr(instance, "_risk_before", None)
    if before is not None and all(before[name] == getattr(instance, name) for name in GRADED_FIELDS):
        return
    regrade_place(instance, AssessmentCause.PLACE_CHANGED)
