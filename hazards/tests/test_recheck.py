"""Re-checks (回头看): the draw's share and reproducibility, and recording a result."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from demo.constants import TOWNSHIP_A, TOWNSHIP_B

# A month no demo hazard was closed in, so the draw sees only this test's closures.
TODAY = date(2032, 7, 3)
PERIOD_DAY = date(2032, 6, 15)


def closed_hazard(code: str, *, day: date = PERIOD_DAY, place: Any = None) -> Any:
    from hazards.models import Hazard
    from jurisdictions.models import Jurisdiction

    node = (
        place.jurisdiction
        if place is not None
        else Jurisdiction.unscoped.filter(parent__code=code).order_by("code").first()
    )
    return Hazard.unscoped.create(
        number=f"T{uuid.uuid4().hex[:20]}",
        jurisdiction=node,
        place=place,
        category="unsafe_condition",
        hazard_type="fire",
        description="灭火器过期（测试）",
        source="inspection",
        state="closed",
        found_at=timezone.make_aware(datetime.combine(day - timedelta(days=20), time(9))),
        closed_at=timezone.make_aware(datetime.combine(day, time(15))),
    )


def test_share_is_rounded_up_with_at_least_one() -> None:
    from hazards.rechecks import share_count

    assert share_count(0, 10) == 0
    assert share_count(1, 10) == 1
    assert share_count(9, 10) == 1
    assert share_count(10, 10) == 1
    assert share_count(11, 10) == 2
    assert share_count(25, 20) == 5
    assert share_count(3, 100) == 3
    assert share_count(40, 0) == 0


def test_the_draw_is_reproducible_from_its_seed() -> None:
    from hazards.rechecks import draw

    ids = list(range(100, 200))
    first = draw(ids, "330225001:2032-06:abc", 10)
    assert len(first) == 10 and set(first) <= set(ids)
    assert draw(list(reversed(ids)), "330225001:2032-06:abc", 10) == first  # input order does not matter
    assert draw(ids, "330225001:2032-06:abd", 10) != first


def test_the_seed_depends_on_township_and_period() -> None:
    from hazards.rechecks import Period, seed_for

    june = Period.previous(TODAY)
    assert (june.start, june.end) == (date(2032, 6, 1), date(2032, 7, 1))
    assert seed_for(TOWNSHIP_A, june) == seed_for(TOWNSHIP_A, june)
    assert seed_for(TOWNSHIP_A, june) != seed_for(TOWNSHIP_B, june)
    assert seed_for(TOWNSHIP_A, june) != seed_for(TOWNSHIP_A, Period.previous(date(2032, 8, 1)))
    assert seed_for(TOWNSHIP_A, june).startswith(f"{TOWNSHIP_A}:2032-06:")


@pytest.mark.django_db
def test_draw_takes_the_policy_share_per_township_and_records_the_seed() -> None:
    from hazards.models import DeadlinePolicy, Recheck
    from hazards.rechecks import draw, run_draw
    from jurisdictions.models import Jurisdiction

    DeadlinePolicy.objects.filter(jurisdiction__isnull=True).update(recheck_percent=10, recheck_after_days=30)
    a = [closed_hazard(TOWNSHIP_A) for _ in range(23)]
    b = [closed_hazard(TOWNSHIP_B) for _ in range(2)]
    outside = closed_hazard(TOWNSHIP_A, day=date(2032, 5, 31))  # the month before: not in this draw
    DeadlinePolicy.objects.create(
        jurisdiction=Jurisdiction.unscoped.get(code=TOWNSHIP_B), recheck_percent=50, recheck_after_days=10
    )

    result = run_draw(TODAY)
    drawn_a = Recheck.objects.filter(hazard__in=a)
    drawn_b = Recheck.objects.filter(hazard__in=b)
    assert drawn_a.count() == math.ceil(23 * 0.10) == 3
    assert drawn_b.count() == 1  # 50% of 2
    assert not Recheck.objects.filter(hazard=outside).exists()
    assert result.drawn == 4
    recheck = drawn_a.first()
    assert recheck.due_on == PERIOD_DAY + timedelta(days=30)
    assert drawn_b.get().due_on == PERIOD_DAY + timedelta(days=10)
    # Anyone can re-run the draw from the recorded seed and get the same hazards.
    assert sorted(drawn_a.values_list("hazard_id", flat=True)) == draw([h.pk for h in a], recheck.draw_seed, 10)
    # A second run (another worker, the next day) draws nothing more.
    assert run_draw(TODAY + timedelta(days=1)).drawn == 0
    assert Recheck.objects.filter(hazard__in=a + b).count() == 4


@pytest.mark.django_db
def test_drawing_again_from_scratch_picks_the_same_hazards() -> None:
    from hazards.models import Recheck
    from hazards.rechecks import run_draw

    hazards = [closed_hazard(TOWNSHIP_A) for _ in range(30)]
    run_draw(TODAY)
    first = sorted(Recheck.objects.filter(hazard__in=hazards).values_list("hazard_id", flat=True))
    Recheck.objects.filter(hazard__in=hazards).delete()
    run_draw(TODAY)
    assert sorted(Recheck.objects.filter(hazard__in=hazards).values_list("hazard_id", flat=True)) == first


@pytest.mark.django_db
def test_recording_passed_and_refusing_a_second_result(demo_user: Any) -> None:
    from hazards.models import Recheck
    from hazards.rechecks import record_result

    h = closed_hazard(TOWNSHIP_A)
    recheck = Recheck.objects.create(hazard=h, drawn_at=timezone.now(), draw_seed="x", due_on=TODAY)
    staff = demo_user("township_staff")
    done = record_result(recheck, by=staff, passed=True, note="整改效果保持")
    assert done.state == "passed" and done.done_by == staff and done.reopened_as is None
    with pytest.raises(ValidationError):
        record_result(recheck, by=staff, passed=True)


@pytest.mark.django_db
def test_a_rebound_reports_a_new_hazard_linked_to_the_recheck(demo_user: Any) -> None:
    from hazards.models import Recheck
    from hazards.rechecks import record_result
    from places.models import Place

    place = Place.unscoped.filter(jurisdiction_path__startswith=f"/330225/{TOWNSHIP_A}/").order_by("id").first()
    h = closed_hazard(TOWNSHIP_A, place=place)
    recheck = Recheck.objects.create(hazard=h, drawn_at=timezone.now(), draw_seed="x", due_on=TODAY)
    staff = demo_user("township_staff")
    with pytest.raises(ValidationError):
        record_result(recheck, by=staff, passed=False, description="  ")
    done = record_result(recheck, by=staff, passed=False, description="通道再次堆放杂物")
    new = done.reopened_as
    assert done.state == "reopened" and new is not None
    assert new.source == "superior" and new.source_app == "hazards.recheck" and new.source_ref == str(recheck.pk)
    assert new.place_id == place.pk and new.state == "reported"
    assert "通道再次堆放杂物" in new.description


@pytest.mark.django_db
def test_only_hazard_managers_record_results(demo_user: Any) -> None:
    from hazards.models import Recheck
    from hazards.rechecks import record_result

    recheck = Recheck.objects.create(
        hazard=closed_hazard(TOWNSHIP_A), drawn_at=timezone.now(), draw_seed="x", due_on=TODAY
    )
    with pytest.raises(PermissionDenied):
        record_result(recheck, by=demo_user("grid_worker"), passed=True)
