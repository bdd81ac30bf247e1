"""Vocabularies of shelters (避灾安置场所): kinds, statuses with colours, facilities."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShelterKind(models.TextChoices):
    SCHOOL = "school", _("学校")
    CULTURAL_HALL = "cultural_hall", _("文化礼堂")
    STADIUM = "stadium", _("体育场馆")
    VILLAGE_OFFICE = "village_office", _("村委会")
    PARK = "park", _("公园广场")
    DEDICATED = "dedicated", _("专用避灾中心")
    OTHER = "other", _("其他")


class ShelterStatus(models.TextChoices):
    """ready → open ⇄ full → closed → ready. `full` is set by occupancy, never by hand."""

    READY = "ready", _("待用")
    OPEN = "open", _("已开放")
    FULL = "full", _("已满员")
    CLOSED = "closed", _("已关闭")


# Colours read by the map, the badges and the legend (one place to change them).
STATUS_COLOURS = {
    ShelterStatus.READY: "#2e7d32",
    ShelterStatus.OPEN: "#1f5fa8",
    ShelterStatus.FULL: "#c8281e",
    ShelterStatus.CLOSED: "#6b7280",
}
STATUS_BADGES = {
    ShelterStatus.READY: "badge-ok",
    ShelterStatus.OPEN: "badge-warn",
    ShelterStatus.FULL: "badge-danger",
    ShelterStatus.CLOSED: "badge-muted",
}
# Statuses in which people are in the shelter and check-in/out is recorded.
RECEIVING = frozenset({ShelterStatus.OPEN, ShelterStatus.FULL})


class Facility(models.TextChoices):
    """Facilities a shelter has (配套设施); stored as a list of these codes."""

    WATER = "water", _("供水")
    POWER = "power", _("供电/备用电源")
    TOILETS = "toilets", _("卫生间")
    MEDICAL = "medical", _("医疗点")
    KITCHEN = "kitchen", _("厨房/供餐")
    BEDDING = "bedding", _("床铺被褥")
    ACCESSIBLE = "accessible", _("无障碍设施")


class EventKind(models.TextChoices):
    """A line of a shelter's log: a status change or people arriving/leaving."""

    STATUS = "status", _("状态变更")
    CHECK_IN = "check_in", _("入住登记")
    CHECK_OUT = "check_out", _("离开登记")
