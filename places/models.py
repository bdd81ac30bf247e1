"""Places (单位场所): every enterprise, small place, rental house or site under supervision.

A place belongs to the smallest jurisdiction that contains it (normally a grid), decided
from its WGS-84 location by point-in-polygon unless someone overrides it with a reason.
The risk grade and the inspection due dates are kept on the row (written by the `risk`
app) so lists, maps and overdue counts are single indexed queries.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from places.choices import LocationSource, OccupancyStatus, PlaceCategory, RiskGrade, StaffingGroup
from yingji.models import Registry, TimeStamped


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

    class Meta:
        verbose_name = _("单位场所")
        verbose_name_plural = _("单位场所")
        ordering = ["jurisdiction_path", "name", "id"]
        indexes = [
            models.Index(fields=["jurisdiction_path", "name"]),
            models.Index(fields=["jurisdiction_path", "risk_grade"]),
            models.Index(fields=["jurisdiction_path", "kind"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_location(self) -> bool:
        return self.lng is not None and self.lat is not None
