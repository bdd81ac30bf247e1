"""Demo step: 丹东街道's approved annual plan, a periodic plan and one recorded 双随机 draw.

The inspections demo step (820) carries out a few of the drawn tasks.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from demo.constants import TOWNSHIP_A, VILLAGE_A
from demo.context import DemoContext
from demo.registry import demo_step
from inspectionplans import actions, draws
from inspectionplans.choices import OPEN_TASK_STATES, PlanKind
from inspectionplans.models import InspectionTask
from places.choices import OccupancyStatus
from places.models import Place

DRAW_SEED = "yingji-demo-2026"
INSPECTORS = ("county_admin", "township_admin", "township_staff", "village_cadre")


@demo_step(order=800, label="检查计划与双随机抽取")
def seed_inspection_plans(ctx: DemoContext) -> str:
    today = timezone.localdate()
    township = ctx.node(TOWNSHIP_A)
    users = {u.username: u for u in User.unscoped.filter(username__in=(*INSPECTORS, "grid_worker"))}
    admin, staff = users["township_admin"], users["township_staff"]

    annual = actions.create_annual_plan(
        by=staff,
        jurisdiction=township,
        year=today.year,
        title=f"{township.name}{today.year}年度安全生产和消防安全监督检查计划",
        targets=[
            {"kind": "", "grade": "major", "count": 24},
            {"kind": "", "grade": "large", "count": 60},
            {"kind": "", "grade": "general", "count": 120},
        ],
        monthly_counts=[12, 10, 18, 18, 18, 22, 16, 16, 20, 18, 18, 14],
        note="重点检查重大、较大风险单位；双随机抽查结果按“一公开”要求公示。",
    )
    actions.approve_annual_plan(annual, by=admin)

    periodic = actions.generate_periodic_plan(
        township,
        today,
        today + timedelta(days=14),
        by=staff,
        annual_plan=annual,
        title=f"{township.name}近两周定期监督检查计划",
    )
    actions.issue_plan(periodic, by=staff)
    # The grid worker joins the township staff for places of their own grid (what they can see).
    worker = users["grid_worker"]
    mine = list(
        InspectionTask.unscoped.filter(plan=periodic, jurisdiction_path__startswith=worker.jurisdiction_path).order_by(
            "due_on", "id"
        )[:3]
    )
    if len(mine) < 3:
        busy = InspectionTask.unscoped.filter(state__in=OPEN_TASK_STATES).values("place_id")
        extra = (
            Place.unscoped.filter(jurisdiction_path__startswith=worker.jurisdiction_path, archived_at__isnull=True)
            .exclude(occupancy_status=OccupancyStatus.DEMOLISHED)
            .exclude(pk__in=busy)
            .order_by("id")[: 3 - len(mine)]
        )
        mine += [
            actions.create_task(by=staff, place=place, due_on=today + timedelta(days=7), plan=periodic)
            for place in extra
        ]
    for task in mine:
        actions.assign_task(task, by=staff, inspectors=[worker, staff], lead_inspector=staff)

    draw_plan = actions.create_plan(
        by=staff,
        jurisdiction=township,
        kind=PlanKind.RANDOM_DRAW,
        annual_plan=annual,
        title=f"{township.name}{today.year}年双随机联合抽查",
        period_start=today,
        period_end=today + timedelta(days=30),
        joint=True,
        departments=["应急管理", "消防救援"],
        note="随机抽取检查对象、随机选派执法检查人员，抽查结果向社会公开。",
    )
    # Drawn within the first community, so its cadre can join the township and county inspectors.
    criteria = {"jurisdiction": VILLAGE_A}
    pool = draws.pool_ids(township, draws.clean_criteria(criteria))
    record = actions.draw(
        draw_plan,
        by=staff,
        criteria=criteria,
        sample_size=min(6, len(pool)),
        inspectors=[users[name] for name in INSPECTORS],
        team_size=2,
        seed=DRAW_SEED,
    )
    actions.issue_plan(draw_plan, by=staff)
    periodic_count = InspectionTask.unscoped.filter(plan=periodic).count()
    return f"1 份年度计划，定期检查 {periodic_count} 个任务，双随机抽取 {len(record.place_ids)} 个场所（种子 {record.seed}）"
