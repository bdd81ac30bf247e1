"""Yearly counts of training and publicity events (培训宣传"五进") per jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Sum

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from plans.choices import FIVE_INTO, Audience
from plans.models import Training
from yingji.scoping import path_codes


@dataclass
class TrainingRow:
    code: str
    name: str
    events: int = 0
    attendance: int = 0
    by_audience: dict[str, int] = field(default_factory=lambda: {a.value: 0 for a in Audience})
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def five_into_covered(self) -> int:
        """How many of the five "进" audiences had at least one event."""
        return sum(1 for a in FIVE_INTO if self.by_audience.get(a.value))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "events": self.events, "attendance": self.attendance,
            "by_audience": self.by_audience, "by_kind": self.by_kind, "five_into_covered": self.five_into_covered,
        }


def training_summary(root: Jurisdiction, year: int) -> tuple[TrainingRow, list[TrainingRow]]:
    """The root's totals and one row per child (townships under a county, villages under a township).

    Events held at the root itself count in the total only.
    """
    children = list(Jurisdiction.objects.active().filter(parent=root).exclude(level=Level.GRID).only("code", "name").order_by("sort_order", "code"))
    rows = {c.code: TrainingRow(c.code, c.name) for c in children}
    total = TrainingRow(root.code, root.name)
    depth = len(path_codes(root.path))
    grouped = (
        Training.objects.active()
        .filter(jurisdiction_path__within=root.path, held_on__gte=date(year, 1, 1), held_on__lte=date(year, 12, 31))
        .values("jurisdiction_path", "audience", "kind")
        .annotate(n=Count("id"), people=Sum("attendance"))
    )
    for item in grouped:
        codes = path_codes(item["jurisdiction_path"])
        targets = [total]
        if len(codes) > depth and codes[depth] in rows:
            targets.append(rows[codes[depth]])
        for row in targets:
            row.events += item["n"]
            row.attendance += item["people"] or 0
            row.by_audience[item["audience"]] = row.by_audience.get(item["audience"], 0) + item["n"]
            row.by_kind[item["kind"]] = row.by_kind.get(item["kind"], 0) + item["n"]
    return total, list(rows.values())
