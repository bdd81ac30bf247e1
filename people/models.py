"""People (人员) and the positions (岗位) they hold in the jurisdiction tree."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.choices import Gender
from people.protection import mask_id_number, mask_mobile, seal
from people.validators import validate_mobile
from yingji.models import Registry, TimeStamped
from yingji.scoping import ScopedManager, ScopedQuerySet


class PositionKind(TimeStamped):
    """A kind of position (岗位类型), e.g. 网格员, with its responsibility list (责任清单)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    level = models.CharField(_("适用层级"), max_length=10, blank=True, help_text=_("留空表示各级通用"))
    responsibilities = models.TextField(_("责任清单"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    audited = True

    class Meta:
        verbose_name = _("岗位类型")
        verbose_name_plural = _("岗位类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def get_level_label(self) -> str:
        from jurisdictions.choices import Level

        return str(Level(self.level).label) if self.level else "各级"


class Person(Registry):
    """A person on record (人员): cadres, station staff, grid workers, place contacts.

    `jurisdiction` is the node whose registry keeps the person; the positions they hold
    may sit in other nodes. The ID number is stored encrypted and shown masked.
    """

    name = models.CharField(_("姓名"), max_length=40, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    mobile = models.CharField(_("手机号"), max_length=11, validators=[validate_mobile], db_index=True)
    id_number_sealed = models.TextField(_("身份证号（加密）"), blank=True, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True, editable=False)
    organization = models.CharField(_("工作单位"), max_length=100, blank=True)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    note = models.TextField(_("备注"), blank=True)

    audit_exclude = frozenset({"id_number_sealed"})

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["jurisdiction_path", "name", "id"]
        indexes = [models.Index(fields=["jurisdiction_path", "name"])]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, raw: str) -> None:
        raw = (raw or "").strip().upper()
        self.id_number_sealed = seal(raw) if raw else ""
        self.id_number_masked = mask_id_number(raw) if raw else ""

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


class PositionQuerySet(ScopedQuerySet["Position"]):
    def current(self, on: Any = None) -> Self:
        on = on or timezone.localdate()
        return self.filter(models.Q(end_date__isnull=True) | models.Q(end_date__gt=on), archived_at__isnull=True)


_PositionManagerBase = ScopedManager.from_queryset(PositionQuerySet)


class PositionManager(_PositionManagerBase["Position"]):
    """Scoped manager with `current()` for positions held today."""


class Position(Registry):
    """A position a person holds in one jurisdiction (任职), e.g. 网格员 of a grid."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="positions")
    kind = models.ForeignKey(PositionKind, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="positions")
    start_date = models.DateField(_("任职日期"), null=True, blank=True)
    end_date = models.DateField(_("离任日期"), null=True, blank=True)
    is_primary = models.BooleanField(_("主要岗位"), default=False)
    duty_phone = models.CharField(_("值班电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects: ClassVar[PositionManager] = PositionManager()

    class Meta:
        verbose_name = _("岗位任职")
        verbose_name_plural = _("岗位任职")
        ordering = ["jurisdiction_path", "kind__sort_order", "id"]
        indexes = [models.Index(fields=["jurisdiction_path", "kind"])]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.kind}：{self.person}"

    @property
    def is_current(self) -> bool:
        return self.archived_at is None and (self.end_date is None or self.end_date > timezone.localdate())
