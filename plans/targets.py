"""The seed drill targets as checks, for one jurisdiction and one calendar year.

How the seed sentences are read (docs/plans.md repeats this for users):
- "each township and village at least one drill a year": a township meets it with a drill
  it conducted itself (the drill's jurisdiction is the township node); a village with a
  drill conducted anywhere in its subtree (the village or one of its grids). Only drills
  with a conducted date inside the year count; planned ones do not.
- "newly revised plans 100% drilled": plans in use (in force or under revision) whose
  current version was approved inside the year; each must have a conducted drill of that
  plan in the year, on or after its approval date (a drill of the old version does not count).
- "other plans at least 50%": plans in use approved before the year; drilled means a
  conducted drill of the plan inside the year. Drafts and superseded plans are not counted.
- Overdue drills: planned inside the year, planned date passed, not conducted, not archived.
A rate with nothing to count (no plans) is met.

Everything is read through the scoped managers in a fixed number of queries, whatever the
size of the subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from plans.choices import PLAN_IN_USE
from plans.models import Drill, Plan
from plans.rules import DRILLS_PER_UNIT, OTHER_PLAN_RATE, REVISED_PLAN_RATE
from yingji.scoping import path_codes


@dataclass
class Rate:
    total: int = 0
    drilled: int = 0
    required: int = 100

    @property
    def percent(self) -> float | None:
        return round(self.drilled * 100 / self.total, 1) if self.total else None

    @property
    def met(self) -> bool:
        return self.total == 0 or self.drilled * 100 >= self.required * self.total

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "drilled": self.drilled, "percent": self.percent, "required": self.required, "met": self.met}


@dataclass
class UnitRow:
    """A township or village and how it does against the targets."""

    code: str
    name: str
    level: str
    drills: int = 0
    villages: int = 0
    villages_with_drill: int = 0
    revised: Rate = field(default_factory=lambda: Rate(required=REVISED_PLAN_RATE))
    other: Rate = field(default_factory=lambda: Rate(required=OTHER_PLAN_RATE))

    @property
    def has_drill(self) -> bool:
        return self.drills >= DRILLS_PER_UNIT

    @property
    def met(self) -> bool:
        villages_ok = self.villages_with_drill == self.villages
        return self.has_drill and villages_ok and self.revised.met and self.other.met

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "level": self.level, "drills": self.drills, "has_drill": self.has_drill,
            "villages": self.villages, "villages_with_drill": self.villages_with_drill,
            "revised_plans": self.revised.as_dict(), "other_plans": self.other.as_dict(), "met": self.met,
        }


@dataclass
class PlanGap:
    id: int
    title: str
    kind: str
    jurisdiction_code: str
    jurisdiction_name: str
    approved_on: date | None
    newly_revised: bool


@dataclass
class OverdueDrill:
    id: int
    title: str
    planned_on: date
    jurisdiction_code: str
    jurisdiction_name: str
    days_overdue: int


@dataclass
class TargetReport:
    year: int
    root_code: str
    root_name: str
    units: list[UnitRow]
    revised: Rate
    other: Rate
    townships_without_drill: list[dict[str, str]]
    villages_without_drill: list[dict[str, str]]
    plans_not_drilled: list[PlanGap]
    overdue_drills: list[OverdueDrill]

    @property
    def met(self) -> bool:
        return not self.townships_without_drill and not self.villages_without_drill and self.revised.met and self.other.met


def compute_targets(root: Jurisdiction, year: int, *, today: date | None = None) -> TargetReport:
    """The checks for `root`'s subtree in `year`; `units` are its townships (or its villages)."""
    today = today or timezone.localdate()
    start, end = date(year, 1, 1), date(year, 12, 31)

    nodes = list(
        Jurisdiction.objects.active()
        .filter(path__within=root.path, level__in=[Level.TOWNSHIP, Level.VILLAGE])
        .only("code", "name", "path", "level")
        .order_by("path")
    )
    names = {n.code: n.name for n in nodes}
    names[root.code] = root.name
    townships = [n for n in nodes if n.level == Level.TOWNSHIP]
    villages = [n for n in nodes if n.level == Level.VILLAGE]

    drills = list(
        Drill.objects.active()
        .filter(jurisdiction_path__within=root.path, conducted_on__gte=start, conducted_on__lte=end)
        .values_list("jurisdiction_path", "plan_id", "conducted_on")
    )
    # Drills of plans owned in this subtree may be held by a neighbour; count them all.
    plan_drills: dict[int, list[date]] = {}
    for plan_id, conducted_on in Drill.objects.active().filter(
        plan__jurisdiction_path__within=root.path, conducted_on__gte=start, conducted_on__lte=end
    ).values_list("plan_id", "conducted_on"):
        if plan_id is not None and conducted_on is not None:
            plan_drills.setdefault(plan_id, []).append(conducted_on)

    own_drills: dict[str, int] = {}
    subtree_drills: dict[str, int] = {}
    for path, _plan_id, _on in drills:
        codes = path_codes(path)
        own_drills[codes[-1]] = own_drills.get(codes[-1], 0) + 1
        for code in codes:
            subtree_drills[code] = subtree_drills.get(code, 0) + 1

    # Units of the report: the root's townships, or the root's villages when the root is a township or village.
    unit_level = Level.TOWNSHIP if root.level == Level.COUNTY else Level.VILLAGE
    unit_nodes = townships if unit_level == Level.TOWNSHIP else villages or ([root] if root.level == Level.VILLAGE else [])
    units = {n.code: UnitRow(n.code, n.name, n.level) for n in unit_nodes}
    for unit in units.values():
        unit.drills = own_drills.get(unit.code, 0) if unit.level == Level.TOWNSHIP else subtree_drills.get(unit.code, 0)

    def unit_of(path: str) -> UnitRow | None:
        for code in reversed(path_codes(path)):
            if code in units:
                return units[code]
        return None

    townships_without = [{"code": t.code, "name": t.name} for t in townships if own_drills.get(t.code, 0) < DRILLS_PER_UNIT]
    villages_without = []
    for village in villages:
        has = subtree_drills.get(village.code, 0) >= DRILLS_PER_UNIT
        row = unit_of(village.path)
        if row is not None and row.level == Level.TOWNSHIP:
            row.villages += 1
            row.villages_with_drill += int(has)
        if not has:
            parent = path_codes(village.path)[-2]
            villages_without.append({"code": village.code, "name": village.name, "township": names.get(parent, "")})

    revised_total, other_total = Rate(required=REVISED_PLAN_RATE), Rate(required=OTHER_PLAN_RATE)
    gaps: list[PlanGap] = []
    plans = (
        Plan.objects.active()
        .filter(jurisdiction_path__within=root.path, status__in=PLAN_IN_USE, approved_on__lte=end)
        .select_related("jurisdiction")
        .only("id", "title", "kind", "approved_on", "jurisdiction_path", "jurisdiction__code", "jurisdiction__name")
        .order_by("jurisdiction_path", "kind", "id")
    )
    for plan in plans:
        newly = plan.approved_on is not None and plan.approved_on >= start
        dates = plan_drills.get(plan.pk, [])
        drilled = any(d >= plan.approved_on for d in dates) if newly and plan.approved_on else bool(dates)
        row = unit_of(plan.jurisdiction_path)
        for rate in filter(None, (revised_total if newly else other_total, (row.revised if newly else row.other) if row else None)):
            rate.total += 1
            rate.drilled += int(drilled)
        if not drilled:
            gaps.append(PlanGap(plan.pk, plan.title, plan.kind, plan.jurisdiction.code, plan.jurisdiction.name, plan.approved_on, newly))

    overdue = [
        OverdueDrill(d.pk, d.title, d.planned_on, d.jurisdiction.code, d.jurisdiction.name, (today - d.planned_on).days)
        for d in Drill.objects.active()
        .filter(jurisdiction_path__within=root.path, conducted_on__isnull=True, planned_on__gte=start, planned_on__lte=end, planned_on__lt=today)
        .select_related("jurisdiction")
        .only("id", "title", "planned_on", "jurisdiction__code", "jurisdiction__name", "jurisdiction_path")
        .order_by("planned_on", "id")
        if d.planned_on is not None
    ]
    return TargetReport(
        year=year,
        root_code=root.code,
        root_name=root.name,
        units=list(units.values()),
        revised=revised_total,
        other=other_total,
        townships_without_drill=townships_without,
        villages_without_drill=villages_without,
        plans_not_drilled=gaps,
        overdue_drills=overdue,
    )


def report_as_dict(report: TargetReport) -> dict[str, Any]:
    return {
        "year": report.year,
        "jurisdiction_code": report.root_code,
        "jurisdiction_name": report.root_name,
        "met": report.met,
        "revised_plans": report.revised.as_dict(),
        "other_plans": report.other.as_dict(),
        "units": [u.as_dict() for u in report.units],
        "townships_without_drill": report.townships_without_drill,
        "villages_without_drill": report.villages_without_drill,
        "plans_not_drilled": [
            {"id": g.id, "title": g.title, "kind": g.kind, "jurisdiction_code": g.jurisdiction_code, "jurisdiction_name": g.jurisdiction_name,
             "approved_on": g.approved_on.isoformat() if g.approved_on else None, "newly_revised": g.newly_revised}
            for g in report.plans_not_drilled
        ],
        "overdue_drills": [
            {"id": d.id, "title": d.title, "planned_on": d.planned_on.isoformat(), "jurisdiction_code": d.jurisdiction_code,
             "jurisdiction_name": d.jurisdiction_name, "days_overdue": d.days_overdue}
            for d in report.overdue_drills
        ],
    }
