"""Demo step: the people of the demo county and the positions they hold."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from demo.context import DemoContext
from demo.registry import demo_step
from demo.staffing import plan_staff
from people.models import Person, Position, PositionKind

BATCH_SIZE = 500


@demo_step(order=200, label="人员与岗位")
def seed_people(ctx: DemoContext) -> str:
    """Bulk-insert the planned people, then their positions (both need the path set by hand)."""
    if ctx.plan is None:
        raise ImproperlyConfigured("人员步骤需要先运行辖区步骤（order=100）。")
    kinds = {kind.code: kind for kind in PositionKind.objects.all()}
    staff = plan_staff(ctx.plan)
    missing = {p.kind for planned in staff for p in planned.positions} - kinds.keys()
    if missing:
        raise ImproperlyConfigured(f"缺少岗位类型：{', '.join(sorted(missing))}（应由 people 的数据迁移加载）")

    persons: list[Person] = []
    for planned in staff:
        node = ctx.node(planned.node_code)
        person = Person(
            name=planned.name,
            gender=planned.gender,
            mobile=planned.mobile,
            organization=planned.organization,
            title=planned.title,
            jurisdiction=node,
            jurisdiction_path=node.path,
        )
        if planned.id_number:
            person.set_id_number(planned.id_number)
        persons.append(person)
    Person.objects.bulk_create(persons, batch_size=BATCH_SIZE)

    positions = [
        Position(
            person=person,
            kind=kinds[held.kind],
            jurisdiction=ctx.node(held.node_code),
            jurisdiction_path=ctx.node(held.node_code).path,
            start_date=held.start_date,
            is_primary=held.is_primary,
            duty_phone=held.duty_phone,
        )
        for person, planned in zip(persons, staff, strict=True)
        for held in planned.positions
    ]
    Position.objects.bulk_create(positions, batch_size=BATCH_SIZE)
    ctx.persons.extend(persons)
    for position in positions:
        ctx.add_position(position)
    with_id = sum(1 for planned in staff if planned.id_number)
    return f"{len(persons)} 人（{with_id} 人登记身份证号）、{len(positions)} 个岗位任职"
