"""Demo step: inspection dates and dynamic signals on the demo places, then a first grading.

Runs after the places step (order 400). Rates are chosen so the county shows a realistic
spread: most places 低/一般, some 较大, a few 重大 (open major hazards, accident records).
Everything is written in bulk (signals with their paths set by hand, dates by grouped
`update()`), then every place is graded by the same batch code the daily job uses.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from random import Random

from django.db.models import Count
from django.utils import timezone

from demo.context import DemoContext
from demo.registry import demo_step
from places.models import Place
from risk.choices import AssessmentCause, SignalKind, SignalSeverity
from risk.models import PlaceSignal
from risk.regrade import regrade_all

BATCH_SIZE = 2000
UPDATE_BATCH = 900

HAZARD_NOTES = [
    "疏散通道堆放杂物",
    "灭火器压力不足",
    "电线私拉乱接",
    "安全出口锁闭",
    "消防设施未定期检测",
    "电动自行车室内充电",
    "应急照明损坏",
]
MAJOR_NOTES = ["生产车间内设置员工宿舍", "粉尘涉爆场所未设置泄爆装置", "自动消防设施停用"]
ACCIDENT_NOTES = ["电气线路短路引发小火", "叉车作业人员受伤", "厨房油锅起火，已扑灭"]
ALARM_NOTES = ["独立式烟感报警", "可燃气体探测器报警", "消防主机火警"]


def _moment(day: date, rng: Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))


def _signal(place: tuple[int, int, str], kind: str, on: date, rng: Random, **fields: object) -> PlaceSignal:
    place_id, jurisdiction_id, path = place
    return PlaceSignal(
        place_id=place_id,
        jurisdiction_id=jurisdiction_id,
        jurisdiction_path=path,
        kind=kind,
        occurred_at=_moment(on, rng),
        source_app="demo",
        **fields,
    )


def _update_dates(field: str, by_date: dict[date, list[int]]) -> None:
    for day, ids in by_date.items():
        for start in range(0, len(ids), UPDATE_BATCH):
            Place.unscoped.filter(pk__in=ids[start : start + UPDATE_BATCH]).update(**{field: day})


@demo_step(order=450, label="风险分级与检查")
def seed_risk(ctx: DemoContext) -> str:
    rng = ctx.rng("risk")
    today = timezone.localdate()
    rows = Place.unscoped.filter(archived_at__isnull=True).order_by("pk").values_list(
        "pk", "jurisdiction_id", "jurisdiction_path", "kind__category", "is_key_unit"
    )
    self_dates: dict[date, list[int]] = defaultdict(list)
    supervision_dates: dict[date, list[int]] = defaultdict(list)
    signals: list[PlaceSignal] = []
    for place_id, jurisdiction_id, path, category, key_unit in rows.iterator(chunk_size=BATCH_SIZE):
        place = (place_id, jurisdiction_id, path)
        # Self-inspections: most places keep up; some have let it slip past a month.
        if rng.random() < 0.85:
            self_dates[today - timedelta(days=rng.randint(0, 45))].append(place_id)
        # Supervision: key units and risky categories are visited more often.
        visited = 0.9 if key_unit or category in ("hazchem", "elderly_care", "school") else 0.65
        if rng.random() < visited:
            supervision_dates[today - timedelta(days=rng.randint(0, 420))].append(place_id)
        draw = rng.random()
        if draw < 0.004:
            signals.append(
                _signal(place, SignalKind.HAZARD_OPEN, today - timedelta(days=rng.randint(1, 40)), rng,
                        severity=SignalSeverity.MAJOR, note=rng.choice(MAJOR_NOTES), source_ref=f"major-{place_id}")
            )  # fmt: skip
        elif draw < 0.14:
            for n in range(rng.randint(1, 3)):
                signals.append(
                    _signal(place, SignalKind.HAZARD_OPEN, today - timedelta(days=rng.randint(1, 60)), rng,
                            note=rng.choice(HAZARD_NOTES), source_ref=f"hazard-{place_id}-{n}")
                )  # fmt: skip
        if rng.random() < 0.03:
            signals.append(
                _signal(place, SignalKind.HAZARD_OVERDUE, today - timedelta(days=rng.randint(30, 90)), rng,
                        note="整改期限已过", source_ref=f"overdue-{place_id}")
            )  # fmt: skip
        if rng.random() < 0.05:
            for n in range(rng.randint(1, 4)):
                on = today - timedelta(days=rng.randint(0, 85))
                signals.append(
                    _signal(place, SignalKind.ALARM, on, rng, note=rng.choice(ALARM_NOTES),
                            resolved_at=_moment(on, rng) + timedelta(hours=1), source_ref=f"alarm-{place_id}-{n}")
                )  # fmt: skip
        if rng.random() < 0.04:
            signals.append(
                _signal(place, SignalKind.INSPECTION_FAILED, today - timedelta(days=rng.randint(1, 60)), rng,
                        note="监督检查不合格，责令整改", source_ref=f"failed-{place_id}")
            )  # fmt: skip
        if rng.random() < 0.008:
            on = today - timedelta(days=rng.randint(10, 330))
            signals.append(
                _signal(place, SignalKind.ACCIDENT, on, rng, note=rng.choice(ACCIDENT_NOTES),
                        resolved_at=_moment(on, rng) + timedelta(days=1), source_ref=f"accident-{place_id}")
            )  # fmt: skip
    _update_dates("last_self_inspection_on", self_dates)
    _update_dates("last_supervision_on", supervision_dates)
    PlaceSignal.unscoped.bulk_create(signals, batch_size=BATCH_SIZE)
    run = regrade_all(AssessmentCause.INITIAL, today=today, chunk_size=BATCH_SIZE)
    counts = dict(
        Place.unscoped.filter(archived_at__isnull=True).values_list("risk_grade").order_by().annotate(n=Count("id"))
    )
    spread = "、".join(f"{label} {counts.get(code, 0)}" for code, label in _GRADE_LABELS)
    return f"{len(signals)} 条动态信号，{run.places_seen} 个场所定级（{spread}）"


_GRADE_LABELS = [("major", "重大"), ("large", "较大"), ("general", "一般"), ("low", "低")]
