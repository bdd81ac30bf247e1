"""Inspections (检查) as they are done on site: supervision, grid patrols and self-inspections.

An inspection walks one frozen version of a checklist (the version in force when it
began, so a later edit of the checklist never rewrites what was inspected), records a
check-in location with its distance from the place, one result per item with photos,
the place representative's signature, and the overall result. A failed item can become
a hazard in one step; the item keeps the link so the record shows what it led to.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inspections.choices import (
    OUTCOME_BADGE,
    RESULT_BADGE,
    InspectionKind,
    InspectionResult,
    InspectionState,
    ItemOutcome,
)
from places.models import PlaceBoundManager
from yingji.models import Registry, TimeStamped


def signature_path(instance: Inspection, filename: str) -> str:
    """A random name: the signature is never stored under a name the browser chose."""
    return f"inspections/signatures/{uuid.uuid4().hex}.png"


class Inspection(Registry):
    """One inspection of one place (监督检查、网格巡查或单位自查), from start to result."""

    place = models.ForeignKey(
        "places.Place", verbose_name=_("场所"), on_delete=models.PROTECT, related_name="inspections"
    )
    task = models.ForeignKey(
        "inspectionplans.InspectionTask",
        verbose_name=_("检查任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        help_text=_("临时巡查和单位自查没有任务"),
    )
    kind = models.CharField(_("检查类型"), max_length=16, choices=InspectionKind.choices)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("检查人员"), related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checklist = models.ForeignKey(
        "checklists.Checklist", verbose_name=_("检查表（版本）"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=InspectionState.choices, default=InspectionState.DRAFT, db_index=True
    )
    started_at = models.DateTimeField(_("开始时间"))

    # Check-in on site (签到), WGS-84 as the phone's GPS gives it.
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    check_in_lat = models.FloatField(_("签到纬度"), null=True, blank=True)
    check_in_lng = models.FloatField(_("签到经度"), null=True, blank=True)
    check_in_accuracy = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("距场所（米）"), null=True, blank=True)
    far_from_place = models.BooleanField(_("远离场所签到"), default=False)
    far_reason = models.CharField(_("远离场所原因"), max_length=200, blank=True)

    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    result = models.CharField(_("检查结果"), max_length=10, choices=InspectionResult.choices, blank=True)
    summary = models.TextField(_("检查意见"), max_length=2000, blank=True)
    representative = models.CharField(_("场所代表"), max_length=40, blank=True)
    signature = models.FileField(_("场所代表签名"), upload_to=signature_path, blank=True, max_length=200)
    signed_at = models.DateTimeField(_("签名时间"), null=True, blank=True)

    # Copied from the task, so the record says how it was done even if the task changes.
    unannounced = models.BooleanField(_("四不两直"), default=False)
    joint = models.BooleanField(_("联合检查"), default=False)

    objects: ClassVar[PlaceBoundManager] = PlaceBoundManager()

    class Meta:
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["archived_at", "jurisdiction_path", "started_at"], name="inspections_live_by_path"),
            models.Index(fields=["place", "started_at"], name="inspections_place_started"),
        ]
        constraints = [
            # "Open the task" twice must land on the same draft, never start a second one.
            models.UniqueConstraint(
                fields=["task"],
                condition=models.Q(state="draft", task__isnull=False, archived_at__isnull=True),
                name="inspections_one_draft_per_task",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.place_id} {self.started_at:%Y-%m-%d}"

    @property
    def is_draft(self) -> bool:
        return self.state == InspectionState.DRAFT

    @property
    def result_badge(self) -> str:
        return RESULT_BADGE.get(InspectionResult(self.result), "") if self.result else "badge-muted"


class ItemResult(TimeStamped):
    """The answer to one checklist item in one inspection (合格/不合格/不适用)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查记录"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(
        "checklists.ChecklistItem", verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("结论"), max_length=16, choices=ItemOutcome.choices)
    note = models.TextField(_("情况说明"), max_length=1000, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        verbose_name=_("生成的隐患"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    audited = True

    class Meta:
        verbose_name = _("检查项结果")
        verbose_name_plural = _("检查项结果")
        ordering = ["inspection_id", "item__order", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspections_one_result_per_item")]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id} {self.outcome}"

    @property
    def outcome_badge(self) -> str:
        return OUTCOME_BADGE.get(ItemOutcome(self.outcome), "")

    @property
    def jurisdiction_path(self) -> str:
        return str(
            Inspection._base_manager.filter(pk=self.inspection_id).values_list("jurisdiction_path", flat=True).first()
            or ""
        )


def item_photo_path(instance: ItemPhoto, filename: str) -> str:
    suffix = {"image/png": "png", "image/webp": "webp"}.get(instance.content_type, "jpg")
    return f"inspections/photos/{uuid.uuid4().hex}.{suffix}"


class ItemPhoto(TimeStamped):
    """A photo taken for one item of an inspection (checked as a real image, ≤ 10 MB)."""

    result = models.ForeignKey(
        ItemResult, verbose_name=_("检查项结果"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("照片文件"), upload_to=item_photo_path, max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=20)
    size = models.PositiveIntegerField(_("大小（字节）"))
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
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.result_id} {self.image.name}"

    @property
    def jurisdiction_path(self) -> str:
        return str(
            Inspection._base_manager.filter(results__pk=self.result_id)
            .values_list("jurisdiction_path", flat=True)
            .first()
            or ""
        )
