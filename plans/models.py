"""预案、演练与培训: emergency plans with sections, position cards, drills and training events."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.choices import PLAN_STATUS_BADGES, Audience, DrillKind, DrillRating, PlanKind, PlanStatus, TrainingKind
from yingji.models import JurisdictionBound, Registry, TimeStamped


class Plan(Registry):
    """An emergency plan (应急预案) kept by a jurisdiction, optionally for one place.

    The jurisdiction is the owner (编制单位); `place` names the unit a 现场处置方案 is for.
    `revision_due` defaults to approval + `plans.rules.REVISION_YEARS` (see docs/plans.md).
    """

    title = models.CharField(_("预案名称"), max_length=120, db_index=True)
    kind = models.CharField(_("预案类型"), max_length=20, choices=PlanKind.choices)
    place = models.ForeignKey(
        "places.Place", verbose_name=_("所属单位场所"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.CharField(_("版本"), max_length=20, default="1.0")
    compiled_on = models.DateField(_("编制日期"), null=True, blank=True)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    revision_due = models.DateField(_("修订期限"), null=True, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT, db_index=True)
    summary = models.TextField(_("摘要"), blank=True)

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["jurisdiction_path", "kind", "title", "id"]
        indexes = [models.Index(fields=["jurisdiction_path", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def status_badge(self) -> str:
        return PLAN_STATUS_BADGES[PlanStatus(self.status)]

    def is_revision_overdue(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status in (PlanStatus.IN_FORCE, PlanStatus.UNDER_REVISION) and self.revision_due is not None and self.revision_due < on


class PlanSection(TimeStamped):
    """A section of a plan's text (总则, 组织体系与职责, …), in order; the handbook prints them.

    Always read through its plan, which the scoped manager has already let the user see.
    """

    plan = models.ForeignKey(Plan, verbose_name=_("预案"), on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    heading = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("正文"), blank=True)

    audited = True

    class Meta:
        verbose_name = _("预案章节")
        verbose_name_plural = _("预案章节")
        ordering = ["plan_id", "position", "id"]

    def __str__(self) -> str:
        return self.heading


class PositionCard(Registry):
    """A position card (应急处置卡): what the holder of a key post does under one plan.

    Steps are an ordered list of short sentences; `report_to`/`report_within_minutes` say
    whom to report to and how fast.
    """

    plan = models.ForeignKey(Plan, verbose_name=_("所属预案"), on_delete=models.PROTECT, related_name="cards")
    position_kind = models.ForeignKey(
        "people.PositionKind", verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("卡片名称"), max_length=80)
    steps = models.JSONField(_("处置步骤"), default=list)
    contacts = models.TextField(_("联系人"), blank=True, help_text=_("每行一位：姓名/单位 电话"))
    report_to = models.CharField(_("报告对象"), max_length=100, blank=True)
    report_what = models.CharField(_("报告内容"), max_length=200, blank=True)
    report_within_minutes = models.PositiveIntegerField(_("报告时限（分钟）"), null=True, blank=True)

    class Meta:
        verbose_name = _("应急处置卡")
        verbose_name_plural = _("应急处置卡")
        ordering = ["plan_id", "position_kind__sort_order", "id"]

    def __str__(self) -> str:
        return self.title


class Drill(Registry):
    """A drill (演练): planned, then conducted, evaluated and followed up."""

    title = models.CharField(_("演练名称"), max_length=120)
    kind = models.CharField(_("演练形式"), max_length=20, choices=DrillKind.choices)
    plan = models.ForeignKey(
        Plan, verbose_name=_("演练预案"), null=True, blank=True, on_delete=models.PROTECT, related_name="drills"
    )
    planned_on = models.DateField(_("计划日期"), null=True, blank=True, db_index=True)
    conducted_on = models.DateField(_("实施日期"), null=True, blank=True, db_index=True)
    organiser = models.CharField(_("组织单位"), max_length=100, blank=True)
    participants = models.PositiveIntegerField(_("参演人数"), default=0)
    participant_units = models.CharField(_("参演单位"), max_length=300, blank=True)
    scenario = models.TextField(_("演练情景"), blank=True)
    evaluation = models.TextField(_("评估意见"), blank=True)
    rating = models.CharField(_("评估等级"), max_length=20, choices=DrillRating.choices, blank=True)

    class Meta:
        verbose_name = _("演练")
        verbose_name_plural = _("演练")
        ordering = ["jurisdiction_path", "-conducted_on", "-planned_on", "id"]
        indexes = [models.Index(fields=["jurisdiction_path", "conducted_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_conducted(self) -> bool:
        return self.conducted_on is not None

    def is_overdue(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.conducted_on is None and self.planned_on is not None and self.planned_on < on and self.archived_at is None


class DrillAction(Registry):
    """A follow-up action (整改事项) found by a drill's evaluation.

    `becomes_hazard` marks an action that should be tracked as a hazard (隐患); the hazards
    app comes later and will pick these rows up, `hazard_note` says what to register.
    """

    drill = models.ForeignKey(Drill, verbose_name=_("演练"), on_delete=models.PROTECT, related_name="actions")
    description = models.CharField(_("整改事项"), max_length=300)
    owner = models.CharField(_("责任人/单位"), max_length=60, blank=True)
    deadline = models.DateField(_("完成期限"), null=True, blank=True)
    done = models.BooleanField(_("已完成"), default=False)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    becomes_hazard = models.BooleanField(_("转为隐患"), default=False)
    hazard_note = models.CharField(_("隐患说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("演练整改事项")
        verbose_name_plural = _("演练整改事项")
        ordering = ["drill_id", "deadline", "id"]

    def __str__(self) -> str:
        return self.description


class Training(Registry):
    """A training or publicity event (培训、宣传"五进")."""

    held_on = models.DateField(_("日期"), db_index=True)
    kind = models.CharField(_("活动类型"), max_length=20, choices=TrainingKind.choices)
    audience = models.CharField(_("对象"), max_length=20, choices=Audience.choices)
    topic = models.CharField(_("主题"), max_length=120)
    attendance = models.PositiveIntegerField(_("参加人数"), default=0, validators=[MinValueValidator(0), MaxValueValidator(1_000_000)])
    organiser = models.CharField(_("组织单位"), max_length=100, blank=True)
    location = models.CharField(_("地点"), max_length=120, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("培训宣传活动")
        verbose_name_plural = _("培训宣传活动")
        ordering = ["jurisdiction_path", "-held_on", "id"]
        indexes = [models.Index(fields=["jurisdiction_path", "held_on"])]

    def __str__(self) -> str:
        return self.topic


def attachment_path(instance: Attachment, filename: str) -> str:
    """Files go under MEDIA_ROOT/plans/<year>/<month>/ with a random name (the original is kept in `name`)."""
    import uuid

    ext = os.path.splitext(filename)[1].lower()
    now = timezone.now()
    return f"plans/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{ext}"


class Attachment(JurisdictionBound, TimeStamped):
    """A file attached to a plan, a drill or a training event (photos, the signed plan …).

    Exactly one of `plan`, `drill`, `training` is set; the file is served only through a
    scoped view, never straight from MEDIA_ROOT.
    """

    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    drill = models.ForeignKey(Drill, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    training = models.ForeignKey(Training, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    audited = True

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(plan__isnull=False, drill__isnull=True, training__isnull=True)
                    | models.Q(plan__isnull=True, drill__isnull=False, training__isnull=True)
                    | models.Q(plan__isnull=True, drill__isnull=True, training__isnull=False)
                ),
                name="plans_attachment_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def owner(self) -> Any:
        return self.plan or self.drill or self.training
