"""装备物资: storage points (储备点), supplies with their balance, stock movements, kit templates.

A supply's `quantity` is its current balance. It changes only through a `StockMovement`
(入库、出库、调拨、损耗、盘点) written by `supplies.actions.record_movement` under a row lock,
so the balance always equals the sum of the supply's movements.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supplies.choices import ExpiryState, MovementKind, OwnerType, ReminderKind, StoragePointKind
from yingji.models import JurisdictionBound, LedgerDeletionRefused, Registry, TimeStamped

DEFAULT_WARNING_DAYS = (30, 7)


def warning_days() -> tuple[int, int]:
    """The two expiry warning windows in days (临期, 即将过期), from settings or (30, 7).

    Set ``SUPPLIES_EXPIRY_WARNING_DAYS = (30, 7)`` in settings to change them; the larger
    number is the first warning, the smaller the urgent one.
    """
    days = getattr(settings, "SUPPLIES_EXPIRY_WARNING_DAYS", DEFAULT_WARNING_DAYS)
    first, second = sorted((int(d) for d in days), reverse=True)[:2]
    return first, second


def expiry_state(expiry: date | None, today: date | None = None) -> str:
    if expiry is None:
        return ExpiryState.NONE
    today = today or timezone.localdate()
    first, second = warning_days()
    if expiry < today:
        return ExpiryState.EXPIRED
    if expiry <= today + timedelta(days=second):
        return ExpiryState.EXPIRING_SOON
    if expiry <= today + timedelta(days=first):
        return ExpiryState.EXPIRING
    return ExpiryState.OK


class SupplyCategory(TimeStamped):
    """A category of equipment and supplies (物资类别), e.g. 防汛, 消防, 救生; county configuration."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    audited = True

    class Meta:
        verbose_name = _("物资类别")
        verbose_name_plural = _("物资类别")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class StoragePoint(Registry):
    """A place where supplies are kept (储备点): a depot, a team base, a village point, an agreement store."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=StoragePointKind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    keeper = models.ForeignKey(
        "people.Person", verbose_name=_("保管人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    keeper_phone = models.CharField(_("保管人电话"), max_length=20, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("储备点")
        verbose_name_plural = _("储备点")
        ordering = ["jurisdiction_path", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "name"], name="supplies_point_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def has_location(self) -> bool:
        return self.lng is not None and self.lat is not None


class Supply(Registry):
    """One stock line (应急物资/装备) at one storage point: a name, specification and batch with its balance.

    The jurisdiction is the storage point's; `quantity` is the balance kept by movements.
    """

    name = models.CharField(_("名称"), max_length=60, db_index=True)
    category = models.ForeignKey(SupplyCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="supplies")
    item_code = models.SlugField(
        _("品目代码"), max_length=40, blank=True, help_text=_("选填；与配备标准中的品目代码一致时按代码匹配")
    )
    specification = models.CharField(_("规格型号"), max_length=100, blank=True)
    unit = models.CharField(_("单位"), max_length=10, default="个")
    storage_point = models.ForeignKey(StoragePoint, verbose_name=_("储备点"), on_delete=models.PROTECT, related_name="supplies")
    batch = models.CharField(_("批次"), max_length=40, blank=True)
    production_date = models.DateField(_("生产日期"), null=True, blank=True)
    shelf_life_days = models.PositiveIntegerField(_("保质期（天）"), null=True, blank=True)
    expiry_date = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)
    owner_type = models.CharField(_("储备方式"), max_length=20, choices=OwnerType.choices, default=OwnerType.GOVERNMENT)
    agreement_party = models.CharField(_("协议单位"), max_length=100, blank=True)
    agreement_end_date = models.DateField(_("协议到期日"), null=True, blank=True)
    low_stock_threshold = models.PositiveIntegerField(_("低库存阈值"), null=True, blank=True)
    quantity = models.IntegerField(_("库存数量"), default=0, editable=False)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("物资")
        verbose_name_plural = _("物资")
        ordering = ["jurisdiction_path", "storage_point_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["storage_point", "name", "specification", "batch"], name="supplies_supply_natural_key"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="supplies_supply_quantity_not_negative"),
        ]
        indexes = [models.Index(fields=["jurisdiction_path", "name"])]

    def __str__(self) -> str:
        spec = f"（{self.specification}）" if self.specification else ""
        return f"{self.name}{spec}"

    def expiry_state(self, today: date | None = None) -> str:
        return expiry_state(self.expiry_date, today)

    def is_expired(self, today: date | None = None) -> bool:
        return self.expiry_date is not None and self.expiry_date < (today or timezone.localdate())

    @property
    def is_low(self) -> bool:
        return self.low_stock_threshold is not None and self.quantity < self.low_stock_threshold


class StockMovement(TimeStamped, JurisdictionBound):
    """One stock movement (出入库记录). Append-only: never edited or deleted.

    `quantity` is what the user entered (for a stocktake: the counted balance);
    `delta` is the signed effect on the balance and `balance_after` the balance it left.
    A transfer is a pair: the outgoing row at the source and an "in" row at the
    destination, each pointing at the other through `counterpart`.
    """

    supply = models.ForeignKey(Supply, verbose_name=_("物资"), on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=20, choices=MovementKind.choices)
    quantity = models.PositiveIntegerField(_("数量"))
    delta = models.IntegerField(_("库存变化"))
    balance_after = models.PositiveIntegerField(_("变动后库存"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    at = models.DateTimeField(_("发生时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("经办人姓名"), max_length=60, blank=True)
    to_storage_point = models.ForeignKey(
        StoragePoint, verbose_name=_("调入储备点"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counterpart = models.OneToOneField(
        "self", verbose_name=_("对应记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    audited = True

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["supply", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.supply_id} {self.delta:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The only later write allowed is linking the transfer pair (set once, never changed).
        if not self._state.adding and kwargs.get("update_fields") != ["counterpart"]:
            raise LedgerDeletionRefused("出入库记录不可修改；如有差错请登记一笔盘点或反向记录。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise LedgerDeletionRefused("出入库记录不可删除；如有差错请登记一笔盘点或反向记录。")


class SupplyReminder(models.Model):
    """A reminder the daily job sent (or recorded) for one threshold crossing, so it is sent once.

    Expiry reminders are keyed by the expiry date they were about; a low-stock reminder
    stays open until the balance is back at the threshold (`resolved_at`), after which a
    new shortage may be reminded again.
    """

    supply = models.ForeignKey(Supply, verbose_name=_("物资"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("类型"), max_length=20, choices=ReminderKind.choices)
    expiry_date = models.DateField(_("有效期至"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    notified = models.BooleanField(_("已发送通知"), default=False)
    notification_ref = models.CharField(_("通知编号"), max_length=60, blank=True)
    resolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("物资提醒")
        verbose_name_plural = _("物资提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["supply", "kind", "expiry_date"],
                condition=models.Q(expiry_date__isnull=False),
                name="supplies_reminder_once_per_expiry",
            ),
            models.UniqueConstraint(
                fields=["supply", "kind"],
                condition=models.Q(expiry_date__isnull=True, resolved_at__isnull=True),
                name="supplies_reminder_one_open_low_stock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.supply_id}"


class KitTemplate(TimeStamped):
    """A standard kit (配备标准), e.g. 浙江村级“3+4+X”: what each village should keep."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("适用层级"), max_length=10, default="village")
    source = models.TextField(_("依据"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    audited = True

    class Meta:
        verbose_name = _("配备标准")
        verbose_name_plural = _("配备标准")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class KitTemplateItem(TimeStamped):
    """One item of a kit template and how stock is matched to it.

    A supply matches when its `item_code` equals the item's code, or, without a code on
    both sides, when its category is the item's category (if set) and its name contains
    one of the keywords.
    """

    template = models.ForeignKey(KitTemplate, verbose_name=_("配备标准"), on_delete=models.CASCADE, related_name="items")
    group = models.CharField(_("分组"), max_length=20, blank=True)
    name = models.CharField(_("名称"), max_length=60)
    item_code = models.SlugField(_("品目代码"), max_length=40, blank=True)
    category = models.ForeignKey(
        SupplyCategory, verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    keywords = models.CharField(_("名称关键词"), max_length=200, blank=True, help_text=_("用顿号“、”分隔"))
    required_quantity = models.PositiveIntegerField(_("应配数量"), default=1)
    expiry_matters = models.BooleanField(_("计有效期"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    audited = True

    class Meta:
        verbose_name = _("配备标准品目")
        verbose_name_plural = _("配备标准品目")
        ordering = ["template", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.template.name}：{self.name}"

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("，", "、").replace(",", "、").split("、") if k.strip()]
