"""Fixed vocabularies of the risk app (the scoring model itself is data: `RiskModel`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FactorSide(models.TextChoices):
    """Which of the two databases of seed 001 a factor reads (两库)."""

    INHERENT = "inherent", _("固有风险")
    DYNAMIC = "dynamic", _("动态监管")


class FactorRule(models.TextChoices):
    """How a factor decides whether (and how often) it applies to a place; `params` fill it in."""

    KIND_CATEGORY = "kind_category", _("场所大类属于")
    KIND_CODE = "kind_code", _("场所类型属于")
    KIND_FLAG = "kind_flag", _("场所类型标记")
    PLACE_FLAG = "place_flag", _("场所属性为是")
    NUMERIC_BAND = "numeric_band", _("数值区间")
    SIGNAL_ACTIVE = "signal_active", _("未消除的动态信号数")
    SIGNAL_RECENT = "signal_recent", _("近期动态信号数")
    INSPECTION_OVERDUE = "inspection_overdue", _("检查逾期")
    INSPECTION_RECENT_PASS = "inspection_recent_pass", _("近期检查合格")


class SignalKind(models.TextChoices):
    """Kinds of dynamic signal (动态监管库) a place can carry."""

    HAZARD_OPEN = "hazard_open", _("未整改隐患")
    HAZARD_OVERDUE = "hazard_overdue", _("逾期未整改隐患")
    ALARM = "alarm", _("报警")
    INSPECTION_FAILED = "inspection_failed", _("检查不合格")
    ACCIDENT = "accident", _("事故")
    OTHER = "other", _("其他")


class SignalSeverity(models.TextChoices):
    GENERAL = "general", _("一般")
    MAJOR = "major", _("重大")


class AssessmentCause(models.TextChoices):
    """Why a place was (re-)graded; kept on every history row."""

    INITIAL = "initial", _("首次定级")
    DAILY = "daily", _("每日重新定级")
    PLACE_CHANGED = "place_changed", _("场所信息变更")
    SIGNAL = "signal", _("动态信号变化")
    INSPECTION = "inspection", _("登记检查")
    MODEL_CHANGED = "model_changed", _("评分模型变更")
    POLICY_CHANGED = "policy_changed", _("检查频次变更")
    MANUAL = "manual", _("手动重新定级")


class InspectionKind(models.TextChoices):
    SELF = "self", _("单位自查")
    SUPERVISION = "supervision", _("监督检查")


class DueStatus(models.TextChoices):
    """Filters of the overdue drill-down list."""

    DUE_SOON = "due_soon", _("7 日内到期")
    OVERDUE_SELF = "overdue_self", _("自查逾期")
    OVERDUE_SUPERVISION = "overdue_supervision", _("监督检查逾期")
    OVERDUE_ANY = "overdue", _("任一逾期")
