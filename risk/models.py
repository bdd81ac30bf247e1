"""风险分级与检查频次 (两库: 固有风险库 + 动态监管库).

- `RiskModel` + `RiskFactor`: the scoring model as data. Every edit makes a new version, so a
  past grade can say which model produced it (rules.md §0.2: version every rule table).
- `PlaceSignal`: the dynamic supervision ledger (动态监管库): open hazards, alarms, failed
  inspections, accidents. Later apps write to it through `risk.actions.record_signal`.
- `RiskAssessment`: the history of a place's grade; one row whenever grade or score changes.
- `InspectionPolicy`: how often a place of a grade (optionally of a kind) must inspect itself
  (单位自查) and be inspected by the township (监督检查).
- `RegradeRun`: progress of the daily re-grade, so a crashed run resumes where it stopped.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from places.choices import RiskGrade
from places.models import PlaceBoundManager
from risk.choices import AssessmentCause, FactorRule, FactorSide, SignalKind, SignalSeverity
from yingji.models import JurisdictionBound, Registry, TimeStamped


class RiskModel(TimeStamped):
    """One version of the scoring model (风险评分模型): grade thresholds plus its factors.

    Versions are never edited in place: a county administrator's change creates the next
    version and the highest version is the current one. Assessments point at the version
    that produced them.
    """

    version = models.PositiveIntegerField(_("版本"), unique=True)
    major_min = models.DecimalField(_("重大风险起点分"), max_digits=7, decimal_places=2)
    large_min = models.DecimalField(_("较大风险起点分"), max_digits=7, decimal_places=2)
    general_min = models.DecimalField(_("一般风险起点分"), max_digits=7, decimal_places=2)
    note = models.CharField(_("变更说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    audited = True

    class Meta:
        verbose_name = _("风险评分模型")
        verbose_name_plural = _("风险评分模型")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"风险评分模型 v{self.version}"

    def grade_for(self, score: Decimal) -> str:
        """The grade a score falls in (thresholds are inclusive lower bounds)."""
        if score >= self.major_min:
            return RiskGrade.MAJOR
        if score >= self.large_min:
            return RiskGrade.LARGE
        if score >= self.general_min:
            return RiskGrade.GENERAL
        return RiskGrade.LOW


class RiskFactor(TimeStamped):
    """A factor of one model version (风险因子): when it applies (`rule` + `params`) and its points.

    Count rules (signals) give `points` per occurrence, capped at `max_points`. A factor may
    also force a minimum grade (e.g. a hazardous-chemical unit is never below 较大).
    """

    model = models.ForeignKey(RiskModel, verbose_name=_("模型版本"), on_delete=models.CASCADE, related_name="factors")
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    side = models.CharField(_("所属库"), max_length=10, choices=FactorSide.choices)
    rule = models.CharField(_("判定方式"), max_length=30, choices=FactorRule.choices)
    params = models.JSONField(_("判定参数"), default=dict, blank=True)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    max_points = models.DecimalField(_("封顶分值"), max_digits=6, decimal_places=2, null=True, blank=True)
    min_grade = models.CharField(_("最低等级"), max_length=10, choices=RiskGrade.choices, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    audited = True

    class Meta:
        verbose_name = _("风险因子")
        verbose_name_plural = _("风险因子")
        ordering = ["model", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["model", "code"], name="risk_factor_unique_code")]

    def __str__(self) -> str:
        return self.name


class PlaceSignal(Registry):
    """A dynamic supervision signal on a place (动态监管库): a hazard, alarm, failed inspection…

    `source_app` + `source_ref` name the record that raised it (e.g. ``hazards`` / ``1234``),
    so the raising app can update or resolve the same signal later without duplicates.
    """

    place = models.ForeignKey(
        "places.Place", verbose_name=_("场所"), on_delete=models.PROTECT, related_name="risk_signals"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=SignalKind.choices, db_index=True)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=SignalSeverity.choices, default=SignalSeverity.GENERAL
    )
    occurred_at = models.DateTimeField(_("发生时间"))
    resolved_at = models.DateTimeField(_("消除时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    source_app = models.CharField(_("来源模块"), max_length=30, blank=True)
    source_ref = models.CharField(_("来源记录"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[PlaceBoundManager] = PlaceBoundManager()

    class Meta:
        verbose_name = _("动态监管信号")
        verbose_name_plural = _("动态监管信号")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["place", "kind"]),
            models.Index(fields=["source_app", "source_ref"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.resolved_at is None and self.archived_at is None


class RiskAssessment(JurisdictionBound):
    """One change of a place's grade or score (定级记录), with its cause and factor breakdown.

    This table is the record of grading; the place's own risk_* columns only cache the
    latest row, so they are written without an audit row each (see `risk.grading`).
    """

    place = models.ForeignKey(
        "places.Place", verbose_name=_("场所"), on_delete=models.CASCADE, related_name="risk_assessments"
    )
    model = models.ForeignKey(
        RiskModel, verbose_name=_("模型版本"), null=True, on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_at = models.DateTimeField(_("定级时间"), db_index=True)
    cause = models.CharField(_("原因"), max_length=20, choices=AssessmentCause.choices)
    grade_before = models.CharField(_("原等级"), max_length=10, choices=RiskGrade.choices, blank=True)
    grade_after = models.CharField(_("新等级"), max_length=10, choices=RiskGrade.choices)
    score_before = models.DecimalField(_("原分值"), max_digits=7, decimal_places=2, null=True, blank=True)
    score_after = models.DecimalField(_("新分值"), max_digits=7, decimal_places=2)
    factors = models.JSONField(_("因子明细"), default=list)

    objects: ClassVar[PlaceBoundManager] = PlaceBoundManager()

    class Meta:
        verbose_name = _("定级记录")
        verbose_name_plural = _("定级记录")
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["place", "-assessed_at"])]

    def __str__(self) -> str:
        return f"{self.place_id} {self.grade_before or '—'} → {self.grade_after}"


class InspectionPolicy(TimeStamped):
    """Inspection frequency (检查频次) for a grade, optionally for one place kind.

    A row with a kind overrides the grade's general row for places of that kind.
    """

    grade = models.CharField(_("风险等级"), max_length=10, choices=RiskGrade.choices)
    kind = models.ForeignKey(
        "places.PlaceKind",
        verbose_name=_("场所类型"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inspection_policies",
    )
    self_interval_days = models.PositiveIntegerField(_("单位自查间隔（天）"))
    supervision_interval_days = models.PositiveIntegerField(_("监督检查间隔（天）"))
    source = models.CharField(_("依据"), max_length=200, blank=True)

    audited = True

    class Meta:
        verbose_name = _("检查频次")
        verbose_name_plural = _("检查频次")
        ordering = ["kind", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["grade"], condition=models.Q(kind__isnull=True), name="risk_policy_unique_grade"
            ),
            models.UniqueConstraint(
                fields=["grade", "kind"], condition=models.Q(kind__isnull=False), name="risk_policy_unique_grade_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(self_interval_days__gte=1, supervision_interval_days__gte=1),
                name="risk_policy_positive_intervals",
            ),
        ]

    def __str__(self) -> str:
        grade = RiskGrade(self.grade).label
        return f"{grade} · {self.kind}" if self.kind_id else str(grade)


class RegradeRun(models.Model):
    """One batch re-grade of every place (the daily run, or one after a model/policy change).

    State lives in the row, not in a worker's memory: workers claim it with a lease
    (`jobs.claiming.claim_rows`) and record the last place id after each chunk, so a run
    cut short by a crash or restart resumes where it stopped in whichever worker claims it next.
    """

    key = models.CharField(_("批次"), max_length=60, unique=True)
    cause = models.CharField(_("原因"), max_length=20, choices=AssessmentCause.choices)
    jurisdiction_path = models.CharField(_("辖区路径"), max_length=120, blank=True)
    run_on = models.DateField(_("定级日期"))
    last_place_id = models.BigIntegerField(_("已处理到场所 ID"), default=0)
    places_seen = models.PositiveIntegerField(_("已处理场所"), default=0)
    places_changed = models.PositiveIntegerField(_("等级或分值变化"), default=0)
    requested_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True, db_index=True)
    locked_by = models.CharField(_("执行者"), max_length=100, blank=True)
    locked_until = models.DateTimeField(_("租约到期"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量重新定级")
        verbose_name_plural = _("批量重新定级")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return self.key
