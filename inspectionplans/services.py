"""Read-side helpers: the open tasks of an inspector, progress counts, overdue tasks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.roles import Capability, has_capability
from inspectionplans import draws
from inspectionplans.choices import OPEN_TASK_STATES, TaskState
from inspectionplans.models import InspectionTask, RandomDraw


def open_tasks_for(user: Any) -> QuerySet[InspectionTask]:
    """Pending or started tasks on which `user` is in the team, soonest due first (scoped)."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return InspectionTask.objects.none()
    return (
        InspectionTask.objects.filter(archived_at__isnull=True, state__in=OPEN_TASK_STATES)
        .filter(Q(inspectors__pk=pk) | Q(lead_inspector_id=pk))
        .distinct()
        .select_related("place", "plan", "lead_inspector")
        .order_by("due_on", "id")
    )


def overdue_tasks(today: date | None = None) -> QuerySet[InspectionTask]:
    """Open tasks whose due date has passed (scoped)."""
    today = today or timezone.localdate()
    return InspectionTask.objects.filter(archived_at__isnull=True, state__in=OPEN_TASK_STATES, due_on__lt=today)


def progress(tasks: QuerySet[InspectionTask], today: date | None = None) -> dict[str, int]:
    """Counts of a task set: total (cancelled excluded), done, open and overdue."""
    today = today or timezone.localdate()
    counts = tasks.filter(archived_at__isnull=True).aggregate(
        total=Count("id", filter=~Q(state=TaskState.CANCELLED)),
        done=Count("id", filter=Q(state=TaskState.DONE)),
        open=Count("id", filter=Q(state__in=OPEN_TASK_STATES)),
        overdue=Count("id", filter=Q(state__in=OPEN_TASK_STATES, due_on__lt=today)),
        cancelled=Count("id", filter=Q(state=TaskState.CANCELLED)),
    )
    return {k: int(v or 0) for k, v in counts.items()}


def plan_progress(plan_ids: list[int], today: date | None = None) -> dict[int, dict[str, int]]:
    """Progress per plan in one query (for lists)."""
    today = today or timezone.localdate()
    rows = (
        InspectionTask.objects.filter(plan_id__in=plan_ids, archived_at__isnull=True)
        .values("plan_id")
        .annotate(
            total=Count("id", filter=~Q(state=TaskState.CANCELLED)),
            done=Count("id", filter=Q(state=TaskState.DONE)),
            overdue=Count("id", filter=Q(state__in=OPEN_TASK_STATES, due_on__lt=today)),
        )
    )
    result = {pk: {"total": 0, "done": 0, "overdue": 0} for pk in plan_ids}
    for row in rows:
        result[row["plan_id"]] = {"total": row["total"], "done": row["done"], "overdue": row["overdue"]}
    return result


def verify_draw(record: RandomDraw) -> bool:
    """可复核: re-compute the draw from its recorded seed and pool and compare with its result."""
    return draws.verify(
        record.seed,
        record.pool_ids,
        record.sample_size,
        record.inspector_ids,
        record.team_size,
        record.place_ids,
        record.teams,
    ) and record.pool_size == len(set(record.pool_ids))


def visible_tasks(user: Any) -> QuerySet[InspectionTask]:
    """Tasks a user may see: planners see all in scope; others their own team's and announced ones.

    An unannounced (四不两直) task must not be known beforehand to anyone but its team and
    the planners, so it appears to others only once it has been done.
    """
    tasks = InspectionTask.objects.all()
    if has_capability(user, Capability.PLAN_INSPECTIONS):
        return tasks
    pk = getattr(user, "pk", None)
    return tasks.filter(
        Q(unannounced=False) | Q(state=TaskState.DONE) | Q(inspectors__pk=pk) | Q(lead_inspector_id=pk)
    ).distinct()


def user_names(user_ids: list[int]) -> dict[int, str]:
    from accounts.models import User

    return {u.pk: u.display_name for u in User.unscoped.filter(pk__in=set(user_ids)).select_related("person")}


def with_progress(plans: QuerySet[Any], today: date | None = None) -> QuerySet[Any]:
    """Annotate plans with task counts in the same query (`progress_total/done/overdue`)."""
    today = today or timezone.localdate()
    live = Q(tasks__archived_at__isnull=True)
    return plans.annotate(
        progress_total=Count("tasks", filter=live & ~Q(tasks__state=TaskState.CANCELLED)),
        progress_done=Count("tasks", filter=live & Q(tasks__state=TaskState.DONE)),
        progress_overdue=Count("tasks", filter=live & Q(tasks__state__in=OPEN_TASK_STATES, tasks__due_on__lt=today)),
    )
