"""Checklists (检查清单): the key matters and contents to inspect, per place kind, versioned.

A checklist is never edited once active: an edit makes a new draft version of the same
lineage, and publishing it supersedes the previous active one. An inspection keeps a
foreign key to the exact version it walked, so last year's inspection still shows last
year's items.

Visibility differs from an ordinary jurisdiction-bound ledger: a county-wide list
(no jurisdiction) is read by everyone, and a local list of a county or township node is
read by users of that node's subtree *and* of its ancestors (so a township user sees the
county's own lists, and a county user sees every township's). A township never sees
another township's local lists.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hazards.choices import HazardCategory, HazardType
from places.choices import PlaceCategory
from yingji.models import Archivable, TimeStamped
from yingji.scoping import PathField, ScopedQuerySet, current_scope, path_codes


class ChecklistStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("生效")
    SUPERSEDED = "superseded", _("已被替代")


class ChecklistLevel(models.TextChoices):
    """Which level of the tree carries out the item (检查层级)."""

    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")
    UNIT = "unit", _("单位自查")


class Department(models.TextChoices):
    """The managing department (管理部门) of an item; free text is not allowed so ledgers group cleanly."""

    EMERGENCY = "emergency", _("应急管理")
    FIRE = "fire", _("消防救援")
    HOUSING = "housing", _("住房城乡建设")
    MARKET = "market", _("市场监管")
    NATURAL_RESOURCES = "natural_resources", _("自然资源")
    WATER = "water", _("水利")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("卫生健康")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    PUBLIC_SECURITY = "public_security", _("公安")
    CULTURE_TOURISM = "culture_tourism", _("文化旅游")
    COMPREHENSIVE = "comprehensive", _("综合执法")
    TOWNSHIP = "township", _("乡镇（街道）")
    OTHER = "other", _("其他")


def _path_prefixes(path: str) -> list[str]:
    """Every ancestor path of a path, itself included: ``/a/b/`` → ``["/a/", "/a/b/"]``."""
    codes = path_codes(path)
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def visibility_condition() -> Q | None:
    """Rows the active scope may read: county-wide, its subtrees, and their ancestors' own lists."""
    scope = current_scope()
    if scope.unrestricted:
        return None
    condition = Q(jurisdiction_path="")
    for root in scope.paths:
        condition |= Q(jurisdiction_path__within=root) | Q(jurisdiction_path__in=_path_prefixes(root))
    return condition


class ChecklistQuerySet(ScopedQuerySet["Checklist"]):
    def live(self) -> ChecklistQuerySet:
        return self.filter(archived_at__isnull=True)


class ChecklistManager(models.Manager["Checklist"]):
    """Default manager: county-wide lists plus the local lists on the user's path (see module doc)."""

    _queryset_class = ChecklistQuerySet
    applies_scope = True

    def get_queryset(self) -> ChecklistQuerySet:
        queryset = ChecklistQuerySet(self.model, using=self._db)
        scope = current_scope()
        if scope.unrestricted:
            return queryset
        condition = visibility_condition()
        assert condition is not None
        return queryset.filter(condition)


class UnscopedChecklistManager(models.Manager["Checklist"]):
    _queryset_class = ChecklistQuerySet

    def get_queryset(self) -> ChecklistQuerySet:
        return ChecklistQuerySet(self.model, using=self._db)


