"""Vocabularies of the hazard loop. The API values are fixed by the platform's interface."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HazardState(models.TextChoices):
    REPORTED = "reported", _("已发现")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("不予认定")
    ASSIGNED = "assigned", _("已派单")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "submitted", _("整改完成待复核")
    VERIFIED = "verified", _("复核通过待核销")
    CLOSED = "closed", _("已核销")


# States in which a hazard is still open (has a colour and may be reminded about).
OPEN_STATES = (
    HazardState.REPORTED,
    HazardState.CONFIRMED,
    HazardState.ASSIGNED,
    HazardState.RECTIFYING,
    HazardState.SUBMITTED,
    HazardState.VERIFIED,
)
# States in which the assignee's rectification clock is running.
RECTIFICATION_STATES = (HazardState.ASSIGNED, HazardState.RECTIFYING)
TERMINAL_STATES = (HazardState.REJECTED, HazardState.CLOSED)


class HazardCategory(models.TextChoices):
    UNSAFE_ACT = "unsafe_act", _("人的不安全行为")
    UNSAFE_CONDITION = "unsafe_condition", _("物的不安全状态")
    MANAGEMENT_DEFECT = "management_defect", _("管理缺陷")
    OTHER = "other", _("其他")


class HazardType(models.TextChoices):
    """Disaster / hazard type (灾种), the second axis of the ledgers."""

    FIRE = "fire", _("消防")
    ELECTRICAL = "electrical", _("电气")
    GAS = "gas", _("燃气")
    STRUCTURAL = "structural", _("房屋结构")
    FLOOD = "flood", _("防汛防台")
    GEOLOGICAL = "geological", _("地质灾害")
    FOREST_FIRE = "forest_fire", _("森林火灾")
    HAZARDOUS_CHEMICALS = "hazardous_chemicals", _("危险化学品")
    SPECIAL_EQUIPMENT = "special_equipment", _("特种设备")
    DUST_EXPLOSION = "dust_explosion", _("粉尘涉爆")
    CONFINED_SPACE = "confined_space", _("有限空间")
    CONSTRUCTION = "construction", _("建设施工")
    TRAFFIC = "traffic", _("交通")
    OTHER = "other", _("其他")


class HazardSeverity(models.TextChoices):
    GENERAL = "general", _("一般")
    MAJOR = "major", _("重大")


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", _("监督检查")
    SELF_INSPECTION = "self_inspection", _("单位自查")
    PATROL = "patrol", _("网格巡查")
    PUBLIC_REPORT = "public_report", _("群众举报")
    ALARM = "alarm", _("设备报警")
    SUPERIOR = "superior", _("上级交办")
    DRILL = "drill", _("演练发现")


class Colour(models.TextChoices):
    GREEN = "green", _("绿色（期限内）")
    YELLOW = "yellow", _("黄色（临期）")
    RED = "red", _("红色（逾期）")


class PhotoStage(models.TextChoices):
    FOUND = "found", _("发现时")
    EVIDENCE = "evidence", _("整改后")
    VERIFICATION = "verification", _("复核时")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class RecheckState(models.TextChoices):
    DUE = "due", _("待回头看")
    PASSED = "passed", _("未反弹")
    REOPENED = "reopened", _("隐患反弹")


class ReminderLevel(models.IntegerChoices):
    """How far the colour reminders of the current deadline have gone (so each is sent once)."""

    NONE = 0, _("未提醒")
    YELLOW = 1, _("已发临期提醒")
    RED = 2, _("已发逾期提醒")
    ESCALATED = 3, _("已升级至上级")
