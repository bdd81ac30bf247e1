"""Overdue and grade roll-ups per child node of a jurisdiction (grid, village, township).

One aggregate query per call: places are grouped by the child path prefix of their
`jurisdiction_path` (codes of one level have one length, so the prefix length is fixed).
Places attached directly to the node itself form their own row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from jurisdictions.choices import CODE_LENGTH, Level
from jurisdictions.models import Jurisdiction
from places.choices import OccupancyStatus, RiskGrade
from places.models import Place
from risk.choices import DueStatus

DUE_SOON_DAYS = 7


def supervised_places() -> QuerySet[Place]:
    """Places that are due for inspections at all: not archived, not demolished (scoped)."""
    return Place.objects.filter(archived_at__isnull=True).exclude(occupancy_status=OccupancyStatus.DEMOLISHED)


def due_condition(status: str, today: date) -> Q:
    soon = today + timedelta(days=DUE_SOON_DAYS)
    if status == DueStatus.OVERDUE_SELF:
        return Q(next_self_inspection_due__lt=today)
    if status == DueStatus.OVERDUE_SUPERVISION:
        return Q(next_supervision_due__lt=today)
    if status == DueStatus.OVERDUE_ANY:
        return Q(next_self_inspection_due__lt=today) | Q(next_supervision_due__lt=today)
    if status == DueStatus.DUE_SOON:
        return Q(next_self_inspection_due__gte=today, next_self_inspection_due__lte=soon) | Q(
            next_supervision_due__gte=today, next_supervision_due__lte=soon
        )
    raise ValueError(status)


def _counts(today: date) -> dict[str, Any]:
    counts: dict[str, Any] = {"total": Count("id")}
    for grade in RiskGrade:
        counts[grade.value] = Count("id", filter=Q(risk_grade=grade.value))
    counts["ungraded"] = Count("id", filter=Q(risk_grade=""))
    for status in (DueStatus.DUE_SOON, DueStatus.OVERDUE_SELF, DueStatus.OVERDUE_SUPERVISION):
        counts[status.value] = Count("id", filter=due_condition(status, today))
    return counts


@dataclass
class RollupRow:
    """Counts of one child node (or of the node itself for `direct` rows)."""

    node: Jurisdiction
    direct: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction_code": self.node.code,
            "jurisdiction_name": self.node.name,
            "level": self.node.level,
            "direct": self.direct,
            **self.counts,
        }


def totals(node: Jurisdiction, today: date) -> dict[str, int]:
    return supervised_places().filter(jurisdiction_path__within=node.path).aggregate(**_counts(today))


def rollup(node: Jurisdiction, today: date) -> list[RollupRow]:
    """Per child node of `node` (visible children only, in order), the counts; zeros included."""
    child_level = node.child_level
    children = list(
        Jurisdiction.objects.filter(parent=node, archived_at__isnull=True).defer("boundary").order_by("sort_order", "code")
    )
    rows_by_path: dict[str, RollupRow] = {child.path: RollupRow(child) for child in children}
    direct = RollupRow(node, direct=True)
    empty = dict.fromkeys(_counts(today), 0)
    grouped: QuerySet[Any, dict[str, Any]]
    if child_level is not None:
        prefix_length = len(node.path) + CODE_LENGTH[Level(child_level)] + 1
        grouped = (
            supervised_places()
            .filter(jurisdiction_path__within=node.path)
            .annotate(child_path=Substr("jurisdiction_path", 1, prefix_length))
            .values("child_path")
            .annotate(**_counts(today))
            .order_by()
        )
    else:
        grouped = (
            supervised_places()
            .filter(jurisdiction_path=node.path)
            .values("jurisdiction_path")
            .annotate(**_counts(today))
            .order_by()
        )
    for row in grouped:
        path = row.pop("child_path", None) or row.pop("jurisdiction_path", "")
        target = rows_by_path.get(path) or (direct if path == node.path else None)
        if target is None:
            continue  # a place under an archived or invisible child
        target.counts = {k: target.counts.get(k, 0) + v for k, v in row.items()}
    result = []
    for item in [*rows_by_path.values(), direct]:
        if not item.counts:
            if item.direct:
                continue
            item.counts = dict(empty)
        result.append(item)
    return result