class Checklist(TimeStamped, Archivable):
    """One version of a checklist. `lineage` groups the versions; one of them at most is active."""

    name = models.CharField(_("名称"), max_length=100)
    lineage = models.CharField(
        _("清单编号"),
        max_length=40,
        db_index=True,
        help_text=_("同一清单各版本共用的编号，如 small-place-fire"),
    )
    place_kinds = models.JSONField(
        _("适用场所类型"), default=list, blank=True, help_text=_("场所类型代码列表，如 sp_catering")
    )
    place_category = models.CharField(
        _("适用场所大类"), max_length=20, choices=PlaceCategory.choices, blank=True, db_index=True
    )
    industry = models.CharField(_("适用行业"), max_length=40, blank=True)
    is_generic = models.BooleanField(
        _("通用清单"), default=False, help_text=_("没有更具体的清单时使用（如网格员巡查）")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    effective_from = models.DateField(_("生效日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ChecklistStatus.choices, default=ChecklistStatus.DRAFT, db_index=True
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("替代版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
    )
    jurisdiction = models.ForeignKey(
        "jurisdictions.Jurisdiction",
        verbose_name=_("适用辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全县通用"),
    )
    jurisdiction_path = PathField(_("辖区路径"), blank=True, default="", editable=False)
    source_note = models.TextField(_("依据说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_path_field = "jurisdiction_path"
    audited = True

    objects: ClassVar[ChecklistManager] = ChecklistManager()
    unscoped: ClassVar[UnscopedChecklistManager] = UnscopedChecklistManager()

    class Meta:
        verbose_name = _("检查清单")
        verbose_name_plural = _("检查清单")
        ordering = ["lineage", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="checklists_lineage_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.jurisdiction_path = self.jurisdiction.path if self.jurisdiction_id else ""  # type: ignore[union-attr]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "jurisdiction" in update_fields:
            kwargs["update_fields"] = {*update_fields, "jurisdiction_path"}
        super().save(*args, **kwargs)

    @property
    def is_county_wide(self) -> bool:
        return self.jurisdiction_id is None

    @property
    def is_editable(self) -> bool:
        """Only drafts change; active and superseded versions are history."""
        return self.status == ChecklistStatus.DRAFT and self.archived_at is None

    @property
    def jurisdiction_code(self) -> str:
        return self.jurisdiction.code if self.jurisdiction_id else ""  # type: ignore[union-attr]

    @property
    def status_badge(self) -> str:
        return {"active": "badge-ok", "draft": "badge-warn"}.get(self.status, "badge-muted")


class ChecklistItem(TimeStamped):
    """One line of a checklist: a matter (检查事项) and what to look at (检查内容)."""

    checklist = models.ForeignKey(Checklist, verbose_name=_("检查清单"), on_delete=models.PROTECT, related_name="items")
    order = models.PositiveIntegerField(_("序号"), default=0)
    matter = models.CharField(_("检查事项"), max_length=100)
    content = models.TextField(_("检查内容"))
    department = models.CharField(
        _("管理部门"), max_length=20, choices=Department.choices, default=Department.FIRE, blank=True
    )
    level = models.CharField(
        _("检查层级"), max_length=10, choices=ChecklistLevel.choices, default=ChecklistLevel.TOWNSHIP, blank=True
    )
    frequency = models.CharField(_("检查频次"), max_length=40, blank=True, help_text=_("如 每月一次"))
    frequency_days = models.PositiveSmallIntegerField(_("频次（天）"), null=True, blank=True)
    rule_refs = models.JSONField(
        _("依据条款"), default=list, blank=True, help_text=_('如 [{"code": "GB35181-2017:6.6", "label": "..."}]')
    )
    hazard_type = models.CharField(
        _("默认隐患灾种"), max_length=24, choices=HazardType.choices, default=HazardType.FIRE
    )
    category = models.CharField(
        _("默认隐患类别"), max_length=20, choices=HazardCategory.choices, default=HazardCategory.UNSAFE_CONDITION
    )
    major_if_failed = models.BooleanField(_("不合格可能构成重大隐患"), default=False)
    requires_photo = models.BooleanField(_("须拍照"), default=False)

    audited = True

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["checklist", "order"])]

    def __str__(self) -> str:
        return f"{self.order}. {self.matter}"

    @property
    def jurisdiction_path(self) -> str:
        """The audit log files the item under its checklist's node (empty = county-wide)."""
        return Checklist.unscoped.filter(pk=self.checklist_id).values_list("jurisdiction_path", flat=True).first() or ""
