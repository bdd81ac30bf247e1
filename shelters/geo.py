"""Coordinates and route geometry of shelters: input systems converted to the WGS-84 we store."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.core.exceptions import ValidationError
from shapely.geometry import LineString, shape

from places.coords import CoordSystem, distance_m, to_wgs84

# The county's rough box; a point outside is almost always swapped lng/lat or a typo.
CHINA_LNG = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
MAX_ROUTE_POINTS = 2000


def point_to_wgs84(lng: float | None, lat: float | None, system: str = CoordSystem.WGS84) -> tuple[float | None, float | None]:
    """Check and convert a point; both or neither coordinate must be given."""
    if lng is None and lat is None:
        return None, None
    if lng is None or lat is None:
        raise ValidationError({"lng": "经度和纬度要同时填写，或都留空"})
    if system not in CoordSystem.values:
        raise ValidationError({"coord_system": f"坐标系应为 {', '.join(CoordSystem.values)} 之一"})
    if not (CHINA_LNG[0] <= lng <= CHINA_LNG[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        raise ValidationError({"lng": f"坐标 ({lng}, {lat}) 不在中国境内；请检查经纬度是否填反（经度约 121.8，纬度约 29.4）"})
    return to_wgs84(lng, lat, system)


def parse_line(raw: Any, system: str = CoordSystem.WGS84) -> dict[str, Any]:
    """A GeoJSON LineString (or a Feature holding one, or its text), converted to WGS-84.

    Refuses anything else with a message that says what was expected.
    """
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ValidationError({"geometry": "路线不是合法的 GeoJSON 文本"}) from exc
    if isinstance(raw, dict) and raw.get("type") == "FeatureCollection":
        features = raw.get("features") or []
        if len(features) != 1:
            raise ValidationError({"geometry": "GeoJSON 文件应只含一条路线（一个 LineString 要素）"})
        raw = features[0]
    if isinstance(raw, dict) and raw.get("type") == "Feature":
        raw = raw.get("geometry")
    if not isinstance(raw, dict) or raw.get("type") != "LineString":
        raise ValidationError({"geometry": "路线应为 GeoJSON LineString（线），例如 {\"type\": \"LineString\", \"coordinates\": [[121.87, 29.47], [121.88, 29.48]]}"})
    coords = raw.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise ValidationError({"geometry": "路线至少需要两个点"})
    if len(coords) > MAX_ROUTE_POINTS:
        raise ValidationError({"geometry": f"路线点数过多（最多 {MAX_ROUTE_POINTS} 个），请简化后再导入"})
    points: list[list[float]] = []
    for item in coords:
        if not (isinstance(item, list | tuple) and len(item) >= 2 and all(isinstance(v, int | float) for v in item[:2])):
            raise ValidationError({"geometry": "路线的每个点应为 [经度, 纬度]"})
        lng, lat = point_to_wgs84(float(item[0]), float(item[1]), system)
        points.append([lng, lat])  # type: ignore[list-item]  # both set: inputs were not None
    line = shape({"type": "LineString", "coordinates": points})
    if not isinstance(line, LineString) or not line.is_valid or line.length == 0:
        raise ValidationError({"geometry": "路线无效（所有点重合）"})
    return {"type": "LineString", "coordinates": points}


def line_length_m(geometry: dict[str, Any]) -> int:
    coords = geometry.get("coordinates", [])
    return round(sum(distance_m((a[0], a[1]), (b[0], b[1])) for a, b in itertools.pairwise(coords)))
