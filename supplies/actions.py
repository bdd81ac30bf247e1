"""Every change to storage points, supplies, stock and kit templates goes through these functions.

The balance rule: a supply's `quantity` changes only in `record_movement`, which locks the
supply row, computes the movement's signed effect, refuses a negative balance, and writes
the movement and the new balance in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from supplies.choices import OUTGOING, REASON_REQUIRED, MovementKind, OwnerType
from supplies.models import KitTemplateItem, StockMovement, StoragePoint, Supply
from yingji import actions

POINT_EDITABLE = ("name", "kind", "address", "lng", "lat", "keeper", "keeper_phone", "note", "jurisdiction")
SUPPLY_EDITABLE = (
    "name",
    "category",
    "item_code",
    "specification",
    "unit",
    "batch",
    "production_date",
    "shelf_life_days",
    "expiry_date",
    "owner_type",
    "agreement_party",
    "agreement_end_date",
    "low_stock_threshold",
    "note",
)
KIT_ITEM_EDITABLE = ("name", "group", "item_code", "category", "keywords", "required_quantity", "expiry_matters", "sort_order")
QUANTITY_REFUSED = "库存数量是出入库记录的结果，不能直接修改；请登记入库、出库、调拨、损耗或盘点"
INITIAL_REASON = "期初入库"


# --- storage points -----------------------------------------------------------------------


def _check_point(point: StoragePoint) -> None:
    errors: dict[str, str] = {}
    if (point.lng is None) != (point.lat is None):
        errors["lng"] = "经度和纬度需同时填写或同时留空"
    if point.lng is not None and not -180 <= point.lng <= 180:
        errors["lng"] = "经度应在 -180～180 之间（WGS-84）"
    if point.lat is not None and not -90 <= point.lat <= 90:
        errors["lat"] = "纬度应在 -90～90 之间（WGS-84）"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_storage_point(*, by: Any, jurisdiction: Jurisdiction, **fields: Any) -> StoragePoint:
    actions.require(by, Capability.EDIT_REGISTRY)
    point = StoragePoint(jurisdiction=jurisdiction, **{k: v for k, v in fields.items() if k in POINT_EDITABLE})
    if point.keeper is not None and not point.keeper_phone:
        point.keeper_phone = point.keeper.mobile
    _check_point(point)
    point.full_clean()
    point.save()
    return point


@transaction.atomic
def update_storage_point(point: StoragePoint, *, by: Any, **changes: Any) -> StoragePoint:
    actions.require(by, Capability.EDIT_REGISTRY)
    point = actions.locked(point)
    changed = actions.apply_changes(point, {k: v for k, v in changes.items() if k in POINT_EDITABLE})
    if not changed:
        return point
    _check_point(point)
    point.full_clean()
    if "jurisdiction" in changed:
        if point.supplies.exists():
            raise ValidationError({"jurisdiction": "储备点已有物资，不能改到其他辖区；请新建储备点后调拨物资"})
        changed.append("jurisdiction_path")
    point.save(update_fields=[*changed, "updated_at"])
    return point


@transaction.atomic
def archive_storage_point(point: StoragePoint, *, by: Any, reason: str = "") -> StoragePoint:
    actions.require(by, Capability.EDIT_REGISTRY)
    point = actions.locked(point)
    stocked = Supply.objects.filter(storage_point=point, archived_at__isnull=True, quantity__gt=0).count()
    if stocked:
        raise ValidationError(f"储备点还有 {stocked} 种物资有库存；请先调拨或出库后再归档")
    return actions.archive(point, by=by, reason=reason)


@transaction.atomic
def restore_storage_point(point: StoragePoint, *, by: Any) -> StoragePoint:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.restore(actions.locked(point), by=by)


# --- supplies -----------------------------------------------------------------------------


def _check_supply(supply: Supply) -> None:
    errors: dict[str, str] = {}
    if supply.production_date and supply.expiry_date and supply.expiry_date < supply.production_date:
        errors["expiry_date"] = "有效期至不能早于生产日期；请核对两个日期"
    if supply.production_date and supply.production_date > timezone.localdate():
        errors["production_date"] = "生产日期不能晚于今天"
    if supply.owner_type == OwnerType.AGREEMENT and not supply.agreement_party:
        errors["agreement_party"] = "协议储备须填写协议单位"
    if supply.owner_type != OwnerType.AGREEMENT and supply.agreement_end_date:
        errors["agreement_end_date"] = "只有协议储备才填写协议到期日"
    if errors:
        raise ValidationError(errors)


def _derive_expiry(supply: Supply) -> list[str]:
    """An expiry date from production date + shelf life when none was given."""
    if supply.expiry_date is None and supply.production_date and supply.shelf_life_days:
        supply.expiry_date = supply.production_date + timedelta(days=supply.shelf_life_days)
        return ["expiry_date"]
    return []


@transaction.atomic
def create_supply(
    *,
    by: Any,
    storage_point: StoragePoint,
    initial_quantity: int = 0,
    reason: str = INITIAL_REASON,
    initial_kind: str = MovementKind.IN,
    **fields: Any,
) -> Supply:
    """Register a stock line; a starting balance is recorded as an "in" (or stocktake) movement."""
    actions.require(by, Capability.EDIT_REGISTRY)
    if storage_point.archived_at is not None:
        raise ValidationError({"storage_point": f"储备点“{storage_point.name}”已归档，不能再登记物资"})
    supply = Supply(
        storage_point=storage_point,
        jurisdiction=storage_point.jurisdiction,
        **{k: v for k, v in fields.items() if k in SUPPLY_EDITABLE},
    )
    _derive_expiry(supply)
    _check_supply(supply)
    duplicate = Supply.unscoped.filter(
        storage_point=storage_point, name=supply.name, specification=supply.specification, batch=supply.batch
    ).first()
    if duplicate is not None:
        where = "（已归档，可在其页面恢复）" if duplicate.archived_at else ""
        raise ValidationError({"name": f"“{storage_point.name}”已登记同名、同规格、同批次的物资{where}；请在原记录上登记入库"})
    supply.full_clean(exclude=["quantity"])
    supply.save()
    if initial_quantity:
        record_movement(supply, by=by, kind=initial_kind, quantity=initial_quantity, reason=reason)
        supply.refresh_from_db()
    return supply


@transaction.atomic
def update_supply(supply: Supply, *, by: Any, **changes: Any) -> Supply:
    actions.require(by, Capability.EDIT_REGISTRY)
    if "quantity" in changes:
        raise ValidationError({"quantity": QUANTITY_REFUSED})
    if "storage_point" in changes:
        raise ValidationError({"storage_point": "物资不能改到其他储备点；请登记“调拨”"})
    supply = actions.locked(supply)
    changed = actions.apply_changes(supply, {k: v for k, v in changes.items() if k in SUPPLY_EDITABLE})
    if not changed:
        return supply
    changed += _derive_expiry(supply) if "expiry_date" not in changes else []
    _check_supply(supply)
    supply.full_clean(exclude=["quantity"])
    supply.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    return supply


@transaction.atomic
def archive_supply(supply: Supply, *, by: Any, reason: str = "") -> Supply:
    actions.require(by, Capability.EDIT_REGISTRY)
    supply = actions.locked(supply)
    if supply.quantity > 0 and supply.archived_at is None:
        raise ValidationError(f"还有库存 {supply.quantity}{supply.unit}；请先登记出库、调拨或损耗报废，库存为 0 后再归档")
    return actions.archive(supply, by=by, reason=reason)


@transaction.atomic
def restore_supply(supply: Supply, *, by: Any) -> Supply:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.restore(actions.locked(supply), by=by)


# --- stock movements ----------------------------------------------------------------------


def _actor_name(by: Any) -> str:
    if getattr(by, "pk", None) is None:
        return str(by or "系统")[:60]
    return str(getattr(by, "display_name", "") or by.get_username())[:60]


def _parse_quantity(kind: str, quantity: Any) -> int:
    try:
        value = int(quantity)
    except (TypeError, ValueError):
        raise ValidationError({"quantity": "数量应为整数"}) from None
    if value != quantity and not (isinstance(quantity, str) and quantity.strip() == str(value)):
        raise ValidationError({"quantity": "数量应为整数"})
    if kind == MovementKind.STOCKTAKE:
        if value < 0:
            raise ValidationError({"quantity": "盘点数量是清点到的实际库存，不能为负数"})
    elif value <= 0:
        raise ValidationError({"quantity": "数量应为正整数（出库、损耗、调拨填写离开库房的数量）"})
    return value


def _destination(source: Supply, point: StoragePoint, by: Any) -> Supply:
    """The destination's stock line of the same name/spec/batch, created with the same facts if absent."""
    target = Supply.unscoped.filter(
        storage_point=point, name=source.name, specification=source.specification, batch=source.batch
    ).first()
    if target is not None:
        if target.archived_at is not None:
            raise ValidationError(
                {"to_storage_point": f"“{point.name}”的同批次“{source.name}”已归档；请先在其页面恢复后再调拨"}
            )
        return target
    fields = {name: getattr(source, name) for name in SUPPLY_EDITABLE}
    fields["note"] = f"由“{source.storage_point.name}”调拨建立"
    try:
        with transaction.atomic():
            return create_supply(by=by, storage_point=point, **fields)
    except IntegrityError:  # a concurrent transfer created the same line first: use it
        return Supply.unscoped.get(
            storage_point=point, name=source.name, specification=source.specification, batch=source.batch
        )


