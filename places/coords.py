"""Coordinate systems used by Chinese map apps, converted to the WGS-84 we store.

- GCJ-02 (国测局坐标, "Mars coordinates"): Gaode/Amap, Tencent, most phone map apps in China.
  A published, deliberately obfuscating forward transform WGS-84 → GCJ-02.
- BD-09 (Baidu): a further published transform GCJ-02 → BD-09.

Only the forward transforms are published, so the way back is found by fixed-point
iteration: guess w, compare forward(w) with the input, move w by the difference. The
transforms are smooth with offsets of a few hundred metres, so a handful of steps reach
far below a centimetre. Outside mainland China's rough box the map apps use WGS-84 as it
is, and so do we.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by GCJ-02
_EE = 0.00669342162296594323  # its eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
_TOLERANCE = 1e-10  # degrees (~0.01 mm)
_MAX_STEPS = 30

Point = tuple[float, float]  # (lng, lat)


class CoordSystem(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84 / CGCS2000（GPS、天地图）")
    GCJ02 = "gcj02", _("GCJ-02（高德、腾讯地图）")
    BD09 = "bd09", _("BD-09（百度地图）")


def out_of_china(lng: float, lat: float) -> bool:
    """The box outside which GCJ-02 is not applied (the same box the map apps use)."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: float, lat: float) -> Point:
    """The published forward transform; identity outside China."""
    if out_of_china(lng, lat):
        return lng, lat
    d_lat = _shift_lat(lng - 105.0, lat - 35.0)
    d_lng = _shift_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lng + d_lng, lat + d_lat


def gcj02_to_bd09(lng: float, lat: float) -> Point:
    """Baidu's published forward transform from GCJ-02."""
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def _invert(forward: Callable[[float, float], Point], lng: float, lat: float) -> Point:
    """Solve forward(w) = (lng, lat) for w by fixed-point iteration from w = input."""
    guess_lng, guess_lat = lng, lat
    for _step in range(_MAX_STEPS):
        got_lng, got_lat = forward(guess_lng, guess_lat)
        d_lng, d_lat = got_lng - lng, got_lat - lat
        guess_lng, guess_lat = guess_lng - d_lng, guess_lat - d_lat
        if abs(d_lng) < _TOLERANCE and abs(d_lat) < _TOLERANCE:
            break
    return guess_lng, guess_lat


def gcj02_to_wgs84(lng: float, lat: float) -> Point:
    if out_of_china(lng, lat):
        return lng, lat
    return _invert(wgs84_to_gcj02, lng, lat)


def bd09_to_gcj02(lng: float, lat: float) -> Point:
    return _invert(gcj02_to_bd09, lng, lat)


def bd09_to_wgs84(lng: float, lat: float) -> Point:
    gcj_lng, gcj_lat = bd09_to_gcj02(lng, lat)
    if out_of_china(gcj_lng, gcj_lat):
        return gcj_lng, gcj_lat
    return gcj02_to_wgs84(gcj_lng, gcj_lat)


def to_wgs84(lng: float, lat: float, system: str = CoordSystem.WGS84) -> Point:
    """Convert a point given in `system` to WGS-84, rounded to 7 decimals (~1 cm)."""
    if system == CoordSystem.GCJ02:
        lng, lat = gcj02_to_wgs84(lng, lat)
    elif system == CoordSystem.BD09:
        lng, lat = bd09_to_wgs84(lng, lat)
    elif system != CoordSystem.WGS84:
        raise ValueError(f"unknown coordinate system {system!r}")
    return round(lng, 7), round(lat, 7)


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine), for tests and sanity checks."""
    lng1, lat1, lng2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))
