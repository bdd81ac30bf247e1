"""Vocabularies of notifications (通知), deliveries (送达), acknowledgements (叫应) and escalation (升级)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.transports.base import Channel


class ChannelChoice(models.TextChoices):
    """The channels of `transports.base.Channel`, with the labels users see."""

    SMS = Channel.SMS.value, _("短信")
    VOICE = Channel.VOICE.value, _("语音外呼")
    DINGTALK = Channel.DINGTALK.value, _("钉钉")
    WECOM = Channel.WECOM.value, _("企业微信")
    EMAIL = Channel.EMAIL.value, _("电子邮件")
    WEBHOOK = Channel.WEBHOOK.value, _("Webhook")
    BROADCAST = Channel.BROADCAST.value, _("应急广播")
    INAPP = Channel.INAPP.value, _("站内消息")


# Channels that address a person (a mobile, a mailbox, an account) rather than an endpoint.
PERSONAL_CHANNELS = frozenset({Channel.SMS, Channel.VOICE, Channel.EMAIL, Channel.DINGTALK, Channel.WECOM, Channel.INAPP})
# Channels whose address is a group endpoint (a robot, a broadcast system, a webhook).
GROUP_CHANNELS = frozenset({Channel.DINGTALK, Channel.WECOM, Channel.WEBHOOK, Channel.BROADCAST})
# Channels that carry a numeric reply code (the recipient can answer by SMS).
REPLY_CODE_CHANNELS = frozenset({Channel.SMS, Channel.VOICE})


class NotificationState(models.TextChoices):
    ACTIVE = "active", _("进行中")
    COMPLETED = "completed", _("已结束")
    CANCELLED = "cancelled", _("已撤销")


class DeliveryState(models.TextChoices):
    """queued → sending → sent → delivered / failed → acknowledged (or cancelled when stopped)."""

    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")
    ACKNOWLEDGED = "acknowledged", _("已叫应")
    CANCELLED = "cancelled", _("已停止")


# Deliveries that may still be sent or acknowledged.
OPEN_DELIVERY_STATES = (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.SENT, DeliveryState.DELIVERED)
# Deliveries the outbox still has to send.
UNSENT_DELIVERY_STATES = (DeliveryState.QUEUED, DeliveryState.SENDING)
DELIVERY_STATE_COLOURS = {
    DeliveryState.QUEUED: "muted",
    DeliveryState.SENDING: "muted",
    DeliveryState.SENT: "warn",
    DeliveryState.DELIVERED: "warn",
    DeliveryState.FAILED: "danger",
    DeliveryState.ACKNOWLEDGED: "ok",
    DeliveryState.CANCELLED: "muted",
}


class AttemptOutcome(models.TextChoices):
    PENDING = "", _("进行中（未返回）")
    SENT = "sent", _("已受理")
    DELIVERED = "delivered", _("已送达")
    TEMPORARY_FAILURE = "temporary_failure", _("临时失败")
    PERMANENT_FAILURE = "permanent_failure", _("永久失败")


class AckVia(models.TextChoices):
    LINK = "link", _("短链接")
    SMS_REPLY = "sms_reply", _("短信回复")
    APP = "app", _("站内确认")
    PHONE = "phone", _("电话确认（工作人员登记）")


class EscalationState(models.TextChoices):
    RUNNING = "running", _("等待叫应")
    ACKNOWLEDGED = "acknowledged", _("已叫应")
    EXHAUSTED = "exhausted", _("升级已用尽")
    CANCELLED = "cancelled", _("已停止")


class TargetKind(models.TextChoices):
    """Whom an escalation step notifies."""

    RECIPIENT = "recipient", _("通知对象本人")
    PERSON = "person", _("指定人员")
    POSITION = "position", _("岗位任职人")
    DUTY_OFFICER = "duty_officer", _("当前值班员")
    DUTY_LEADER = "duty_leader", _("当前带班领导")
    TEAM = "team", _("救援队伍")
    GROUP_CHANNEL = "group_channel", _("群组/广播端点")


class FinalAction(models.TextChoices):
    NONE = "none", _("不再升级")
    SUPERIOR_CHAIN = "superior_chain", _("逐级通知上级：村→乡镇管理站→乡镇领导")


# The superior chain (grid worker → village → township station → township leader), as
# (position kind code, jurisdiction level) steps tried in order above the recipient.
SUPERIOR_CHAIN: list[tuple[str, str]] = [
    ("village_manager", "village"),
    ("station_chief", "township"),
    ("deputy_responsible", "township"),
    ("first_responsible", "township"),
]
