"""Overdue roll-ups per child node at township, village and grid level.

The small demo county already holds places, so each test compares the counts before and
after adding places whose due dates it controls.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import GRID_A, TOWNSHIP_A, VILLAGE_A
from jurisdictions.models import Jurisdiction
from places.models import Place, PlaceKind
from risk.rollup import RollupRow, rollup, totals
from risk.tests.conftest import make_place

pytestmark = pytest.mark.django_db

COUNTED = ("total", "due_soon", "overdue_self", "overdue_supervision")


def counts_by_node(node_code: str) -> dict[tuple[str, bool], dict[str, int]]:
    rows = rollup(Jurisdiction.unscoped.get(code=node_code), timezone.localdate())
    return {(row.node.code, row.direct): row.counts for row in rows}


def added(before: dict, after: dict, key: tuple[str, bool]) -> tuple[int, ...]:
    old = before.get(key, {})
    return tuple(after[key][name] - old.get(name, 0) for name in COUNTED)


@pytest.fixture
def other_grid() -> Jurisdiction:
    grid = Jurisdiction.unscoped.filter(parent__code=VILLAGE_A).exclude(code=GRID_A).order_by("code").first()
    assert grid is not None
    return grid


def add_places(industrial: PlaceKind, rental: PlaceKind, other_grid: Jurisdiction) -> None:
    today = timezone.localdate()
    late_self = make_place(industrial, GRID_A, name="自查逾期厂")
    late_sup = make_place(rental, GRID_A, name="监督逾期房")
    soon = make_place(rental, other_grid.code, name="即将到期房")
    make_place(rental, other_grid.code, name="正常房")
    gone = make_place(rental, GRID_A, name="已拆除房", occupancy_status="demolished")
    make_place(rental, VILLAGE_A, name="村直属房")
    Place.unscoped.filter(pk=late_self.pk).update(next_self_inspection_due=today - timedelta(days=1))
    Place.unscoped.filter(pk=late_sup.pk).update(next_supervision_due=today - timedelta(days=40))
    Place.unscoped.filter(pk=soon.pk).update(next_self_inspection_due=today + timedelta(days=7))
    Place.unscoped.filter(pk=gone.pk).update(next_self_inspection_due=today - timedelta(days=9))


def test_village_rollup_counts_per_grid(industrial: PlaceKind, rental: PlaceKind, other_grid: Jurisdiction) -> None:
    before = counts_by_node(VILLAGE_A)
    add_places(industrial, rental, other_grid)
    after = counts_by_node(VILLAGE_A)
    # total, due within 7 days, self-inspection overdue, supervision overdue; the demolished place is not counted
    assert added(before, after, (GRID_A, False)) == (2, 0, 1, 1)
    assert added(before, after, (other_grid.code, False)) == (2, 1, 0, 0)
    assert added(before, after, (VILLAGE_A, True)) == (1, 0, 0, 0)
    village = Jurisdiction.unscoped.get(code=VILLAGE_A)
    assert sum(c["total"] for c in after.values()) == totals(village, timezone.localdate())["total"]


def test_township_and_grid_rollups_add_up(industrial: PlaceKind, rental: PlaceKind, other_grid: Jurisdiction) -> None:
    township_before, grid_before = counts_by_node(TOWNSHIP_A), counts_by_node(GRID_A)
    add_places(industrial, rental, other_grid)
    township_after, grid_after = counts_by_node(TOWNSHIP_A), counts_by_node(GRID_A)
    assert added(township_before, township_after, (VILLAGE_A, False)) == (5, 1, 1, 1)
    assert list(grid_after) == [(GRID_A, True)]  # a grid has no children: one "direct" row
    assert added(grid_before, grid_after, (GRID_A, True)) == (2, 0, 1, 1)
    village_row = township_after[(VILLAGE_A, False)]
    assert sum(village_row[g] for g in ("major", "large", "general", "low", "ungraded")) == village_row["total"]


def test_children_without_places_show_zeros() -> None:
    rows: list[RollupRow] = rollup(Jurisdiction.unscoped.get(code=TOWNSHIP_A), timezone.localdate())
    villages = Jurisdiction.unscoped.filter(parent__code=TOWNSHIP_A, archived_at__isnull=True).count()
    assert len([r for r in rows if not r.direct]) == villages
    assert all(set(COUNTED) <= set(r.counts) for r in rows)


def test_rollup_is_one_query_for_counts(django_assert_max_num_queries: Any) -> None:
    township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    with django_assert_max_num_queries(2):
        rollup(township, timezone.localdate())
