"""Rule tables of the major-hazard decision aid, stored as data.

GB 35181 (重大火灾隐患判定) is versioned by date: each `RuleTable` is one edition of the
standard with its direct elements, composite elements, exclusions and composite rules. The
engine picks the newest published table in force on the date of the finding, so a record is
judged under the rules of its time, and a new edition (GB 35181-2025) is loaded by a county
administrator as data, never by changing code.

应急管理部令第10号 (工贸企业重大事故隐患判定标准) is a catalogue of `IndustryItem` rows: each
item is one situation that "应当判定为重大事故隐患" for the enterprises it applies to.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hazardrules.choices import ElementKind, FireCategory, ItemScope, TableStatus, Verification
from yingji.models import TimeStamped


class RuleTable(TimeStamped):
    """One edition of GB 35181 (重大火灾隐患判定规则表), in force from `effective_from`."""

    code = models.SlugField(_("版本代码"), max_length=40, unique=True, help_text=_("如 GB35181-2017"))
    name = models.CharField(_("标准名称"), max_length=120)
    effective_from = models.DateField(_("施行日期"), unique=True)
    status = models.CharField(_("状态"), max_length=12, choices=TableStatus.choices, default=TableStatus.DRAFT)
    source = models.TextField(_("来源与核验"), blank=True)
    note = models.TextField(_("说明"), blank=True)

    audited = True

    class Meta:
        verbose_name = _("重大火灾隐患判定规则表")
        verbose_name_plural = _("重大火灾隐患判定规则表")
        ordering = ["effective_from"]

    def __str__(self) -> str:
        return self.code

    @property
    def is_published(self) -> bool:
        return self.status == TableStatus.PUBLISHED


class RuleElement(TimeStamped):
    """One element of a table: a direct (直接) or composite (综合) element, or an exclusion."""

    table = models.ForeignKey(RuleTable, verbose_name=_("规则表"), on_delete=models.CASCADE, related_name="elements")
    code = models.CharField(_("条款号"), max_length=16, help_text=_("如 6.6、7.3.3、5.1.3a"))
    kind = models.CharField(_("要素类型"), max_length=12, choices=ElementKind.choices)
    group = models.CharField(_("所属章节"), max_length=16, help_text=_("如 6、7.3、5.1.3"))
    group_title = models.CharField(_("章节名称"), max_length=60, blank=True)
    text = models.TextField(_("条文"))
    verification = models.CharField(_("核验程度"), max_length=10, choices=Verification.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    audited = True

    class Meta:
        verbose_name = _("判定要素")
        verbose_name_plural = _("判定要素")
        ordering = ["table", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="hazardrules_element_code_unique")]

    def __str__(self) -> str:
        return f"{self.table.code}:{self.code}"

    @property
    def flagged(self) -> bool:
        return self.verification in Verification.flagged()


class CompositeRule(TimeStamped):
    """One composite rule (综合判定规则, GB 35181-2017 §5.3.3 a–d): for the listed place
    categories, at least `threshold` present elements of the counted set make a major hazard.
    An empty counted set means "any composite element of the table"."""

    table = models.ForeignKey(RuleTable, verbose_name=_("规则表"), on_delete=models.CASCADE, related_name="rules")
    label = models.CharField(_("条目"), max_length=8, help_text=_("如 a、b"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    categories = models.JSONField(_("适用场所类别"), default=list)
    counted = models.JSONField(_("计数的要素"), default=list, blank=True)
    threshold = models.PositiveSmallIntegerField(_("条数阈值（含本数）"))
    text = models.CharField(_("条文"), max_length=300)
    verification = models.CharField(_("核验程度"), max_length=10, choices=Verification.choices)

    audited = True

    class Meta:
        verbose_name = _("综合判定规则")
        verbose_name_plural = _("综合判定规则")
        ordering = ["table", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["table", "label"], name="hazardrules_rule_label_unique")]

    def __str__(self) -> str:
        return f"{self.table.code} 5.3.3 {self.label}"

    @property
    def flagged(self) -> bool:
        return self.verification in Verification.flagged()

    def category_labels(self) -> list[str]:
        return [str(FireCategory(c).label) for c in self.categories if c in FireCategory.values]


class IndustryItem(TimeStamped):
    """One situation of 应急管理部令第10号 that is a major accident hazard (or, for
    `decisive=False`, a scope note or an article whose items are not encoded)."""

    regulation = models.CharField(_("规章"), max_length=40, default="MEM10-2023")
    effective_from = models.DateField(_("施行日期"))
    effective_to = models.DateField(_("废止日期"), null=True, blank=True)
    article = models.PositiveSmallIntegerField(_("条"))
    article_label = models.CharField(_("条号"), max_length=12)
    number = models.PositiveSmallIntegerField(_("项"), default=0, help_text=_("0 表示整条"))
    scope = models.CharField(_("适用"), max_length=16, choices=ItemScope.choices)
    industry = models.CharField(_("行业"), max_length=8, blank=True)
    text = models.TextField(_("条文"))
    decisive = models.BooleanField(_("构成重大事故隐患"), default=True)
    verification = models.CharField(_("核验程度"), max_length=10, choices=Verification.choices)

    audited = True

    class Meta:
        verbose_name = _("工贸企业重大事故隐患判定条目")
        verbose_name_plural = _("工贸企业重大事故隐患判定条目")
        ordering = ["regulation", "article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["regulation", "article", "number"], name="hazardrules_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_label}{self.number_label}"

    @property
    def code(self) -> str:
        return f"{self.article}.{self.number}" if self.number else str(self.article)

    @property
    def number_label(self) -> str:
        return f"第（{_CN_NUMBERS[self.number]}）项" if 0 < self.number < len(_CN_NUMBERS) else ""


_CN_NUMBERS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"]