@transaction.atomic
def record_movement(
    supply: Supply,
    *,
    by: Any,
    kind: str,
    quantity: Any,
    reason: str = "",
    to_storage_point: StoragePoint | None = None,
    at: datetime | None = None,
) -> StockMovement:
    """Record one movement and update the balance; refuses what would make it wrong, changing nothing."""
    actions.require(by, Capability.EDIT_REGISTRY)
    if kind not in MovementKind.values:
        names = "、".join(f"{k.value}（{k.label}）" for k in MovementKind)
        raise ValidationError({"kind": f"未知的出入库类型“{kind}”；可选：{names}"})
    value = _parse_quantity(kind, quantity)
    reason = (reason or "").strip()
    if kind in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": f"{MovementKind(kind).label}须填写事由（用途、去向或原因）"})
    if len(reason) > 200:
        raise ValidationError({"reason": "事由不超过 200 字"})
    if kind == MovementKind.TRANSFER:
        if to_storage_point is None:
            raise ValidationError({"to_storage_point": "调拨须选择调入的储备点"})
        if to_storage_point.pk == supply.storage_point_id:
            raise ValidationError({"to_storage_point": "调入储备点与当前储备点相同；请选择另一个储备点"})
        if to_storage_point.archived_at is not None:
            raise ValidationError({"to_storage_point": f"储备点“{to_storage_point.name}”已归档，不能调入"})
    elif to_storage_point is not None:
        raise ValidationError({"to_storage_point": "只有调拨才选择调入储备点"})

    destination = _destination(supply, to_storage_point, by) if to_storage_point is not None else None
    # Lock in id order, so two opposite transfers between the same lines never deadlock.
    rows = sorted([supply, *([destination] if destination else [])], key=lambda s: s.pk)
    locked_rows = {row.pk: actions.locked(row) for row in rows}
    supply = locked_rows[supply.pk]
    if supply.archived_at is not None:
        raise ValidationError(f"“{supply.name}”已归档，不能再登记出入库；请先恢复")

    if kind == MovementKind.STOCKTAKE:
        delta = value - supply.quantity
    elif kind in OUTGOING:
        delta = -value
    else:
        delta = value
    balance = supply.quantity + delta
    if balance < 0:
        raise ValidationError(
            {"quantity": f"{MovementKind(kind).label}数量 {value}{supply.unit} 超过当前库存 {supply.quantity}{supply.unit}；请核对数量，或先盘点"}
        )
    when = at or timezone.now()
    common = {"reason": reason, "at": when, "actor": by if getattr(by, "pk", None) else None, "actor_name": _actor_name(by)}
    movement = StockMovement(
        supply=supply,
        jurisdiction=supply.jurisdiction,
        kind=kind,
        quantity=value,
        delta=delta,
        balance_after=balance,
        to_storage_point=to_storage_point,
        **common,
    )
    movement.save()
    supply.quantity = balance
    supply.save(update_fields=["quantity", "updated_at"])
    if destination is not None:
        target = locked_rows[destination.pk]
        incoming = StockMovement(
            supply=target,
            jurisdiction=target.jurisdiction,
            kind=MovementKind.IN,
            quantity=value,
            delta=value,
            balance_after=target.quantity + value,
            counterpart=movement,
            **{**common, "reason": f"由“{supply.storage_point.name}”调入：{reason}"[:200]},
        )
        incoming.save()
        movement.counterpart = incoming
        movement.save(update_fields=["counterpart"])
        target.quantity += value
        target.save(update_fields=["quantity", "updated_at"])
    return movement


# --- kit templates ------------------------------------------------------------------------


@transaction.atomic
def update_kit_item(item: KitTemplateItem, *, by: Any, **changes: Any) -> KitTemplateItem:
    """Change a kit item (county rule: CONFIGURE_RULES)."""
    actions.require(by, Capability.CONFIGURE_RULES)
    item = actions.locked(item)
    changed = actions.apply_changes(item, {k: v for k, v in changes.items() if k in KIT_ITEM_EDITABLE})
    if not changed:
        return item
    if item.required_quantity < 1:
        raise ValidationError({"required_quantity": "应配数量至少为 1"})
    if not item.item_code and not item.keyword_list:
        raise ValidationError({"keywords": "请填写品目代码或至少一个名称关键词，否则无法匹配物资"})
    item.full_clean()
    item.save(update_fields=[*changed, "updated_at"])
    return item
