"""Hazards (隐患) and the closed loop of their rectification.

A hazard moves only through the action functions in `hazards.actions`, which check the
transition table in `hazards.machine`, lock the row, and write one `HazardEvent` per step,
so the timeline is the history of who did what and when. The deadline colour is never
stored as the truth: it is computed from `deadline` and `yellow_from` (both dates), which
lets lists filter and count by colour with plain indexed date comparisons.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hazards.choices import (
    ExtensionState,
    HazardCategory,
    HazardSeverity,
    HazardSource,
    HazardState,
    HazardType,
    PhotoStage,
    RecheckState,
    ReminderLevel,
)
from places.models import PlaceBoundManager
from yingji.models import Registry, TimeStamped


class Hazard(Registry):
    """One found hazard, from discovery to closure (or rejection)."""

    number = models.CharField(_("隐患编号"), max_length=32, unique=True, editable=False)
    place = models.ForeignKey(
        "places.Place", verbose_name=_("场所"), on_delete=models.PROTECT, related_name="hazards", null=True, blank=True
    )
    category = models.CharField(_("隐患类别"), max_length=20, choices=HazardCategory.choices)
    hazard_type = models.CharField(_("灾种/专业"), max_length=24, choices=HazardType.choices)
    severity = models.CharField(
        _("隐患等级"), max_length=10, choices=HazardSeverity.choices, default=HazardSeverity.GENERAL
    )
    description = models.TextField(_("隐患描述"), max_length=2000)
    source = models.CharField(_("来源"), max_length=20, choices=HazardSource.choices)
    # Which record found it (an inspection, a public report, an alarm): "app:id".
    source_app = models.CharField(_("来源模块"), max_length=30, blank=True)
    source_ref = models.CharField(_("来源记录"), max_length=40, blank=True)

    # Where: WGS-84 (the place's point unless the finder recorded another), and words.
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("具体位置"), max_length=200, blank=True)

    state = models.CharField(_("状态"), max_length=12, choices=HazardState.choices, default=HazardState.REPORTED)
    found_at = models.DateTimeField(_("发现时间"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_label = models.CharField(
        _("上报人（说明）"), max_length=60, blank=True, help_text=_("如“群众举报”、巡查网格员姓名")
    )
    interim_measures = models.TextField(_("管控措施"), max_length=1000, blank=True)

    # Dispatch (派单): to a person (with an account or just a name and mobile) or a department.
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改责任人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee_person = models.ForeignKey(
        "people.Person",
        verbose_name=_("整改责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee_name = models.CharField(_("整改责任人姓名"), max_length=40, blank=True)
    assignee_mobile = models.CharField(_("整改责任人手机号"), max_length=11, blank=True)
    assignee_department = models.CharField(_("责任部门"), max_length=60, blank=True)
    assigned_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("派单人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Deadline and colour thresholds (dates in the local time zone).
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    original_deadline = models.DateField(_("原定整改期限"), null=True, blank=True)
    yellow_from = models.DateField(_("临期提醒起始日"), null=True, blank=True)
    reminder_level = models.PositiveSmallIntegerField(
        _("提醒进度"), choices=ReminderLevel.choices, default=ReminderLevel.NONE
    )

    # Rectification and verification.
    submitted_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    # The local date of `submitted_at`, kept by `save()`: the frozen colour compares it with the
    # deadline as plain columns (a per-row date cast of a timestamp is slow on SQLite).
    submitted_on = models.DateField(_("整改完成日期"), null=True, blank=True, editable=False)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rectification_note = models.TextField(_("整改情况"), max_length=2000, blank=True)
    verified_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("核销时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejection_reason = models.CharField(_("不予认定原因"), max_length=300, blank=True)

    # County supervision of major hazards (挂牌督办).
    supervised = models.BooleanField(_("挂牌督办"), default=False)
    supervision_deadline = models.DateField(_("督办期限"), null=True, blank=True)
    supervision_leader = models.CharField(_("督办责任领导"), max_length=60, blank=True)
    supervision_unit = models.CharField(_("督办单位"), max_length=60, blank=True)
    supervised_at = models.DateTimeField(_("挂牌时间"), null=True, blank=True)
    # The GB 35181 / 令第10号 determination that supports "major", if one was made.
    determination = models.JSONField(_("判定依据"), default=dict, blank=True)

    objects: ClassVar[PlaceBoundManager] = PlaceBoundManager()

    class Meta:
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        ordering = ["-found_at", "-id"]
        indexes = [
            # Lists and colour counts of a subtree: the trailing columns make the index cover the
            # colour, state and severity filters and the list order, so a page's ids and the
            # counts come from the index alone (see yingji/paging.py and docs/benchmarks.md).
            models.Index(
                fields=[
                    "archived_at",
                    "jurisdiction_path",
                    "found_at",
                    "state",
                    "deadline",
                    "yellow_from",
                    "submitted_on",
                    "severity",
                ],
                name="hazards_live_cover",
            ),
            models.Index(fields=["state", "jurisdiction_path"], name="hazards_state_path"),
            # The daily colour scan: open hazards whose yellow/red day has come.
            models.Index(fields=["state", "yellow_from"], name="hazards_state_yellow"),
            models.Index(fields=["state", "deadline"], name="hazards_state_deadline"),
            models.Index(fields=["severity", "supervised"], name="hazards_major"),
            models.Index(fields=["source_app", "source_ref"], name="hazards_source"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description[:30]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.submitted_on = timezone.localdate(self.submitted_at) if self.submitted_at else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "submitted_at" in update_fields:
            kwargs["update_fields"] = {*update_fields, "submitted_on"}
        super().save(*args, **kwargs)


class OfHazard:
    """Rows that belong to one hazard are audited and scoped like that hazard."""

    hazard_id: int

    @property
    def jurisdiction_path(self) -> str:
        return str(
            Hazard._base_manager.filter(pk=self.hazard_id).values_list("jurisdiction_path", flat=True).first() or ""
        )


class HazardEvent(OfHazard, models.Model):
    """One step on a hazard's timeline: who did what, when, and from which state to which."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=24)
    from_state = models.CharField(_("原状态"), max_length=12, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(
        _("操作人（说明）"), max_length=60, blank=True, help_text=_("系统、群众等无账号的操作方")
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("隐患处置记录")
        verbose_name_plural = _("隐患处置记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


def hazard_photo_path(instance: HazardPhoto, filename: str) -> str:
    """A random name under the hazard's folder; the uploaded name is never used as a path."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    if suffix not in {"jpg", "jpeg", "png", "gif", "webp"}:
        suffix = "jpg"
    return f"hazards/{instance.hazard_id}/{uuid.uuid4().hex}.{suffix}"


class HazardPhoto(OfHazard, TimeStamped):
    """A photo taken when the hazard was found, as rectification evidence, or at verification."""

    hazard = models.ForeignKey(Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("阶段"), max_length=12, choices=PhotoStage.choices, default=PhotoStage.FOUND)
    image = models.FileField(_("照片文件"), upload_to=hazard_photo_path, max_length=200)
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    audited = True

    class Meta:
        verbose_name = _("隐患照片")
        verbose_name_plural = _("隐患照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.get_stage_display()}"


class DeadlineExtension(OfHazard, TimeStamped):
    """A request to move a hazard's deadline (延期), and its approval or refusal."""

    hazard = models.ForeignKey(Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="extensions")
    old_deadline = models.DateField(_("原期限"))
    new_deadline = models.DateField(_("申请期限"))
    reason = models.CharField(_("申请理由"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("审批状态"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    audited = True

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hazard"], condition=models.Q(state="pending"), name="hazards_one_pending_extension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.old_deadline}→{self.new_deadline}"


class DeadlinePolicy(TimeStamped):
    """Default deadlines by severity and the yellow threshold, for a jurisdiction and its subtree.

    The most specific policy on the path from the hazard's node to the root applies; a
    county-wide row ships by default. The seeds give no numbers, so the defaults are ours
    (documented in docs/hazards.md) and editable.
    """

    jurisdiction = models.OneToOneField(
        "jurisdictions.Jurisdiction",
        verbose_name=_("适用辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全局默认"),
    )
    general_days = models.PositiveSmallIntegerField(_("一般隐患整改期限（天）"), default=30)
    major_days = models.PositiveSmallIntegerField(_("重大隐患整改期限（天）"), default=90)
    yellow_days = models.PositiveSmallIntegerField(_("临期天数"), default=3, help_text=_("到期前多少天变黄"))
    yellow_percent = models.PositiveSmallIntegerField(
        _("临期比例（%）"), default=20, help_text=_("整改期最后百分之多少变黄")
    )
    recheck_percent = models.PositiveSmallIntegerField(_("回头看抽取比例（%）"), default=10)
    recheck_after_days = models.PositiveSmallIntegerField(_("核销后多少天回头看"), default=30)

    audited = True

    class Meta:
        verbose_name = _("隐患期限规则")
        verbose_name_plural = _("隐患期限规则")

    def __str__(self) -> str:
        return str(self.jurisdiction or _("全局默认"))

    @property
    def jurisdiction_path(self) -> str:
        return self.jurisdiction.path if self.jurisdiction_id else ""  # type: ignore[union-attr]


class Recheck(OfHazard, TimeStamped):
    """A closed hazard drawn for a later re-check (回头看), and what the re-check found."""

    hazard = models.ForeignKey(Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="rechecks")
    drawn_at = models.DateTimeField(_("抽取时间"))
    draw_seed = models.CharField(_("抽取种子"), max_length=64, blank=True)
    due_on = models.DateField(_("回头看日期"))
    state = models.CharField(_("结果"), max_length=10, choices=RecheckState.choices, default=RecheckState.DUE)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reopened_as = models.ForeignKey(
        Hazard, verbose_name=_("反弹后新隐患"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    audited = True

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["hazard"], name="hazards_one_recheck_per_hazard")]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.due_on}"
