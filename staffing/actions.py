"""Changes to staffing standards: a new version, never an edit of one in force.

Editing the divisors of a standard already used in past reports would silently rewrite
history, so a change is a new standard with its own start date; only a standard that has
not yet taken effect may be corrected in place.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from people.models import PositionKind
from staffing.models import StaffingStandard
from yingji.actions import apply_changes, locked, require

NUMBER_FIELDS = ("industrial_per_staff", "commercial_per_staff", "rental_per_staff")


def _check(values: dict[str, Any]) -> None:
    errors = {}
    for name in NUMBER_FIELDS:
        value = values.get(name)
        if value is not None and (not isinstance(value, int) or value < 1):
            errors[name] = _("请填写不小于 1 的整数。")
    if errors:
        raise ValidationError(errors)


def _position_kinds(codes: list[str]) -> list[PositionKind]:
    kinds = list(PositionKind.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {k.code for k in kinds})
    if unknown:
        raise ValidationError({"counted_position_kinds": _("未知的岗位代码：%(codes)s") % {"codes": "、".join(unknown)}})
    if not kinds:
        raise ValidationError({"counted_position_kinds": _("至少选择一个计入配备的岗位。")})
    return kinds


def create_standard(
    user: Any,
    *,
    name: str,
    effective_from: date,
    industrial_per_staff: int,
    commercial_per_staff: int,
    rental_per_staff: int,
    counted_position_kinds: list[str],
    source: str = "",
) -> StaffingStandard:
    require(user, Capability.CONFIGURE_RULES)
    values = {
        "industrial_per_staff": industrial_per_staff,
        "commercial_per_staff": commercial_per_staff,
        "rental_per_staff": rental_per_staff,
    }
    _check(values)
    kinds = _position_kinds(counted_position_kinds)
    if StaffingStandard.objects.filter(effective_from=effective_from).exists():
        raise ValidationError({"effective_from": _("该施行日期已有一版标准，请换一个日期或修改那一版。")})
    standard = StaffingStandard(name=name.strip(), effective_from=effective_from, source=source.strip(), **values)
    standard.full_clean()
    standard.save()
    standard.counted_position_kinds.set(kinds)
    return standard


@transaction.atomic
def update_standard(user: Any, standard: StaffingStandard, changes: dict[str, Any]) -> StaffingStandard:
    """Correct a standard that has not taken effect yet."""
    require(user, Capability.CONFIGURE_RULES)
    row = locked(standard)
    if row.effective_from <= timezone.localdate():
        raise ValidationError(_("已施行的标准不能修改，请新增一版并设置新的施行日期。"))
    kind_codes = changes.pop("counted_position_kinds", None)
    _check(changes)
    changed = apply_changes(row, changes)
    if changed:
        row.full_clean()
        row.save(update_fields=[*changed, "updated_at"])
    if kind_codes is not None:
        row.counted_position_kinds.set(_position_kinds(kind_codes))
    return row
