"""Read-side helpers of inspections: the item rows of one inspection and the querysets of lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from checklists.models import ChecklistItem
from inspections.models import Inspection, ItemPhoto, ItemResult


@dataclass
class ItemRow:
    """One checklist item with its answer in this inspection (None while unanswered)."""

    item: ChecklistItem
    result: ItemResult | None
    photos: list[ItemPhoto] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return self.result.outcome if self.result is not None else ""


def item_rows(inspection: Inspection) -> list[ItemRow]:
    """Every item of the frozen checklist in order, joined to its result and photos (three queries)."""
    results = {
        result.item_id: result
        for result in ItemResult.objects.filter(inspection=inspection)
        .select_related("hazard")
        .prefetch_related(Prefetch("photos", queryset=ItemPhoto.objects.order_by("created_at", "id")))
    }
    rows = []
    for item in ChecklistItem.objects.filter(checklist_id=inspection.checklist_id).order_by("order", "id"):
        result = results.get(item.pk)
        rows.append(ItemRow(item, result, list(result.photos.all()) if result is not None else []))
    return rows


def list_queryset() -> QuerySet[Inspection]:
    """The scoped inspections of a list, with what a row shows loaded in the same query."""
    return (
        Inspection.objects.filter(archived_at__isnull=True)
        .select_related("place", "jurisdiction", "checklist", "started_by", "started_by__person")
        .defer("jurisdiction__boundary")
        .order_by("-started_at", "-id")
    )


def hazards_of(inspection: Inspection) -> list[Any]:
    """The hazards made from this inspection's failed items (through the scoped hazard manager)."""
    from hazards.models import Hazard

    return list(Hazard.objects.filter(source_app="inspections", source_ref=str(inspection.pk)).order_by("id"))
