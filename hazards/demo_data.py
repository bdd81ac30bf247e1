"""Demo step: hazards over the demo places in every state, with timelines, colours and re-checks.

Rows are bulk-created (the county seed must stay fast) but kept as the action functions
would leave them: each state has the fields its transitions set, the yellow day follows
the deadline policy, `reminder_level` is what the daily scan would have reached by today
(with its timeline events), a few major hazards are under county supervision, and last
month's closures go through the real re-check draw. Numbers use the same pattern as
`hazards.actions` (YH + county code + date + sequence), by the date found.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from demo.choices import Scale
from demo.constants import COUNTY_CODE, TOWNSHIP_A
from demo.context import DemoContext
from demo.registry import demo_step
from hazards import reminders
from hazards.choices import (
    HazardCategory,
    HazardSeverity,
    HazardSource,
    HazardState,
    HazardType,
    RecheckState,
    ReminderLevel,
)
from hazards.colours import yellow_from
from hazards.models import Hazard, HazardEvent, Recheck
from hazards.policies import PolicyTable
from hazards.rechecks import Period, draw_township
from jurisdictions.choices import Level
from places.models import Place, PlaceAccount

BATCH_SIZE = 1000

# (hazard type, category, description, interim measures, major?)
FINDINGS: list[tuple[str, str, str, str, bool]] = [
    (HazardType.FIRE, HazardCategory.UNSAFE_CONDITION, "疏散通道堆放杂物，宽度不足", "立即清理，专人看守通道", False),
    (HazardType.FIRE, HazardCategory.UNSAFE_CONDITION, "安全出口上锁，无法正常开启", "营业期间专人值守出口", False),
    (HazardType.FIRE, HazardCategory.UNSAFE_CONDITION, "灭火器压力不足、过期未检", "临时借调灭火器", False),
    (HazardType.FIRE, HazardCategory.UNSAFE_CONDITION, "应急照明和疏散指示标志损坏", "", False),
    (HazardType.FIRE, HazardCategory.MANAGEMENT_DEFECT, "未落实每日防火巡查，无巡查记录", "", False),
    (HazardType.FIRE, HazardCategory.UNSAFE_ACT, "员工在仓库内吸烟", "当场制止并教育", False),
    (
        HazardType.FIRE,
        HazardCategory.UNSAFE_CONDITION,
        "自动喷水灭火系统处于停用状态",
        "增设临时灭火器，加强巡查",
        True,
    ),
    (HazardType.FIRE, HazardCategory.UNSAFE_CONDITION, "生产车间内设置员工宿舍（三合一）", "宿舍人员临时搬离", True),
    (HazardType.ELECTRICAL, HazardCategory.UNSAFE_CONDITION, "电线私拉乱接，未穿管保护", "断开临时线路", False),
    (HazardType.ELECTRICAL, HazardCategory.UNSAFE_ACT, "电动自行车在楼道内停放充电", "已劝离，张贴警示", False),
    (HazardType.ELECTRICAL, HazardCategory.UNSAFE_CONDITION, "配电箱无防护罩，线路老化", "", False),
    (HazardType.GAS, HazardCategory.UNSAFE_CONDITION, "厨房燃气管道使用橡胶软管超长", "暂停使用该灶具", False),
    (HazardType.GAS, HazardCategory.UNSAFE_CONDITION, "未安装可燃气体报警装置", "", False),
    (HazardType.GAS, HazardCategory.MANAGEMENT_DEFECT, "液化气钢瓶存放于地下室", "钢瓶移至室外通风处", True),
    (HazardType.STRUCTURAL, HazardCategory.UNSAFE_CONDITION, "自建房擅自加层，墙体开裂", "停止使用开裂房间", False),
    (HazardType.FLOOD, HazardCategory.UNSAFE_CONDITION, "地下车库挡水板缺失", "备足沙袋", False),
    (HazardType.GEOLOGICAL, HazardCategory.UNSAFE_CONDITION, "屋后边坡有裂缝，雨后有落石", "雨天人员撤离", False),
    (HazardType.DUST_EXPLOSION, HazardCategory.UNSAFE_CONDITION, "除尘系统未设置泄爆装置", "停用打磨工位", True),
    (HazardType.CONFINED_SPACE, HazardCategory.MANAGEMENT_DEFECT, "有限空间作业未审批、未检测", "暂停作业", False),
    (HazardType.HAZARDOUS_CHEMICALS, HazardCategory.MANAGEMENT_DEFECT, "危化品存储台账不全", "", False),
    (HazardType.SPECIAL_EQUIPMENT, HazardCategory.UNSAFE_ACT, "叉车司机无证驾驶", "停止作业", False),
]

# State of each generated hazard, with weights (the live loop is mostly rectifying or closed).
STATE_MIX = [
    (HazardState.REPORTED, 8),
    (HazardState.CONFIRMED, 6),
    (HazardState.REJECTED, 4),
    (HazardState.ASSIGNED, 12),
    (HazardState.RECTIFYING, 24),
    (HazardState.SUBMITTED, 8),
    (HazardState.VERIFIED, 5),
    (HazardState.CLOSED, 33),
]
SOURCE_MIX = [
    (HazardSource.INSPECTION, 35),
    (HazardSource.PATROL, 30),
    (HazardSource.SELF_INSPECTION, 15),
    (HazardSource.PUBLIC_REPORT, 8),
    (HazardSource.ALARM, 5),
    (HazardSource.SUPERIOR, 7),
]
PER_TOWNSHIP = {Scale.SMALL: 40, Scale.COUNTY: 100}
SYSTEM = reminders.SYSTEM_LABEL


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))


class _Builder:
    """Builds one hazard and its timeline; ids are assigned after the bulk insert."""

    def __init__(self, ctx: DemoContext, today: date) -> None:
        self.rng = ctx.rng("hazards")
        self.today = today
        self.now = timezone.now()
        self.policies = PolicyTable.load()
        self.sequence = self._taken()
        self.staff = self._staff()
        self.county_admin = User.unscoped.filter(role="county_admin", is_active=True).order_by("id").first()
        self.events: list[tuple[Hazard, list[HazardEvent]]] = []

    def _staff(self) -> dict[str, list[Any]]:
        """Accounts that act for each township (its staff and admins, else the county admin)."""
        result: dict[str, list[Any]] = defaultdict(list)
        for user in User.unscoped.filter(is_active=True, role__in=["township_admin", "township_staff"]).order_by("id"):
            result[user.jurisdiction_path].append(user)
        return result

    def actor(self, township_path: str) -> Any:
        return self.rng.choice(self.staff.get(township_path) or [self.county_admin])

    def _taken(self) -> dict[str, int]:
        """The last sequence used per number prefix (earlier steps report hazards through the actions)."""
        taken: dict[str, int] = defaultdict(int)
        for number in Hazard._base_manager.filter(number__startswith=f"YH{COUNTY_CODE}").values_list(
            "number", flat=True
        ):
            prefix, tail = number[:16], number[16:]
            if tail.isdigit():
                taken[prefix] = max(taken[prefix], int(tail))
        return taken

    def number(self, found: date) -> str:
        prefix = f"YH{COUNTY_CODE}{found:%Y%m%d}"
        self.sequence[prefix] += 1
        return f"{prefix}{self.sequence[prefix]:04d}"

    def event(
        self,
        action: str,
        at: datetime,
        old: str,
        new: str,
        actor: Any = None,
        note: str = "",
        label: str = SYSTEM,
        **data: Any,
    ) -> HazardEvent:
        return HazardEvent(
            action=action,
            from_state=old,
            to_state=new,
            actor=actor,
            actor_label="" if actor is not None else label,
            at=at,
            note=note,
            data=data,
        )

    def build(self, place: Any, township_path: str, state: str, *, assignee: Any = None) -> Hazard:
        rng, today = self.rng, self.today
        kind, category, text, measures, can_be_major = rng.choice(FINDINGS)
        major = can_be_major and rng.random() < 0.35
        severity = HazardSeverity.MAJOR if major else HazardSeverity.GENERAL
        source = rng.choices([s for s, _w in SOURCE_MIX], weights=[w for _s, w in SOURCE_MIX])[0]
        policy = self.policies.for_path(place.jurisdiction_path)
        period = policy.major_days if major else policy.general_days
        live = state in (HazardState.ASSIGNED, HazardState.RECTIFYING)
        if live:
            # Spread live deadlines so the colours show: about 55% green, 25% yellow, 20% red.
            roll = rng.random()
            if roll < 0.2:
                deadline = today - timedelta(days=rng.randint(1, 12))
            elif roll < 0.45:
                deadline = today + timedelta(days=rng.randint(0, 2))
            else:
                deadline = today + timedelta(days=rng.randint(5, period))
            assigned_on = min(deadline - timedelta(days=period), today - timedelta(days=1))
            found_day = assigned_on - timedelta(days=rng.randint(0, 3))
        else:
            spans: dict[str, int] = {HazardState.REPORTED: 3, HazardState.CONFIRMED: 6, HazardState.REJECTED: 20}
            span = spans.get(state, period + 60)
            found_day = today - timedelta(days=rng.randint(0, span))
            assigned_on = min(found_day + timedelta(days=rng.randint(0, 2)), today)
            deadline = assigned_on + timedelta(days=period)
        found_at = min(_at(found_day, rng), timezone.now())
        station = self.actor(township_path)
        h = Hazard(
            number=self.number(found_day),
            jurisdiction_id=place.jurisdiction_id,
            jurisdiction_path=place.jurisdiction_path,
            place=place,
            category=category,
            hazard_type=kind,
            severity=severity,
            description=text,
            source=source,
            lng=place.lng,
            lat=place.lat,
            address=place.address[:200],
            state=state,
            found_at=found_at,
            reported_by=station if source in (HazardSource.INSPECTION, HazardSource.SUPERIOR) else None,
            reporter_label={HazardSource.PUBLIC_REPORT: "群众举报", HazardSource.ALARM: "设备报警"}.get(source, ""),
            interim_measures=measures,
        )
        events = [self.event("report", found_at, "", HazardState.REPORTED, h.reported_by, text)]
        if state == HazardState.REPORTED:
            return self._done(h, events)
        at = min(found_at + timedelta(hours=rng.randint(1, 6)), timezone.now())
        if state == HazardState.REJECTED:
            h.rejection_reason = "经现场核实，已当场整改，不构成隐患"
            events.append(self.event("reject", at, HazardState.REPORTED, state, station, h.rejection_reason))
            return self._done(h, events)
        events.append(self.event("confirm", at, HazardState.REPORTED, HazardState.CONFIRMED, station))
        if state == HazardState.CONFIRMED:
            return self._done(h, events)
        at = max(at + timedelta(minutes=30), _at(assigned_on, rng))
        h.deadline = h.original_deadline = deadline
        h.yellow_from = yellow_from(assigned_on, deadline, days=policy.yellow_days, percent=policy.yellow_percent)
        h.assigned_at, h.assigned_by = at, station
        if assignee is not None:
            h.assignee_user, h.assignee_person = assignee, assignee.person
            h.assignee_name = assignee.person.name if assignee.person else assignee.display_name
        else:
            h.assignee_name = place.fire_manager_name[:40]
            h.assignee_mobile = place.fire_manager_mobile[:11]
            if not h.assignee_name:
                h.assignee_department = "场所所在村（社区）"
        events.append(
            self.event(
                "assign", at, HazardState.CONFIRMED, HazardState.ASSIGNED, station, deadline=deadline.isoformat()
            )
        )
        if major and rng.random() < 0.8 and self.county_admin is not None:
            h.supervised = True
            h.supervision_deadline = deadline
            h.supervision_leader = rng.choice(
                ["县应急管理局副局长 王建国", "县消防救援大队大队长 陈立", "县住建局副局长 周敏"]
            )
            h.supervision_unit = "象山县安全生产委员会办公室"
            h.supervised_at = at + timedelta(hours=3)
            events.append(self.event("supervise", h.supervised_at, "", "", self.county_admin, "重大事故隐患挂牌督办"))
        if state == HazardState.ASSIGNED:
            return self._reminded(h, events)
        start_day = min(assigned_on + timedelta(days=rng.randint(0, 3)), today)
        at = max(at, _at(start_day, rng))
        events.append(
            self.event("start", at, HazardState.ASSIGNED, HazardState.RECTIFYING, assignee, label=h.assignee_name)
        )
        if state == HazardState.RECTIFYING:
            return self._reminded(h, events)
        # Submitted, verified or closed: mostly on time, some late.
        last = min(deadline + timedelta(days=rng.choice([0, 0, 0, 0, 3])), today)
        submitted_day = assigned_on + timedelta(days=rng.randint(1, max((last - assigned_on).days, 1)))
        submitted_day = min(submitted_day, today)
        at = max(at, _at(submitted_day, rng))
        h.submitted_at, h.rectified_by = at, assignee
        h.rectification_note = "已按要求整改完毕，附整改后照片"
        events.append(
            self.event(
                "submit",
                at,
                HazardState.RECTIFYING,
                HazardState.SUBMITTED,
                assignee,
                h.rectification_note,
                label=h.assignee_name,
            )
        )
        if state == HazardState.SUBMITTED:
            return self._done(h, events)
        verifier = self.county_admin if h.supervised else station
        at = min(at + timedelta(days=rng.randint(1, 5)), timezone.now())
        h.verified_at, h.verified_by = at, verifier
        events.append(
            self.event("verify_pass", at, HazardState.SUBMITTED, HazardState.VERIFIED, verifier, "现场复核，整改到位")
        )
        if state == HazardState.VERIFIED:
            return self._done(h, events)
        at = min(at + timedelta(days=rng.randint(0, 3)), timezone.now())
        h.closed_at, h.closed_by = at, verifier
        events.append(self.event("close", at, HazardState.VERIFIED, HazardState.CLOSED, verifier))
        return self._done(h, events)

    def _reminded(self, h: Hazard, events: list[HazardEvent]) -> Hazard:
        """Set the reminder level the daily scan has reached by today, with its timeline events."""
        assert h.deadline is not None
        after = reminders.escalate_after_red_days()
        level = reminders.level_due(h.deadline, h.yellow_from, self.today, escalate_after=after)
        h.reminder_level = level
        steps = [
            (ReminderLevel.YELLOW, h.yellow_from),
            (ReminderLevel.RED, h.deadline + timedelta(days=1)),
            (ReminderLevel.ESCALATED, h.deadline + timedelta(days=after + 1)),
        ]
        for step, day in steps:
            if step <= level and day is not None:
                at = max(timezone.make_aware(datetime.combine(day, time(0, 5))), events[-1].at)
                events.append(
                    self.event(
                        reminders.EVENT_ACTIONS[step],
                        at,
                        h.state,
                        h.state,
                        None,
                        reminders.event_note(step, None).split("（")[0],
                    )
                )
        return self._done(h, events)

    def _done(self, h: Hazard, events: list[HazardEvent]) -> Hazard:
        """Keep every moment in the past (a step drawn for "today" may have landed after now)."""
        now = self.now
        for name in ("found_at", "assigned_at", "submitted_at", "verified_at", "closed_at", "supervised_at"):
            value = getattr(h, name)
            if value is not None and value > now:
                setattr(h, name, now)
        for event in events:
            event.at = min(event.at, now)
        h.submitted_on = timezone.localdate(h.submitted_at) if h.submitted_at else None  # bulk_create skips save()
        self.events.append((h, events))
        return h


@demo_step(order=840, label="隐患")
def seed_hazards(ctx: DemoContext) -> str:
    today = timezone.localdate()
    builder = _Builder(ctx, today)
    rng = builder.rng
    per_township = PER_TOWNSHIP.get(Scale(ctx.scale), 40)
    states = [s for s, _w in STATE_MIX]
    weights = [w for _s, w in STATE_MIX]
    townships = ctx.nodes(Level.TOWNSHIP)
    places_by_township: dict[str, list[Any]] = defaultdict(list)
    for place in (
        Place.unscoped.filter(archived_at__isnull=True)
        .only(
            "id",
            "jurisdiction_id",
            "jurisdiction_path",
            "lng",
            "lat",
            "address",
            "fire_manager_name",
            "fire_manager_mobile",
        )
        .order_by("pk")
    ):
        for township in townships:
            if place.jurisdiction_path.startswith(township.path):
                places_by_township[township.path].append(place)
                break
    # The demo enterprise user's company gets a few hazards of its own, assigned to that account.
    links = PlaceAccount.objects.select_related("user", "user__person").order_by("id")
    enterprise = {link.place_id: link.user for link in links}
    for township in townships:
        places = places_by_township.get(township.path)
        if not places:
            continue
        count = per_township * (2 if township.code == TOWNSHIP_A else 1)
        for _ in range(count):
            place = rng.choice(places)
            builder.build(
                place, township.path, rng.choices(states, weights=weights)[0], assignee=enterprise.get(place.pk)
            )
        for place in places:
            if place.pk in enterprise:
                for state in (HazardState.RECTIFYING, HazardState.ASSIGNED, HazardState.CLOSED):
                    builder.build(place, township.path, state, assignee=enterprise[place.pk])
    hazards = [h for h, _events in builder.events]
    Hazard.objects.bulk_create(hazards, batch_size=BATCH_SIZE)
    rows: list[HazardEvent] = []
    for h, events in builder.events:
        for event in events:
            event.hazard = h
            rows.append(event)
    HazardEvent.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    rechecks = _seed_rechecks(townships, today, rng)
    counts: dict[str, int] = defaultdict(int)
    for h in hazards:
        counts[h.state] += 1
    supervised = sum(1 for h in hazards if h.supervised)
    return f"{len(hazards)} 条隐患（整改中 {counts[HazardState.RECTIFYING]}，已核销 {counts[HazardState.CLOSED]}，挂牌督办 {supervised}），回头看 {rechecks} 条"


def _seed_rechecks(townships: list[Any], today: date, rng: random.Random) -> int:
    """Run the real draw for the last two months; record results for those already due."""
    policies = PolicyTable.load()
    now = timezone.now()
    for months_back in (1, 0):
        period = Period.previous(today.replace(day=1) - timedelta(days=1) if months_back else today)
        for township in townships:
            draw_township(township, period, policies=policies, now=now)
    due = list(
        Recheck.objects.filter(state=RecheckState.DUE, due_on__lte=today).select_related("hazard").order_by("id")
    )
    staff = User.unscoped.filter(is_active=True, role="township_staff").order_by("id").first()
    for recheck in due[: max(len(due) * 2 // 3, 0)]:
        recheck.state, recheck.done_by = RecheckState.PASSED, staff
        recheck.done_at = timezone.make_aware(datetime.combine(recheck.due_on, time(10, 0)))
        recheck.note = "现场查看，整改效果保持"
    Recheck.objects.bulk_update(due, ["state", "done_by", "done_at", "note"], batch_size=BATCH_SIZE)
    return Recheck.objects.count()
