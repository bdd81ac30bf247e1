"""通知与叫应: notifications, their deliveries (the outbox), acknowledgements and escalation.

A `Notification` is one message to many people (a warning, a hazard reminder, an alarm).
Each recipient gets one or more `Delivery` rows: the outbox that workers claim and send,
every try kept as a `DeliveryAttempt`. An `Acknowledgement` (叫应) records that someone
answered "I am handling it". Escalation runs per recipient as an `Escalation` row (叫应链)
following the policy frozen onto the notification when it started.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.choices import (
    AckVia,
    AttemptOutcome,
    ChannelChoice,
    DeliveryState,
    EscalationState,
    FinalAction,
    NotificationState,
    TargetKind,
)
from people.protection import seal, unseal
from yingji.models import JurisdictionBound, Registry, TimeStamped

# Crockford-style base32 without look-alikes (no 0/O, 1/I/L, U): readable when typed from an SMS.
TOKEN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # noqa: S105 - an alphabet, not a secret
TOKEN_LENGTH = 10


def new_reply_token() -> str:
    """A short unguessable token for the acknowledgement link (30^10 ≈ 5.9e14 values)."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class Notification(Registry):
    """One message to many recipients (通知): a warning, a reminder or an alarm.

    The escalation policy is frozen into `policy_snapshot` when the notification starts,
    so later edits of the policy never change an escalation in flight.
    """

    topic = models.CharField(_("类别"), max_length=40, db_index=True)
    source_type = models.ForeignKey(
        ContentType, verbose_name=_("来源类型"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_id = models.CharField(_("来源编号"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    cap_xml = models.TextField(_("CAP 报文"), blank=True)
    policy = models.ForeignKey(
        "EscalationPolicy", verbose_name=_("升级策略"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy_snapshot = models.JSONField(_("升级策略快照"), default=dict, blank=True)
    severity = models.CharField(
        _("级别"), max_length=10, blank=True, help_text=_("预警级别 red/orange/yellow/blue；红色不受额度和静默时段限制")
    )
    state = models.CharField(_("状态"), max_length=12, choices=NotificationState.choices, default=NotificationState.ACTIVE)
    started_at = models.DateTimeField(_("开始时间"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    completed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    audit_exclude = frozenset({"body", "cap_xml", "policy_snapshot"})

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source_type", "source_id"]), models.Index(fields=["state", "started_at"])]

    def __str__(self) -> str:
        return self.title


class GroupChannel(Registry):
    """A group endpoint of a jurisdiction (群组通道): a DingTalk/WeCom robot, a broadcast system, a webhook.

    The secret is stored sealed and never shown again after it is entered.
    """

    name = models.CharField(_("名称"), max_length=60)
    channel = models.CharField(_("渠道"), max_length=12, choices=ChannelChoice.choices)
    url = models.URLField(_("地址"), max_length=500)
    secret_sealed = models.TextField(_("密钥（加密）"), blank=True, editable=False)
    enabled = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    audit_exclude = frozenset({"secret_sealed"})

    class Meta:
        verbose_name = _("群组通道")
        verbose_name_plural = _("群组通道")
        ordering = ["jurisdiction_path", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def set_secret(self, raw: str) -> None:
        self.secret_sealed = seal(raw) if raw else ""

    def secret(self) -> str:
        return unseal(self.secret_sealed) if self.secret_sealed else ""

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_sealed)

    @property
    def masked_secret(self) -> str:
        return "••••••••" if self.secret_sealed else ""

    def transport_config(self) -> dict[str, Any]:
        return {"url": self.url, "secret": self.secret(), "name": self.name}


class ContactPoint(Registry):
    """One of a person's ways to be reached beyond their mobile (联系方式): e-mail, DingTalk user, …

    A person's channels are tried in `priority` order; with none recorded, a person with a
    mobile gets SMS, then a voice call.
    """

    person = models.ForeignKey("people.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="contact_points")
    channel = models.CharField(_("渠道"), max_length=12, choices=ChannelChoice.choices)
    address = models.CharField(_("地址"), max_length=200, help_text=_("手机号、邮箱、钉钉/企业微信用户 ID 等"))
    priority = models.PositiveSmallIntegerField(_("优先级"), default=10, help_text=_("数字小的先试"))
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("联系方式")
        verbose_name_plural = _("联系方式")
        ordering = ["person", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_channel_display()}"


class EscalationPolicy(TimeStamped, JurisdictionBound):
    """An escalation policy (升级策略): ordered steps, a repeat count and a final action.

    Owned by a jurisdiction (its admins edit it) and used for notifications in its subtree.
    """

    name = models.CharField(_("名称"), max_length=60)
    topic = models.CharField(_("适用类别"), max_length=40, blank=True, help_text=_("如 warning；留空表示通用"))
    severity = models.CharField(_("适用级别"), max_length=20, blank=True, help_text=_("如 red；留空表示各级"))
    repeat_count = models.PositiveSmallIntegerField(_("重复轮数"), default=0, help_text=_("全部步骤无人叫应时再重复几轮"))
    final_action = models.CharField(_("最终动作"), max_length=20, choices=FinalAction.choices, default=FinalAction.NONE)
    final_wait_minutes = models.PositiveSmallIntegerField(_("逐级上报间隔（分钟）"), default=10)
    final_channels = models.JSONField(_("逐级上报渠道"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    audited = True

    class Meta:
        verbose_name = _("升级策略")
        verbose_name_plural = _("升级策略")
        ordering = ["jurisdiction_path", "topic", "severity", "name", "id"]

    def __str__(self) -> str:
        return self.name


class EscalationStep(TimeStamped):
    """One step of a policy: notify whom, by which channels, then wait N minutes."""

    policy = models.ForeignKey(EscalationPolicy, verbose_name=_("策略"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    target_kind = models.CharField(_("通知对象"), max_length=20, choices=TargetKind.choices)
    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position_kind = models.ForeignKey(
        "people.PositionKind", verbose_name=_("岗位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("层级"), max_length=10, blank=True, help_text=_("岗位所在层级：取通知对象所在辖区在该层级的上级"))
    team_id = models.PositiveIntegerField(_("队伍编号"), null=True, blank=True)
    group_channel = models.ForeignKey(
        GroupChannel, verbose_name=_("群组通道"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channels = models.JSONField(_("渠道"), default=list, blank=True, help_text=_("留空则按人员的联系方式顺序"))
    wait_minutes = models.PositiveSmallIntegerField(_("等待（分钟）"), default=10)

    audited = True

    class Meta:
        verbose_name = _("升级步骤")
        verbose_name_plural = _("升级步骤")
        ordering = ["policy", "order", "id"]

    def __str__(self) -> str:
        return f"{self.policy} #{self.order}"


class Escalation(TimeStamped, JurisdictionBound):
    """The escalation chain of one recipient of a notification (叫应链).

    `position` counts through the frozen steps (repeats included, then the superior chain);
    `next_step_at` is the stored deadline the worker scans. State lives only in this row,
    so a restarted worker carries on exactly where the last one stopped.
    """

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="escalations")
    anchor_node = models.ForeignKey(
        "jurisdictions.Jurisdiction", verbose_name=_("对象所在辖区"), on_delete=models.PROTECT, related_name="+"
    )
    recipient_key = models.CharField(_("对象"), max_length=40, blank=True, db_index=True)
    label = models.CharField(_("说明"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("当前步骤"), default=0)
    state = models.CharField(_("状态"), max_length=14, choices=EscalationState.choices, default=EscalationState.RUNNING)
    next_step_at = models.DateTimeField(_("下一步时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("叫应时间"), null=True, blank=True)
    log = models.JSONField(_("升级记录"), default=list, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("叫应链")
        verbose_name_plural = _("叫应链")
        ordering = ["notification", "id"]
        indexes = [models.Index(fields=["state", "next_step_at"]), models.Index(fields=["notification", "recipient_key"])]

    def __str__(self) -> str:
        return self.label or self.recipient_key


class Delivery(TimeStamped, JurisdictionBound):
    """One message to one recipient on one channel (送达): the outbox row workers claim.

    queued → sending → sent → delivered / failed → acknowledged. A permanent failure moves
    the row on to the next channel in `fallbacks`; the reply token and reply code let the
    recipient acknowledge without logging in.
    """

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    escalations = models.ManyToManyField(Escalation, related_name="deliveries", blank=True)
    recipient_person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_channel = models.ForeignKey(
        GroupChannel, verbose_name=_("群组通道"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_key = models.CharField(_("对象"), max_length=40, db_index=True)
    recipient_label = models.CharField(_("对象说明"), max_length=120, blank=True)
    position_id_hint = models.PositiveIntegerField(_("岗位任职"), null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=12, choices=ChannelChoice.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    fallbacks = models.JSONField(_("后备渠道"), default=list, blank=True)
    reply_token = models.CharField(_("叫应令牌"), max_length=16, unique=True, default=new_reply_token)
    reply_code = models.CharField(_("回复码"), max_length=6, blank=True, db_index=True)
    state = models.CharField(_("状态"), max_length=14, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    step_index = models.PositiveSmallIntegerField(_("升级步骤"), default=0)
    attempt_count = models.PositiveSmallIntegerField(_("本渠道尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送"), null=True, blank=True)
    ack_deadline = models.DateTimeField(_("叫应期限"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("叫应时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    rule_note = models.CharField(_("发送规则"), max_length=200, blank=True, help_text=_("额度用尽改道、静默时段顺延等"))
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=100, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("送达")
        verbose_name_plural = _("送达")
        ordering = ["notification", "step_index", "id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["notification", "recipient_key"]),
            models.Index(fields=["address", "reply_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_label or self.recipient_key} · {self.get_channel_display()}"

    @property
    def fallback_labels(self) -> list[str]:
        labels = dict(ChannelChoice.choices)
        return [str(labels.get(f.get("channel", ""), f.get("channel", ""))) for f in self.fallbacks or []]

    @property
    def state_colour(self) -> str:
        from notifications.choices import DELIVERY_STATE_COLOURS

        return DELIVERY_STATE_COLOURS.get(DeliveryState(self.state), "muted")


class DeliveryAttempt(models.Model):
    """One try to send a delivery (发送记录), saved before the send and completed after it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("序号"))
    channel = models.CharField(_("渠道"), max_length=12, choices=ChannelChoice.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    worker = models.CharField(_("执行者"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("开始"))
    finished_at = models.DateTimeField(_("结束"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=AttemptOutcome.choices, blank=True)
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=100, blank=True)
    response = models.TextField(_("服务商返回"), blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["delivery", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"


class Acknowledgement(TimeStamped, JurisdictionBound):
    """An answer (叫应): someone said "I have it and am handling it" — not that it is resolved."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="acknowledgements")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="acknowledgements")
    recipient_key = models.CharField(_("对象"), max_length=40, db_index=True)
    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    via = models.CharField(_("方式"), max_length=12, choices=AckVia.choices)
    at = models.DateTimeField(_("时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    audited = True

    class Meta:
        verbose_name = _("叫应记录")
        verbose_name_plural = _("叫应记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "recipient_key"], name="one_ack_per_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_key} {self.get_via_display()}"


class ChannelQuota(TimeStamped, JurisdictionBound):
    """A township's monthly budget of paid messages on one channel (短信/语音月度额度).

    Usage is counted from the month's delivery attempts in the township's subtree. At 80 %
    and at 100 % the township's admins are told once a month (`warned_*_month`); at 100 %
    non-red deliveries on this channel fall through to the recipient's next channel.
    """

    channel = models.CharField(_("渠道"), max_length=12, choices=[(code, label) for code, label in ChannelChoice.choices if code in ("sms", "voice")])
    monthly_limit = models.PositiveIntegerField(_("每月额度（条/次）"))
    warned_80_month = models.CharField(max_length=7, blank=True, editable=False, help_text="YYYY-MM of the last 80 % warning")
    warned_100_month = models.CharField(max_length=7, blank=True, editable=False, help_text="YYYY-MM of the last 100 % warning")

    audited = True
    audit_exclude = frozenset({"warned_80_month", "warned_100_month"})

    class Meta:
        verbose_name = _("月度发送额度")
        verbose_name_plural = _("月度发送额度")
        ordering = ["jurisdiction_path", "channel"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "channel"], name="one_quota_per_township_channel")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.get_channel_display()} {self.monthly_limit}"


class QuietHours(TimeStamped, JurisdictionBound):
    """A township's quiet hours (静默时段), e.g. 22:00–07:00: non-red SMS and calls wait until they end."""

    enabled = models.BooleanField(_("启用"), default=True)
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    audited = True

    class Meta:
        verbose_name = _("静默时段")
        verbose_name_plural = _("静默时段")
        ordering = ["jurisdiction_path"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction"], name="one_quiet_hours_per_township")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.start:%H:%M}–{self.end:%H:%M}"
