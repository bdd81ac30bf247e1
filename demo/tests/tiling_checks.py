"""Shared assertion: children tile their parent (cover it, do not overlap, all valid)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree

from jurisdictions.geometry import validate_geometry

# Coordinates live on a 1e-6° grid (about 0.1 m): where a cell edge meets the parent's
# edge, the new vertex snaps up to 0.5e-6° off it, which leaves slivers narrower than one
# grid step along the parent's edge. So the area the children miss (or add) must stay
# below perimeter × grid step. Siblings share their edges exactly: they do not overlap.
GRID_STEP = 1e-6
OVERLAP_TOLERANCE = 1e-9


def assert_tiles(parent: dict[str, Any], children: Sequence[dict[str, Any]], label: str) -> None:
    for child in children:
        validate_geometry(child)
    parent_shape = shape(parent)
    shapes = [shape(child) for child in children]
    union = shapely.union_all(shapes)
    uncovered = parent_shape.symmetric_difference(union).area
    allowed = parent_shape.length * GRID_STEP
    assert uncovered < allowed, f"{label}: children miss or exceed the parent by {uncovered:.2e} (> {allowed:.2e})"
    tree = STRtree(shapes)
    overlap = 0.0
    for i, child in enumerate(shapes):
        for j in tree.query(child):
            if j > i:
                overlap += child.intersection(shapes[j]).area
    assert overlap / parent_shape.area < OVERLAP_TOLERANCE, f"{label}: children overlap by {overlap:.2e}"
