"""Vocabularies of inspections (检查): kinds, states, results and item outcomes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionKind(models.TextChoices):
    SUPERVISION = "supervision", _("监督检查")
    PATROL = "patrol", _("网格巡查")
    SELF_INSPECTION = "self_inspection", _("单位自查")


class InspectionState(models.TextChoices):
    DRAFT = "draft", _("检查中")
    SUBMITTED = "submitted", _("已完成")


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")


class ItemOutcome(models.TextChoices):
    OK = "ok", _("合格")
    FAILED = "failed", _("不合格")
    NOT_APPLICABLE = "not_applicable", _("不适用")


# Which hazard source each kind of inspection reports as (hazards.choices.HazardSource values).
HAZARD_SOURCE = {
    InspectionKind.SUPERVISION: "inspection",
    InspectionKind.PATROL: "patrol",
    InspectionKind.SELF_INSPECTION: "self_inspection",
}

RESULT_BADGE = {InspectionResult.PASSED: "badge-ok", InspectionResult.FAILED: "badge-danger"}
OUTCOME_BADGE = {
    ItemOutcome.OK: "badge-ok",
    ItemOutcome.FAILED: "badge-danger",
    ItemOutcome.NOT_APPLICABLE: "badge-muted",
}
