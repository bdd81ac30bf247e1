"""Small GeoJSON helpers (WGS-84) for boundaries; shapely does the geometry."""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

ALLOWED_TYPES = {"Polygon", "MultiPolygon"}


def validate_geometry(geometry: dict[str, Any]) -> None:
    """Raise ValueError with a readable reason if this is not a valid WGS-84 polygon."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ALLOWED_TYPES:
        raise ValueError("边界必须是 GeoJSON 的 Polygon 或 MultiPolygon 几何对象")
    try:
        geom = shape(geometry)
    except Exception as exc:
        raise ValueError(f"边界坐标格式有误：{exc}") from exc
    min_x, min_y, max_x, max_y = geom.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise ValueError("边界坐标超出经纬度范围（应为 WGS-84 经度、纬度）")
    if not geom.is_valid:
        raise ValueError(f"边界多边形无效：{explain_validity(geom)}")


def bbox_of(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    return tuple(shape(geometry).bounds)


def centroid_of(geometry: dict[str, Any]) -> tuple[float, float]:
    """A point inside the polygon (a label point), not merely its centre of mass."""
    point = shape(geometry).representative_point()
    return round(point.x, 6), round(point.y, 6)


def to_geojson(geom: Any, precision: int = 6) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON dict with rounded coordinates."""

    def rnd(coords: Any) -> Any:
        if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
            return [round(float(c), precision) for c in coords]
        return [rnd(c) for c in coords]

    data = mapping(geom)
    return {"type": data["type"], "coordinates": rnd(data["coordinates"])}
