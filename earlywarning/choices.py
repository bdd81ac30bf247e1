"""Vocabularies of warnings (预警): levels, kind groups, states, message types."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """预警级别 (突发事件应对法 2024 第六十三条): 一级 is the highest, shown red."""

    RED = "red", _("一级（红色）")
    ORANGE = "orange", _("二级（橙色）")
    YELLOW = "yellow", _("三级（黄色）")
    BLUE = "blue", _("四级（蓝色）")


LEVEL_COLOUR_NAMES = {Level.RED: "红色", Level.ORANGE: "橙色", Level.YELLOW: "黄色", Level.BLUE: "蓝色"}
LEVEL_RANK = {Level.RED: 1, Level.ORANGE: 2, Level.YELLOW: 3, Level.BLUE: 4}


class KindGroup(models.TextChoices):
    WEATHER = "weather", _("气象灾害预警信号")
    GEOLOGICAL = "geological", _("地质灾害")
    FLOOD = "flood", _("洪涝灾害")
    FOREST_FIRE = "forest_fire", _("森林火险")
    FIRE_SAFETY = "fire_safety", _("消防安全")
    PRODUCTION_SAFETY = "production_safety", _("安全生产")
    OTHER = "other", _("其他")


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已发布")
    UPDATED = "updated", _("已变更")
    EXTENDED = "extended", _("已延长")
    LIFTED = "lifted", _("已解除")
    EXPIRED = "expired", _("已过期")


ACTIVE_STATES = (State.ISSUED, State.UPDATED, State.EXTENDED)
FINAL_STATES = (State.LIFTED, State.EXPIRED)


class MessageType(models.TextChoices):
    """Each message sent about a warning; maps to CAP msgType (Alert, Update, Cancel)."""

    ALERT = "alert", _("发布")
    UPDATE = "update", _("变更")
    EXTEND = "extend", _("延长")
    LIFT = "lift", _("解除")
    EXPIRE = "expire", _("到期")


class RecipientSource(models.TextChoices):
    POSITION = "position", _("岗位责任人")
    PLACE = "place", _("场所联系人")
    CHANNEL = "channel", _("村社工作群")
