"""Responsibility letters (责任状): who has signed which yearly letter.

Seed 000 asks townships to have 个体工商户, rental houses and other places sign a
safety-production, a fire and a flood/typhoon letter every year. A signed letter is a
ledger row (audited, archived rather than deleted when withdrawn); "who has not signed"
is computed from the places that a `LetterRule` says must sign, so no empty rows are
pre-created each January.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from letters.choices import LetterKind
from places.models import PlaceBoundManager
from yingji.models import Registry, TimeStamped


class LetterRule(TimeStamped):
    """Which places must sign a kind of letter: place categories (empty list = every place)."""

    kind = models.CharField(_("责任状类型"), max_length=10, choices=LetterKind.choices, unique=True)
    categories = models.JSONField(_("须签订的场所大类"), default=list, blank=True, help_text=_("留空表示所有场所"))
    active = models.BooleanField(_("启用"), default=True)

    audited = True

    class Meta:
        verbose_name = _("责任状签订范围")
        verbose_name_plural = _("责任状签订范围")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class ResponsibilityLetter(Registry):
    """One signed letter of one place for one year."""

    place = models.ForeignKey("places.Place", verbose_name=_("场所"), on_delete=models.PROTECT, related_name="letters")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("责任状类型"), max_length=10, choices=LetterKind.choices)
    signed_on = models.DateField(_("签订日期"))
    signatory = models.CharField(_("签订人（单位方）"), max_length=40)
    countersigned_by = models.CharField(_("签订人（属地方）"), max_length=40, blank=True)
    attachment = models.FileField(_("扫描件"), upload_to="letters/%Y/", blank=True, max_length=200)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects: ClassVar[PlaceBoundManager] = PlaceBoundManager()

    class Meta:
        verbose_name = _("责任状")
        verbose_name_plural = _("责任状")
        ordering = ["-year", "jurisdiction_path", "place_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "year", "kind"],
                condition=models.Q(archived_at__isnull=True),
                name="letters_one_live_letter_per_place_year_kind",
            )
        ]
        indexes = [models.Index(fields=["year", "kind", "jurisdiction_path"])]

    def __str__(self) -> str:
        return f"{self.place} {self.year}年{self.get_kind_display()}"
