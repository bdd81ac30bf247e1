"""OASIS CAP 1.2 messages of warnings, built with the standard library's ElementTree.

ElementTree escapes every text node and attribute, so user-written titles and measures
cannot break the XML. The colour → urgency/severity/certainty mapping is our decision
(rules.md §5.4: no regulation defines one); it is written down in docs/warnings.md.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from shapely.geometry import shape

from earlywarning.choices import Level, MessageType
from earlywarning.models import EarlyWarning, WarningMessage
from jurisdictions.models import Jurisdiction

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CHINA = timezone.get_fixed_timezone(8 * 60)

# Our decision (docs/warnings.md): 一级/二级 call for action now; 三级/四级 within hours.
LEVEL_TO_CAP: dict[str, tuple[str, str, str]] = {
    Level.RED: ("Immediate", "Extreme", "Likely"),
    Level.ORANGE: ("Immediate", "Severe", "Likely"),
    Level.YELLOW: ("Expected", "Moderate", "Likely"),
    Level.BLUE: ("Expected", "Minor", "Likely"),
}
MSG_TYPES = {
    MessageType.ALERT: "Alert",
    MessageType.UPDATE: "Update",
    MessageType.EXTEND: "Update",
    MessageType.LIFT: "Cancel",
    MessageType.EXPIRE: "Cancel",
}
GEOCODE_NAME = "CN-STATS-AREA-CODE"  # 统计用区划代码 (county 6 digits = GB/T 2260)
EVENT_CODE_NAME = "CMA-SIGNAL"  # 气象预警信号类型代码 + 级别代码 (01 蓝 … 04 红)
CMA_LEVEL_CODES = {Level.BLUE: "01", Level.YELLOW: "02", Level.ORANGE: "03", Level.RED: "04"}
MAX_AREA_POLYGONS = 50
SIMPLIFY_DEGREES = 0.0005  # ≈ 50 m: keeps boundary polygons small enough for broadcast systems


def cap_time(value: datetime) -> str:
    """Whole seconds with the +08:00 offset, as the schema's pattern requires."""
    return value.astimezone(CHINA).replace(microsecond=0).isoformat()


def sender_of(warning: EarlyWarning) -> str:
    domain = getattr(settings, "CAP_SENDER_DOMAIN", "yingji.local")
    return f"{warning.jurisdiction.code}@{domain}"


def identifier_of(warning: EarlyWarning, sequence: int) -> str:
    return f"YJ-{warning.jurisdiction.code}-{warning.pk}-{sequence}"


def _ring(coords: list[Any]) -> str:
    """A CAP polygon: "lat,lon" pairs separated by spaces, first point repeated last."""
    points = [(float(lon), float(lat)) for lon, lat, *_ in coords]
    if points and points[0] != points[-1]:
        points.append(points[0])
    return " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in points)


