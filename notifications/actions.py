"""Every change to escalation policies, group channels, contact points and phone acknowledgements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Capability
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from notifications.choices import ChannelChoice, FinalAction, TargetKind
from notifications.models import (
    Acknowledgement,
    ChannelQuota,
    ContactPoint,
    Delivery,
    EscalationPolicy,
    EscalationStep,
    GroupChannel,
    QuietHours,
)
from notifications.rules import RULED_CHANNELS
from yingji import actions

POLICY_EDITABLE = ("name", "topic", "severity", "repeat_count", "final_action", "final_wait_minutes", "final_channels", "is_active", "note")
GROUP_EDITABLE = ("name", "channel", "url", "enabled", "note", "jurisdiction")
CONTACT_EDITABLE = ("channel", "address", "priority", "enabled")
MAX_STEPS = 12
MAX_WAIT_MINUTES = 24 * 60
MAX_MONTHLY_LIMIT = 10_000_000


def clean_channels(channels: Sequence[str] | None, *, field: str) -> list[str]:
    values = [str(c) for c in (channels or [])]
    unknown = [c for c in values if c not in ChannelChoice.values]
    if unknown:
        raise ValidationError({field: f"不支持的渠道：{'、'.join(unknown)}（可选：{'、'.join(ChannelChoice.values)}）"})
    return list(dict.fromkeys(values))


def _step(policy: EscalationPolicy, order: int, data: dict[str, Any]) -> EscalationStep:
    """Build one step from plain data, saying exactly what is missing."""
    from people.models import Person, PositionKind

    where = f"steps.{order - 1}"
    kind = data.get("target_kind") or data.get("kind") or ""
    if kind not in TargetKind.values:
        raise ValidationError({f"{where}.target_kind": f"第 {order} 步的通知对象类型无效：{kind or '（空）'}"})
    step = EscalationStep(policy=policy, order=order, target_kind=kind)
    step.channels = clean_channels(data.get("channels"), field=f"{where}.channels")
    wait = data.get("wait_minutes", 10)
    if not isinstance(wait, int) or not 0 <= wait <= MAX_WAIT_MINUTES:
        raise ValidationError({f"{where}.wait_minutes": f"第 {order} 步的等待时间应为 0–{MAX_WAIT_MINUTES} 分钟"})
    step.wait_minutes = wait
    level = data.get("level") or ""
    if level and level not in Level.values:
        raise ValidationError({f"{where}.level": f"第 {order} 步的层级无效：{level}"})
    step.level = level
    if kind == TargetKind.POSITION:
        code = data.get("position_kind") or ""
        position_kind = PositionKind.objects.filter(code=code).first()
        if position_kind is None:
            raise ValidationError({f"{where}.position_kind": f"第 {order} 步需要有效的岗位类型代码（如 village_manager），收到：{code or '（空）'}"})
        step.position_kind = position_kind
        step.level = level or position_kind.level
    elif kind == TargetKind.PERSON:
        person = Person.objects.active().filter(pk=data.get("person_id") or 0).first()
        if person is None:
            raise ValidationError({f"{where}.person_id": f"第 {order} 步的人员不存在或不在您的辖区范围内"})
        step.person = person
    elif kind == TargetKind.GROUP_CHANNEL:
        group = GroupChannel.objects.active().filter(pk=data.get("group_channel_id") or 0).first()
        if group is None:
            raise ValidationError({f"{where}.group_channel_id": f"第 {order} 步的群组通道不存在或不在您的辖区范围内"})
        step.group_channel = group
    elif kind == TargetKind.TEAM:
        team_id = data.get("team_id")
        if not isinstance(team_id, int) or team_id <= 0:
            raise ValidationError({f"{where}.team_id": f"第 {order} 步需要救援队伍编号"})
        step.team_id = team_id
    return step


def _replace_steps(policy: EscalationPolicy, steps: Sequence[dict[str, Any]]) -> None:
    if not steps:
        raise ValidationError({"steps": "至少需要一个步骤"})
    if len(steps) > MAX_STEPS:
        raise ValidationError({"steps": f"步骤不能超过 {MAX_STEPS} 个"})
    built = [_step(policy, i + 1, dict(data)) for i, data in enumerate(steps)]
    for old in policy.steps.all():
        old.delete()
    for step in built:
        step.full_clean(exclude=["policy"])
        step.save()


def _check_policy(policy: EscalationPolicy) -> None:
    if policy.final_action not in FinalAction.values:
        raise ValidationError({"final_action": f"最终动作无效：{policy.final_action}"})
    if policy.repeat_count > 5:
        raise ValidationError({"repeat_count": "重复轮数不能超过 5"})
    policy.final_channels = clean_channels(policy.final_channels, field="final_channels")
    policy.full_clean()


@transaction.atomic
def create_policy(*, by: Any, jurisdiction: Jurisdiction, steps: Sequence[dict[str, Any]], **fields: Any) -> EscalationPolicy:
    actions.require(by, Capability.MANAGE_ESCALATION)
    policy = EscalationPolicy(jurisdiction=jurisdiction, **{k: v for k, v in fields.items() if k in POLICY_EDITABLE})
    _check_policy(policy)
    policy.save()
    _replace_steps(policy, steps)
    return policy


@transaction.atomic
def update_policy(policy: EscalationPolicy, *, by: Any, steps: Sequence[dict[str, Any]] | None = None, **changes: Any) -> EscalationPolicy:
    """Edit a policy; notifications already started keep the steps frozen when they began."""
    actions.require(by, Capability.MANAGE_ESCALATION)
    policy = actions.locked(policy)
    changed = actions.apply_changes(policy, {k: v for k, v in changes.items() if k in POLICY_EDITABLE})
    _check_policy(policy)
    if changed:
        policy.save(update_fields=[*changed, "updated_at"])
    if steps is not None:
        _replace_steps(policy, steps)
        policy.save(update_fields=["updated_at"])
    return policy


@transaction.atomic
def set_policy_active(policy: EscalationPolicy, *, by: Any, active: bool) -> EscalationPolicy:
    return update_policy(policy, by=by, is_active=active)


def _check_group(group: GroupChannel) -> None:
    if group.channel not in ChannelChoice.values:
        raise ValidationError({"channel": f"渠道无效：{group.channel}"})
    if group.channel in (ChannelChoice.SMS, ChannelChoice.VOICE, ChannelChoice.EMAIL, ChannelChoice.INAPP):
        raise ValidationError({"channel": "群组通道只能是钉钉、企业微信、Webhook 或应急广播"})
    group.full_clean()


@transaction.atomic
def create_group_channel(*, by: Any, jurisdiction: Jurisdiction, secret: str = "", **fields: Any) -> GroupChannel:
    actions.require(by, Capability.MANAGE_ESCALATION)
    group = GroupChannel(jurisdiction=jurisdiction, **{k: v for k, v in fields.items() if k in GROUP_EDITABLE})
    group.set_secret(secret.strip())
    _check_group(group)
    group.save()
    return group


@transaction.atomic
def update_group_channel(group: GroupChannel, *, by: Any, secret: str | None = None, **changes: Any) -> GroupChannel:
    """Edit a group channel; `secret=None` keeps the stored secret, "" clears it."""
    actions.require(by, Capability.MANAGE_ESCALATION)
    group = actions.locked(group)
    changed = actions.apply_changes(group, {k: v for k, v in changes.items() if k in GROUP_EDITABLE})
    if secret is not None:
        group.set_secret(secret.strip())
        changed.append("secret_sealed")
    _check_group(group)
    if changed:
        if "jurisdiction" in changed:
            changed.append("jurisdiction_path")
        group.save(update_fields=[*changed, "updated_at"])
    return group


@transaction.atomic
def archive_group_channel(group: GroupChannel, *, by: Any, reason: str = "") -> GroupChannel:
    actions.require(by, Capability.MANAGE_ESCALATION)
    return actions.archive(actions.locked(group), by=by, reason=reason)


@transaction.atomic
def add_contact_point(*, by: Any, person: Any, **fields: Any) -> ContactPoint:
    actions.require(by, Capability.EDIT_REGISTRY)
    contact = ContactPoint(person=person, jurisdiction=person.jurisdiction, **{k: v for k, v in fields.items() if k in CONTACT_EDITABLE})
    if contact.channel not in ChannelChoice.values or contact.channel in (ChannelChoice.BROADCAST, ChannelChoice.WEBHOOK, ChannelChoice.INAPP):
        raise ValidationError({"channel": "个人联系方式只能是短信、语音、邮件、钉钉或企业微信（站内消息随账号自动发送）"})
    contact.address = contact.address.strip()
    if contact.channel in (ChannelChoice.SMS, ChannelChoice.VOICE):
        from people.validators import validate_mobile

        try:
            validate_mobile(contact.address)
        except ValidationError as exc:
            raise ValidationError({"address": exc.messages}) from exc
    elif contact.channel == ChannelChoice.EMAIL:
        from django.core.validators import validate_email

        try:
            validate_email(contact.address)
        except ValidationError as exc:
            raise ValidationError({"address": "邮箱地址格式不正确"}) from exc
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def archive_contact_point(contact: ContactPoint, *, by: Any, reason: str = "") -> ContactPoint:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(contact), by=by, reason=reason)


def record_phone_ack(delivery: Delivery, *, by: Any, note: str = "") -> Acknowledgement:
    """Staff record that someone confirmed by telephone (电话叫应)."""
    from notifications.services import acknowledge

    if not (by.can(Capability.MANAGE_DUTY) or by.can(Capability.ISSUE_WARNING)):
        raise PermissionDenied("当前角色无权代为登记电话叫应（需要值班或预警发布权限）")
    return acknowledge(delivery, via="phone", actor=by, note=note or "电话确认")


# --- quotas and quiet hours -----------------------------------------------------------------


def _township(node: Jurisdiction) -> Jurisdiction:
    """Quotas and quiet hours belong to a township the user can see (outsiders get a 404 earlier)."""
    if node.level != Level.TOWNSHIP:
        raise ValidationError({"jurisdiction_code": f"{node.name} 不是乡镇（街道）：额度和静默时段按乡镇设置"})
    return node


@transaction.atomic
def set_quota(township: Jurisdiction, *, by: Any, channel: str, monthly_limit: int | None) -> ChannelQuota | None:
    """Set (or, with None, remove) a township's monthly budget on SMS or voice; audited."""
    actions.require(by, Capability.MANAGE_ESCALATION)
    township = _township(township)
    if channel not in RULED_CHANNELS:
        raise ValidationError({"channel": f"只有短信（sms）和语音外呼（voice）设月度额度，不支持：{channel}"})
    existing = ChannelQuota.objects.select_for_update().filter(jurisdiction=township, channel=channel).first()
    if monthly_limit is None:
        if existing is not None:
            existing.delete()
        return None
    if not isinstance(monthly_limit, int) or isinstance(monthly_limit, bool) or not 0 < monthly_limit <= MAX_MONTHLY_LIMIT:
        raise ValidationError({"monthly_limit": f"月度额度应为 1–{MAX_MONTHLY_LIMIT} 之间的整数"})
    if existing is None:
        quota = ChannelQuota(jurisdiction=township, channel=channel, monthly_limit=monthly_limit)
        quota.full_clean()
        quota.save()
        return quota
    if existing.monthly_limit != monthly_limit:
        raised = monthly_limit > existing.monthly_limit
        existing.monthly_limit = monthly_limit
        fields = ["monthly_limit", "updated_at"]
        if raised:  # a raised budget may warn again when it too is nearly used
            existing.warned_80_month = existing.warned_100_month = ""
            fields += ["warned_80_month", "warned_100_month"]
        existing.save(update_fields=fields)
    return existing


@transaction.atomic
def set_quiet_hours(township: Jurisdiction, *, by: Any, start: time | None, end: time | None, enabled: bool = True) -> QuietHours | None:
    """Set (or, with no times, remove) a township's quiet hours; audited."""
    actions.require(by, Capability.MANAGE_ESCALATION)
    township = _township(township)
    existing = QuietHours.objects.select_for_update().filter(jurisdiction=township).first()
    if start is None and end is None:
        if existing is not None:
            existing.delete()
        return None
    if start is None or end is None:
        raise ValidationError({"quiet_hours": "请同时填写静默时段的开始和结束时间，如 22:00 和 07:00"})
    if start == end:
        raise ValidationError({"quiet_hours": "静默时段的开始和结束时间不能相同"})
    row = existing or QuietHours(jurisdiction=township, start=start, end=end, enabled=enabled)
    changed = actions.apply_changes(row, {"start": start, "end": end, "enabled": enabled}) if existing else ["created"]
    if changed:
        row.full_clean()
        row.save()
    return row
