"""The pure grading function: worked examples for every rule, thresholds and grade floors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from risk.scoring import Factor, ScoringModel, assess, validate_factor

TODAY = date(2026, 3, 1)


@dataclass
class Kind:
    code: str = "textile"
    name: str = "纺织企业"
    category: str = "industrial"
    is_small_place: bool = False
    is_crowded: bool = False
    is_public_gathering: bool = False


@dataclass
class FakePlace:
    kind: Kind = field(default_factory=Kind)
    floor_area: Decimal | None = None
    floors: int | None = None
    building_height: Decimal | None = None
    employees: int | None = None
    beds: int | None = None
    rooms: int | None = None
    seats: int | None = None
    has_dormitory: bool = False
    stores_hazardous_goods: bool = False
    is_key_unit: bool = False
    next_self_inspection_due: date | None = None
    next_supervision_due: date | None = None
    last_self_inspection_on: date | None = None
    last_supervision_on: date | None = None


@dataclass
class Signal:
    kind: str
    occurred_at: datetime
    severity: str = "general"
    resolved_at: datetime | None = None


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9))


def factor(code: str, rule: str, params: dict[str, Any], points: str, **extra: Any) -> Factor:
    side = "dynamic" if rule.startswith(("signal", "inspection")) else "inherent"
    return Factor(code=code, name=code, side=side, rule=rule, params=params, points=Decimal(points), **extra)


def model(*factors: Factor, version: int = 1) -> ScoringModel:
    return ScoringModel(
        version=version, major_min=Decimal(60), large_min=Decimal(35), general_min=Decimal(15), factors=factors
    )


def test_no_factor_applies_gives_zero_and_low() -> None:
    result = assess(FakePlace(), model(factor("chem", "kind_category", {"categories": ["hazchem"]}, "30")), [], TODAY)
    assert result.score == 0
    assert result.grade == "low"
    assert result.factors == ()


def test_category_factor_explains_itself() -> None:
    result = assess(FakePlace(), model(factor("ind", "kind_category", {"categories": ["industrial"]}, "10")), [], TODAY)
    assert result.score == Decimal(10)
    [hit] = result.factors
    assert hit.factor.code == "ind"
    assert hit.points == Decimal(10)
    assert "工业企业" in hit.why


def test_kind_code_and_kind_flag_and_place_flag() -> None:
    m = model(
        factor("textile", "kind_code", {"kinds": ["textile"]}, "2"),
        factor("crowded", "kind_flag", {"flag": "is_crowded"}, "10"),
        factor("dorm", "place_flag", {"flag": "has_dormitory"}, "8"),
    )
    place = FakePlace(kind=Kind(is_crowded=True), has_dormitory=True)
    result = assess(place, m, [], TODAY)
    assert [h.factor.code for h in result.factors] == ["textile", "crowded", "dorm"]
    assert result.score == Decimal(20)
    assert result.grade == "general"
    assert assess(FakePlace(), m, [], TODAY).score == Decimal(2)


@pytest.mark.parametrize(
    ("area", "expected"),
    [(None, 0), (Decimal("299.9"), 0), (Decimal("300"), 3), (Decimal("999.9"), 3), (Decimal("1000"), 6)],
)
def test_numeric_band_is_inclusive_below_and_exclusive_above(area: Decimal | None, expected: int) -> None:
    m = model(
        factor("a300", "numeric_band", {"field": "floor_area", "min": 300, "max": 1000}, "3"),
        factor("a1000", "numeric_band", {"field": "floor_area", "min": 1000, "max": 5000}, "6"),
    )
    assert assess(FakePlace(floor_area=area), m, [], TODAY).score == expected


def test_numeric_band_with_exclusive_minimum_for_high_rise() -> None:
    m = model(factor("tall", "numeric_band", {"field": "building_height", "min": 24, "min_exclusive": True}, "8"))
    assert assess(FakePlace(building_height=Decimal("24")), m, [], TODAY).score == 0
    result = assess(FakePlace(building_height=Decimal("24.5")), m, [], TODAY)
    assert result.score == 8
    assert "24.5m" in result.factors[0].why


def test_thresholds_are_inclusive_lower_bounds() -> None:
    def graded(points: str) -> str:
        return assess(FakePlace(), model(factor("x", "kind_category", {"categories": ["industrial"]}, points)), [], TODAY).grade

    assert graded("14.99") == "low"
    assert graded("15") == "general"
    assert graded("34.99") == "general"
    assert graded("35") == "large"
    assert graded("59.99") == "large"
    assert graded("60") == "major"


def test_minimum_grade_lifts_a_low_score() -> None:
    m = model(factor("chem", "kind_category", {"categories": ["hazchem"]}, "5", min_grade="large"))
    result = assess(FakePlace(kind=Kind(category="hazchem")), m, [], TODAY)
    assert result.score == 5
    assert result.grade == "large"
    assert result.forced_by == "chem"


def test_minimum_grade_never_lowers_a_grade() -> None:
    m = model(
        factor("big", "kind_category", {"categories": ["industrial"]}, "70"),
        factor("key", "place_flag", {"flag": "is_key_unit"}, "0", min_grade="general"),
    )
    result = assess(FakePlace(is_key_unit=True), m, [], TODAY)
    assert result.grade == "major"
    assert result.forced_by == ""


def test_open_major_hazard_makes_the_place_major() -> None:
    m = model(
        factor("major_hazard", "signal_active", {"kind": "hazard_open", "severity": "major"}, "40", min_grade="major"),
        factor("hazards", "signal_active", {"kind": "hazard_open", "severity": "general"}, "5"),
    )
    signals = [Signal("hazard_open", moment(TODAY - timedelta(days=3)), severity="major")]
    result = assess(FakePlace(), m, signals, TODAY)
    assert result.grade == "major"
    assert [h.factor.code for h in result.factors] == ["major_hazard"]
    resolved = [Signal("hazard_open", moment(TODAY - timedelta(days=3)), "major", moment(TODAY))]
    assert assess(FakePlace(), m, resolved, TODAY).grade == "low"


def test_active_signals_count_each_and_are_capped() -> None:
    m = model(factor("hazards", "signal_active", {"kind": "hazard_open"}, "5", max_points=Decimal(12)))
    two = [Signal("hazard_open", moment(TODAY)) for _ in range(2)]
    assert assess(FakePlace(), m, two, TODAY).score == 10
    five = [Signal("hazard_open", moment(TODAY)) for _ in range(5)]
    result = assess(FakePlace(), m, five, TODAY)
    assert result.score == 12
    assert "封顶" in result.factors[0].why
    assert "5 条" in result.factors[0].why


def test_recent_signals_count_only_inside_the_window() -> None:
    m = model(factor("alarms", "signal_recent", {"kind": "alarm", "days": 90}, "2"))
    signals = [
        Signal("alarm", moment(TODAY), resolved_at=moment(TODAY)),  # today, resolved: still recent
        Signal("alarm", moment(TODAY - timedelta(days=89))),
        Signal("alarm", moment(TODAY - timedelta(days=90))),  # outside: 90 days ago
        Signal("accident", moment(TODAY)),  # other kind
    ]
    assert assess(FakePlace(), m, signals, TODAY).score == 4


def test_inspection_overdue_reads_the_due_dates() -> None:
    m = model(
        factor("self", "inspection_overdue", {"which": "self"}, "3"),
        factor("sup", "inspection_overdue", {"which": "supervision"}, "5"),
    )
    due_today = FakePlace(next_self_inspection_due=TODAY, next_supervision_due=TODAY)
    assert assess(due_today, m, [], TODAY).score == 0
    late = FakePlace(next_self_inspection_due=TODAY - timedelta(days=1), next_supervision_due=None)
    result = assess(late, m, [], TODAY)
    assert result.score == 3
    assert "已逾期 1 天" in result.factors[0].why


def test_recent_passed_inspection_lowers_the_score_unless_a_failure_is_open() -> None:
    m = model(
        factor("ind", "kind_category", {"categories": ["industrial"]}, "20"),
        factor("pass", "inspection_recent_pass", {"which": "supervision", "days": 365}, "-5"),
    )
    place = FakePlace(last_supervision_on=TODAY - timedelta(days=365))
    result = assess(place, m, [], TODAY)
    assert result.score == 15
    assert result.grade == "general"
    failed = [Signal("inspection_failed", moment(TODAY))]
    assert assess(place, m, failed, TODAY).score == 20
    stale = FakePlace(last_supervision_on=TODAY - timedelta(days=366))
    assert assess(stale, m, [], TODAY).score == 20


def test_score_never_goes_below_zero() -> None:
    m = model(factor("pass", "inspection_recent_pass", {"which": "self", "days": 30}, "-5"))
    assert assess(FakePlace(last_self_inspection_on=TODAY), m, [], TODAY).score == 0


def test_assessment_names_its_model_version() -> None:
    m1 = model(factor("ind", "kind_category", {"categories": ["industrial"]}, "10"), version=1)
    m2 = model(factor("ind", "kind_category", {"categories": ["industrial"]}, "40"), version=2)
    assert (assess(FakePlace(), m1, [], TODAY).model_version, assess(FakePlace(), m1, [], TODAY).grade) == (1, "low")
    assert (assess(FakePlace(), m2, [], TODAY).model_version, assess(FakePlace(), m2, [], TODAY).grade) == (2, "large")


def test_factors_json_is_plain_data() -> None:
    result = assess(FakePlace(), model(factor("ind", "kind_category", {"categories": ["industrial"]}, "10")), [], TODAY)
    assert result.factors_json() == [
        {"code": "ind", "name": "ind", "side": "inherent", "points": "10", "why": "场所大类：工业企业", "min_grade": ""}
    ]


@pytest.mark.parametrize(
    ("rule", "params", "message"),
    [
        ("kind_category", {"categories": ["nope"]}, "categories"),
        ("numeric_band", {"field": "floor_area", "min": 10, "max": 5}, "min 应小于 max"),
        ("numeric_band", {"field": "height"}, "field"),
        ("signal_recent", {"kind": "alarm"}, "days"),
        ("signal_active", {"kind": "fire"}, "kind"),
        ("inspection_overdue", {"which": "both"}, "which"),
        ("guess", {}, "判定方式"),
    ],
)
def test_validate_factor_names_the_problem(rule: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_factor(Factor("f", "某因子", "inherent", rule, params, Decimal(1)))
    assert message in str(caught.value)
    assert "某因子" in str(caught.value)
