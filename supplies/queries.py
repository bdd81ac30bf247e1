"""Read-side helpers shared by the API, the pages and the exports (scoping is the managers' job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from jurisdictions.models import Jurisdiction
from supplies.models import StockMovement, StoragePoint, Supply


@dataclass
class SupplyFilters:
    """The filters of the supply list, as the API and the list page both take them."""

    category: str | None = None
    storage_point: int | None = None
    owner_type: str | None = None
    expiring_within: int | None = None
    expired: bool = False
    low_stock: bool = False
    jurisdiction: str | None = None
    q: str | None = None
    include_archived: bool = False


def supplies_queryset() -> QuerySet[Supply]:
    return Supply.objects.select_related("jurisdiction", "storage_point", "category").defer(
        "jurisdiction__boundary"
    )


def filter_supplies(filters: SupplyFilters, base: QuerySet[Supply] | None = None) -> QuerySet[Supply]:
    supplies = supplies_queryset() if base is None else base
    today = timezone.localdate()
    if not filters.include_archived:
        supplies = supplies.filter(archived_at__isnull=True)
    if filters.category:
        supplies = supplies.filter(Q(category__code=filters.category) | Q(category__name=filters.category))
    if filters.storage_point:
        supplies = supplies.filter(storage_point_id=filters.storage_point)
    if filters.owner_type:
        supplies = supplies.filter(owner_type=filters.owner_type)
    if filters.expiring_within is not None:
        supplies = supplies.filter(
            expiry_date__gte=today, expiry_date__lte=today + timedelta(days=filters.expiring_within)
        )
    if filters.expired:
        supplies = supplies.filter(expiry_date__lt=today)
    if filters.low_stock:
        supplies = supplies.filter(low_stock_threshold__isnull=False, quantity__lt=F("low_stock_threshold"))
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects, code=filters.jurisdiction)
        supplies = supplies.filter(jurisdiction_path__within=node.path)
    if filters.q:
        q = filters.q.strip()
        supplies = supplies.filter(
            Q(name__contains=q) | Q(specification__contains=q) | Q(batch__contains=q) | Q(storage_point__name__contains=q)
        )
    return supplies.order_by("jurisdiction_path", "storage_point__name", "name", "batch", "id")


def alert_supplies() -> QuerySet[Supply]:
    """Supplies needing attention: expired, within the first warning window, or below their threshold."""
    from supplies.models import warning_days

    first, _second = warning_days()
    horizon = timezone.localdate() + timedelta(days=first)
    return (
        supplies_queryset()
        .filter(archived_at__isnull=True)
        .filter(
            Q(expiry_date__lte=horizon, quantity__gt=0)
            | Q(low_stock_threshold__isnull=False, quantity__lt=F("low_stock_threshold"))
        )
        .order_by(F("expiry_date").asc(nulls_last=True), "jurisdiction_path", "name", "id")
    )


def points_queryset() -> QuerySet[StoragePoint]:
    return StoragePoint.objects.select_related("jurisdiction", "keeper").defer("jurisdiction__boundary", "keeper__id_number_sealed")


def movements_of(supply: Supply) -> QuerySet[StockMovement]:
    return (
        StockMovement.objects.filter(supply=supply)
        .select_related("to_storage_point", "counterpart__supply__storage_point")
        .order_by("-at", "-id")
    )


def point_filter(points: QuerySet[StoragePoint], *, jurisdiction: str | None, kind: str | None, q: str | None, include_archived: bool) -> QuerySet[StoragePoint]:
    if not include_archived:
        points = points.filter(archived_at__isnull=True)
    if jurisdiction:
        node = get_object_or_404(Jurisdiction.objects, code=jurisdiction)
        points = points.filter(jurisdiction_path__within=node.path)
    if kind:
        points = points.filter(kind=kind)
    if q:
        points = points.filter(Q(name__contains=q.strip()) | Q(address__contains=q.strip()))
    return points.order_by("jurisdiction_path", "name", "id")


def with_stock_counts(points: QuerySet[StoragePoint]) -> Any:
    from django.db.models import Count

    today = timezone.localdate()
    active = Q(supplies__archived_at__isnull=True)
    return points.annotate(
        supply_count=Count("supplies", filter=active),
        expired_count=Count("supplies", filter=active & Q(supplies__expiry_date__lt=today, supplies__quantity__gt=0)),
    )
