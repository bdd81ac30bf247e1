"""Every change to duty rosters goes through these functions (排班、调班、替班)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability
from duty.choices import ChangeKind, DutyRole
from duty.models import DutyAssignment, DutyShift
from jurisdictions.models import Jurisdiction
from people.models import Person
from yingji import actions

MAX_SHIFT = timedelta(hours=72)
STALE = "该值班安排已被替换，请刷新后在最新安排上操作"
SHIFT_EDITABLE = ("starts_at", "ends_at", "duty_phone", "note")


@dataclass(frozen=True)
class Standing:
    """One person to put on a shift: who, in which role, at which number (blank: their mobile)."""

    person: Person
    role: str = DutyRole.OFFICER
    phone: str = ""


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": "时间须带时区"})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "结束时间须晚于开始时间"})
    if ends_at - starts_at > MAX_SHIFT:
        raise ValidationError({"ends_at": "单个班次不能超过 72 小时，请拆成多个班次"})


def _check_no_overlap(jurisdiction: Jurisdiction, starts_at: datetime, ends_at: datetime, exclude: int | None) -> None:
    clash = DutyShift.unscoped.overlapping(starts_at, ends_at).filter(jurisdiction=jurisdiction)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    first = clash.order_by("starts_at").first()
    if first is not None:
        local = timezone.localtime(first.starts_at)
        raise ValidationError(
            {
                "starts_at": f"与 {jurisdiction.name} 已有班次（{local:%m-%d %H:%M} 开始）时间重叠，请调整时间或修改原班次"
            }
        )


def _check_people(jurisdiction: Jurisdiction, standing: Sequence[Standing]) -> None:
    if not any(s.role == DutyRole.OFFICER for s in standing):
        raise ValidationError({"officers": "每个班次至少安排一名值班员"})
    if sum(1 for s in standing if s.role == DutyRole.LEADER) > 1:
        raise ValidationError({"leader": "每个班次只能有一名带班领导"})
    seen: set[int] = set()
    for s in standing:
        if s.role not in DutyRole.values:
            raise ValidationError({"role": f"未知的值班角色：{s.role}"})
        if s.person.pk in seen:
            raise ValidationError({"officers": f"{s.person.name} 在同一班次中重复安排"})
        seen.add(s.person.pk)
        if s.person.archived_at is not None:
            raise ValidationError({"officers": f"{s.person.name} 已归档，不能排班"})


def _new_assignment(shift: DutyShift, s: Standing, **extra: Any) -> DutyAssignment:
    return DutyAssignment(
        shift=shift,
        person=s.person,
        role=s.role,
        phone=s.phone,
        jurisdiction=shift.jurisdiction,
        jurisdiction_path=shift.jurisdiction.path,
        **extra,
    )


@transaction.atomic
def create_shift(
    *,
    by: Any,
    jurisdiction: Jurisdiction,
    starts_at: datetime,
    ends_at: datetime,
    standing: Sequence[Standing],
    duty_phone: str = "",
    note: str = "",
) -> DutyShift:
    """Put one shift on the roster with its officers and leading official."""
    actions.require(by, Capability.MANAGE_DUTY)
    _check_times(starts_at, ends_at)
    _check_people(jurisdiction, standing)
    _check_no_overlap(jurisdiction, starts_at, ends_at, exclude=None)
    shift = DutyShift(jurisdiction=jurisdiction, starts_at=starts_at, ends_at=ends_at, duty_phone=duty_phone, note=note)
    shift.full_clean()
    shift.save()
    for s in standing:
        _new_assignment(shift, s).save()
    return shift


@transaction.atomic
def update_shift(shift: DutyShift, *, by: Any, **changes: Any) -> DutyShift:
    """Move a shift or change its phone/note; who stands it changes only by swap or override."""
    actions.require(by, Capability.MANAGE_DUTY)
    shift = actions.locked(shift)
    changed = actions.apply_changes(shift, {k: v for k, v in changes.items() if k in SHIFT_EDITABLE})
    if not changed:
        return shift
    _check_times(shift.starts_at, shift.ends_at)
    _check_no_overlap(shift.jurisdiction, shift.starts_at, shift.ends_at, exclude=shift.pk)
    shift.full_clean()
    shift.save(update_fields=[*changed, "updated_at"])
    return shift


@transaction.atomic
def cancel_shift(shift: DutyShift, *, by: Any, reason: str) -> DutyShift:
    """Take a shift off the roster (archived, so it stays in the history)."""
    actions.require(by, Capability.MANAGE_DUTY)
    if not reason.strip():
        raise ValidationError({"reason": "请填写取消班次的原因"})
    return actions.archive(actions.locked(shift), by=by, reason=reason)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写调班/替班原因"})
    return reason[:200]


def _end(assignment: DutyAssignment, reason: str, kind: str) -> DutyAssignment:
    locked: DutyAssignment = actions.locked(assignment)
    if not locked.is_standing:
        raise ValidationError({"assignment": STALE})
    locked.replaced_at = timezone.now()
    locked.change_kind = kind
    locked.change_reason = reason
    locked.save(update_fields=["replaced_at", "change_kind", "change_reason", "updated_at"])
    return locked


@transaction.atomic
def override_assignment(
    assignment: DutyAssignment, *, by: Any, person: Person, reason: str, phone: str = ""
) -> DutyAssignment:
    """替班: someone else stands this assignment; the old one stays, marked replaced."""
    actions.require(by, Capability.MANAGE_DUTY)
    reason = _require_reason(reason)
    assignment = actions.locked(assignment)
    if not assignment.is_standing:
        raise ValidationError({"assignment": STALE})
    if person.pk == assignment.person_id:
        raise ValidationError({"person": "替班人员与原值班人员相同"})
    if person.archived_at is not None:
        raise ValidationError({"person": f"{person.name} 已归档，不能排班"})
    others = DutyAssignment.unscoped.standing().filter(shift_id=assignment.shift_id, person=person)
    if others.exists():
        raise ValidationError({"person": f"{person.name} 已在该班次中"})
    old = _end(assignment, reason, ChangeKind.OVERRIDE)
    new = _new_assignment(
        old.shift,
        Standing(person=person, role=old.role, phone=phone),
        replaces=old,
        change_kind=ChangeKind.OVERRIDE,
        change_reason=reason,
    )
    new.save()
    return new


@transaction.atomic
def swap_assignments(
    first: DutyAssignment, second: DutyAssignment, *, by: Any, reason: str
) -> tuple[DutyAssignment, DutyAssignment]:
    """换班: two people exchange their shifts; both old assignments stay, marked replaced."""
    actions.require(by, Capability.MANAGE_DUTY)
    reason = _require_reason(reason)
    if first.pk == second.pk or first.shift_id == second.shift_id:
        raise ValidationError({"assignment": "换班须在两个不同班次之间进行"})
    if first.person_id == second.person_id:
        raise ValidationError({"assignment": "两个安排是同一人，无需换班"})
    if first.role != second.role:
        raise ValidationError({"assignment": "值班员只能与值班员换班，带班领导只能与带班领导换班"})
    a = _end(first, reason, ChangeKind.SWAP)
    b = _end(second, reason, ChangeKind.SWAP)
    new_a = _new_assignment(
        a.shift, Standing(b.person, b.role, b.phone), replaces=a, change_kind=ChangeKind.SWAP, change_reason=reason
    )
    new_b = _new_assignment(
        b.shift, Standing(a.person, a.role, a.phone), replaces=b, change_kind=ChangeKind.SWAP, change_reason=reason
    )
    new_a.save()
    new_b.save()
    return new_a, new_b


@dataclass(frozen=True)
class RosterPlan:
    """A month of shifts from a rotation: people take turns in list order, one shift each."""

    jurisdiction: Jurisdiction
    month: date
    officers: Sequence[Person]
    leaders: Sequence[Person] = ()
    start: time = time(8, 30)
    hours: int = 24
    officers_per_shift: int = 1
    duty_phone: str = ""


def plan_shifts(plan: RosterPlan) -> list[tuple[datetime, datetime, list[Standing]]]:
    """The shifts a rotation gives for one month, without touching the database."""
    if plan.hours not in (8, 12, 24):
        raise ValidationError({"hours": "班次时长只能是 8、12 或 24 小时"})
    if len(plan.officers) < plan.officers_per_shift or plan.officers_per_shift < 1:
        raise ValidationError({"officers": "轮班人员不足：值班员人数至少要等于每班人数"})
    first_day = plan.month.replace(day=1)
    next_month = (first_day + timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    starts_at = datetime.combine(first_day, plan.start, tzinfo=tz)
    month_end = datetime.combine(next_month, plan.start, tzinfo=tz)
    step = timedelta(hours=plan.hours)
    shifts = []
    index = 0
    day_index = -1
    last_day: date | None = None
    while starts_at < month_end:
        officers = [
            plan.officers[(index * plan.officers_per_shift + k) % len(plan.officers)]
            for k in range(plan.officers_per_shift)
        ]
        standing = [Standing(person=p) for p in officers]
        if plan.leaders:
            local_day = timezone.localtime(starts_at).date()
            if local_day != last_day:
                day_index += 1
                last_day = local_day
            standing.append(Standing(person=plan.leaders[day_index % len(plan.leaders)], role=DutyRole.LEADER))
        shifts.append((starts_at, starts_at + step, standing))
        starts_at += step
        index += 1
    return shifts


@transaction.atomic
def generate_roster(*, by: Any, plan: RosterPlan) -> list[DutyShift]:
    """Create a month of shifts from a rotation; refused as a whole if any overlaps the roster."""
    actions.require(by, Capability.MANAGE_DUTY)
    planned = plan_shifts(plan)
    if planned:
        _check_no_overlap(plan.jurisdiction, planned[0][0], planned[-1][1], exclude=None)
    return [
        create_shift(
            by=by,
            jurisdiction=plan.jurisdiction,
            starts_at=starts_at,
            ends_at=ends_at,
            standing=standing,
            duty_phone=plan.duty_phone,
        )
        for starts_at, ends_at, standing in planned
    ]
