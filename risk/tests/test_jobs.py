"""The daily re-grade over a batch: counts, idempotence, resuming, workers, the command."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from jobs.registry import PERIODIC, TICK_HANDLERS
from places.models import Place, PlaceKind
from risk import jobs
from risk.choices import AssessmentCause
from risk.models import PlaceSignal, RegradeRun, RiskAssessment
from risk.regrade import drain_runs, process_chunk, regrade_all, request_run
from risk.tests.conftest import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(industrial: PlaceKind, rental: PlaceKind) -> list[Place]:
    places = [make_place(industrial, name=f"测试工厂{i}", employees=60) for i in range(5)]
    places += [make_place(rental, name=f"测试出租房{i}") for i in range(7)]
    return places


def test_daily_job_is_registered_once_a_day_and_drained_on_ticks() -> None:
    assert PERIODIC["risk.daily_regrade"].every == timedelta(days=1)
    assert TICK_HANDLERS["risk.regrade_runs"] is jobs.continue_regrade_runs


def test_daily_run_grades_every_place_and_is_idempotent(batch: list[Place]) -> None:
    # Make the stored grades stale, as if the model had read yesterday's signals.
    Place.unscoped.filter(pk__in=[p.pk for p in batch[:3]]).update(risk_grade="major", risk_score=Decimal("99"))
    jobs.daily_regrade()
    run = RegradeRun.objects.get(key=f"daily:{timezone.localdate().isoformat()}")
    assert run.finished_at is not None
    assert run.places_seen == Place.unscoped.count()
    daily = RiskAssessment.unscoped.filter(cause=AssessmentCause.DAILY)
    assert set(daily.values_list("place_id", flat=True)) == {p.pk for p in batch[:3]}
    assert run.places_changed == 3
    assert set(Place.unscoped.filter(pk__in=[p.pk for p in batch[:3]]).values_list("risk_grade", flat=True)) == {"low"}  # 10 + 4
    # A second daily job on the same date finds its run finished and changes nothing.
    jobs.daily_regrade()
    assert RegradeRun.objects.filter(key__startswith="daily:").count() == 1
    assert daily.count() == 3


def test_a_run_interrupted_after_one_chunk_resumes_where_it_stopped(batch: list[Place]) -> None:
    Place.unscoped.update(risk_grade="", risk_score=None)
    run = request_run(AssessmentCause.DAILY, key="resume-test")
    assert process_chunk(run, chunk_size=4)  # a worker did one chunk, then died
    first = RegradeRun.objects.get(pk=run.pk)
    assert first.places_seen == 4 and first.finished_at is None
    assert drain_runs("another-worker", chunk_size=4) >= 2
    finished = RegradeRun.objects.get(pk=run.pk)
    assert finished.finished_at is not None
    assert finished.places_seen == Place.unscoped.count()
    assert finished.locked_by == ""
    assert not Place.unscoped.filter(risk_grade="").exists()


def test_a_run_leased_by_a_live_worker_is_left_alone(batch: list[Place]) -> None:
    run = request_run(AssessmentCause.DAILY, key="leased")
    RegradeRun.objects.filter(pk=run.pk).update(locked_by="other", locked_until=timezone.now() + timedelta(minutes=5))
    assert drain_runs("me") == 0
    RegradeRun.objects.filter(pk=run.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert drain_runs("me") >= 1
    assert RegradeRun.objects.get(pk=run.pk).finished_at is not None


def test_batch_query_count_does_not_grow_with_places(batch: list[Place], django_assert_max_num_queries: Any) -> None:
    for place in batch[:4]:
        PlaceSignal.unscoped.create(
            place=place, jurisdiction=place.jurisdiction, kind="hazard_open", occurred_at=timezone.now()
        )
    Place.unscoped.update(risk_score=Decimal("1"))
    with django_assert_max_num_queries(20):
        regrade_all(AssessmentCause.DAILY, chunk_size=1000)


def test_signals_age_out_of_their_window(industrial: PlaceKind) -> None:
    place = make_place(industrial, name="测试报警工厂")
    PlaceSignal.unscoped.create(
        place=place,
        jurisdiction=place.jurisdiction,
        kind="alarm",
        occurred_at=timezone.now() - timedelta(days=80),
        resolved_at=timezone.now() - timedelta(days=80),
    )
    regrade_all(AssessmentCause.DAILY)
    place.refresh_from_db()
    assert place.risk_score == Decimal("12.00")
    regrade_all(AssessmentCause.DAILY, today=timezone.localdate() + timedelta(days=15))
    place.refresh_from_db()
    assert place.risk_score == Decimal("10.00")


def test_command_regrades_one_jurisdiction(batch: list[Place], outside_place: Place, capsys: Any) -> None:
    Place.unscoped.update(risk_grade="", risk_score=None)
    call_command("regrade_places", "--jurisdiction", "330225001")
    out = capsys.readouterr().out
    in_township = Place.unscoped.filter(jurisdiction_path__startswith="/330225/330225001/").count()
    assert f"已处理 {in_township} 个场所，{in_township} 个等级或分值变化" in out
    outside_place.refresh_from_db()
    assert outside_place.risk_grade == ""
    assert not Place.unscoped.filter(pk__in=[p.pk for p in batch], risk_grade="").exists()


def test_bulk_created_places_are_graded_by_id(industrial: PlaceKind) -> None:
    from risk.regrade import regrade_places

    template = make_place(industrial, name="模板工厂")
    copies = [
        Place(kind=industrial, name=f"批量导入工厂{i}", address="测试路", jurisdiction=template.jurisdiction,
              jurisdiction_path=template.jurisdiction_path, employees=120)
        for i in range(3)
    ]  # fmt: skip
    Place.unscoped.bulk_create(copies)
    assert regrade_places([p.pk for p in copies], AssessmentCause.INITIAL) == 3
    assert set(Place.unscoped.filter(pk__in=[p.pk for p in copies]).values_list("risk_grade", flat=True)) == {"low"}
    assert regrade_places([p.pk for p in copies]) == 0