def polygons_of(geometry: dict[str, Any], simplify: bool = False) -> list[str]:
    """Outer rings of a GeoJSON Polygon/MultiPolygon as CAP polygons."""
    geom = shape(geometry)
    if simplify:
        geom = geom.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    parts = list(getattr(geom, "geoms", [geom]))
    return [_ring(list(part.exterior.coords)) for part in parts if not part.is_empty]


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def build_cap(
    warning: EarlyWarning,
    *,
    msg_type: str = MessageType.ALERT,
    sequence: int | None = None,
    sent: datetime | None = None,
    earlier: list[WarningMessage] | None = None,
    area_nodes: list[Jurisdiction] | None = None,
) -> str:
    """The CAP 1.2 XML of one message about `warning` (by default its latest state as an Alert)."""
    sequence = warning.sequence if sequence is None else sequence
    sent = sent or timezone.now()
    nodes = area_nodes if area_nodes is not None else list(warning.area_nodes.all())
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", identifier_of(warning, sequence))
    _sub(alert, "sender", sender_of(warning))
    _sub(alert, "sent", cap_time(sent))
    _sub(alert, "status", "Actual" if warning.state != "draft" else "Draft")
    _sub(alert, "msgType", MSG_TYPES[MessageType(msg_type)])
    _sub(alert, "scope", "Public")
    if msg_type == MessageType.LIFT:
        _sub(alert, "note", "预警解除")
    elif msg_type == MessageType.EXPIRE:
        _sub(alert, "note", "预警到期")
    if earlier:
        refs = [f"{sender_of(warning)},{identifier_of(warning, m.sequence)},{cap_time(m.created_at)}" for m in earlier]
        _sub(alert, "references", " ".join(refs))

    urgency, severity, certainty = LEVEL_TO_CAP[Level(warning.level)]
    cancelling = msg_type in (MessageType.LIFT, MessageType.EXPIRE)
    info = _sub(alert, "info")
    _sub(info, "language", "zh-CN")
    _sub(info, "category", warning.kind.cap_category or "Other")
    _sub(info, "event", f"{warning.kind.name}预警")
    _sub(info, "responseType", "AllClear" if cancelling else "Prepare")
    _sub(info, "urgency", "Past" if cancelling else urgency)
    _sub(info, "severity", severity)
    _sub(info, "certainty", certainty)
    if warning.kind.cma_code:
        code = _sub(info, "eventCode")
        _sub(code, "valueName", EVENT_CODE_NAME)
        _sub(code, "value", f"{warning.kind.cma_code}{CMA_LEVEL_CODES[Level(warning.level)]}")
    if warning.starts_at:
        _sub(info, "effective", cap_time(warning.starts_at))
    if warning.ends_at:
        _sub(info, "expires", cap_time(warning.ends_at))
    _sub(info, "senderName", warning.issuing_unit or warning.jurisdiction.name)
    _sub(info, "headline", warning.title[:160])
    if warning.watch_for:
        _sub(info, "description", warning.watch_for)
    if warning.measures:
        _sub(info, "instruction", warning.measures)
    level_param = _sub(info, "parameter")
    _sub(level_param, "valueName", "LEVEL")
    _sub(level_param, "value", f"{warning.get_level_display()}")

    area = _sub(info, "area")
    description = warning.area_description or "、".join(node.name for node in nodes) or warning.jurisdiction.name
    _sub(area, "areaDesc", description)
    if warning.area_polygon:
        for polygon in polygons_of(warning.area_polygon):
            _sub(area, "polygon", polygon)
    elif len(nodes) <= MAX_AREA_POLYGONS:
        for node in nodes:
            if node.boundary:
                for polygon in polygons_of(node.boundary, simplify=True):
                    _sub(area, "polygon", polygon)
    for node in nodes:
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", GEOCODE_NAME)
        _sub(geocode, "value", node.code)
    body = ET.tostring(alert, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


# --- reading an upstream CAP message to pre-fill a draft ------------------------------------

SEVERITY_TO_LEVEL = {"Extreme": Level.RED, "Severe": Level.ORANGE, "Moderate": Level.YELLOW, "Minor": Level.BLUE}
COLOUR_WORDS = {"红色": Level.RED, "橙色": Level.ORANGE, "黄色": Level.YELLOW, "蓝色": Level.BLUE}
LEVEL_FROM_CMA = {code: level for level, code in CMA_LEVEL_CODES.items()}
MAX_CAP_BYTES = 512 * 1024


class CapError(ValueError):
    """The text is not a CAP 1.2 alert we can read; the message says what is wrong."""


def _text(parent: ET.Element, tag: str) -> str:
    return (parent.findtext(f"{{{CAP_NS}}}{tag}") or "").strip()


def _cap_datetime(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise CapError(f"时间格式有误：{value}") from exc


def _polygon_geojson(text: str) -> dict[str, Any] | None:
    """A CAP polygon ("lat,lon lat,lon …") as a GeoJSON Polygon ([lon, lat])."""
    try:
        ring = [[float(lon), float(lat)] for lat, lon in (pair.split(",")[:2] for pair in text.split())]
    except ValueError as exc:
        raise CapError("多边形坐标格式有误，应为“纬度,经度”以空格分隔") from exc
    if len(ring) < 4:
        return None
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def parse_cap(xml: str, kinds: list[Any]) -> dict[str, Any]:
    """Read a CAP 1.2 alert into draft fields: kind, level, title, content, validity, area.

    Refuses DTDs (no entity tricks) and anything that is not a CAP 1.2 alert. The kind is
    found by the CMA signal code in an eventCode, else by the kind's name in the event or
    headline (longest names first, so 道路结冰 wins over shorter names); the level by the
    CMA level code, a colour word, else the severity (the reverse of our mapping).
    """
    if len(xml.encode()) > MAX_CAP_BYTES:
        raise CapError("CAP 报文过大（超过 512 KB）")
    if "<!DOCTYPE" in xml or "<!ENTITY" in xml:
        raise CapError("不接受带 DTD 的 XML")
    try:
        root = ET.fromstring(xml)  # noqa: S314 - DTDs refused above; expat ≥ 2.4 limits entity expansion
    except ET.ParseError as exc:
        raise CapError(f"不是合法的 XML：{exc}") from exc
    if root.tag != f"{{{CAP_NS}}}alert":
        raise CapError("不是 CAP 1.2 报文（根元素应为 urn:oasis:names:tc:emergency:cap:1.2 的 alert）")
    info = root.find(f"{{{CAP_NS}}}info")
    if info is None:
        raise CapError("CAP 报文没有 info，无法预填预警")
    event, headline = _text(info, "event"), _text(info, "headline")
    codes = {
        _text(code, "valueName"): _text(code, "value") for code in info.findall(f"{{{CAP_NS}}}eventCode")
    }
    signal = codes.get(EVENT_CODE_NAME, "")
    kind = next((k for k in kinds if signal and k.cma_code and signal[:2] == k.cma_code), None)
    if kind is None:
        words = f"{event} {headline}"
        kind = next((k for k in sorted(kinds, key=lambda k: -len(k.name)) if k.name in words), None)
    level = LEVEL_FROM_CMA.get(signal[2:4]) if len(signal) >= 4 else None
    if level is None:
        level = next((lv for word, lv in COLOUR_WORDS.items() if word in f"{event}{headline}"), None)
    if level is None:
        level = SEVERITY_TO_LEVEL.get(_text(info, "severity"))
    area = info.find(f"{{{CAP_NS}}}area")
    polygon, geocodes, area_desc = None, [], ""
    if area is not None:
        area_desc = _text(area, "areaDesc")
        first = area.findtext(f"{{{CAP_NS}}}polygon")
        polygon = _polygon_geojson(first) if first else None
        geocodes = [_text(g, "value") for g in area.findall(f"{{{CAP_NS}}}geocode") if _text(g, "value")]
    return {
        "kind": kind,
        "level": str(level) if level else "",
        "title": (headline or event)[:120],
        "watch_for": _text(info, "description"),
        "measures": _text(info, "instruction"),
        "starts_at": _cap_datetime(_text(info, "effective") or _text(info, "onset") or _text(root, "sent")),
        "ends_at": _cap_datetime(_text(info, "expires")),
        "issuing_unit": _text(info, "senderName")[:100],
        "area_description": area_desc[:300],
        "area_polygon": polygon,
        "geocodes": geocodes,
        "identifier": _text(root, "identifier"),
    }
