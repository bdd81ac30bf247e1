"""避灾安置场所 (shelters): the places people are moved to, their occupancy and evacuation routes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shelters.choices import STATUS_BADGES, STATUS_COLOURS, EventKind, Facility, ShelterKind, ShelterStatus
from yingji.models import JurisdictionBound, Registry


class Shelter(Registry):
    """A shelter (避灾安置场所): a school, cultural hall … that receives evacuated people.

    Location is stored in WGS-84 whatever system it was entered in. `occupancy` is the
    number of people in it now; it only changes through check-in/check-out actions, each
    of which leaves a `ShelterEvent`.
    """

    name = models.CharField(_("名称"), max_length=100, db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=ShelterKind.choices, default=ShelterKind.OTHER)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    lat = models.FloatField(_("纬度"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    capacity_day = models.PositiveIntegerField(_("白天容量（人）"), default=0)
    capacity_night = models.PositiveIntegerField(_("夜间容量（人）"), default=0, help_text=_("可过夜安置的人数"))
    area_m2 = models.DecimalField(_("面积（㎡）"), max_digits=10, decimal_places=1, null=True, blank=True)
    facilities = models.JSONField(_("配套设施"), default=list, blank=True)
    responsible_name = models.CharField(_("负责人"), max_length=40, blank=True)
    responsible_phone = models.CharField(_("负责人电话"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ShelterStatus.choices, default=ShelterStatus.READY, db_index=True)
    occupancy = models.PositiveIntegerField(_("当前安置人数"), default=0)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True, editable=False)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("避灾安置场所")
        verbose_name_plural = _("避灾安置场所")
        ordering = ["jurisdiction_path", "name", "id"]
        indexes = [models.Index(fields=["jurisdiction_path", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[ShelterStatus(self.status)]

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES[ShelterStatus(self.status)]

    @property
    def facility_labels(self) -> list[str]:
        known = dict(Facility.choices)
        return [str(known[code]) for code in self.facilities if code in known]

    @property
    def free_places(self) -> int:
        return max(self.capacity_night - self.occupancy, 0)


class ShelterEvent(JurisdictionBound):
    """One line of a shelter's log (安置记录): a status change, or people checked in or out.

    Rows are never edited; the shelter's page shows them as its occupancy timeline. The log
    is itself the history, so it is not audited a second time.
    """

    shelter = models.ForeignKey(Shelter, verbose_name=_("场所"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    count = models.PositiveIntegerField(_("人数"), default=0)
    occupancy_after = models.PositiveIntegerField(_("登记后人数"), default=0)
    status_before = models.CharField(_("原状态"), max_length=10, choices=ShelterStatus.choices, blank=True)
    status_after = models.CharField(_("新状态"), max_length=10, choices=ShelterStatus.choices, blank=True)
    over_capacity = models.BooleanField(_("确认超员"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("安置记录")
        verbose_name_plural = _("安置记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.shelter_id} {self.kind} {self.count}"


class EvacuationRoute(Registry):
    """An evacuation route (转移路线) to a shelter: a GeoJSON LineString in WGS-84."""

    shelter = models.ForeignKey(Shelter, verbose_name=_("避灾场所"), on_delete=models.PROTECT, related_name="routes")
    name = models.CharField(_("路线名称"), max_length=100)
    geometry = models.JSONField(_("路线（GeoJSON LineString, WGS-84）"))
    length_m = models.PositiveIntegerField(_("长度（米）"), default=0, editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("转移路线")
        verbose_name_plural = _("转移路线")
        ordering = ["shelter_id", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def coordinates(self) -> list[Any]:
        return list(self.geometry.get("coordinates", [])) if isinstance(self.geometry, dict) else []
