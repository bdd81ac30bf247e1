"""双随机: the draw is reproducible from its seed, independent of pool order, and audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import ObjectChange
from demo.constants import COUNTY_CODE, TOWNSHIP_A, TOWNSHIP_B
from inspectionplans import actions, draws, services
from inspectionplans.choices import PlanKind, TaskState
from inspectionplans.models import InspectionTask, RandomDraw
from places.models import Place
from yingji.context import ActorContext, acting

POOL = list(range(101, 161))


def test_same_seed_same_pool_gives_same_places_and_teams() -> None:
    first = draws.compute("abc123", POOL, 10, [7, 3, 9, 4, 5], 2)
    again = draws.compute("abc123", POOL, 10, [7, 3, 9, 4, 5], 2)
    assert first == again
    assert len(first.place_ids) == 10 and len(set(first.place_ids)) == 10
    assert set(first.place_ids) <= set(POOL)


def test_different_seed_gives_a_different_draw() -> None:
    assert draws.compute("seed-a", POOL, 10, [1, 2, 3, 4], 2) != draws.compute("seed-b", POOL, 10, [1, 2, 3, 4], 2)


def test_order_of_pool_and_inspectors_does_not_matter() -> None:
    shuffled = list(reversed(POOL))
    assert draws.compute("x", POOL, 8, [1, 2, 3, 4, 5], 2) == draws.compute("x", shuffled, 8, [5, 4, 3, 2, 1], 2)


def test_known_vector_is_stable() -> None:
    """The algorithm is part of the published record: a code change must not alter old draws."""
    result = draws.compute("yingji", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3, [11, 12, 13, 14], 2)
    keys = sorted(range(1, 11), key=lambda pk: draws._key("yingji", "place", pk))
    assert result.place_ids == keys[:3]
    assert sorted(pk for team in result.teams[:2] for pk in team) == [11, 12, 13, 14]
    assert result.teams[2] == result.teams[0]


def test_teams_never_leave_anyone_alone() -> None:
    teams = draws.make_teams("s", [1, 2, 3, 4, 5], 2)
    assert sorted(len(t) for t in teams) == [2, 3]
    assert sorted(pk for team in teams for pk in team) == [1, 2, 3, 4, 5]
    result = draws.compute("s", POOL, 20, [1, 2, 3, 4, 5], 2)
    assert all(len(team) >= 2 for team in result.teams)


def test_sample_larger_than_pool_is_refused_clearly() -> None:
    with pytest.raises(ValidationError) as exc:
        draws.compute("s", [1, 2, 3], 4, [1, 2], 2)
    assert "大于抽取池中的场所数（3）" in str(exc.value)


def test_fewer_inspectors_than_team_size_is_refused_clearly() -> None:
    with pytest.raises(ValidationError) as exc:
        draws.compute("s", POOL, 2, [1], 2)
    assert "少于每组人数" in str(exc.value)


def test_verify_detects_a_tampered_result() -> None:
    result = draws.compute("s", POOL, 5, [1, 2], 2)
    assert draws.verify("s", POOL, 5, [1, 2], 2, result.place_ids, result.teams)
    tampered = [POOL[-1] if pk != POOL[-1] else POOL[0] for pk in result.place_ids]
    assert not draws.verify("s", POOL, 5, [1, 2], 2, tampered, result.teams)
    assert not draws.verify("other", POOL, 5, [1, 2], 2, result.place_ids, result.teams)


@pytest.mark.django_db
def test_draw_records_seed_pool_and_creates_tasks(draw_plan: Any, demo_user: Any, inspectors: list[Any]) -> None:
    staff = demo_user("township_staff")
    record = actions.draw(
        draw_plan, by=staff, criteria={}, sample_size=3, inspectors=inspectors, team_size=2, seed="fixed-seed"
    )
    assert record.seed == "fixed-seed" and record.drawn_by == staff
    assert record.pool_size == len(record.pool_ids) >= 3
    assert record.pool_ids == sorted(record.pool_ids)
    assert services.verify_draw(record)
    tasks = list(InspectionTask.objects.filter(draw=record).order_by("id"))
    assert [t.place_id for t in tasks] == record.place_ids
    for task, team in zip(tasks, record.teams, strict=True):
        assert sorted(task.inspectors.values_list("pk", flat=True)) == sorted(team)
        assert task.lead_inspector_id == team[0]
        assert task.state == TaskState.PENDING
    # A second draw with the same seed over the same pool repeats the result, as a new record.
    again = actions.draw(
        draw_plan,
        by=staff,
        criteria={},
        sample_size=3,
        inspectors=list(reversed(inspectors)),
        team_size=2,
        seed="fixed-seed",
    )
    assert again.pk != record.pk
    assert (again.place_ids, again.teams) == (record.place_ids, record.teams)


@pytest.mark.django_db
def test_draw_without_seed_records_a_fresh_one(draw_plan: Any, demo_user: Any, inspectors: list[Any]) -> None:
    record = actions.draw(
        draw_plan, by=demo_user("township_staff"), criteria={}, sample_size=2, inspectors=inspectors, team_size=2
    )
    assert len(record.seed) == 16
    assert services.verify_draw(record)


@pytest.mark.django_db
def test_recorded_draw_cannot_be_edited(draw_plan: Any, demo_user: Any, inspectors: list[Any]) -> None:
    record = actions.draw(
        draw_plan,
        by=demo_user("township_staff"),
        criteria={},
        sample_size=2,
        inspectors=inspectors,
        team_size=2,
        seed="s",
    )
    record.place_ids = list(reversed(record.place_ids))
    with pytest.raises(ValueError):
        record.save()
    stored = RandomDraw.objects.get(pk=record.pk)
    stored.teams = [list(reversed(t)) for t in stored.teams]
    assert not services.verify_draw(stored)


@pytest.mark.django_db
def test_pool_never_holds_places_outside_the_drawers_scope(
    make_plan: Any, demo_user: Any, inspectors: list[Any]
) -> None:
    plan = make_plan(code=COUNTY_CODE)  # the county: wider than the drawer's township
    staff = demo_user("township_staff")
    with pytest.raises(PermissionDenied):
        actions.draw(plan, by=staff, criteria={}, sample_size=1, inspectors=inspectors, team_size=2)
    mine = make_plan()
    record = actions.draw(
        mine, by=staff, criteria={"jurisdiction": ""}, sample_size=2, inspectors=inspectors, team_size=2
    )
    pool_paths = set(Place.unscoped.filter(pk__in=record.pool_ids).values_list("jurisdiction_path", flat=True))
    assert pool_paths and all(f"/{TOWNSHIP_A}/" in path for path in pool_paths)
    with pytest.raises(ValidationError):
        actions.draw(
            mine, by=staff, criteria={"jurisdiction": TOWNSHIP_B}, sample_size=1, inspectors=inspectors, team_size=2
        )


@pytest.mark.django_db
def test_inspectors_from_another_township_are_refused(
    draw_plan: Any, demo_user: Any, outsiders: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.draw(
            draw_plan,
            by=demo_user("township_staff"),
            criteria={},
            sample_size=1,
            inspectors=[demo_user("township_admin"), outsiders["township_staff"]],
            team_size=2,
        )
    assert "本辖区" in str(exc.value)


@pytest.mark.django_db
def test_criteria_filter_the_pool(draw_plan: Any, demo_user: Any, inspectors: list[Any]) -> None:
    place = Place.unscoped.filter(jurisdiction_path__contains=f"/{TOWNSHIP_A}/", archived_at__isnull=True).first()
    assert place is not None
    Place.unscoped.filter(pk=place.pk).update(is_key_unit=True, risk_grade="major")
    Place.unscoped.filter(jurisdiction_path__contains=f"/{TOWNSHIP_A}/").exclude(pk=place.pk).update(is_key_unit=False)
    record = actions.draw(
        draw_plan,
        by=demo_user("township_staff"),
        criteria={"key_units_only": True, "grades": ["major"]},
        sample_size=1,
        inspectors=inspectors,
        team_size=2,
    )
    assert record.pool_ids == [place.pk]
    assert record.criteria == {"key_units_only": True, "grades": ["major"]}
    with pytest.raises(ValidationError):
        actions.draw(
            draw_plan,
            by=demo_user("township_staff"),
            criteria={"bogus": 1},
            sample_size=1,
            inspectors=inspectors,
            team_size=2,
        )


@pytest.mark.django_db
def test_draw_needs_the_planning_capability_and_a_draw_plan(
    draw_plan: Any, make_plan: Any, demo_user: Any, inspectors: list[Any]
) -> None:
    with pytest.raises(PermissionDenied):
        actions.draw(
            draw_plan, by=demo_user("grid_worker"), criteria={}, sample_size=1, inspectors=inspectors, team_size=2
        )
    periodic = make_plan(kind=PlanKind.PERIODIC)
    with pytest.raises(ValidationError):
        actions.draw(
            periodic, by=demo_user("township_staff"), criteria={}, sample_size=1, inspectors=inspectors, team_size=2
        )
    with pytest.raises(ValidationError):
        actions.draw(
            draw_plan, by=demo_user("township_staff"), criteria={}, sample_size=1, inspectors=inspectors, team_size=1
        )


@pytest.mark.django_db
def test_draw_is_audited_with_who_and_when(draw_plan: Any, demo_user: Any, inspectors: list[Any]) -> None:
    staff = demo_user("township_staff")
    with acting(ActorContext(user=staff)):
        record = actions.draw(
            draw_plan, by=staff, criteria={}, sample_size=2, inspectors=inspectors, team_size=2, seed="audit"
        )
    change = ObjectChange.unscoped.get(
        content_type=ContentType.objects.get_for_model(RandomDraw), object_id=str(record.pk)
    )
    assert change.user_id == staff.pk
    assert change.after["seed"] == "audit"
    assert change.after["place_ids"] == record.place_ids
