"""Inspection plans: the annual enforcement plan, periodic/special plans, 双随机 draws and tasks.

A task (`InspectionTask`) is the unit of work an inspector opens on the phone; the
inspections app records the inspection and calls `actions.complete_task`. A draw
(`RandomDraw`) is immutable once saved: it keeps its seed, the sorted pool it drew from and
its result, so anyone can re-compute it and see that nobody chose the places by hand.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inspectionplans.choices import AnnualPlanStatus, PlanKind, PlanStatus, TaskState
from places.models import PlaceBoundManager
from yingji.models import Registry


def annual_attachment_path(instance: AnnualPlan, filename: str) -> str:
    """A random name; the uploaded name is never used as a path."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    if suffix not in {"pdf", "doc", "docx", "xlsx", "xls", "jpg", "jpeg", "png"}:
        suffix = "bin"
    return f"inspectionplans/annual/{uuid.uuid4().hex}.{suffix}"


class AnnualPlan(Registry):
    """年度执法计划 of one township for one year: targets and planned counts, then approval."""

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("计划名称"), max_length=120)
    # [{"kind": "<place kind code or ''>", "grade": "<risk grade or ''>", "count": n}, ...]
    targets = models.JSONField(_("检查对象与目标"), default=list, blank=True)
    # Twelve planned counts, January first (quarters are sums of three).
    monthly_counts = models.JSONField(_("月度计划检查数"), default=list, blank=True)
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=AnnualPlanStatus.choices, default=AnnualPlanStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    attachment = models.FileField(_("计划文件"), upload_to=annual_attachment_path, max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编制人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("年度执法计划")
        verbose_name_plural = _("年度执法计划")
        ordering = ["-year", "jurisdiction_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year"],
                condition=models.Q(archived_at__isnull=True),
                name="inspectionplans_one_live_annual_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    @property
    def planned_total(self) -> int:
        return sum(int(n or 0) for n in self.monthly_counts)

    @property
    def quarterly_counts(self) -> list[int]:
        months = [int(n or 0) for n in self.monthly_counts] + [0] * 12
        return [sum(months[q * 3 : q * 3 + 3]) for q in range(4)]


class InspectionPlan(Registry):
    """A periodic, random-draw or special inspection plan for a period, with its flags."""

    title = models.CharField(_("计划名称"), max_length=120)
    kind = models.CharField(_("计划类型"), max_length=12, choices=PlanKind.choices, default=PlanKind.PERIODIC)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    annual_plan = models.ForeignKey(
        AnnualPlan,
        verbose_name=_("所属年度计划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    unannounced = models.BooleanField(_("四不两直"), default=False)
    joint = models.BooleanField(_("联合检查"), default=False)
    departments = models.JSONField(_("参与部门"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编制人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("下达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查计划")
        verbose_name_plural = _("检查计划")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="inspectionplans_plan_period_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RandomDraw(Registry):
    """One 双随机 draw: the criteria, the sorted pool, the seed and the result. Never edited.

    `pool_ids` is the pool as it was at draw time (sorted by id), so verification answers
    the question "does this seed give this result from this pool" even after places change.
    """

    plan = models.ForeignKey(InspectionPlan, verbose_name=_("检查计划"), on_delete=models.PROTECT, related_name="draws")
    criteria = models.JSONField(_("抽取条件"), default=dict, blank=True)
    pool_ids = models.JSONField(_("抽取池场所"), default=list)
    pool_size = models.PositiveIntegerField(_("抽取池数量"))
    sample_size = models.PositiveIntegerField(_("抽取数量"))
    inspector_ids = models.JSONField(_("检查人员库"), default=list)
    team_size = models.PositiveSmallIntegerField(_("每组人数"), default=2)
    seed = models.CharField(_("随机种子"), max_length=64)
    algorithm = models.CharField(_("算法版本"), max_length=20, default="v1")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽取人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drawn_at = models.DateTimeField(_("抽取时间"))
    place_ids = models.JSONField(_("抽中场所（顺序）"), default=list)
    # One list of user ids per drawn place, in the same order as `place_ids`.
    teams = models.JSONField(_("检查组"), default=list)

    class Meta:
        verbose_name = _("双随机抽取")
        verbose_name_plural = _("双随机抽取")
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.drawn_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A drawn result is final: a new draw is a new record."""
        if self.pk is not None and not kwargs.get("update_fields"):
            raise ValueError("双随机抽取结果不可修改，请新建一次抽取")
        super().save(*args, **kwargs)


class InspectionTask(Registry):
    """One place to inspect by a team before a date, from a plan or a draw (or on its own)."""

    place = models.ForeignKey(
        "places.Place", verbose_name=_("场所"), on_delete=models.PROTECT, related_name="inspection_tasks"
    )
    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("检查计划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    draw = models.ForeignKey(
        RandomDraw, verbose_name=_("双随机抽取"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员"), blank=True, related_name="inspection_tasks"
    )
    lead_inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主检人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("完成期限"), db_index=True)
    unannounced = models.BooleanField(_("四不两直"), default=False)
    joint = models.BooleanField(_("联合检查"), default=False)
    departments = models.JSONField(_("参与部门"), default=list, blank=True)
    checklist = models.ForeignKey(
        "checklists.Checklist",
        verbose_name=_("检查表"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=12, choices=TaskState.choices, default=TaskState.PENDING)
    inspection_id = models.BigIntegerField(_("检查记录"), null=True, blank=True)
    passed = models.BooleanField(_("检查合格"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[PlaceBoundManager] = PlaceBoundManager()

    class Meta:
        verbose_name = _("检查任务")
        verbose_name_plural = _("检查任务")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["state", "due_on"], name="inspectionplans_task_due"),
            models.Index(fields=["archived_at", "jurisdiction_path"], name="inspectionplans_task_path"),
        ]

    def __str__(self) -> str:
        return f"{self.place} · {self.due_on}"

    @property
    def is_open(self) -> bool:
        return self.state in (TaskState.PENDING, TaskState.IN_PROGRESS)

    def is_overdue(self, today: Any = None) -> bool:
        from django.utils import timezone

        return self.is_open and self.due_on < (today or timezone.localdate())
