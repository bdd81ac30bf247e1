"""Demo step: this month's duty rosters for the county and every township."""

from __future__ import annotations

from django.utils import timezone

from demo.context import DemoContext
from demo.registry import demo_step
from duty.actions import RosterPlan, plan_shifts
from duty.models import DutyAssignment, DutyShift
from jurisdictions.choices import Level
from people.models import Person

BATCH_SIZE = 500


def _duty_phone(ctx: DemoContext, code: str) -> str:
    for position in ctx.positions:
        if position.jurisdiction.code == code and position.kind.code == "station_chief" and position.duty_phone:
            return position.duty_phone
    return ""


@demo_step(order=520, label="值班排班")
def seed_duty(ctx: DemoContext) -> str:
    """24-hour shifts from 08:30: station staff take turns on duty, heads take turns leading."""
    month = timezone.localdate().replace(day=1)
    shifts: list[DutyShift] = []
    standing: list[tuple[int, list[tuple[Person, str]]]] = []
    for node in [*ctx.nodes(Level.COUNTY), *ctx.nodes(Level.TOWNSHIP)]:
        heads = ctx.holders(node.code, "first_responsible") + ctx.holders(node.code, "deputy_responsible")
        if node.level == Level.COUNTY:
            officers, leaders = heads, heads[1:] + heads[:1]  # two county heads alternate, never both roles at once
        else:
            officers = ctx.holders(node.code, "station_chief") + ctx.holders(node.code, "station_staff")
            leaders = heads
        if not officers:
            continue
        plan = RosterPlan(jurisdiction=node, month=month, officers=officers, leaders=leaders if len(heads) > 1 or node.level != Level.COUNTY else [])
        phone = _duty_phone(ctx, node.code)
        for starts_at, ends_at, people in plan_shifts(plan):
            shifts.append(
                DutyShift(jurisdiction=node, jurisdiction_path=node.path, starts_at=starts_at, ends_at=ends_at, duty_phone=phone)
            )
            standing.append((len(shifts) - 1, [(s.person, s.role) for s in people]))
    DutyShift.objects.bulk_create(shifts, batch_size=BATCH_SIZE)
    assignments = [
        DutyAssignment(
            shift=shifts[index],
            person=person,
            role=role,
            jurisdiction=shifts[index].jurisdiction,
            jurisdiction_path=shifts[index].jurisdiction_path,
        )
        for index, people in standing
        for person, role in people
    ]
    DutyAssignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE)
    return f"{len(shifts)} 个班次、{len(assignments)} 条值班安排（{month:%Y-%m}）"
