"""Vocabularies of plans (应急预案), drills (演练) and training/publicity (培训宣传)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    """Kinds of plan, in the order a 多案合一 handbook puts them."""

    GENERAL = "general", _("综合预案")
    SAFETY = "safety", _("专项预案·安全生产")
    FIRE = "fire", _("专项预案·消防")
    FLOOD = "flood", _("专项预案·防汛防台")
    GEOLOGICAL = "geological", _("专项预案·地质灾害")
    FOREST_FIRE = "forest_fire", _("专项预案·森林防灭火")
    HAZCHEM = "hazchem", _("专项预案·危化品")
    SPECIAL_OTHER = "special_other", _("专项预案·其他")
    VILLAGE = "village", _("村(社区)简明预案")
    ONSITE = "onsite", _("现场处置方案")


HANDBOOK_ORDER = list(PlanKind.values)
SPECIAL_KINDS = frozenset(
    {PlanKind.SAFETY, PlanKind.FIRE, PlanKind.FLOOD, PlanKind.GEOLOGICAL, PlanKind.FOREST_FIRE, PlanKind.HAZCHEM, PlanKind.SPECIAL_OTHER}
)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草案")
    IN_FORCE = "in_force", _("现行有效")
    UNDER_REVISION = "under_revision", _("修订中")
    SUPERSEDED = "superseded", _("已废止")


PLAN_STATUS_BADGES = {
    PlanStatus.DRAFT: "badge-muted",
    PlanStatus.IN_FORCE: "badge-ok",
    PlanStatus.UNDER_REVISION: "badge-warn",
    PlanStatus.SUPERSEDED: "badge-muted",
}
# Plans that are in use and so are expected to be drilled and revised on time.
PLAN_IN_USE = frozenset({PlanStatus.IN_FORCE, PlanStatus.UNDER_REVISION})
# Allowed status changes (from → to).
PLAN_TRANSITIONS = {
    PlanStatus.DRAFT: {PlanStatus.IN_FORCE, PlanStatus.SUPERSEDED},
    PlanStatus.IN_FORCE: {PlanStatus.UNDER_REVISION, PlanStatus.SUPERSEDED},
    PlanStatus.UNDER_REVISION: {PlanStatus.IN_FORCE, PlanStatus.SUPERSEDED},
    PlanStatus.SUPERSEDED: set(),
}

# Default section headings of a plan (structured text the handbook is generated from).
DEFAULT_SECTIONS = ["总则", "组织体系与职责", "风险分析与预防", "监测与预警", "应急响应", "后期处置", "保障措施", "附则"]


class DrillKind(models.TextChoices):
    TABLETOP = "tabletop", _("桌面推演")
    LIVE = "live", _("实战演练")
    COMBINED = "combined", _("综合演练")
    SPECIAL = "special", _("专项演练")


class DrillRating(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class TrainingKind(models.TextChoices):
    TRAINING = "training", _("培训")
    PUBLICITY = "publicity", _("宣传")
    DRILL_VISIT = "drill_visit", _("演练观摩")
    LECTURE = "lecture", _("专题讲座")
    OTHER = "other", _("其他")


class Audience(models.TextChoices):
    """The audience; the first five are the "五进" (进企业、进农村、进社区、进学校、进家庭)."""

    ENTERPRISE = "enterprise", _("进企业")
    COUNTRYSIDE = "countryside", _("进农村")
    COMMUNITY = "community", _("进社区")
    SCHOOL = "school", _("进学校")
    FAMILY = "family", _("进家庭")
    CADRES = "cadres", _("干部/网格员")
    OTHER = "other", _("其他")


FIVE_INTO = (Audience.ENTERPRISE, Audience.COUNTRYSIDE, Audience.COMMUNITY, Audience.SCHOOL, Audience.FAMILY)
