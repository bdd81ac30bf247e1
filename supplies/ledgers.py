"""Supply ledgers (物资台账): supplies (export, template, import), storage points and movements (export).

Supplies natural key: (储备点所属辖区代码, 储备点, 名称, 规格型号, 批次). The storage point is
named by its jurisdiction code and name (names are unique within a jurisdiction).

The 库存数量 column never writes a balance directly. A new row's quantity becomes an
"in" movement (台账导入期初入库); a different quantity on an existing row becomes a
stocktake (台账导入盘点) that records the difference; an empty cell leaves the balance.
So after any import the balance still equals the sum of the movements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import QuerySet

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from supplies import actions
from supplies.choices import ExpiryState, MovementKind, OwnerType, StoragePointKind
from supplies.models import StockMovement, StoragePoint, Supply, SupplyCategory
from yingji import actions as base_actions
from yingji.ledgers import CREATED, UNCHANGED, UPDATED, CellError, Column, Ledger, Outcome, ParsedRow, RowError

EXPORT_CHUNK = 1000
_CODE_RE = re.compile(r"^\d{6,20}$")
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
OWNER_IN = {str(label): value for value, label in OwnerType.choices}
IMPORT_IN_REASON = "台账导入期初入库"
IMPORT_STOCKTAKE_REASON = "台账导入盘点"


def parse_code(value: str) -> str:
    if not _CODE_RE.match(value):
        raise CellError("辖区代码应为数字（统计用区划代码），例如 330225001001")
    return value


def parse_date(value: str) -> date:
    text = value.split(" ")[0]
    match = _DATE_RE.match(text)
    if not match:
        raise CellError("日期格式应为 YYYY-MM-DD，例如 2026-05-01")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError("不是有效的日期；请核对年月日") from None


def parse_count(value: str) -> int:
    try:
        number = float(value)
    except ValueError:
        raise CellError("应为不小于 0 的整数") from None
    if number < 0 or number != int(number):
        raise CellError("应为不小于 0 的整数")
    return int(number)


def parse_owner(value: str) -> str:
    owner = OWNER_IN.get(value) or (value if value in OwnerType.values else None)
    if owner is None:
        raise CellError(f"储备方式请填写：{'、'.join(OWNER_IN)}")
    return owner


def category_names() -> list[str]:
    return list(SupplyCategory.objects.order_by("sort_order", "code").values_list("name", flat=True))


SUPPLY_LEDGER = Ledger(
    name="物资台账",
    columns=(
        Column("jurisdiction_code", "储备点辖区代码", aliases=("辖区代码", "所属辖区代码"), parse=parse_code, required=True, text=True, example="330225001001", width=16, help="储备点所在辖区的区划代码"),
        Column("storage_point", "储备点", aliases=("储备点名称", "存放地点", "仓库"), required=True, max_length=100, example="丹城社区应急物资储备点", width=24, help="该辖区已登记的储备点名称；新储备点请先在“储备点”页面登记"),
        Column("name", "名称", aliases=("物资名称", "品名"), required=True, max_length=60, example="救生衣", width=14),
        Column("category", "类别", aliases=("物资类别",), required=True, choices=category_names, example="救生", width=12),
        Column("specification", "规格型号", aliases=("规格", "型号"), max_length=100, example="成人款 150N", width=16),
        Column("batch", "批次", aliases=("批号",), max_length=40, example="2025-06", width=12),
        Column("unit", "单位", max_length=10, example="件", width=8),
        Column("quantity", "库存数量", aliases=("数量", "库存"), parse=parse_count, example="20", width=10, help="新物资：作为期初入库；已有物资：与现库存不同则登记一笔盘点（记录差额）；留空不改库存"),
        Column("production_date", "生产日期", parse=parse_date, example="2025-06-01", width=12),
        Column("shelf_life_days", "保质期（天）", aliases=("保质期",), parse=parse_count, example="", width=10, help="未填有效期时，按生产日期加保质期计算"),
        Column("expiry_date", "有效期至", aliases=("有效期", "失效日期"), parse=parse_date, example="2030-05-31", width=12),
        Column("owner_type", "储备方式", parse=parse_owner, choices=tuple(OWNER_IN), example="政府储备", width=12),
        Column("agreement_party", "协议单位", max_length=100, example="", width=20, help="协议储备必填"),
        Column("agreement_end_date", "协议到期日", parse=parse_date, example="", width=12),
        Column("low_stock_threshold", "低库存阈值", parse=parse_count, example="10", width=10),
        Column("item_code", "品目代码", max_length=40, example="life_jacket", width=14, help="选填；与配备标准品目代码一致时按代码匹配"),
        Column("jurisdiction_name", "所属辖区", importable=False, width=14),
        Column("expiry_state", "有效期状态", importable=False, width=10),
        Column("note", "备注", example="", width=20),
    ),
    natural_key=("jurisdiction_code", "storage_point", "name", "specification", "batch"),
    field_columns={"storage_point": "storage_point", "category": "category", "jurisdiction": "jurisdiction_code"},
    notes=(
        "同一储备点内名称、规格型号、批次都相同的视为同一物资：已登记的按本行更新，未登记的新增。",
        "库存数量不会被直接改写：新物资的数量登记为“期初入库”，已有物资数量不同登记为“盘点”（记录差额），出入库记录完整可查。",
        "某一列整列不存在时，不修改该项；列存在但单元格为空，会清空该项（库存数量留空表示不改库存）。",
        "导入不会归档物资；归档请在物资页面操作（库存须为 0）。",
    ),
)

def parse_coordinate(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise CellError("应为数字（WGS-84 经纬度，例如 121.87 / 29.47）") from None


def parse_point_kind(value: str) -> str:
    kinds = {str(label): kind for kind, label in StoragePointKind.choices}
    kind = kinds.get(value) or (value if value in StoragePointKind.values else None)
    if kind is None:
        raise CellError(f"类型请填写：{'、'.join(kinds)}")
    return kind


def parse_keeper_mobile(value: str) -> str:
    value = re.sub(r"[\s\-－]", "", value)
    if "*" not in value and not re.match(r"^1\d{10}$", value):
        raise CellError("保管人手机号应为 11 位手机号；须是已登记人员的手机号")
    return value


POINT_LEDGER = Ledger(
    name="储备点台账",
    columns=(
        Column("jurisdiction_code", "辖区代码", aliases=("所属辖区代码",), parse=parse_code, required=True, text=True, example="330225001001", width=16),
        Column("jurisdiction_name", "所属辖区", importable=False, width=14),
        Column("name", "名称", aliases=("储备点", "储备点名称"), required=True, max_length=100, example="丹城社区应急物资储备点", width=24),
        Column("kind", "类型", parse=parse_point_kind, required=True, choices=tuple(str(label) for _v, label in StoragePointKind.choices), example="村级储备点", width=14),
        Column("address", "地址", max_length=200, example="丹城社区居委会一楼", width=28),
        Column("lng", "经度", parse=parse_coordinate, example="121.87", width=11),
        Column("lat", "纬度", parse=parse_coordinate, example="29.47", width=11),
        Column("keeper", "保管人", importable=False, width=10),
        Column(
            "keeper_mobile",
            "保管人手机号",
            parse=parse_keeper_mobile,
            text=True,
            example="13800000000",
            width=15,
            help="已登记人员的手机号，按此找到保管人；留空表示不指定；导出的脱敏号码原样导回表示不修改",
        ),
        Column("keeper_phone", "保管人电话", max_length=20, text=True, width=14, help="不填时使用保管人的手机号"),
        Column("supplies", "物资种数", importable=False, width=9),
        Column("note", "备注", width=20),
    ),
    natural_key=("jurisdiction_code", "name"),
    field_columns={"jurisdiction": "jurisdiction_code", "keeper": "keeper_mobile"},
    notes=(
        "同一辖区内名称相同的储备点视为同一个：已登记的按本行更新，未登记的新增。",
        "导入不会归档储备点，也不会把储备点改到其他辖区。",
    ),
)

MOVEMENT_LEDGER = Ledger(
    name="出入库记录",
    columns=(
        Column("at", "发生时间", width=18),
        Column("jurisdiction_code", "辖区代码", text=True, width=16),
        Column("storage_point", "储备点", width=22),
        Column("supply", "物资", width=18),
        Column("batch", "批次", width=10),
        Column("kind", "类型", width=8),
        Column("quantity", "数量", width=8),
        Column("delta", "库存变化", width=9),
        Column("balance_after", "变动后库存", width=10),
        Column("unit", "单位", width=6),
        Column("to_storage_point", "调入储备点", width=22),
        Column("reason", "事由", width=30),
        Column("actor_name", "经办人", width=12),
    ),
)

SUPPLY_FIELDS = (
    "specification",
    "unit",
    "production_date",
    "shelf_life_days",
    "expiry_date",
    "owner_type",
    "agreement_party",
    "agreement_end_date",
    "low_stock_threshold",
    "item_code",
    "note",
)
NULLABLE = {"production_date", "shelf_life_days", "expiry_date", "agreement_end_date", "low_stock_threshold"}


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def export_rows(supplies: QuerySet[Supply]) -> Iterator[dict[str, Any]]:
    rows = supplies.select_related("jurisdiction", "storage_point", "category").defer("jurisdiction__boundary")
    for supply in rows.iterator(chunk_size=EXPORT_CHUNK):
        yield {
            "jurisdiction_code": supply.jurisdiction.code,
            "jurisdiction_name": supply.jurisdiction.name,
            "storage_point": supply.storage_point.name,
            "name": supply.name,
            "category": supply.category.name,
            "specification": supply.specification,
            "batch": supply.batch,
            "unit": supply.unit,
            "quantity": supply.quantity,
            "production_date": _iso(supply.production_date),
            "shelf_life_days": supply.shelf_life_days if supply.shelf_life_days is not None else "",
            "expiry_date": _iso(supply.expiry_date),
            "owner_type": supply.get_owner_type_display(),
            "agreement_party": supply.agreement_party,
            "agreement_end_date": _iso(supply.agreement_end_date),
            "low_stock_threshold": supply.low_stock_threshold if supply.low_stock_threshold is not None else "",
            "item_code": supply.item_code,
            "expiry_state": str(ExpiryState(supply.expiry_state()).label),
            "note": supply.note,
        }


def point_rows(points: QuerySet[StoragePoint], user: Any) -> Iterator[dict[str, Any]]:
    """Ledger rows of storage points; phone numbers masked for roles that may not see them."""
    from django.db.models import Count, Q

    from people.protection import mask_mobile

    full = user.can(Capability.SEE_MOBILE)
    rows = (
        points.select_related("jurisdiction", "keeper")
        .defer("jurisdiction__boundary", "keeper__id_number_sealed")
        .annotate(supply_count=Count("supplies", filter=Q(supplies__archived_at__isnull=True)))
    )
    for point in rows.iterator(chunk_size=EXPORT_CHUNK):
        keeper_mobile = point.keeper.mobile if point.keeper else ""
        yield {
            "jurisdiction_code": point.jurisdiction.code,
            "jurisdiction_name": point.jurisdiction.name,
            "name": point.name,
            "kind": point.get_kind_display(),
            "address": point.address,
            "lng": point.lng if point.lng is not None else "",
            "lat": point.lat if point.lat is not None else "",
            "keeper": point.keeper.name if point.keeper else "",
            "keeper_mobile": keeper_mobile if full or not keeper_mobile else mask_mobile(keeper_mobile),
            "keeper_phone": point.keeper_phone if full or not point.keeper_phone else mask_mobile(point.keeper_phone),
            "supplies": point.supply_count,
            "note": point.note,
        }


def movement_rows(movements: QuerySet[StockMovement]) -> Iterator[dict[str, Any]]:
    from django.utils import timezone

    rows = movements.select_related("jurisdiction", "supply", "supply__storage_point", "to_storage_point").defer(
        "jurisdiction__boundary"
    )
    for movement in rows.iterator(chunk_size=EXPORT_CHUNK):
        yield {
            "at": timezone.localtime(movement.at).strftime("%Y-%m-%d %H:%M"),
            "jurisdiction_code": movement.jurisdiction.code,
            "storage_point": movement.supply.storage_point.name,
            "supply": str(movement.supply),
            "batch": movement.supply.batch,
            "kind": movement.get_kind_display(),
            "quantity": movement.quantity,
            "delta": movement.delta,
            "balance_after": movement.balance_after,
            "unit": movement.supply.unit,
            "to_storage_point": movement.to_storage_point.name if movement.to_storage_point else "",
            "reason": movement.reason,
            "actor_name": movement.actor_name,
        }


class SupplyImporter:
    """Creates and updates supplies; quantities go through movements (see the module docstring)."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.points: dict[tuple[str, str], StoragePoint] = {}
        self.categories: dict[str, SupplyCategory] = {}
        self.supplies: dict[tuple[int, str, str, str], Supply] = {}
        # The toolkit's duplicate check skips keys with empty parts (blank specification or
        # batch are normal here), so rows of this file are remembered by key as well.
        self.rows_seen: dict[tuple[int, str, str, str], int] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        codes = {r.get("jurisdiction_code") for r in rows} - {""}
        nodes = Jurisdiction.objects.filter(code__in=codes).defer("boundary")
        points = StoragePoint.objects.filter(jurisdiction__in=list(nodes)).select_related("jurisdiction").defer("jurisdiction__boundary")
        self.points = {(p.jurisdiction.code, p.name): p for p in points}
        for category in SupplyCategory.objects.all():
            self.categories[category.name] = self.categories[category.code] = category
        existing = Supply.objects.filter(storage_point__in=list(self.points.values()))
        self.supplies = {(s.storage_point_id, s.name, s.specification, s.batch): s for s in existing}

    def apply(self, row: ParsedRow) -> Outcome:
        point = self.points.get((row.get("jurisdiction_code"), row.get("storage_point")))
        if point is None:
            raise RowError(
                "storage_point",
                f"辖区 {row.get('jurisdiction_code')} 没有名为“{row.get('storage_point')}”的储备点，或不在您的辖区范围内；请先登记储备点或核对名称",
            )
        if point.archived_at is not None:
            raise RowError("storage_point", f"储备点“{point.name}”已归档；请先恢复")
        category = self.categories.get(row.get("category"))
        if category is None:
            raise RowError("category", f"类别“{row.get('category')}”不存在；可选：{'、'.join(category_names())}")
        fields: dict[str, Any] = {"category": category}
        for name in SUPPLY_FIELDS:
            if row.has(name):
                value = row.get(name)
                fields[name] = None if (value == "" and name in NULLABLE) else value
        if fields.get("owner_type") == "":
            fields["owner_type"] = OwnerType.GOVERNMENT
        if fields.get("unit") == "":
            fields["unit"] = "个"
        key = (point.pk, row.get("name"), row.get("specification"), row.get("batch"))
        if key in self.rows_seen:
            raise RowError(
                "name",
                f"与第 {self.rows_seen[key]} 行重复（储备点、名称、规格型号、批次都相同）；同一物资只能占一行，请合并或删除其中一行",
            )
        self.rows_seen[key] = row.number
        supply = self.supplies.get(key)
        quantity = row.get("quantity") if row.has("quantity") else ""
        if supply is None:
            supply = actions.create_supply(
                by=self.user,
                storage_point=point,
                name=row.get("name"),
                batch=row.get("batch"),
                initial_quantity=int(quantity or 0),
                reason=IMPORT_IN_REASON,
                **fields,
            )
            self.supplies[key] = supply
            return Outcome(CREATED, f"{point.name}：{supply}{f' 期初 {supply.quantity}{supply.unit}' if quantity else ''}")
        if supply.archived_at is not None:
            raise RowError("name", f"“{supply}”已归档；请先在物资页面恢复后再导入")
        changes = {k: v for k, v in fields.items() if getattr(supply, k) != v}
        labels = [SUPPLY_LEDGER.column(k).header for k in changes]
        if changes:
            supply = actions.update_supply(supply, by=self.user, **changes)
        if quantity != "" and quantity != supply.quantity:
            before = supply.quantity
            actions.record_movement(supply, by=self.user, kind=MovementKind.STOCKTAKE, quantity=quantity, reason=IMPORT_STOCKTAKE_REASON)
            labels.append(f"库存 {before}→{quantity}（盘点）")
        if not labels:
            return Outcome(UNCHANGED)
        return Outcome(UPDATED, f"{point.name}：{supply}：{'、'.join(labels)}")


