"""Choices of the inspection-plan app (年度执法计划, 检查计划, 双随机, 检查任务)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnualPlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("已批准")


class PlanKind(models.TextChoices):
    PERIODIC = "periodic", _("定期检查")
    RANDOM_DRAW = "random_draw", _("双随机抽查")
    SPECIAL = "special", _("专项检查")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已下达")
    CLOSED = "closed", _("已结束")


class TaskState(models.TextChoices):
    PENDING = "pending", _("待检查")
    IN_PROGRESS = "in_progress", _("检查中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


OPEN_TASK_STATES = (TaskState.PENDING, TaskState.IN_PROGRESS)
