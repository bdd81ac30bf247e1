"""Staffing standards (人员配备标准) for township emergency & fire stations.

Seed 000 asks that every 50 industrial enterprises, 200 commercial places and 100 rental
houses have at least one emergency/fire staff member. The divisors and which positions
count as staff are data, dated, so a province can set its own and past reports stay
explainable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.models import TimeStamped


class StaffingStandard(TimeStamped):
    """One version of the staffing ratio; the newest one in force on a date applies."""

    name = models.CharField(_("名称"), max_length=80)
    effective_from = models.DateField(_("施行日期"), unique=True)
    industrial_per_staff = models.PositiveIntegerField(_("每名人员对应工业企业数"), default=50)
    commercial_per_staff = models.PositiveIntegerField(_("每名人员对应商贸场所数"), default=200)
    rental_per_staff = models.PositiveIntegerField(_("每名人员对应居住出租房数"), default=100)
    counted_position_kinds = models.ManyToManyField(
        "people.PositionKind", verbose_name=_("计入配备的岗位"), related_name="+", blank=True
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)

    audited = True

    class Meta:
        verbose_name = _("人员配备标准")
        verbose_name_plural = _("人员配备标准")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d} 起）"
