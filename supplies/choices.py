"""Vocabularies of the supplies app: storage point kinds, owners, movement kinds, stock states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoragePointKind(models.TextChoices):
    DEPOT = "depot", _("储备库")
    TEAM_BASE = "team_base", _("队伍驻地")
    VILLAGE_POINT = "village_point", _("村级储备点")
    AGREEMENT_STORE = "agreement_store", _("企业协议储备库")


class OwnerType(models.TextChoices):
    GOVERNMENT = "government", _("政府储备")
    AGREEMENT = "agreement", _("协议储备")
    HOUSEHOLD = "household", _("家庭储备")


class MovementKind(models.TextChoices):
    IN = "in", _("入库")
    OUT = "out", _("出库")
    TRANSFER = "transfer", _("调拨")
    LOSS = "loss", _("损耗报废")
    STOCKTAKE = "stocktake", _("盘点")


# Kinds whose entered quantity leaves the supply (the movement's effect is negative).
OUTGOING = frozenset({MovementKind.OUT, MovementKind.TRANSFER, MovementKind.LOSS})
# Kinds that need a stated reason: stock leaving must say where and why.
REASON_REQUIRED = frozenset({MovementKind.OUT, MovementKind.TRANSFER, MovementKind.LOSS})


class ExpiryState(models.TextChoices):
    """Where a supply stands against its expiry date; colours are the app's badge classes."""

    NONE = "none", _("无有效期")
    OK = "ok", _("有效")
    EXPIRING = "expiring", _("临期")
    EXPIRING_SOON = "expiring_soon", _("即将过期")
    EXPIRED = "expired", _("已过期")


EXPIRY_BADGE = {
    ExpiryState.NONE: "badge-muted",
    ExpiryState.OK: "badge-ok",
    ExpiryState.EXPIRING: "badge-warn",
    ExpiryState.EXPIRING_SOON: "badge-danger",
    ExpiryState.EXPIRED: "badge-danger",
}


class ReminderKind(models.TextChoices):
    """A threshold crossing the daily job reminds the keeper of, once."""

    EXPIRING = "expiring", _("临期提醒")
    EXPIRING_SOON = "expiring_soon", _("即将过期提醒")
    EXPIRED = "expired", _("过期提醒")
    LOW_STOCK = "low_stock", _("低库存提醒")


class KitItemStatus(models.TextChoices):
    OK = "ok", _("达标")
    EXPIRED = "expired", _("有过期")
    MISSING = "missing", _("缺少")


KIT_STATUS_BADGE = {KitItemStatus.OK: "badge-ok", KitItemStatus.EXPIRED: "badge-warn", KitItemStatus.MISSING: "badge-danger"}

# (code, name): the default categories, loaded by a data migration and editable afterwards.
DEFAULT_CATEGORIES: list[tuple[str, str]] = [
    ("flood", "防汛"),
    ("fire", "消防"),
    ("lifesaving", "救生"),
    ("communication", "通信"),
    ("lighting", "照明"),
    ("power", "发电"),
    ("medical", "医疗"),
    ("living", "生活保障"),
    ("forest_fire", "森林防灭火"),
    ("hazmat", "危化处置"),
    ("protection", "个人防护"),
    ("rescue_tools", "破拆救援"),
]
