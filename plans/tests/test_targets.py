"""The seed drill targets (seed 000/001), computed per jurisdiction for a year: table-driven cases.

Year 2015 is before any demo record, so each case starts from a clean year in township A.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from demo.constants import GRID_A, TOWNSHIP_A, VILLAGE_A
from jurisdictions.models import Jurisdiction
from plans.choices import PlanStatus
from plans.models import Drill
from plans.targets import compute_targets

pytestmark = pytest.mark.django_db
YEAR = 2015
TODAY = date(2015, 12, 1)


@dataclass
class Case:
    plans: list[tuple[str, date | None, str]] = field(default_factory=list)  # (name, approved, status)
    drills: list[tuple[str, str | None, date | None, date | None]] = field(default_factory=list)  # (node, plan, conducted, planned)
    township_drilled: bool = False
    village_drilled: bool = False
    revised: tuple[int, int, bool] = (0, 0, True)
    other: tuple[int, int, bool] = (0, 0, True)
    overdue: int = 0


CASES = {
    "nothing_done": Case(),
    "township_drill_counts_for_the_township_only": Case(drills=[(TOWNSHIP_A, None, date(2015, 6, 1), None)], township_drilled=True),
    "a_grid_drill_counts_for_its_village": Case(drills=[(GRID_A, None, date(2015, 6, 1), None)], village_drilled=True),
    "village_drill_does_not_count_for_the_township": Case(drills=[(VILLAGE_A, None, date(2015, 6, 1), None)], village_drilled=True),
    "year_boundaries_first_day_counts_last_day_of_previous_year_does_not": Case(
        drills=[(TOWNSHIP_A, None, date(2014, 12, 31), None), (VILLAGE_A, None, date(2015, 1, 1), None)], village_drilled=True
    ),
    "last_day_of_the_year_counts": Case(drills=[(TOWNSHIP_A, None, date(2015, 12, 31), None)], township_drilled=True),
    "newly_revised_plan_drilled_after_approval_is_100_percent": Case(
        plans=[("新修订", date(2015, 3, 1), PlanStatus.IN_FORCE)],
        drills=[(TOWNSHIP_A, "新修订", date(2015, 4, 1), None)],
        township_drilled=True, revised=(1, 1, True),
    ),
    "drill_before_the_revision_does_not_count_for_the_new_version": Case(
        plans=[("新修订", date(2015, 3, 1), PlanStatus.IN_FORCE)],
        drills=[(TOWNSHIP_A, "新修订", date(2015, 2, 1), None)],
        township_drilled=True, revised=(1, 0, False),
    ),
    "one_of_two_revised_plans_drilled_misses_the_100_percent_rule": Case(
        plans=[("新一", date(2015, 2, 1), PlanStatus.IN_FORCE), ("新二", date(2015, 5, 1), PlanStatus.UNDER_REVISION)],
        drills=[(VILLAGE_A, "新一", date(2015, 9, 1), None)],
        village_drilled=True, revised=(2, 1, False),
    ),
    "half_of_the_other_plans_meets_the_50_percent_rule": Case(
        plans=[("旧一", date(2013, 5, 1), PlanStatus.IN_FORCE), ("旧二", date(2014, 5, 1), PlanStatus.IN_FORCE)],
        drills=[(TOWNSHIP_A, "旧一", date(2015, 7, 1), None)],
        township_drilled=True, other=(2, 1, True),
    ),
    "a_third_of_the_other_plans_misses_the_50_percent_rule": Case(
        plans=[("旧一", date(2013, 5, 1), PlanStatus.IN_FORCE), ("旧二", date(2014, 5, 1), PlanStatus.IN_FORCE), ("旧三", date(2014, 6, 1), PlanStatus.IN_FORCE)],
        drills=[(TOWNSHIP_A, "旧三", date(2015, 7, 1), None)],
        township_drilled=True, other=(3, 1, False),
    ),
    "drafts_superseded_and_later_plans_are_not_counted": Case(
        plans=[("草案", None, PlanStatus.DRAFT), ("废止", date(2013, 1, 1), PlanStatus.SUPERSEDED), ("明年的", date(2016, 1, 1), PlanStatus.IN_FORCE)],
    ),
    "a_drill_of_last_year_does_not_drill_an_old_plan_this_year": Case(
        plans=[("旧一", date(2013, 5, 1), PlanStatus.IN_FORCE)],
        drills=[(TOWNSHIP_A, "旧一", date(2014, 7, 1), None)],
        other=(1, 0, False),
    ),
    "planned_and_not_conducted_is_overdue_once_the_date_passed": Case(
        drills=[(TOWNSHIP_A, None, None, date(2015, 5, 1)), (TOWNSHIP_A, None, None, date(2015, 12, 20)), (VILLAGE_A, None, date(2015, 5, 3), date(2015, 5, 1))],
        village_drilled=True, overdue=1,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_drill_targets(name: str, make_plan: Any) -> None:
    case = CASES[name]
    plans = {}
    for title, approved, status in case.plans:
        plans[title] = make_plan(title=title, approved_on=approved, status=status)
    for code, plan_title, conducted, planned in case.drills:
        drill = Drill(
            jurisdiction=Jurisdiction.unscoped.get(code=code), title=f"{code}{conducted}{planned}", kind="live",
            plan=plans.get(plan_title) if plan_title else None, conducted_on=conducted, planned_on=planned,
        )
        drill.save()  # straight to the model: these cases are about counting, not about the entry checks

    report = compute_targets(Jurisdiction.unscoped.get(code=TOWNSHIP_A), YEAR, today=TODAY)
    townships_without = {t["code"] for t in report.townships_without_drill}
    villages_without = {v["code"] for v in report.villages_without_drill}
    assert (TOWNSHIP_A not in townships_without) is case.township_drilled
    assert (VILLAGE_A not in villages_without) is case.village_drilled
    assert (report.revised.total, report.revised.drilled, report.revised.met) == case.revised
    assert (report.other.total, report.other.drilled, report.other.met) == case.other
    assert len(report.overdue_drills) == case.overdue
    not_drilled = {g.title for g in report.plans_not_drilled}
    assert len(not_drilled) == (case.revised[0] - case.revised[1]) + (case.other[0] - case.other[1])


def test_county_report_has_one_unit_per_township_with_village_counts(demo_user: Any) -> None:
    county = Jurisdiction.unscoped.get(code="330225")
    report = compute_targets(county, YEAR, today=TODAY)
    townships = Jurisdiction.unscoped.filter(level="township").count()
    assert len(report.units) == townships
    unit = next(u for u in report.units if u.code == TOWNSHIP_A)
    assert unit.villages == Jurisdiction.unscoped.filter(level="village", parent__code=TOWNSHIP_A).count()
    assert unit.villages_with_drill == 0 and not unit.met


def test_targets_use_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    county = Jurisdiction.unscoped.get(code="330225")
    with django_assert_max_num_queries(6):
        compute_targets(county, 2025)