class StoragePointImporter:
    """Creates and updates storage points by (辖区代码, 名称); the keeper is found by mobile."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.nodes: dict[str, Jurisdiction] = {}
        self.points: dict[tuple[str, str], StoragePoint] = {}
        self.people: dict[str, list[Any]] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        from people.models import Person

        codes = {r.get("jurisdiction_code") for r in rows} - {""}
        self.nodes = {n.code: n for n in Jurisdiction.objects.active().filter(code__in=codes).defer("boundary")}
        points = StoragePoint.objects.filter(jurisdiction__in=list(self.nodes.values())).select_related("jurisdiction")
        self.points = {(p.jurisdiction.code, p.name): p for p in points.defer("jurisdiction__boundary")}
        mobiles = {r.get("keeper_mobile") for r in rows} - {""}
        for person in Person.objects.active().filter(mobile__in=mobiles).only("id", "name", "mobile", "jurisdiction_path"):
            self.people.setdefault(person.mobile, []).append(person)

    def _keeper(self, mobile: str, node: Jurisdiction) -> Any:
        candidates = self.people.get(mobile, [])
        if len(candidates) > 1:
            related = [p for p in candidates if node.path.startswith(p.jurisdiction_path) or p.jurisdiction_path.startswith(node.path)]
            candidates = related if related else candidates
        if not candidates:
            raise RowError("keeper_mobile", f"没有找到手机号为 {mobile} 的已登记人员（或不在您的辖区范围内）；请先在“人员”中登记保管人")
        if len(candidates) > 1:
            raise RowError("keeper_mobile", f"手机号 {mobile} 对应多名人员，无法确定保管人；请在储备点页面选择")
        return candidates[0]

    def apply(self, row: ParsedRow) -> Outcome:
        code = row.get("jurisdiction_code")
        node = self.nodes.get(code)
        if node is None:
            raise RowError("jurisdiction_code", f"辖区代码 {code} 不存在、已撤销或不在您的辖区范围内；请核对代码")
        fields: dict[str, Any] = {"kind": row.get("kind")}
        for name in ("address", "lng", "lat", "keeper_phone", "note"):
            if row.has(name):
                value = row.get(name)
                fields[name] = None if value == "" and name in ("lng", "lat") else value
        mobile = row.get("keeper_mobile") if row.has("keeper_mobile") else None
        if mobile is not None and "*" not in mobile:
            fields["keeper"] = self._keeper(mobile, node) if mobile else None
        point = self.points.get((code, row.get("name")))
        if point is None:
            point = actions.create_storage_point(by=self.user, jurisdiction=node, name=row.get("name"), **fields)
            self.points[(code, point.name)] = point
            return Outcome(CREATED, f"{node.name}：{point.name}")
        changes = {k: v for k, v in fields.items() if getattr(point, k) != v}
        if not changes:
            return Outcome(UNCHANGED)
        actions.update_storage_point(point, by=self.user, **changes)
        labels = [POINT_LEDGER.column("keeper_mobile" if k == "keeper" else k).header for k in changes]
        return Outcome(UPDATED, f"{node.name}：{point.name}：修改{'、'.join(labels)}")
