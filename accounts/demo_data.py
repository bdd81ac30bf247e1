"""Demo step: one login per role (`demo.constants.DEMO_ACCOUNTS`), each tied to a person.

Each account belongs to someone who holds the fitting position at the account's node, so
pages that show "my positions" or "my grid" have something to show.
"""

from __future__ import annotations

from accounts.roles import Role
from accounts.services import create_account
from demo.constants import DEMO_ACCOUNTS, DEMO_PASSWORD
from demo.context import DemoContext
from demo.registry import demo_step
from demo.staffing import PersonPlan, Post, StaffPlanner
from people.models import Person, Position, PositionKind

# The position the person behind an account holds at the account's node.
ROLE_POSITION: dict[str, str] = {
    Role.COUNTY_ADMIN: "deputy_responsible",  # 分管副县长
    Role.LEADER: "first_responsible",  # 县长
    Role.TOWNSHIP_ADMIN: "station_chief",  # 应急消防管理站站长
    Role.TOWNSHIP_STAFF: "station_staff",
    Role.VILLAGE_CADRE: "village_manager",
    Role.GRID_WORKER: "grid_member",
    Role.ENTERPRISE_USER: "enterprise_safety_officer",
}
# Roles nobody in the staffed tree fits: a person is added for them.
NEW_PEOPLE: dict[str, Post] = {
    Role.ENTERPRISE_USER: Post("enterprise_safety_officer", "企业安全员", "象山丹城海韵水产食品有限公司", 0.5),
    Role.AUDITOR: Post("", "审计员", "象山县应急管理局", 0.5),  # no position kind fits an auditor
}


@demo_step(order=300, label="演示账号")
def seed_accounts(ctx: DemoContext) -> str:
    planner = StaffPlanner(ctx.rng("accounts"), used_mobiles={p.mobile for p in ctx.persons})
    taken: set[int] = set()
    for username, role, code in DEMO_ACCOUNTS:
        node = ctx.node(code)
        candidates = [p for p in ctx.holders(code, ROLE_POSITION.get(role, "")) if p.pk not in taken]
        person = candidates[0] if candidates else _add_person(ctx, planner.fill(code, NEW_PEOPLE[role]))
        taken.add(person.pk)
        create_account(username=username, role=role, jurisdiction=node, password=DEMO_PASSWORD, person=person)
    return f"{len(DEMO_ACCOUNTS)} 个账号（密码 {DEMO_PASSWORD}）"


def _add_person(ctx: DemoContext, planned: PersonPlan) -> Person:
    """Save a person (and their position) the ordinary way, so the audit trail records them."""
    node = ctx.node(planned.node_code)
    person = Person.objects.create(
        name=planned.name,
        gender=planned.gender,
        mobile=planned.mobile,
        organization=planned.organization,
        title=planned.title,
        jurisdiction=node,
    )
    ctx.persons.append(person)
    for held in planned.positions:
        position = Position.objects.create(
            person=person,
            kind=PositionKind.objects.get(code=held.kind),
            jurisdiction=ctx.node(held.node_code),
            start_date=held.start_date,
            is_primary=held.is_primary,
        )
        ctx.add_position(position)
    return person
