"""The staffing check: required station staff per township against the staff on record.

A township needs ceil(industrial / 50) + ceil(commercial / 200) + ceil(rental / 100) staff
under the default standard (seed 000), counting operating, unarchived places by their
kind's staffing group and counting each person once however many counted posts they hold.
The requirement belongs to the township; above it (county) the figures are sums of the
townships' own figures, so one township's surplus never hides another's shortfall; below
it (villages, grids) each node shows the share of the workload it generates.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.models import Position
from places.choices import OccupancyStatus, StaffingGroup
from places.models import Place
from staffing.models import StaffingStandard
from yingji.scoping import path_codes

GROUPS = (StaffingGroup.INDUSTRIAL, StaffingGroup.COMMERCIAL, StaffingGroup.RENTAL)


class NoStandard(Exception):
    """No staffing standard is in force on the date asked about."""


def standard_on(on: date | None = None) -> StaffingStandard:
    on = on or timezone.localdate()
    standard = StaffingStandard.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if standard is None:
        raise NoStandard(f"{on:%Y-%m-%d} 没有施行中的人员配备标准，请县级管理员先设置。")
    return standard


@dataclass
class PlaceCounts:
    industrial: int = 0
    commercial: int = 0
    rental: int = 0

    def add(self, group: str, n: int) -> None:
        setattr(self, group, getattr(self, group) + n)

    def merge(self, other: PlaceCounts) -> None:
        for group in GROUPS:
            self.add(group, getattr(other, group))


@dataclass
class StaffingRow:
    """Figures for one node. `required`/`counted`/`shortfall` are None below township level."""

    node: Jurisdiction
    counts: PlaceCounts = field(default_factory=PlaceCounts)
    workload: Decimal = Decimal(0)
    required: int | None = None
    counted: int | None = None
    shortfall: int | None = None

    @property
    def ok(self) -> bool | None:
        return None if self.shortfall is None else self.shortfall == 0


@dataclass
class StaffingReport:
    standard: StaffingStandard
    on: date
    total: StaffingRow
    rows: list[StaffingRow]


def required_staff(counts: PlaceCounts, standard: StaffingStandard) -> int:
    """At least one person per started block of each kind (1–50 industrial enterprises → 1)."""
    return (
        math.ceil(counts.industrial / standard.industrial_per_staff)
        + math.ceil(counts.commercial / standard.commercial_per_staff)
        + math.ceil(counts.rental / standard.rental_per_staff)
    )


def workload(counts: PlaceCounts, standard: StaffingStandard) -> Decimal:
    """The fractional staff a node's places call for, before rounding up at township level."""
    share = (
        Decimal(counts.industrial) / standard.industrial_per_staff
        + Decimal(counts.commercial) / standard.commercial_per_staff
        + Decimal(counts.rental) / standard.rental_per_staff
    )
    return share.quantize(Decimal("0.01"))


def staffing_report(node: Jurisdiction, on: date | None = None) -> StaffingReport:
    """The check for `node` and each of its children, in four grouped queries.

    `node` must already come from the scoped manager; the place and position queries go
    through scoped managers too, so a user never counts what they may not see.
    """
    on = on or timezone.localdate()
    standard = standard_on(on)
    children = list(
        Jurisdiction.objects.filter(parent=node, archived_at__isnull=True)
        .defer("boundary")
        .order_by("sort_order", "code")
    )
    townships = {
        t.code: t for t in Jurisdiction.objects.filter(level=Level.TOWNSHIP, path__within=node.path).defer("boundary")
    }
    if node.level == Level.TOWNSHIP:
        townships[node.code] = node

    counts_by_path = _place_counts(node)
    staff_by_township = _counted_staff(node, standard, on, set(townships))

    def counts_under(prefix_code: str, depth_index: int) -> PlaceCounts:
        total = PlaceCounts()
        for path, counts in counts_by_path.items():
            codes = path_codes(path)
            if len(codes) > depth_index and codes[depth_index] == prefix_code:
                total.merge(counts)
        return total

    node_index = len(path_codes(node.path)) - 1
    rows = [
        _row(child, counts_under(child.code, node_index + 1), standard, townships, staff_by_township)
        for child in children
    ]
    total = _row(node, counts_under(node.code, node_index), standard, townships, staff_by_township)
    if node.code not in townships and townships:
        # Above townships the figures are sums of each township's own, so one township's
        # surplus never hides another's shortfall.
        township_rows = [
            _row(t, counts_under(t.code, len(path_codes(t.path)) - 1), standard, townships, staff_by_township)
            for t in townships.values()
        ]
        total.required = sum(r.required or 0 for r in township_rows)
        total.counted = sum(r.counted or 0 for r in township_rows)
        total.shortfall = sum(r.shortfall or 0 for r in township_rows)
    return StaffingReport(standard=standard, on=on, total=total, rows=rows)


def _row(
    node: Jurisdiction,
    counts: PlaceCounts,
    standard: StaffingStandard,
    townships: dict[str, Jurisdiction],
    staff_by_township: dict[str, int],
) -> StaffingRow:
    row = StaffingRow(node=node, counts=counts, workload=workload(counts, standard))
    if node.code in townships:
        row.required = required_staff(counts, standard)
        row.counted = staff_by_township.get(node.code, 0)
        row.shortfall = max(0, row.required - row.counted)
    return row


def _place_counts(node: Jurisdiction) -> dict[str, PlaceCounts]:
    grouped = (
        Place.objects.filter(
            jurisdiction_path__within=node.path,
            archived_at__isnull=True,
            # Only places in business count: a closed or demolished shop needs no inspector.
            occupancy_status=OccupancyStatus.OPERATING,
            kind__staffing_group__in=[g.value for g in GROUPS],
        )
        .values("jurisdiction_path", "kind__staffing_group")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_path: dict[str, PlaceCounts] = defaultdict(PlaceCounts)
    for entry in grouped:
        by_path[entry["jurisdiction_path"]].add(entry["kind__staffing_group"], entry["n"])
    return by_path


def _counted_staff(
    node: Jurisdiction, standard: StaffingStandard, on: date, township_codes: set[str]
) -> dict[str, int]:
    """Distinct people per township holding a counted position there on `on`."""
    kinds = list(standard.counted_position_kinds.values_list("id", flat=True))
    holders = (
        Position.objects.current(on)
        .filter(kind_id__in=kinds, jurisdiction_path__within=node.path)
        .values_list("jurisdiction_path", "person_id")
        .distinct()
        .order_by()
    )
    people: dict[str, set[int]] = defaultdict(set)
    for path, person_id in holders:
        township = next((code for code in path_codes(path) if code in township_codes), None)
        if township is not None:
            people[township].add(person_id)
    return {code: len(ids) for code, ids in people.items()}
