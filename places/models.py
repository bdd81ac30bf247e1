"""Places (单位场所): every enterprise, small place, rental house or site under supervision.

A place belongs to the smallest jurisdiction that contains it (normally a grid), decided
from its WGS-84 location by point-in-polygon unless someone overrides it with a reason.
The risk grade and the inspection due dates are kept on the row (written by the `risk`
app) so lists, maps and overdue counts are single indexed queries.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from places.choices import LocationSource, OccupancyStatus, PlaceCategory, RiskGrade, StaffingGroup
from yingji.context import current_actor
from yingji.models import Registry, TimeStamped
from yingji.scoping import ScopedManager, ScopedQuerySet


class PlaceKind(TimeStamped):
    """A kind of place in the configurable taxonomy (场所类型), e.g. 小餐饮场所 or 印染企业.

    `thresholds` holds kind-specific limits as data (e.g. the 九小 upper bounds of
    rules.md §4.2: {"max_floor_area": 300, "inclusive": false}); nothing in code hard-wires them.
    """

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    category = models.CharField(_("大类"), max_length=20, choices=PlaceCategory.choices, db_index=True)
    industry = models.CharField(_("行业"), max_length=40, blank=True, help_text=_("工业企业的行业，如 纺织、化工"))
    staffing_group = models.CharField(
        _("配备核查计入"), max_length=20, choices=StaffingGroup.choices, blank=True, default=StaffingGroup.NONE
    )
    is_small_place = models.BooleanField(_("属九小场所"), default=False)
    is_crowded = models.BooleanField(_("属人员密集场所"), default=False)
    is_public_gathering = models.BooleanField(_("属公众聚集场所"), default=False)
    thresholds = models.JSONField(_("界定阈值"), default=dict, blank=True)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    audited = True

    class Meta:
        verbose_name = _("场所类型")
        verbose_name_plural = _("场所类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


def linked_only_user() -> Any:
    """The acting user when they may see only the places linked to their account, else None.

    Enterprise users (企业用户) sit on a grid or village for their scope, but a business must
    not see its neighbours: they see the places linked to their account (`PlaceAccount`)
    and nothing else. Read from the actor context, so every query of `Place.objects` in a
    request or API call applies it, as the scope filter is applied.
    """
    actor = current_actor()
    user = actor.resolved_user() if actor is not None else None
    if user is None or getattr(user, "is_superuser", False) or getattr(user, "role", "") != Role.ENTERPRISE_USER:
        return None
    return user


class PlaceQuerySet(ScopedQuerySet["Place"]):
    def for_lists(self) -> PlaceQuerySet:
        """What a list, map or export shows, without loading large boundary documents."""
        return self.select_related("kind", "jurisdiction").defer("jurisdiction__boundary")


_PlaceManagerBase = ScopedManager.from_queryset(PlaceQuerySet)


class PlaceManager(_PlaceManagerBase["Place"]):
    """Scoped manager that also limits enterprise users to the places linked to them."""

    def get_queryset(self) -> PlaceQuerySet:
        places: PlaceQuerySet = super().get_queryset()  # type: ignore[assignment]
        user = linked_only_user()
        if user is not None:
            places = places.filter(pk__in=PlaceAccount.objects.filter(user_id=user.pk).values("place_id"))
        return places


class PlaceBoundManager(ScopedManager[Any]):
    """Scoped manager for records that belong to one place (letters, risk signals, later hazards).

    Applies the enterprise-user rule of `PlaceManager` to the place the record belongs to,
    so a business sees its own letters and signals, never its neighbours'. The model needs
    a `place` foreign key.
    """

    def get_queryset(self) -> Any:
        records = super().get_queryset()
        user = linked_only_user()
        if user is not None:
            records = records.filter(place_id__in=PlaceAccount.objects.filter(user_id=user.pk).values("place_id"))
        return records


class Place(Registry):
    """One supervised unit or place (单位场所) with its three named responsible people."""

    name = models.CharField(_("名称"), max_length=100, db_index=True)
    kind = models.ForeignKey(PlaceKind, verbose_name=_("场所类型"), on_delete=models.PROTECT, related_name="places")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    address = models.CharField(_("地址"), max_length=200)

    # Location: always stored as WGS-84 (CGCS2000 is within a metre of it).
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    location_source = models.CharField(
        _("落格方式"), max_length=10, choices=LocationSource.choices, default=LocationSource.UNLOCATED
    )
    location_override_reason = models.CharField(_("人工落格原因"), max_length=200, blank=True)

    # The three named responsible people (三个责任人).
    legal_rep_name = models.CharField(_("法定代表人/主要负责人"), max_length=40, blank=True)
    legal_rep_mobile = models.CharField(_("法定代表人手机号"), max_length=11, blank=True)
    fire_responsible_name = models.CharField(_("消防安全责任人"), max_length=40, blank=True)
    fire_responsible_mobile = models.CharField(_("消防安全责任人手机号"), max_length=11, blank=True)
    fire_manager_name = models.CharField(_("消防安全管理人"), max_length=40, blank=True)
    fire_manager_mobile = models.CharField(_("消防安全管理人手机号"), max_length=11, blank=True)

    # Size and occupants.
    floor_area = models.DecimalField(_("建筑面积（㎡）"), max_digits=10, decimal_places=1, null=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    building_height = models.DecimalField(_("建筑高度（m）"), max_digits=6, decimal_places=1, null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    beds = models.PositiveIntegerField(_("床位数"), null=True, blank=True)
    rooms = models.PositiveIntegerField(_("房间数"), null=True, blank=True)
    seats = models.PositiveIntegerField(_("座位/餐位数"), null=True, blank=True)
    has_dormitory = models.BooleanField(_("设有员工宿舍"), default=False)
    stores_hazardous_goods = models.BooleanField(_("涉及危险化学品/易燃易爆物品"), default=False)
    is_key_unit = models.BooleanField(_("消防安全重点单位"), default=False)
    occupancy_status = models.CharField(
        _("经营状态"), max_length=12, choices=OccupancyStatus.choices, default=OccupancyStatus.OPERATING, db_index=True
    )
    tags = models.JSONField(_("标签"), default=list, blank=True)
    note = models.TextField(_("备注"), blank=True)

    # Written by the `risk` app (两库): current grade, when it was set, and inspection due dates.
    risk_grade = models.CharField(_("风险等级"), max_length=10, choices=RiskGrade.choices, blank=True, db_index=True)
    risk_score = models.DecimalField(_("风险分值"), max_digits=7, decimal_places=2, null=True, blank=True)
    risk_graded_at = models.DateTimeField(_("定级时间"), null=True, blank=True)
    last_self_inspection_on = models.DateField(_("最近自查日期"), null=True, blank=True)
    last_supervision_on = models.DateField(_("最近监督检查日期"), null=True, blank=True)
    next_self_inspection_due = models.DateField(_("下次自查截止"), null=True, blank=True, db_index=True)
    next_supervision_due = models.DateField(_("下次监督检查截止"), null=True, blank=True, db_index=True)

    objects: ClassVar[PlaceManager] = PlaceManager()

    class Meta:
        verbose_name = _("单位场所")
        verbose_name_plural = _("单位场所")
        ordering = ["jurisdiction_path", "name", "id"]
        indexes = [
            models.Index(fields=["jurisdiction_path", "name"]),
            # Lists show live places in path order: one index serves the filter, the scope range
            # and the ORDER BY, so no temporary sort of the whole subtree.
            models.Index(fields=["archived_at", "jurisdiction_path", "name", "id"], name="places_live_by_path"),
            models.Index(fields=["jurisdiction_path", "risk_grade"]),
            models.Index(fields=["jurisdiction_path", "kind"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_location(self) -> bool:
        return self.lng is not None and self.lat is not None


class PlaceAccount(TimeStamped):
    """A login account linked to a place (企业账号关联): an enterprise user sees only these places."""

    place = models.ForeignKey(Place, verbose_name=_("场所"), on_delete=models.CASCADE, related_name="account_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="place_links"
    )

    audited = True

    class Meta:
        verbose_name = _("场所关联账号")
        verbose_name_plural = _("场所关联账号")
        constraints = [models.UniqueConstraint(fields=["place", "user"], name="place_account_unique")]

    def __str__(self) -> str:
        return f"{self.place} ↔ {self.user.get_username()}"

    @property
    def jurisdiction_path(self) -> str:
        """So the audit log of a link is scoped like its place."""
        return str(Place._base_manager.filter(pk=self.place_id).values_list("jurisdiction_path", flat=True).first() or "")


def photo_path(instance: PlacePhoto, filename: str) -> str:
    """A random file name under the place's folder; the uploaded name is never used as a path."""
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"places/{instance.place_id}/{uuid.uuid4().hex}{suffix}"


class PlacePhoto(TimeStamped):
    """A photo of a place (场所照片): the front door, exits, extinguishers, a hazard.

    Stored under MEDIA_ROOT but served only through the place page's view, which checks
    that the viewer may see the place; MEDIA_URL is not used for these files.
    """

    place = models.ForeignKey(Place, verbose_name=_("场所"), on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片文件"), upload_to=photo_path, max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    audited = True

    class Meta:
        verbose_name = _("场所照片")
        verbose_name_plural = _("场所照片")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.caption or str(_("场所照片"))

    @property
    def jurisdiction_path(self) -> str:
        return str(Place._base_manager.filter(pk=self.place_id).values_list("jurisdiction_path", flat=True).first() or "")

