"""Demo step: plans with sections and position cards, last year's and this year's drills (with gaps), training events.

Dates are relative to today so "last year" is always last year. Gaps are deliberate: some
townships and villages have no drill last year, some newly revised plans were not drilled,
and a few planned drills are overdue, so the target checks have something to find.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from demo.context import DemoContext
from demo.registry import demo_step
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.models import PositionKind
from plans import demo_content as text
from plans.choices import Audience, DrillKind, DrillRating, PlanKind, PlanStatus, TrainingKind
from plans.models import Drill, DrillAction, Plan, PlanSection, PositionCard, Training
from plans.rules import default_revision_due
from shelters.models import Shelter

BATCH_SIZE = 500
TOWNSHIP_PLANS = [
    (PlanKind.GENERAL, "{town}突发事件总体应急预案", text.GENERAL, "general"),
    (PlanKind.FLOOD, "{town}防汛防台应急预案", text.FLOOD, "flood"),
    (PlanKind.FIRE, "{town}火灾事故应急预案", text.FIRE, None),
    (PlanKind.GEOLOGICAL, "{town}地质灾害应急预案", text.GEOLOGICAL, None),
]
TOWNSHIP_DRILL_SHARE = 0.85
VILLAGE_DRILL_SHARE = 0.75
TOPICS = {
    TrainingKind.TRAINING: ["网格员应急业务培训", "防汛防台责任人培训", "微型消防站灭火技能培训", "企业安全员消防安全培训"],
    TrainingKind.PUBLICITY: ["5·12防灾减灾日宣传", "安全生产月咨询日", "119消防宣传月进万家", "电动自行车安全充电宣传", "台风防御知识宣传"],
    TrainingKind.DRILL_VISIT: ["防汛防台综合演练观摩"],
    TrainingKind.LECTURE: ["燃气安全专题讲座", "校园安全第一课"],
}


def _day(rng: random.Random, year: int, first_month: int, last_month: int, before: date | None = None) -> date:
    day = date(year, rng.randint(first_month, last_month), rng.randint(1, 28))
    return min(day, before) if before else day


def _plan(node: Jurisdiction, kind: str, title: str, approved: date, rng: random.Random) -> Plan:
    version = f"{rng.randint(1, 3)}.0"
    return Plan(
        jurisdiction=node, jurisdiction_path=node.path, title=title, kind=kind, version=version,
        compiled_on=approved - timedelta(days=rng.randint(15, 60)), approved_on=approved,
        filed_on=approved + timedelta(days=rng.randint(5, 30)), revision_due=default_revision_due(approved), status=PlanStatus.IN_FORCE,
    )


@demo_step(order=750, label="应急预案、演练与培训")
def seed_plans(ctx: DemoContext) -> str:
    rng = ctx.rng("plans")
    today = timezone.localdate()
    last_year = today.year - 1
    kinds = {k.code: k for k in PositionKind.objects.all()}
    shelter_names = dict(Shelter.objects.order_by("jurisdiction_path", "id").values_list("jurisdiction_path", "name"))

    plans: list[Plan] = []
    sections: list[tuple[int, list[tuple[str, str]], dict[str, str]]] = []
    cards_of: list[tuple[int, str]] = []
    for township in ctx.nodes(Level.TOWNSHIP):
        fill = {"town": township.name, "station": f"{township.name}应急消防管理站"}
        for kind, title, body, card_group in TOWNSHIP_PLANS:
            # Most plans were approved 1–4 years ago; about one in four last year (newly revised).
            if rng.random() < 0.25:
                approved = _day(rng, last_year, 1, 5)
            else:
                approved = _day(rng, last_year - rng.randint(1, 4), 1, 12)
            plans.append(_plan(township, kind, title.format(**fill), approved, rng))
            sections.append((len(plans) - 1, body, fill))
            if card_group:
                cards_of.append((len(plans) - 1, card_group))
    for village in ctx.nodes(Level.VILLAGE):
        if rng.random() < 0.1:
            continue  # a few villages have not written theirs yet
        shelter = shelter_names.get(village.path, "村（社区）文化礼堂")
        fill = {"town": village.name, "population": str(village.population or 1500), "shelter": shelter}
        approved = _day(rng, last_year - rng.randint(0, 2), 1, 6)
        plans.append(_plan(village, PlanKind.VILLAGE, f"{village.name}应急处置简明预案", approved, rng))
        sections.append((len(plans) - 1, text.VILLAGE, fill))
        cards_of.append((len(plans) - 1, "village"))
    Plan.objects.bulk_create(plans, batch_size=BATCH_SIZE)

    PlanSection.objects.bulk_create(
        [
            PlanSection(plan=plans[index], position=position, heading=heading, body=content.format(**fill))
            for index, body, fill in sections
            for position, (heading, content) in enumerate(body)
        ],
        batch_size=BATCH_SIZE,
    )
    cards = [
        PositionCard(
            plan=plans[index], jurisdiction=plans[index].jurisdiction, jurisdiction_path=plans[index].jurisdiction_path,
            position_kind=kinds[code], title=title, steps=steps, report_to=report_to, report_what=report_what, report_within_minutes=minutes,
        )
        for index, group in cards_of
        for code, title, steps, report_to, report_what, minutes in text.CARDS[group]
        if code in kinds
    ]
    PositionCard.objects.bulk_create(cards, batch_size=BATCH_SIZE)

    drills, actions = _drills(ctx, plans, rng, today)
    trainings = _trainings(ctx, rng, today)
    return f"{len(plans)} 件预案、{len(cards)} 张处置卡、{len(drills)} 次演练（{actions} 项整改）、{len(trainings)} 次培训宣传"


def _drills(ctx: DemoContext, plans: list[Plan], rng: random.Random, today: date) -> tuple[list[Drill], int]:
    last_year = today.year - 1
    by_node: dict[str, list[Plan]] = {}
    for plan in plans:
        by_node.setdefault(plan.jurisdiction_path, []).append(plan)
    drills: list[Drill] = []

    def add(node: Jurisdiction, plan: Plan | None, kind: str, title: str, conducted: date | None, planned: date) -> None:
        drills.append(
            Drill(
                jurisdiction=node, jurisdiction_path=node.path, plan=plan, kind=kind, title=title, planned_on=planned, conducted_on=conducted,
                organiser=f"{node.name}{'应急消防管理站' if node.level == Level.TOWNSHIP else '村（居）委会'}",
                participants=rng.randint(20, 120) if conducted else 0,
                participant_units="综合应急救援队、微型消防站、各村（社区）应急突击队" if node.level == Level.TOWNSHIP else "村应急突击队、网格员、村民代表",
                scenario="台风正面影响，低洼区域积水、危旧房住户需转移" if plan and plan.kind in (PlanKind.FLOOD, PlanKind.VILLAGE) else "沿街店铺发生火灾，楼上住户被困",
                evaluation="预警传达及时，转移路线清晰；部分群众对避灾场所位置不熟悉，需加强宣传。" if conducted else "",
                rating=rng.choice([DrillRating.EXCELLENT, DrillRating.GOOD, DrillRating.GOOD, DrillRating.PASS]) if conducted else "",
            )
        )

    # Last year's drills are complete; this year's campaign is under way (dates before today).
    yesterday = today - timedelta(days=1)
    for year in (last_year, today.year):
        year_end = min(date(year, 12, 20), yesterday)
        share = 1.0 if year == last_year else min(1.0, max(0.0, (today.timetuple().tm_yday - 60) / 240))
        for township in ctx.nodes(Level.TOWNSHIP):
            own = by_node.get(township.path, [])
            if rng.random() < TOWNSHIP_DRILL_SHARE * share and own:
                drilled = [p for p in own if rng.random() < 0.6] or own[:1]
                for plan in drilled:
                    after = max(plan.approved_on or date(year, 1, 1), date(year, 3, 1))
                    conducted = min(after + timedelta(days=rng.randint(10, 200)), year_end)
                    if conducted < after:
                        continue
                    kind = DrillKind.COMBINED if plan.kind == PlanKind.GENERAL else DrillKind.SPECIAL
                    add(township, plan, kind, f"{year}年{township.name}{plan.get_kind_display().split('·')[-1]}演练", conducted, conducted - timedelta(days=14))
        for village in ctx.nodes(Level.VILLAGE):
            if rng.random() > VILLAGE_DRILL_SHARE * share:
                continue
            own = by_node.get(village.path, [])
            conducted = min(_day(rng, year, 4, 11), year_end)
            if conducted.year != year:
                continue
            add(village, own[0] if own else None, DrillKind.LIVE, f"{year}年{village.name}防台转移演练", conducted, conducted - timedelta(days=10))
    # A planned drill this year whose date has passed: overdue.
    for township in ctx.nodes(Level.TOWNSHIP):
        own = by_node.get(township.path, [])
        if rng.random() < 0.3 and own and today.month > 1:
            planned = date(today.year, rng.randint(1, today.month - 1), rng.randint(1, 28))
            add(township, own[0], DrillKind.TABLETOP, f"{today.year}年{township.name}应急桌面推演", None, planned)
    Drill.objects.bulk_create(drills, batch_size=BATCH_SIZE)

    actions = [
        DrillAction(
            drill=d, jurisdiction=d.jurisdiction, jurisdiction_path=d.jurisdiction_path, description=description, owner=owner,
            deadline=(d.conducted_on or today) + timedelta(days=30), done=done, done_on=(d.conducted_on + timedelta(days=20)) if done and d.conducted_on else None,
            becomes_hazard=hazard, hazard_note="转移路线经过的河堤护栏缺失，需设置临时警示" if hazard else "",
        )
        for d in drills
        if d.conducted_on and d.jurisdiction.level == Level.TOWNSHIP
        for description, owner, done, hazard in [
            ("在避灾场所入口增设指示牌，并在村务公开栏公布转移路线", "各村（社区）", True, False),
            ("转移路线河堤段护栏缺失", "城建办", False, True),
        ]
    ]
    DrillAction.objects.bulk_create(actions, batch_size=BATCH_SIZE)
    return drills, len(actions)


def _trainings(ctx: DemoContext, rng: random.Random, today: date) -> list[Training]:
    events: list[Training] = []
    audiences = [a.value for a in Audience]
    for node, count in [(t, rng.randint(6, 10)) for t in ctx.nodes(Level.TOWNSHIP)] + [(v, rng.randint(0, 3)) for v in ctx.nodes(Level.VILLAGE)]:
        for _index in range(count):
            year = today.year - (0 if rng.random() < 0.35 else 1)
            held = _day(rng, year, 1, 12, before=today - timedelta(days=1))
            kind = rng.choice(list(TOPICS))
            events.append(
                Training(
                    jurisdiction=node, jurisdiction_path=node.path, held_on=held, kind=kind,
                    audience=rng.choice(audiences[:5]) if node.level == Level.TOWNSHIP else rng.choice([Audience.COUNTRYSIDE, Audience.COMMUNITY, Audience.FAMILY]),
                    topic=rng.choice(TOPICS[kind]), attendance=rng.randint(15, 300), organiser=node.name, location=f"{node.name}文化礼堂",
                )
            )
    Training.objects.bulk_create(events, batch_size=BATCH_SIZE)
    return events
