"""The shelter ledger (避灾安置场所台账): Excel export and import.

Natural key: (所属辖区代码, 场所名称). Two shelters of one village never share a name in
practice (“东门村文化礼堂”), while the same name (“中心小学”) recurs across townships, so the
jurisdiction is part of the key. Coordinates in the file may be WGS-84, GCJ-02 or BD-09
(column 坐标系); they are stored as WGS-84. Status and occupancy are not imported: they
change only through the occupancy board, which keeps the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from people.ledgers import parse_code
from people.protection import mask_mobile
from places.coords import CoordSystem
from shelters import actions
from shelters.choices import Facility, ShelterKind
from shelters.geo import point_to_wgs84
from shelters.models import Shelter
from yingji import actions as base_actions
from yingji.ledgers import CREATED, UNCHANGED, UPDATED, CellError, Column, Ledger, Outcome, ParsedRow, RowError

KIND_IN = {str(label): value for value, label in ShelterKind.choices}
FACILITY_IN = {str(label): value for value, label in Facility.choices} | {v: v for v in Facility.values}
SYSTEM_IN = {"WGS-84": CoordSystem.WGS84, "WGS84": CoordSystem.WGS84, "GCJ-02": CoordSystem.GCJ02, "GCJ02": CoordSystem.GCJ02,
             "BD-09": CoordSystem.BD09, "BD09": CoordSystem.BD09, "高德": CoordSystem.GCJ02, "百度": CoordSystem.BD09}


def parse_kind(value: str) -> str:
    if value in KIND_IN:
        return KIND_IN[value]
    if value in ShelterKind.values:
        return value
    raise CellError(f"场所类型请从下拉列表中选择：{'、'.join(KIND_IN)}")


def parse_count(value: str) -> int:
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise CellError("请填写人数（整数），例如 200") from exc
    if number < 0 or number != number.to_integral_value():
        raise CellError("人数应为不小于 0 的整数")
    return int(number)


def parse_area(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise CellError("面积请填写数字（平方米），例如 850") from exc
    if number <= 0:
        raise CellError("面积应大于 0")
    return number.quantize(Decimal("0.1"))


def parse_degree(value: str) -> float:
    try:
        return float(value)
    except ValueError as exc:
        raise CellError("请填写十进制度数，例如 121.8765") from exc


def parse_facilities(value: str) -> list[str]:
    parts = [p.strip() for p in value.replace("，", "、").replace(",", "、").replace("；", "、").split("、") if p.strip()]
    unknown = [p for p in parts if p not in FACILITY_IN]
    if unknown:
        raise CellError(f"未知的配套设施“{'、'.join(unknown)}”；可填：{'、'.join(str(label) for _v, label in Facility.choices)}，用顿号分隔")
    return [FACILITY_IN[p] for p in parts]


def parse_system(value: str) -> str:
    system = SYSTEM_IN.get(value.upper()) or SYSTEM_IN.get(value)
    if system is None:
        raise CellError("坐标系请填 WGS-84、GCJ-02（高德）或 BD-09（百度）；留空为 WGS-84")
    return str(system)


SHELTER_LEDGER = Ledger(
    name="避灾安置场所台账",
    columns=(
        Column("jurisdiction_code", "所属辖区代码", aliases=("辖区代码",), parse=parse_code, required=True, text=True, example="330225001001", width=17),
        Column("jurisdiction_name", "所属辖区", importable=False, width=14),
        Column("name", "场所名称", aliases=("名称",), required=True, max_length=100, example="东门村文化礼堂", width=22),
        Column("kind", "场所类型", aliases=("类型",), parse=parse_kind, choices=list(KIND_IN), required=True, example="文化礼堂", width=12),
        Column("address", "地址", max_length=200, example="丹东街道东门村文化路 8 号", width=28),
        Column("lng", "经度", parse=parse_degree, example="121.8765", width=12),
        Column("lat", "纬度", parse=parse_degree, example="29.4763", width=12),
        Column("coord_system", "坐标系", parse=parse_system, choices=("WGS-84", "GCJ-02", "BD-09"), exportable=False, example="WGS-84", width=10,
               help="经纬度取自哪种地图：GPS/天地图填 WGS-84，高德/腾讯填 GCJ-02，百度填 BD-09；留空为 WGS-84"),
        Column("capacity_day", "白天容量", aliases=("白天容量（人）",), parse=parse_count, example="300", width=10),
        Column("capacity_night", "夜间容量", aliases=("夜间容量（人）", "容量"), parse=parse_count, required=True, example="200", width=10),
        Column("area_m2", "面积（㎡）", aliases=("面积",), parse=parse_area, example="850", width=10),
        Column("facilities", "配套设施", parse=parse_facilities, example="供水、供电/备用电源、卫生间", width=30, help="用顿号分隔"),
        Column("responsible_name", "负责人", max_length=40, example="王建国", width=10),
        Column("responsible_phone", "负责人电话", max_length=20, text=True, example="13805740001", width=15),
        Column("status", "状态", importable=False, width=8),
        Column("occupancy", "当前安置人数", importable=False, width=10),
        Column("note", "备注", width=20),
    ),
    natural_key=("jurisdiction_code", "name"),
    field_columns={"jurisdiction": "jurisdiction_code"},
    notes=(
        "同一所属辖区内名称相同的场所视为同一场所：已登记的按本行更新，未登记的新增。",
        "状态和当前安置人数只读：请在场所页面的安置登记中开放、登记入住和离开。",
        "经纬度按“坐标系”一列换算后以 WGS-84 保存；导出的台账一律是 WGS-84。",
    ),
)

FIELDS = ("name", "kind", "address", "capacity_day", "capacity_night", "area_m2", "facilities", "responsible_name", "responsible_phone", "note")


def export_rows(shelters: QuerySet[Shelter], user: Any) -> Iterator[dict[str, Any]]:
    full = user.can(Capability.SEE_MOBILE)
    for shelter in shelters.select_related("jurisdiction").defer("jurisdiction__boundary").iterator(chunk_size=1000):
        yield {
            "jurisdiction_code": shelter.jurisdiction.code,
            "jurisdiction_name": shelter.jurisdiction.name,
            "name": shelter.name,
            "kind": shelter.get_kind_display(),
            "address": shelter.address,
            "lng": shelter.lng,
            "lat": shelter.lat,
            "capacity_day": shelter.capacity_day,
            "capacity_night": shelter.capacity_night,
            "area_m2": float(shelter.area_m2) if shelter.area_m2 is not None else None,
            "facilities": "、".join(shelter.facility_labels),
            "responsible_name": shelter.responsible_name,
            "responsible_phone": shelter.responsible_phone if full else mask_mobile(shelter.responsible_phone) if shelter.responsible_phone else "",
            "status": shelter.get_status_display(),
            "occupancy": shelter.occupancy,
            "note": shelter.note,
        }


class ShelterImporter:
    """Creates and updates shelters row by row through `shelters.actions`."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.nodes: dict[str, Jurisdiction] = {}
        self.existing: dict[tuple[int, str], Shelter] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        codes = {r.get("jurisdiction_code") for r in rows} - {""}
        self.nodes = {n.code: n for n in Jurisdiction.objects.active().filter(code__in=codes).defer("boundary")}
        names = {r.get("name") for r in rows}
        for shelter in Shelter.objects.filter(jurisdiction__in=list(self.nodes.values()), name__in=names):
            self.existing[(shelter.jurisdiction_id, shelter.name)] = shelter

    def apply(self, row: ParsedRow) -> Outcome:
        code = row.get("jurisdiction_code")
        node = self.nodes.get(code)
        if node is None:
            raise RowError("jurisdiction_code", f"辖区代码 {code} 不存在、已撤销或不在您的辖区范围内；请核对代码")
        if "*" in (row.get("responsible_phone") or ""):
            raise RowError("responsible_phone", "负责人电话是脱敏显示的；请填写完整号码，或删除此列表示不修改")
        location: dict[str, Any] = {}
        if row.has("lng") or row.has("lat"):
            location = {"lng": row.get("lng") or None, "lat": row.get("lat") or None, "coord_system": row.get("coord_system") or CoordSystem.WGS84}
        shelter = self.existing.get((node.pk, row.get("name")))
        if shelter is None:
            fields = {f: row.get(f) for f in FIELDS if row.has(f) and row.get(f) not in ("", None)}
            shelter = actions.create_shelter(by=self.user, jurisdiction=node, **fields, **location)
            self.existing[(node.pk, shelter.name)] = shelter
            return Outcome(CREATED, f"{shelter.name}（{node.name}）")
        if shelter.archived_at is not None:
            raise RowError("name", f"{shelter.name}已归档；请先在场所页面恢复后再导入修改")
        changes = {f: row.get(f) for f in FIELDS if row.has(f)}
        changes = {k: (v if v != "" else (None if k in ("area_m2",) else 0 if k.startswith("capacity") else [] if k == "facilities" else "")) for k, v in changes.items()}
        changes = {k: v for k, v in changes.items() if getattr(shelter, k) != v}
        if location:
            lng, lat = point_to_wgs84(location["lng"], location["lat"], location["coord_system"])
            if not _same_point(lng, lat, shelter):
                changes.update(location)
        if not changes:
            return Outcome(UNCHANGED)
        labels = [SHELTER_LEDGER.column(k).header for k in changes if k in FIELDS or k in ("lng", "lat")]
        actions.update_shelter(shelter, by=self.user, **changes)
        return Outcome(UPDATED, f"{shelter.name}：修改{'、'.join(dict.fromkeys(labels))}")


def _same_point(lng: float | None, lat: float | None, shelter: Shelter) -> bool:
    if lng is None or lat is None or shelter.lng is None or shelter.lat is None:
        return lng is None and shelter.lng is None
    return abs(lng - shelter.lng) < 1e-7 and abs(lat - shelter.lat) < 1e-7
