"""Synthetic boundaries: a coastal county outline, tiled level by level with Voronoi cells.

Every level is cut from its parent (`tile`), so children cover the parent without gaps or
overlaps by construction. All arithmetic that reaches the database happens on a 1e-6°
grid (the 6 decimals stored in GeoJSON), so rounding cannot break validity or make
neighbours overlap.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeAlias

import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from jurisdictions.geometry import to_geojson

COORD_GRID = 1e-6  # the precision of stored coordinates (6 decimals)

# Where the synthetic 象山县 sits: a peninsula between 象山港 and 三门湾, joined to the
# mainland on its west side; everything stays inside lng 121.70–122.10, lat 29.10–29.65.
COUNTY_CENTER = (121.90, 29.375)
COUNTY_HALF_SIZE = (0.18, 0.25)  # degrees of lng, lat at radius 1
_MAX_RADIUS = 1.1  # keeps the outline inside the bounding box above
_LAND_BORDER_ANGLE = math.pi  # the west side borders 宁海县 on land: smoother, no bays

Area: TypeAlias = Polygon | MultiPolygon


def county_outline(rng: random.Random, vertices: int = 360) -> Polygon:
    """An irregular, coastal-looking county: wavy everywhere, bays and capes on the sea side.

    The outline is star-shaped around the centre (one radius per angle), which keeps the
    polygon simple whatever the noise.
    """
    harmonics = [(k, rng.uniform(0.02, 0.06) / math.sqrt(k), rng.uniform(0, math.tau)) for k in range(2, 7)]
    ripples = [(k, rng.uniform(0.01, 0.025) * 8 / k, rng.uniform(0, math.tau)) for k in range(8, 40, 3)]
    bays = [(rng.uniform(0, math.tau), rng.uniform(0.12, 0.3), rng.uniform(0.04, 0.1)) for _ in range(7)]
    points = []
    for i in range(vertices):
        angle = math.tau * i / vertices
        # 0 on the land border (west), 1 on the open coast.
        coast = (1 - math.cos(angle - _LAND_BORDER_ANGLE)) / 2
        radius = 0.92 + sum(a * math.sin(k * angle + phase) for k, a, phase in harmonics)
        radius += coast * sum(a * math.sin(k * angle + phase) for k, a, phase in ripples)
        for centre, depth, width in bays:
            gap = math.remainder(angle - centre, math.tau)
            radius -= coast * depth * math.exp(-((gap / width) ** 2))
        radius = min(max(radius, 0.45), _MAX_RADIUS)
        points.append(
            (
                COUNTY_CENTER[0] + COUNTY_HALF_SIZE[0] * radius * math.cos(angle),
                COUNTY_CENTER[1] + COUNTY_HALF_SIZE[1] * radius * math.sin(angle),
            )
        )
    return _single_polygon(clean(Polygon(points)))


def clean(geom: BaseGeometry) -> Area:
    """The polygonal part of a geometry, snapped to the stored grid and valid."""
    geom = shapely.set_precision(geom, COORD_GRID)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, (Polygon, MultiPolygon)) and not g.is_empty]
    polygons = [p for part in parts for p in getattr(part, "geoms", [part])]
    if not polygons:
        raise ValueError("geometry has no polygonal part")
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _single_polygon(area: Area) -> Polygon:
    return area if isinstance(area, Polygon) else max(area.geoms, key=lambda p: p.area)


def random_points_inside(area: Area, count: int, rng: random.Random) -> list[Point]:
    """`count` uniformly random points strictly inside `area` (rejection sampling)."""
    inner = area.buffer(-COORD_GRID * 20)
    target = inner if not inner.is_empty else area
    shapely.prepare(target)
    min_x, min_y, max_x, max_y = target.bounds
    points: list[Point] = []
    while len(points) < count:
        point = Point(rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
        if target.contains(point):
            points.append(point)
    return points


def inside_point(area: Area, point: Point) -> Point:
    """`point` if it lies inside `area`, else the nearest place a little inside it."""
    if area.contains(point):
        return point
    inner = area.buffer(-0.003)
    if inner.is_empty:
        return area.representative_point()
    return nearest_points(inner, point)[0]


def voronoi_cells(seeds: Sequence[Point], parent: Area) -> list[Area]:
    """The Voronoi cell of each seed (same order), clipped to `parent` on the stored grid."""
    diagram = shapely.voronoi_polygons(MultiPoint(list(seeds)), extend_to=parent, ordered=True)
    cells = list(diagram.geoms)
    if len(cells) != len(seeds):
        raise ValueError(f"Voronoi diagram has {len(cells)} cells for {len(seeds)} seeds")
    return [clean(shapely.intersection(cell, parent, grid_size=COORD_GRID)) for cell in cells]


def tile(
    parent: Area,
    count: int,
    rng: random.Random,
    *,
    seeds: Sequence[Point] | None = None,
    relax: int = 2,
) -> list[Area]:
    """Cut `parent` into `count` cells around random (or given) seeds.

    `relax` rounds of Lloyd relaxation move each seed to its cell's centre, which turns the
    slivers of a purely random diagram into cells of comparable size, as real villages are.
    """
    if count == 1:
        return [parent]
    points = list(seeds) if seeds is not None else random_points_inside(parent, count, rng)
    for _ in range(relax):
        cells = voronoi_cells(points, parent)
        points = [_centre_inside(cell, parent) for cell in cells]
    return voronoi_cells(points, parent)


def _centre_inside(cell: Area, parent: Area) -> Point:
    centroid = cell.centroid
    return centroid if parent.contains(centroid) and cell.contains(centroid) else cell.representative_point()


def as_geojson(area: Area) -> dict:
    """The GeoJSON stored in `Jurisdiction.boundary`, checked to stay valid after rounding."""
    data = to_geojson(area)
    if not shape(data).is_valid:  # pragma: no cover - the grid snapping makes this unreachable in practice
        data = to_geojson(clean(shape(data).buffer(0)))
    return data
