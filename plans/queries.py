"""Reads shared by the plan, drill and training pages and API (filters, base querysets)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from jurisdictions.models import Jurisdiction
from plans.choices import PLAN_IN_USE
from plans.models import Drill, Plan, Training


def node_or_404(code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.active().defer("boundary"), code=code)


def plans_base() -> QuerySet[Plan]:
    return Plan.objects.select_related("jurisdiction").defer("jurisdiction__boundary")


def drills_base() -> QuerySet[Drill]:
    return Drill.objects.select_related("jurisdiction", "plan").defer("jurisdiction__boundary")


def trainings_base() -> QuerySet[Training]:
    return Training.objects.select_related("jurisdiction").defer("jurisdiction__boundary")


def filter_plans(
    plans: QuerySet[Plan], *, jurisdiction: str | None = None, q: str | None = None, kind: str | None = None,
    status: str | None = None, overdue: bool = False, include_archived: bool = False, **_ignored: Any,
) -> QuerySet[Plan]:
    if not include_archived:
        plans = plans.filter(archived_at__isnull=True)
    if jurisdiction:
        plans = plans.filter(jurisdiction_path__within=node_or_404(jurisdiction).path)
    if q:
        plans = plans.filter(title__contains=q.strip())
    if kind:
        plans = plans.filter(kind=kind)
    if status:
        plans = plans.filter(status=status)
    if overdue:
        plans = revision_overdue(plans)
    return plans.order_by("jurisdiction_path", "kind", "title", "id")


def revision_overdue(plans: QuerySet[Plan], on: date | None = None) -> QuerySet[Plan]:
    """Plans in use whose revision due date has passed (修订逾期)."""
    on = on or timezone.localdate()
    return plans.filter(status__in=PLAN_IN_USE, revision_due__lt=on, archived_at__isnull=True)


def filter_drills(
    drills: QuerySet[Drill], *, jurisdiction: str | None = None, q: str | None = None, kind: str | None = None,
    year: int | None = None, state: str | None = None, plan: int | None = None, include_archived: bool = False, **_ignored: Any,
) -> QuerySet[Drill]:
    """`state`: planned (not yet conducted), conducted, or overdue (planned date passed, not conducted)."""
    if not include_archived:
        drills = drills.filter(archived_at__isnull=True)
    if jurisdiction:
        drills = drills.filter(jurisdiction_path__within=node_or_404(jurisdiction).path)
    if q:
        drills = drills.filter(Q(title__contains=q.strip()) | Q(scenario__contains=q.strip()))
    if kind:
        drills = drills.filter(kind=kind)
    if plan:
        drills = drills.filter(plan_id=plan)
    if year:
        start, end = date(year, 1, 1), date(year, 12, 31)
        drills = drills.filter(Q(conducted_on__range=(start, end)) | Q(conducted_on__isnull=True, planned_on__range=(start, end)))
    if state == "planned":
        drills = drills.filter(conducted_on__isnull=True)
    elif state == "conducted":
        drills = drills.filter(conducted_on__isnull=False)
    elif state == "overdue":
        drills = drills.filter(conducted_on__isnull=True, planned_on__lt=timezone.localdate())
    return drills.order_by("jurisdiction_path", "-conducted_on", "-planned_on", "id")


def filter_trainings(
    trainings: QuerySet[Training], *, jurisdiction: str | None = None, q: str | None = None, kind: str | None = None,
    audience: str | None = None, year: int | None = None, include_archived: bool = False, **_ignored: Any,
) -> QuerySet[Training]:
    if not include_archived:
        trainings = trainings.filter(archived_at__isnull=True)
    if jurisdiction:
        trainings = trainings.filter(jurisdiction_path__within=node_or_404(jurisdiction).path)
    if q:
        trainings = trainings.filter(topic__contains=q.strip())
    if kind:
        trainings = trainings.filter(kind=kind)
    if audience:
        trainings = trainings.filter(audience=audience)
    if year:
        trainings = trainings.filter(held_on__year=year)
    return trainings.order_by("jurisdiction_path", "-held_on", "id")
