"""Periodic generation from the inspection regime, and the life of a task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from demo.constants import GRID_A, TOWNSHIP_A
from inspectionplans import actions, services
from inspectionplans.choices import PlanKind, TaskState
from inspectionplans.models import InspectionTask
from inspectionplans.tests.conftest import node
from places.choices import OccupancyStatus
from places.models import Place
from risk.grading import PolicyTable

pytestmark = pytest.mark.django_db


def grid_places() -> list[Place]:
    places = list(Place.unscoped.filter(jurisdiction__code=GRID_A, archived_at__isnull=True).order_by("id")[:4])
    assert len(places) == 4, "the demo grid needs four places"
    return places


@pytest.fixture
def regime() -> dict[str, Any]:
    """Four places of grid A: one due in the period, one just inspected, one archived, one demolished."""
    today = timezone.localdate()
    interval = PolicyTable.load().resolve("general", None)
    assert interval is not None
    due, fresh, archived, demolished = grid_places()
    grid = Place.unscoped.filter(jurisdiction__code=GRID_A)
    # Demo plans may already hold open tasks for these places; start from none.
    InspectionTask.unscoped.filter(place__in=grid).update(state=TaskState.CANCELLED)
    grid.update(risk_grade="general", last_supervision_on=today)
    # Its supervision falls due ten days from now: last inspected (interval - 10) days ago.
    Place.unscoped.filter(pk=due.pk).update(last_supervision_on=today - timedelta(days=interval.supervision_days - 10))
    Place.unscoped.filter(pk__in=[archived.pk, demolished.pk]).update(last_supervision_on=today - timedelta(days=3650))
    Place.unscoped.filter(pk=archived.pk).update(archived_at=timezone.now())
    Place.unscoped.filter(pk=demolished.pk).update(occupancy_status=OccupancyStatus.DEMOLISHED)
    return {"due": due, "fresh": fresh, "archived": archived, "demolished": demolished, "today": today}


def test_periodic_plan_has_tasks_for_places_due_in_the_period(regime: dict[str, Any], demo_user: Any) -> None:
    today = regime["today"]
    grid = regime["due"].jurisdiction
    plan = actions.generate_periodic_plan(grid, today, today + timedelta(days=30), by=demo_user("township_staff"))
    assert plan.kind == PlanKind.PERIODIC
    tasks = {t.place_id: t for t in InspectionTask.unscoped.filter(plan=plan)}
    assert regime["due"].pk in tasks
    assert tasks[regime["due"].pk].due_on == today + timedelta(days=10)
    for name in ("fresh", "archived", "demolished"):
        assert regime[name].pk not in tasks, name


def test_a_period_ending_before_the_due_date_gives_no_task(regime: dict[str, Any], demo_user: Any) -> None:
    today = regime["today"]
    plan = actions.generate_periodic_plan(
        regime["due"].jurisdiction, today, today + timedelta(days=5), by=demo_user("township_staff")
    )
    assert not InspectionTask.unscoped.filter(plan=plan).exists()


def test_generation_skips_places_with_an_open_task(regime: dict[str, Any], demo_user: Any) -> None:
    today, staff = regime["today"], demo_user("township_staff")
    first = actions.generate_periodic_plan(regime["due"].jurisdiction, today, today + timedelta(days=30), by=staff)
    second = actions.generate_periodic_plan(regime["due"].jurisdiction, today, today + timedelta(days=30), by=staff)
    assert InspectionTask.unscoped.filter(plan=first).count() == 1
    assert not InspectionTask.unscoped.filter(plan=second).exists()


def test_generation_outside_the_users_scope_is_refused(
    regime: dict[str, Any], outsiders: dict[str, Any], demo_user: Any
) -> None:
    today = regime["today"]
    with pytest.raises(PermissionDenied):
        actions.generate_periodic_plan(regime["due"].jurisdiction, today, today, by=outsiders["township_staff"])
    with pytest.raises(PermissionDenied):
        actions.generate_periodic_plan(regime["due"].jurisdiction, today, today, by=demo_user("grid_worker"))


@pytest.fixture
def task(regime: dict[str, Any], demo_user: Any) -> InspectionTask:
    today = regime["today"]
    plan = actions.generate_periodic_plan(
        regime["due"].jurisdiction, today, today + timedelta(days=30), by=demo_user("township_staff")
    )
    task = InspectionTask.unscoped.get(plan=plan)
    return actions.assign_task(
        task, by=demo_user("township_staff"), inspectors=[demo_user("grid_worker"), demo_user("township_admin")]
    )


def test_task_life_start_complete(task: InspectionTask, demo_user: Any) -> None:
    worker = demo_user("grid_worker")
    assert task in services.open_tasks_for(worker)
    task = actions.start_task(task, by=worker)
    assert task.state == TaskState.IN_PROGRESS and task.started_at
    task = actions.complete_task(task, by=worker, inspection_id=42, passed=False)
    assert (task.state, task.inspection_id, task.passed) == (TaskState.DONE, 42, False)
    assert task not in services.open_tasks_for(worker)
    # A retried completion with the same inspection is harmless; another inspection is refused.
    assert actions.complete_task(task, by=worker, inspection_id=42, passed=False).state == TaskState.DONE
    with pytest.raises(ValidationError):
        actions.complete_task(task, by=worker, inspection_id=43, passed=True)
    with pytest.raises(ValidationError):
        actions.start_task(task, by=worker)


def test_only_the_team_or_a_planner_works_on_a_task(task: InspectionTask, demo_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.start_task(task, by=demo_user("enterprise_user"))
    with pytest.raises(PermissionDenied):
        actions.start_task(task, by=demo_user("village_cadre"))
    assert actions.start_task(task, by=demo_user("township_staff")).state == TaskState.IN_PROGRESS


def test_cancel_needs_a_reason_and_ends_the_task(task: InspectionTask, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    with pytest.raises(ValidationError):
        actions.cancel_task(task, by=staff, reason=" ")
    task = actions.cancel_task(task, by=staff, reason="场所已停业")
    assert task.state == TaskState.CANCELLED and task.cancel_reason == "场所已停业"
    with pytest.raises(ValidationError):
        actions.complete_task(task, by=staff, inspection_id=1, passed=True)
    with pytest.raises(ValidationError):
        actions.assign_task(task, by=staff, inspectors=[demo_user("grid_worker")])


def test_due_dates_and_overdue(task: InspectionTask, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    with pytest.raises(ValidationError):
        actions.set_due(task, by=staff, due_on=timezone.localdate() - timedelta(days=1))
    task = actions.set_due(task, by=staff, due_on=timezone.localdate())
    assert not task.is_overdue()
    assert task.is_overdue(timezone.localdate() + timedelta(days=1))
    assert task in services.overdue_tasks(timezone.localdate() + timedelta(days=1))


def test_assigning_checks_people(task: InspectionTask, demo_user: Any, outsiders: dict[str, Any]) -> None:
    staff = demo_user("township_staff")
    with pytest.raises(ValidationError):
        actions.assign_task(task, by=staff, inspectors=[demo_user("leader")])  # may not inspect
    with pytest.raises(ValidationError):
        actions.assign_task(task, by=staff, inspectors=[999999])
    with pytest.raises(ValidationError):
        actions.assign_task(
            task, by=staff, inspectors=[demo_user("grid_worker")], lead_inspector=demo_user("township_admin")
        )
    with pytest.raises(PermissionDenied):
        actions.assign_task(task, by=demo_user("grid_worker"), inspectors=[demo_user("grid_worker")])


def test_joint_plan_needs_two_departments_and_flags_reach_tasks(demo_user: Any) -> None:
    today = timezone.localdate()
    staff = demo_user("township_staff")
    with pytest.raises(ValidationError):
        actions.create_plan(
            by=staff,
            jurisdiction=node(TOWNSHIP_A),
            title="联合检查",
            period_start=today,
            period_end=today,
            kind=PlanKind.SPECIAL,
            joint=True,
            departments=["应急管理"],
        )
    plan = actions.create_plan(
        by=staff,
        jurisdiction=node(TOWNSHIP_A),
        title="联合检查",
        period_start=today,
        period_end=today,
        kind=PlanKind.SPECIAL,
        joint=True,
        unannounced=True,
        departments="应急管理、消防救援",
    )
    assert plan.departments == ["应急管理", "消防救援"]
    place = grid_places()[0]
    task = actions.create_task(
        by=staff, place=place, due_on=today, plan=plan, inspectors=[demo_user("grid_worker"), staff]
    )
    assert (task.joint, task.unannounced, task.departments) == (True, True, ["应急管理", "消防救援"])
    with pytest.raises(ValidationError):
        actions.assign_task(task, by=staff, inspectors=[staff])  # 四不两直: never one inspector alone


def test_inspectors_must_cover_the_place_and_be_staff(demo_user: Any, make_plan: Any) -> None:
    """A grid worker sees only their grid, so they may not be sent outside it; businesses never inspect."""
    staff = demo_user("township_staff")
    outside = (
        Place.unscoped.filter(jurisdiction_path__contains=f"/{TOWNSHIP_A}/", archived_at__isnull=True)
        .exclude(jurisdiction_path__contains=f"/{GRID_A}/")
        .first()
    )
    assert outside is not None
    task = actions.create_task(by=staff, place=outside, due_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        actions.assign_task(task, by=staff, inspectors=[demo_user("grid_worker"), staff])
    assert "管辖范围" in str(exc.value)
    inside = grid_places()[0]
    task = actions.create_task(by=staff, place=inside, due_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        actions.assign_task(task, by=staff, inspectors=[demo_user("enterprise_user"), staff])
    assert "单位用户" in str(exc.value)
    assert actions.assign_task(task, by=staff, inspectors=[demo_user("grid_worker"), staff]).lead_inspector_id
