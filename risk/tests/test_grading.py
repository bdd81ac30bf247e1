"""Grading stored places: history only on change, re-grade on signals, inherent edits, models, policies."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import ObjectChange
from places.models import Place, PlaceKind
from risk import actions
from risk.choices import AssessmentCause
from risk.grading import PolicyTable, due_dates, regrade_place
from risk.models import InspectionPolicy, PlaceSignal, RiskAssessment, RiskModel
from risk.regrade import drain_runs
from risk.tests.conftest import make_kind, make_place

pytestmark = pytest.mark.django_db


def history(place: Place) -> list[RiskAssessment]:
    return list(RiskAssessment.unscoped.filter(place=place).order_by("assessed_at", "id"))


def test_a_new_place_is_graded_at_once_with_an_initial_history_row(factory_place: Place) -> None:
    factory_place.refresh_from_db()
    # 工业企业 10 + 建筑面积 1000–5000㎡ 6 + 从业人员 50–300 人 4 = 20 → 一般
    assert factory_place.risk_grade == "general"
    assert factory_place.risk_score == Decimal("20.00")
    [row] = history(factory_place)
    assert row.cause == AssessmentCause.INITIAL
    assert (row.grade_before, row.grade_after) == ("", "general")
    assert row.model is not None and row.model.version == RiskModel.objects.order_by("-version").first().version
    assert {f["code"] for f in row.factors} == {"cat_industrial", "area_1000", "employees_50"}


def test_regrading_without_any_change_adds_no_history_row(factory_place: Place) -> None:
    regrade_place(factory_place, AssessmentCause.MANUAL)
    regrade_place(factory_place, AssessmentCause.DAILY)
    assert len(history(factory_place)) == 1


def test_grade_columns_are_written_without_audit_rows(factory_place: Place) -> None:
    before = ObjectChange.unscoped.filter(object_id=str(factory_place.pk), content_type__model="place").count()
    actions.record_signal(factory_place, "accident", note="车间起火")
    after = ObjectChange.unscoped.filter(object_id=str(factory_place.pk), content_type__model="place").count()
    assert after == before


def test_recording_a_signal_regrades_and_keeps_the_cause(factory_place: Place) -> None:
    actions.record_signal(factory_place, "hazard_open", severity="major", note="安全出口锁闭")
    factory_place.refresh_from_db()
    assert factory_place.risk_grade == "major"
    last = history(factory_place)[-1]
    assert last.cause == AssessmentCause.SIGNAL
    assert (last.grade_before, last.grade_after) == ("general", "major")
    assert any(f["code"] == "major_hazard" for f in last.factors)


def test_resolving_the_signal_brings_the_grade_back(factory_place: Place) -> None:
    signal = actions.record_signal(factory_place, "hazard_open", severity="major")
    actions.resolve_signal(signal)
    factory_place.refresh_from_db()
    assert factory_place.risk_grade == "general"
    assert [r.grade_after for r in history(factory_place)] == ["general", "major", "general"]


def test_the_same_source_record_updates_one_signal(factory_place: Place) -> None:
    actions.record_signal(factory_place, "hazard_open", source_app="hazards", source_ref="77")
    actions.record_signal(factory_place, "hazard_open", severity="major", source_app="hazards", source_ref="77")
    assert PlaceSignal.unscoped.filter(place=factory_place).count() == 1
    assert actions.resolve_source("hazards", "77") == 1
    assert PlaceSignal.unscoped.get(place=factory_place).resolved_at is not None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "fire"}, "信号类型"),
        ({"kind": "alarm", "severity": "huge"}, "严重程度"),
        ({"kind": "alarm", "occurred_at": timezone.now() + timedelta(days=1)}, "晚于现在"),
        ({"kind": "alarm", "source_app": "alarms"}, "同时填写"),
    ],
)
def test_bad_signals_are_refused_and_nothing_is_written(factory_place: Place, changes: dict[str, Any], message: str) -> None:
    kind = changes.pop("kind")
    with pytest.raises(ValidationError) as caught:
        actions.record_signal(factory_place, kind, **changes)
    assert message in str(caught.value)
    assert not PlaceSignal.unscoped.filter(place=factory_place).exists()


def test_users_without_edit_rights_cannot_record_signals(factory_place: Place, demo_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.record_signal(factory_place, "alarm", by=demo_user("leader"))
    signal = actions.record_signal(factory_place, "alarm", by=demo_user("village_cadre"))
    assert signal.recorded_by.username == "village_cadre"


def test_changing_an_inherent_field_regrades(factory_place: Place) -> None:
    factory_place.stores_hazardous_goods = True
    factory_place.has_dormitory = True
    factory_place.save()
    factory_place.refresh_from_db()
    assert factory_place.risk_score == Decimal("43.00")
    assert factory_place.risk_grade == "large"
    assert history(factory_place)[-1].cause == AssessmentCause.PLACE_CHANGED


def test_changing_a_field_the_model_does_not_read_does_not_regrade(factory_place: Place) -> None:
    factory_place.name = "象山测试针织二厂"
    factory_place.save(update_fields=["name", "updated_at"])
    factory_place.note = "改了备注"
    factory_place.save()
    assert len(history(factory_place)) == 1


def test_a_hazchem_unit_is_never_below_large(hazchem: PlaceKind) -> None:
    place = make_place(hazchem, name="测试化工商店")
    place.refresh_from_db()
    assert place.risk_score == Decimal("30.00")
    assert place.risk_grade == "large"


def test_a_new_model_version_regrades_every_place_with_its_cause(factory_place: Place, county_admin: Any) -> None:
    current = RiskModel.objects.order_by("-version").first()
    factors = actions.model_as_dicts(current)
    for factor in factors:
        if factor["code"] == "cat_industrial":
            factor["points"] = Decimal("30")
    new = actions.save_model(
        by=county_admin, major_min=60, large_min=35, general_min=15, factors=factors, note="提高工业企业分值"
    )
    assert new.version == current.version + 1
    assert new.factors.count() == current.factors.count()
    drain_runs("test")
    factory_place.refresh_from_db()
    assert factory_place.risk_grade == "large"
    last = history(factory_place)[-1]
    assert last.cause == AssessmentCause.MODEL_CHANGED
    assert last.model == new
    # the earlier grade still names the version that produced it
    assert history(factory_place)[0].model == current
    assert ObjectChange.unscoped.filter(content_type__model="riskmodel", object_id=str(new.pk)).exists()


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [((30, 35, 15), "重大 > 较大 > 一般"), ((60, 35, 0), "重大 > 较大 > 一般")],
)
def test_bad_thresholds_are_refused(county_admin: Any, thresholds: tuple[int, int, int], message: str) -> None:
    current = RiskModel.objects.order_by("-version").first()
    with pytest.raises(ValidationError) as caught:
        actions.save_model(
            by=county_admin,
            major_min=thresholds[0],
            large_min=thresholds[1],
            general_min=thresholds[2],
            factors=actions.model_as_dicts(current),
        )
    assert message in str(caught.value)
    assert RiskModel.objects.order_by("-version").first() == current


def test_only_county_admins_change_the_model(demo_user: Any) -> None:
    current = RiskModel.objects.order_by("-version").first()
    with pytest.raises(PermissionDenied):
        actions.save_model(
            by=demo_user("township_admin"),
            major_min=60,
            large_min=35,
            general_min=15,
            factors=actions.model_as_dicts(current),
        )


# --- inspection policy and due dates -------------------------------------------------------------


def test_kind_specific_policy_overrides_the_grade_row(industrial: PlaceKind, rental: PlaceKind) -> None:
    InspectionPolicy.objects.create(grade="general", kind=industrial, self_interval_days=10, supervision_interval_days=60)
    table = PolicyTable.load()
    assert table.resolve("general", industrial.pk).self_days == 10
    assert table.resolve("general", rental.pk).self_days == 30
    assert table.resolve("low", industrial.pk).supervision_days == 365
    assert table.resolve("", industrial.pk) is None


@pytest.mark.parametrize(
    ("last", "days", "expected"),
    [
        (date(2025, 3, 31), 30, date(2025, 4, 30)),  # rules.md §6.3: monthly after a month end
        (date(2025, 1, 10), 90, date(2025, 4, 10)),  # rules.md §6.3: quarterly
        (date(2024, 2, 29), 30, date(2024, 3, 30)),  # leap day
        (date(2024, 1, 31), 30, date(2024, 3, 1)),  # across a leap February
        (date(2023, 1, 31), 30, date(2023, 3, 2)),  # across a common February
        (date(2023, 12, 31), 365, date(2024, 12, 30)),  # a leap year has 366 days
        (date(2024, 6, 1), 365, date(2025, 6, 1)),  # rules.md §6.3 annual example
    ],
)
def test_due_date_arithmetic(industrial: PlaceKind, last: date, days: int, expected: date) -> None:
    InspectionPolicy.objects.filter(grade="general", kind=None).update(self_interval_days=days, supervision_interval_days=days)
    place = Place(kind=industrial, last_self_inspection_on=last, last_supervision_on=last, created_at=timezone.now())
    assert due_dates(place, "general", PolicyTable.load()) == (expected, expected)


def test_never_inspected_places_are_due_from_registration(industrial: PlaceKind) -> None:
    created = timezone.make_aware(timezone.datetime(2026, 1, 5, 9))
    place = Place(kind=industrial, created_at=created)
    assert due_dates(place, "major", PolicyTable.load()) == (date(2026, 1, 12), date(2026, 2, 4))


def test_demolished_places_are_due_for_nothing(industrial: PlaceKind) -> None:
    place = Place(kind=industrial, created_at=timezone.now(), occupancy_status="demolished")
    assert due_dates(place, "major", PolicyTable.load()) == (None, None)


def test_record_inspection_sets_dates_signals_and_due_dates(factory_place: Place, demo_user: Any) -> None:
    today = timezone.localdate()
    staff = demo_user("township_staff")
    actions.record_inspection(factory_place, "supervision", today - timedelta(days=2), False, by=staff, note="消防通道堵塞")
    factory_place.refresh_from_db()
    assert factory_place.last_supervision_on == today - timedelta(days=2)
    assert factory_place.next_supervision_due == today - timedelta(days=2) + timedelta(days=180)
    failed = PlaceSignal.unscoped.get(place=factory_place, kind="inspection_failed")
    assert failed.is_active and failed.note == "消防通道堵塞"
    assert factory_place.risk_score == Decimal("30.00")  # 20 + 检查不合格 10
    assert history(factory_place)[-1].cause == AssessmentCause.INSPECTION
    actions.record_inspection(factory_place, "supervision", today, True, by=staff)
    factory_place.refresh_from_db()
    failed.refresh_from_db()
    assert failed.resolved_at is not None
    assert factory_place.last_supervision_on == today
    assert factory_place.risk_score == Decimal("15.00")  # 20 - 近一年检查合格 5
    # an older date never moves the last date backwards
    actions.record_inspection(factory_place, "supervision", today - timedelta(days=30), True, by=staff)
    factory_place.refresh_from_db()
    assert factory_place.last_supervision_on == today
    assert ObjectChange.unscoped.filter(content_type__model="place", object_id=str(factory_place.pk), after__has_key="last_supervision_on").exists()


def test_record_inspection_refuses_future_dates(factory_place: Place) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.record_inspection(factory_place, "self", timezone.localdate() + timedelta(days=1), True)
    assert "晚于今天" in str(caught.value)
    factory_place.refresh_from_db()
    assert factory_place.last_self_inspection_on is None


def test_policy_change_queues_a_run_that_recomputes_due_dates(factory_place: Place, county_admin: Any) -> None:
    actions.set_policy(by=county_admin, grade="general", kind=factory_place.kind, self_interval_days=7, supervision_interval_days=14)
    drain_runs("test")
    factory_place.refresh_from_db()
    registered = timezone.localtime(factory_place.created_at).date()
    assert factory_place.next_self_inspection_due == registered + timedelta(days=7)
    assert factory_place.next_supervision_due == registered + timedelta(days=14)
    assert ObjectChange.unscoped.filter(content_type__model="inspectionpolicy").exists()


def test_grade_rows_cannot_be_deleted_but_kind_overrides_can(county_admin: Any, industrial: PlaceKind) -> None:
    general = InspectionPolicy.objects.get(grade="general", kind=None)
    with pytest.raises(ValidationError):
        actions.delete_policy(general, by=county_admin)
    override = actions.set_policy(by=county_admin, grade="low", kind=industrial, self_interval_days=20, supervision_interval_days=200)
    actions.delete_policy(override, by=county_admin)
    assert not InspectionPolicy.objects.filter(kind=industrial).exists()


def test_a_place_no_factor_fits_is_low() -> None:
    kind = make_kind("special", "other")
    place = make_place(kind, name="测试其他场所")
    place.refresh_from_db()
    assert place.risk_grade == "low"
    assert place.risk_score == Decimal("0.00")
