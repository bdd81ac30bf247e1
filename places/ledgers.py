"""The place ledger (场所台账): Excel export of the place list and import of places.

Natural key: the unified social credit code when the row has one, otherwise name +
address. A row whose key matches a place the user can see updates it; otherwise the row
registers a new place. Location: longitude/latitude in the chosen coordinate system
(WGS-84 by default, GCJ-02 for 高德/腾讯, BD-09 for 百度) decide the grid by
point-in-polygon; 所属辖区代码 is needed only without coordinates, or with a 人工落格原因.
Every change goes through `places.actions`, so capabilities, validation and the audit
trail are the same as for the forms. Files above `BACKGROUND_THRESHOLD` rows are checked
and imported by the worker (`yingji.ledgers.background`), with progress shown on the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from people.protection import mask_mobile
from people.validators import validate_mobile
from places import actions, locating
from places.choices import LocationSource, OccupancyStatus
from places.coords import CoordSystem, to_wgs84
from places.models import Place, PlaceKind
from places.validators import normalize_credit_code, validate_credit_code
from yingji import actions as base_actions
from yingji.ledgers import CREATED, UNCHANGED, UPDATED, CellError, Column, Ledger, Outcome, ParsedRow, RowError

EXPORT_CHUNK = 1000
BACKGROUND_THRESHOLD = 500  # rows; larger files are checked and imported by the worker
MAX_ROWS = 50_000
MAX_BYTES = 30 * 1024 * 1024
_CODE_RE = re.compile(r"^\d{6,20}$")
_NOISE = re.compile(r"[\s\-－]")
_UNITS = re.compile(r"(㎡|m²|m2|平方米|平米|米|m|人|张|间|层|个|座)$", re.IGNORECASE)
YES = {"是", "有", "Y", "YES", "TRUE", "1", "√", "✓"}
NO = {"否", "无", "N", "NO", "FALSE", "0", "×"}
COORD_SYSTEM_IN = {
    "WGS84": CoordSystem.WGS84, "WGS-84": CoordSystem.WGS84, "CGCS2000": CoordSystem.WGS84, "GPS": CoordSystem.WGS84,
    "天地图": CoordSystem.WGS84, "GCJ02": CoordSystem.GCJ02, "GCJ-02": CoordSystem.GCJ02, "高德": CoordSystem.GCJ02,
    "腾讯": CoordSystem.GCJ02, "火星坐标": CoordSystem.GCJ02, "BD09": CoordSystem.BD09, "BD-09": CoordSystem.BD09,
    "百度": CoordSystem.BD09,
}
COORD_SYSTEM_OUT = {CoordSystem.WGS84: "WGS-84", CoordSystem.GCJ02: "GCJ-02", CoordSystem.BD09: "BD-09"}
OCCUPANCY_IN = {str(label): value for value, label in OccupancyStatus.choices} | {v: v for v in OccupancyStatus.values}


def ascii_text(value: str) -> str:
    """Full-width digits, letters and punctuation (typed with a Chinese IME) as ASCII."""
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in value).replace("\u3000", " ").strip()


def parse_decimal(value: str) -> Decimal:
    text = _UNITS.sub("", ascii_text(value).replace(",", "")).strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"“{value}”不是数字；请只填数字，例如 350 或 12.5") from exc
    if number < 0:
        raise CellError("不能为负数")
    return number


def parse_int(value: str) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError(f"“{value}”应为整数")
    return int(number)


def parse_coordinate(value: str) -> float:
    text = ascii_text(value).replace("°", "")
    try:
        return float(text)
    except ValueError as exc:
        raise CellError(f"“{value}”不是经纬度；请填写十进制度数，例如 121.8723（不要用度分秒）") from exc


def parse_bool(value: str) -> bool:
    text = ascii_text(value).upper()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError("请填写“是”或“否”")


def parse_credit_code(value: str) -> str:
    code = normalize_credit_code(value)
    validate_credit_code(code)
    return code


class MaskedMobile(str):
    """A mobile as masked exports show it (138****0000): means "leave as it is"."""

    __slots__ = ()


def parse_mobile(value: str) -> str:
    text = _NOISE.sub("", ascii_text(value))
    if "*" in text:
        return MaskedMobile(text)
    if text.startswith("+86"):
        text = text[3:]
    validate_mobile(text)
    return text


def parse_code(value: str) -> str:
    text = ascii_text(value)
    if not _CODE_RE.match(text):
        raise CellError("辖区代码应为 6～15 位数字（统计用区划代码），例如 330225001001001；可在“辖区”页面查到")
    return text


def parse_coord_system(value: str) -> str:
    system = COORD_SYSTEM_IN.get(ascii_text(value).upper()) or COORD_SYSTEM_IN.get(value.strip())
    if system is None:
        raise CellError("坐标系请填写 WGS-84、GCJ-02（高德/腾讯）或 BD-09（百度）；留空按 WGS-84")
    return str(system)


def parse_occupancy(value: str) -> str:
    status = OCCUPANCY_IN.get(value.strip())
    if status is None:
        raise CellError("经营状态请填写：营业、停业或拆除")
    return str(status)


def kind_names() -> list[str]:
    return list(PlaceKind.objects.filter(active=True).order_by("sort_order", "code").values_list("name", flat=True))


def _mobile(key: str, header: str) -> Column:
    return Column(key, header, parse=parse_mobile, text=True, width=14, mask=mask_mobile, help="11 位手机号，可留空")


def _number(key: str, header: str, *, integer: bool = True, aliases: tuple[str, ...] = ()) -> Column:
    return Column(key, header, aliases=aliases, parse=parse_int if integer else parse_decimal, width=10, help="数字，可留空")


PLACES_LEDGER = Ledger(
    name="场所台账",
    columns=(
        Column("name", "名称", aliases=("单位名称", "场所名称", "企业名称"), required=True, max_length=100,
               example="象山县丹东街道惠民小吃店", width=28),
        Column("kind", "场所类型", aliases=("类型", "场所类别"), required=True, parse=str.strip, choices=kind_names,
               example="小餐饮场所", width=18, help="类型名称或代码，从下拉列表中选择"),
        Column("credit_code", "统一社会信用代码", aliases=("信用代码", "社会信用代码", "统一代码"), parse=parse_credit_code,
               text=True, example="", width=22,
               help="18 位，按 GB 32100 校验最后一位；有代码的以代码识别同一单位，没有的以名称+地址识别"),
        Column("address", "地址", aliases=("详细地址", "场所地址", "经营地址"), required=True, max_length=200,
               example="象山县丹东街道丹阳路 18 号", width=30),
        Column("jurisdiction_code", "所属辖区代码", aliases=("辖区代码", "网格代码", "区划代码"), parse=parse_code, text=True,
               example="330225001001001", width=17,
               help="有经纬度时可留空（按坐标自动落格）；没有坐标或人工指定落格时必填，只能填本账号辖区内的代码"),
        Column("jurisdiction_name", "所属辖区", width=16, importable=False, help="导出时附带，导入时不读取"),
        Column("lng", "经度", aliases=("东经",), parse=parse_coordinate, example="121.8723", width=12),
        Column("lat", "纬度", aliases=("北纬",), parse=parse_coordinate, example="29.4768", width=12),
        Column("coord_system", "坐标系", parse=parse_coord_system, choices=("WGS-84", "GCJ-02", "BD-09"), example="WGS-84",
               width=10, help="留空为 WGS-84（GPS、天地图）；高德、腾讯地图取点填 GCJ-02；百度地图取点填 BD-09"),
        Column("override_reason", "人工落格原因", aliases=("落格原因",), max_length=200, width=20,
               help="填写则按“所属辖区代码”落格，不按坐标；留空则按坐标自动落格"),
        Column("location_source", "落格方式", importable=False, width=14, help="导出时附带，导入时不读取"),
        Column("legal_rep_name", "法定代表人/主要负责人", aliases=("法定代表人", "主要负责人", "负责人"), max_length=40, width=12),
        _mobile("legal_rep_mobile", "法定代表人手机号"),
        Column("fire_responsible_name", "消防安全责任人", max_length=40, width=12),
        _mobile("fire_responsible_mobile", "消防安全责任人手机号"),
        Column("fire_manager_name", "消防安全管理人", max_length=40, width=12),
        _mobile("fire_manager_mobile", "消防安全管理人手机号"),
        _number("floor_area", "建筑面积（㎡）", integer=False, aliases=("建筑面积", "面积")),
        _number("floors", "层数"),
        _number("building_height", "建筑高度（m）", integer=False, aliases=("建筑高度",)),
        _number("employees", "从业人数", aliases=("员工人数", "职工人数")),
        _number("beds", "床位数"),
        _number("rooms", "房间数", aliases=("客房数",)),
        _number("seats", "座位/餐位数", aliases=("餐位数", "座位数")),
        Column("has_dormitory", "设有员工宿舍", parse=parse_bool, choices=("是", "否"), width=8),
        Column("stores_hazardous_goods", "涉及危险化学品/易燃易爆物品", aliases=("涉危化品",), parse=parse_bool,
               choices=("是", "否"), width=8),
        Column("is_key_unit", "消防安全重点单位", aliases=("重点单位",), parse=parse_bool, choices=("是", "否"), width=8),
        Column("occupancy_status", "经营状态", parse=parse_occupancy, choices=("营业", "停业", "拆除"), example="营业", width=8),
        Column("tags", "标签", max_length=400, width=16, help="多个标签用逗号或顿号分隔"),
        Column("note", "备注", width=24),
        Column("risk_grade", "风险等级", importable=False, width=10, help="由风险评估得出，导入时不读取"),
        Column("next_self_inspection_due", "下次自查截止", importable=False, width=12),
        Column("next_supervision_due", "下次监督检查截止", importable=False, width=12),
    ),
    field_columns={"jurisdiction": "jurisdiction_code", "kind": "kind", "location_override_reason": "override_reason"},
    notes=(
        "有统一社会信用代码的以代码识别同一单位，没有代码的以“名称+地址”识别：已登记的按本行更新，未登记的新增。",
        "有经纬度时按坐标自动确定所属网格；没有坐标时填写“所属辖区代码”；要人工指定所属辖区，同时填写“人工落格原因”。",
        "某一列整列不存在时，不修改该项；列存在但单元格为空，会清空该项。手机号保留导出的脱敏号码表示不修改。",
        f"超过 {BACKGROUND_THRESHOLD} 行的文件在后台检查和导入，页面显示进度；仍然是全部导入或全部不导入。",
        "导入只新增或更新场所，不会归档场所。",
    ),
    max_rows=MAX_ROWS,
    max_bytes=MAX_BYTES,
)

PLAIN_FIELDS = (
    "name", "address", "legal_rep_name", "fire_responsible_name", "fire_manager_name", "floor_area", "floors",
    "building_height", "employees", "beds", "rooms", "seats", "has_dormitory", "stores_hazardous_goods", "is_key_unit",
    "tags", "note",
)
MOBILE_COLUMNS = ("legal_rep_mobile", "fire_responsible_mobile", "fire_manager_mobile")
LOCATION_COLUMNS = ("lng", "lat", "coord_system", "jurisdiction_code", "override_reason")


# --- export -------------------------------------------------------------------------------


def export_rows(places: QuerySet[Place], user: Any) -> Iterator[dict[str, Any]]:
    """Ledger rows for a (scoped, filtered) place queryset; mobiles masked unless the user may see them."""
    full = user.can(Capability.SEE_MOBILE)
    for place in places.select_related("kind", "jurisdiction").defer("jurisdiction__boundary").iterator(chunk_size=EXPORT_CHUNK):
        row: dict[str, Any] = {
            "name": place.name,
            "kind": place.kind.name,
            "credit_code": place.credit_code,
            "address": place.address,
            "jurisdiction_code": place.jurisdiction.code,
            "jurisdiction_name": place.jurisdiction.name,
            "lng": place.lng,
            "lat": place.lat,
            "coord_system": "WGS-84" if place.lng is not None else "",
            "override_reason": place.location_override_reason,
            "location_source": place.get_location_source_display(),
            "legal_rep_name": place.legal_rep_name,
            "fire_responsible_name": place.fire_responsible_name,
            "fire_manager_name": place.fire_manager_name,
            "floor_area": place.floor_area,
            "floors": place.floors,
            "building_height": place.building_height,
            "employees": place.employees,
            "beds": place.beds,
            "rooms": place.rooms,
            "seats": place.seats,
            "has_dormitory": "是" if place.has_dormitory else "否",
            "stores_hazardous_goods": "是" if place.stores_hazardous_goods else "否",
            "is_key_unit": "是" if place.is_key_unit else "否",
            "occupancy_status": place.get_occupancy_status_display(),
            "tags": "、".join(place.tags or []),
            "note": place.note,
            "risk_grade": place.get_risk_grade_display() if place.risk_grade else "",
            "next_self_inspection_due": place.next_self_inspection_due,
            "next_supervision_due": place.next_supervision_due,
        }
        for key in MOBILE_COLUMNS:
            value = getattr(place, key)
            row[key] = value if full or not value else mask_mobile(value)
        yield row


# --- import -------------------------------------------------------------------------------


def natural_key(values: dict[str, Any]) -> tuple[str, ...] | None:
    code = values.get("credit_code") or ""
    if code:
        return ("code", code)
    name, address = values.get("name") or "", values.get("address") or ""
    return ("name", name, address) if name and address else None


class PlacesImporter:
    """Creates and updates places for the rows of a place ledger, through `places.actions`."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.kinds: dict[str, PlaceKind] = {}
        self.nodes: dict[str, Jurisdiction] = {}
        self.by_code: dict[str, Place] = {}
        self.by_name: dict[tuple[str, str], list[Place]] = {}
        self.first_row: dict[tuple[str, ...], int] = {}
        self.index: locating.BoundaryIndex | None = None

    def prepare(self, rows: list[ParsedRow]) -> None:
        """Every kind, code and existing place the file mentions, in a few scoped queries; the boundary index once."""
        for kind in PlaceKind.objects.all():
            self.kinds[kind.name] = self.kinds[kind.code] = kind
        codes = {r.get("jurisdiction_code") for r in rows} - {""}
        self.nodes = {n.code: n for n in Jurisdiction.objects.active().filter(code__in=codes).defer("boundary")}
        credit_codes = {r.get("credit_code") for r in rows} - {""}
        names = {r.get("name") for r in rows if not r.get("credit_code")}
        existing = Place.objects.filter(credit_code__in=credit_codes) | Place.objects.filter(name__in=names, credit_code="")
        for place in existing.select_related("kind", "jurisdiction").defer("jurisdiction__boundary").order_by("id"):
            if place.credit_code:
                self.by_code.setdefault(place.credit_code, place)
            else:
                self.by_name.setdefault((place.name, place.address), []).append(place)
        for row in rows:
            key = natural_key(row.values)
            if key is not None:
                self.first_row.setdefault(key, row.number)
        if any(row.get("lng") != "" for row in rows):
            self.index = locating.boundary_index()

    def apply(self, row: ParsedRow) -> Outcome:
        key = natural_key(row.values)
        if key is not None and self.first_row.get(key, row.number) != row.number:
            column = "credit_code" if key[0] == "code" else "address"
            what = "统一社会信用代码" if key[0] == "code" else "名称和地址"
            raise RowError(column, f"与第 {self.first_row[key]} 行重复（{what}相同）；同一场所只能占一行，请合并或删除其中一行")
        existing = self._existing(row)
        if existing is None:
            place = self._create(row)
            return Outcome(CREATED, f"{place.name}（{place.kind.name}，{place.jurisdiction.name}）")
        return self._update(existing, row)

    def _existing(self, row: ParsedRow) -> Place | None:
        if row.get("credit_code"):
            return self.by_code.get(row.get("credit_code"))
        matches = self.by_name.get((row.get("name"), row.get("address")), [])
        if len(matches) > 1:
            raise RowError("name", f"已有 {len(matches)} 个同名同地址的场所，无法确定更新哪一个；请填写统一社会信用代码，或先归档重复登记的场所")
        return matches[0] if matches else None

    def _kind(self, row: ParsedRow) -> PlaceKind:
        text = row.get("kind")
        kind = self.kinds.get(text)
        if kind is None:
            names = "、".join(k.name for k in dict.fromkeys(self.kinds.values()) if k.active)
            raise RowError("kind", f"场所类型“{text}”不存在；请从下拉列表中选择：{names}")
        return kind

    def _node(self, row: ParsedRow) -> Jurisdiction | None:
        code = row.get("jurisdiction_code")
        if not code:
            return None
        node = self.nodes.get(code)
        if node is None:
            raise RowError("jurisdiction_code", f"辖区代码 {code} 不存在、已撤销或不在您的辖区范围内；请核对代码（可在“辖区”页面查到）")
        return node

    def _mobiles(self, row: ParsedRow, place: Place | None) -> dict[str, str]:
        values: dict[str, str] = {}
        for key in MOBILE_COLUMNS:
            if not row.has(key):
                continue
            value = row.get(key)
            if isinstance(value, MaskedMobile):
                if place is None or mask_mobile(getattr(place, key)) != value:
                    raise RowError(key, "手机号是脱敏显示的，无法导入；请填写完整的 11 位手机号，或保留原导出内容表示不修改")
                continue
            values[key] = value
        return values

    def _fields(self, row: ParsedRow, place: Place | None) -> dict[str, Any]:
        fields = {k: row.get(k) for k in PLAIN_FIELDS if row.has(k)}
        for key in ("floors", "employees", "beds", "rooms", "seats", "floor_area", "building_height"):
            if fields.get(key) == "":
                fields[key] = None
        for key in ("has_dormitory", "stores_hazardous_goods", "is_key_unit"):
            if fields.get(key) == "":
                fields[key] = False
        if row.has("credit_code"):
            fields["credit_code"] = row.get("credit_code")
        fields.update(self._mobiles(row, place))
        return fields

    def _create(self, row: ParsedRow) -> Place:
        kind = self._kind(row)
        lng, lat = row.get("lng", None), row.get("lat", None)
        place = actions.create_place(
            by=self.user,
            kind=kind,
            jurisdiction=self._node(row),
            lng=None if lng == "" else lng,
            lat=None if lat == "" else lat,
            coord_system=row.get("coord_system") or CoordSystem.WGS84,
            override_reason=row.get("override_reason"),
            index=self.index,
            **{k: v for k, v in self._fields(row, None).items() if k not in ("name", "address")},
            name=row.get("name"),
            address=row.get("address"),
        )
        if row.get("occupancy_status") and row.get("occupancy_status") != place.occupancy_status:
            place = actions.set_occupancy_status(place, by=self.user, status=row.get("occupancy_status"))
        if place.credit_code:
            self.by_code.setdefault(place.credit_code, place)
        return place

    def _location_changes(self, row: ParsedRow, place: Place) -> dict[str, Any]:
        if not any(row.has(k) for k in LOCATION_COLUMNS):
            return {}
        lng = row.get("lng", None) if row.has("lng") else place.lng
        lat = row.get("lat", None) if row.has("lat") else place.lat
        lng, lat = (None if lng == "" else lng), (None if lat == "" else lat)
        system = row.get("coord_system") or CoordSystem.WGS84
        if lng is not None and lat is not None and row.has("lng"):
            lng, lat = to_wgs84(float(lng), float(lat), system)
        reason = row.get("override_reason") if row.has("override_reason") else place.location_override_reason
        node = self._node(row) if row.has("jurisdiction_code") else None
        same_point = (lng, lat) == (place.lng, place.lat)
        same_reason = (reason or "") == place.location_override_reason
        node_fits = node is None or place.jurisdiction_path.startswith(node.path)
        manual_same = place.location_source != LocationSource.MANUAL or node is None or node.pk == place.jurisdiction_id
        if same_point and same_reason and node_fits and manual_same:
            return {}
        return {"lng": lng, "lat": lat, "coord_system": CoordSystem.WGS84, "jurisdiction": node, "override_reason": reason or ""}

    def _update(self, place: Place, row: ParsedRow) -> Outcome:
        changes: dict[str, Any] = {}
        if row.has("kind"):
            kind = self._kind(row)
            if kind.pk != place.kind_id:
                changes["kind"] = kind
        for key, value in self._fields(row, place).items():
            current = getattr(place, key)
            if isinstance(current, Decimal) and value is not None:
                value = Decimal(str(value)).quantize(Decimal("0.1"))
            if key == "tags":
                value = actions.clean_tags(value)
            if current != value:
                changes[key] = value
        location = self._location_changes(row, place)
        status = row.get("occupancy_status") if row.has("occupancy_status") else ""
        if not changes and not location and (not status or status == place.occupancy_status):
            return Outcome(UNCHANGED)
        if place.archived_at is not None:
            raise RowError("", f"{place.name}已归档；请先在场所页面恢复后再导入修改，或删除此行")
        labels = [PLACES_LEDGER.header_of(k) for k in changes]
        place = actions.update_place(place, by=self.user, index=self.index, **changes, **location)
        if location:
            labels.append("位置")
        if status and status != place.occupancy_status:
            place = actions.set_occupancy_status(place, by=self.user, status=status)
            labels.append("经营状态")
        return Outcome(UPDATED, f"{place.name}：修改{'、'.join(labels)}")
