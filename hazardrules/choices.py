"""Vocabularies of the major-hazard decision aid (重大隐患判定)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FireCategory(models.TextChoices):
    """The place categories of GB 35181-2017 §5.3.3 (the composite rule keys on them)."""

    CROWDED = "crowded", _("人员密集场所")
    FLAMMABLE = "flammable", _("易燃易爆危险品场所")
    IMPORTANT = "important", _("重要场所")
    OTHER = "other", _("其他场所")


class ElementKind(models.TextChoices):
    """What an element of a rule table is used for."""

    DIRECT = "direct", _("直接判定要素")
    COMPOSITE = "composite", _("综合判定要素")
    EXCLUSION = "exclusion", _("不应判定情形")


class Verification(models.TextChoices):
    """How far the text was checked (rules.md §0.1); [R] and [NF] are flagged in the UI."""

    PRIMARY = "P", "[P]"
    SECONDARY = "S", "[S]"
    SECONDARY_PARTIAL = "S-partial", "[S]-partial"
    SECONDARY_WEAK = "S-weak", "[S-weak]"
    UNVERIFIED = "R", "[R]"
    NOT_FOUND = "NF", "[NF]"

    @classmethod
    def flagged(cls) -> set[str]:
        """Labels that must be shown as a warning next to the text."""
        return {cls.UNVERIFIED.value, cls.NOT_FOUND.value, cls.SECONDARY_WEAK.value}


class TableStatus(models.TextChoices):
    """A draft table can be filled in; only a published one decides anything."""

    DRAFT = "draft", _("待录入")
    PUBLISHED = "published", _("已发布")


class Industry(models.TextChoices):
    """The industries of 应急管理部令第10号 第二条."""

    METALLURGY = "冶金", _("冶金")
    NONFERROUS = "有色", _("有色")
    BUILDING_MATERIALS = "建材", _("建材")
    MACHINERY = "机械", _("机械")
    LIGHT = "轻工", _("轻工")
    TEXTILE = "纺织", _("纺织")
    TOBACCO = "烟草", _("烟草")
    TRADE = "商贸", _("商贸")


class ItemScope(models.TextChoices):
    """Which enterprises an item of 令第10号 applies to, besides one industry."""

    ALL = "all", _("全部工贸企业")
    INDUSTRY = "industry", _("所属行业")
    DUST = "dust", _("存在粉尘爆炸危险")
    AMMONIA = "ammonia", _("使用液氨制冷")
    CONFINED_SPACE = "confined_space", _("有限空间作业")
    SCOPE_NOTE = "scope", _("适用范围")
