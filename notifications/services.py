"""The public API of the notification core, used by warnings, hazard reminders, alarms …

    from notifications.services import Recipient, start_notification

    notification = start_notification(
        topic="warning", source=warning, jurisdiction=warning.jurisdiction,
        title="暴雨红色预警", body="……", recipients=[Recipient(person_id=…, position_id=…)],
        policy=default_policy("warning", warning.jurisdiction, severity="red"),
    )

Deliveries are written in the caller's transaction and sent by the worker after it commits;
`cancel_notification` stops the escalation (e.g. a lifted warning); `acknowledge` records a
叫应 idempotently; `deliveries_for(source)` lists who got what and who answered.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from jurisdictions.models import Jurisdiction
from notifications.choices import (
    OPEN_DELIVERY_STATES,
    REPLY_CODE_CHANNELS,
    UNSENT_DELIVERY_STATES,
    AckVia,
    DeliveryState,
    EscalationState,
    NotificationState,
)
from notifications.models import (
    Acknowledgement,
    ContactPoint,
    Delivery,
    Escalation,
    EscalationPolicy,
    GroupChannel,
    Notification,
)
from notifications.transports.base import Channel

log = logging.getLogger("yingji.notifications")

BATCH_SIZE = 500


@dataclass(frozen=True)
class Recipient:
    """Someone (or a group endpoint) to notify, and why they are on the list."""

    person_id: int | None = None  # people.Person
    user_id: int | None = None  # accounts.User (in-app)
    position_id: int | None = None  # why they are on the list (people.Position), optional
    group_channel_id: int | None = None  # a GroupChannel (village DingTalk/WeCom group, broadcast endpoint, webhook)
    label: str = ""  # e.g. "丹东街道 某村 网格员"


def recipient_key(recipient: Recipient) -> str:
    """One key per person, account or group: acknowledging under it stops that recipient's chain."""
    if recipient.person_id:
        return f"p:{recipient.person_id}"
    if recipient.user_id:
        return f"u:{recipient.user_id}"
    if recipient.group_channel_id:
        return f"g:{recipient.group_channel_id}"
    return ""


def recipient_from_key(key: str, *, label: str = "") -> Recipient | None:
    kind, _, raw = key.partition(":")
    if not raw.isdigit():
        return None
    value = int(raw)
    return {
        "p": Recipient(person_id=value, label=label),
        "u": Recipient(user_id=value, label=label),
        "g": Recipient(group_channel_id=value, label=label),
    }.get(kind)


def default_policy(topic: str, jurisdiction: Jurisdiction, *, severity: str = "") -> EscalationPolicy | None:
    """The nearest active policy for a topic (and severity) on the path from `jurisdiction` to the root."""
    codes = [code for code in jurisdiction.path.split("/") if code]
    candidates = (
        EscalationPolicy.unscoped.filter(is_active=True, jurisdiction__code__in=codes)
        .filter(Q(topic=topic) | Q(topic=""))
        .filter(Q(severity=severity) | Q(severity=""))
        .select_related("jurisdiction")
    )

    def rank(policy: EscalationPolicy) -> tuple[int, int, int]:
        return (-policy.jurisdiction.depth, 0 if policy.topic else 1, 0 if policy.severity else 1)

    ranked = sorted(candidates, key=rank)
    return ranked[0] if ranked else None


# --- starting ----------------------------------------------------------------------------


def _normalised(recipients: Iterable[Recipient]) -> list[Recipient]:
    """Resolve user-only recipients to their person (one key per human) and drop duplicates."""
    from accounts.models import User

    items = list(recipients)
    user_ids = [r.user_id for r in items if r.user_id and not r.person_id]
    person_of_user = dict(User.unscoped.filter(pk__in=user_ids, person__isnull=False).values_list("pk", "person_id"))
    seen: set[str] = set()
    result: list[Recipient] = []
    for r in items:
        if r.user_id and not r.person_id and r.user_id in person_of_user:
            r = Recipient(person_id=person_of_user[r.user_id], user_id=r.user_id, position_id=r.position_id, label=r.label)
        key = recipient_key(r)
        if not key or key in seen:
            continue
        seen.add(key)
        result.append(r)
    return result


def _anchors(recipients: list[Recipient], jurisdiction: Jurisdiction) -> dict[str, Jurisdiction]:
    """Each recipient's own node (their position's, their group's, else their registry node inside the area)."""
    from people.models import Person, Position

    node_of: dict[tuple[str, int], int] = {}
    for model, prefix, ids in (
        (Position, "pos", [r.position_id for r in recipients if r.position_id]),
        (GroupChannel, "g", [r.group_channel_id for r in recipients if r.group_channel_id]),
        (Person, "p", [r.person_id for r in recipients if r.person_id and not r.position_id]),
    ):
        for pk, found in model.unscoped.filter(pk__in=ids).values_list("pk", "jurisdiction_id"):
            node_of[(prefix, pk)] = found
    nodes = Jurisdiction.unscoped.filter(pk__in=set(node_of.values())).defer("boundary").in_bulk()
    anchors: dict[str, Jurisdiction] = {}
    for r in recipients:
        node_id: int | None
        if r.position_id:
            node_id = node_of.get(("pos", r.position_id))
        elif r.group_channel_id:
            node_id = node_of.get(("g", r.group_channel_id))
        else:
            node_id = node_of.get(("p", r.person_id or 0))
        node = nodes.get(node_id) if node_id is not None else None
        if node is None or not node.path.startswith(jurisdiction.path):
            node = jurisdiction
        anchors[recipient_key(r)] = node
    return anchors


def start_notification(
    *,
    topic: str,
    source: models.Model,
    jurisdiction: Jurisdiction,
    title: str,
    body: str,
    recipients: Sequence[Recipient],
    policy: EscalationPolicy | None = None,
    channels: Sequence[str] | None = None,
    cap_xml: str = "",
    actor: Any = None,
    severity: str = "",
) -> Notification:
    """Start notifying: freeze the policy, open one escalation chain per recipient, queue deliveries.

    Runs in the caller's transaction; the worker sends after it commits (in-app messages are
    delivered right after the commit). With no explicit recipients the policy's first step
    chooses them inside `jurisdiction`.
    """
    from notifications.escalation import freeze_policy, run_position

    if not title.strip():
        raise ValidationError({"title": "通知标题不能为空"})
    bad = [c for c in (channels or []) if c not in {m.value for m in Channel}]
    if bad:
        raise ValidationError({"channels": f"不支持的渠道：{'、'.join(bad)}"})
    now = timezone.now()
    people = _normalised(recipients)
    if policy is None and not people:
        raise ValidationError({"recipients": "没有通知对象：请指定接收人，或选择会按岗位确定接收人的升级策略"})
    with transaction.atomic():
        user = actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
        notification = Notification(
            topic=topic[:40],
            source_type=ContentType.objects.get_for_model(type(source)) if source is not None else None,
            source_id=str(source.pk) if source is not None else "",
            jurisdiction=jurisdiction,
            title=title[:200],
            body=body,
            cap_xml=cap_xml,
            severity=severity[:10],
            policy=policy,
            policy_snapshot=freeze_policy(policy, channels=list(channels or []), explicit_recipients=bool(people)),
            started_at=now,
            started_by=user,
        )
        notification.save()
        if people:
            anchors = _anchors(people, jurisdiction)
            chains = [
                Escalation(
                    notification=notification,
                    jurisdiction=jurisdiction,
                    jurisdiction_path=jurisdiction.path,
                    anchor_node=anchors[recipient_key(r)],
                    recipient_key=recipient_key(r),
                    label=r.label[:120],
                    position=0,
                    next_step_at=now + timedelta(minutes=int(notification.policy_snapshot["steps"][0].get("wait_minutes", 0))),
                    log=[{"position": 0, "at": now.isoformat(), "label": notification.policy_snapshot["steps"][0].get("label", ""), "round": 0}],
                )
                for r in people
            ]
            Escalation.unscoped.bulk_create(chains, batch_size=BATCH_SIZE)
            step = notification.policy_snapshot["steps"][0]
            materialise(notification, [(c, [r], step) for c, r in zip(chains, people, strict=True)], round_=0, step_index=0, at=now)
        else:
            chain = Escalation(
                notification=notification,
                jurisdiction=jurisdiction,
                anchor_node=jurisdiction,
                label=jurisdiction.name,
                position=0,
            )
            chain.save()
            run_position(chain, notification, at=now, own=None)
            chain.save()
    return notification


def _person_channels(person: Any, contact_points: list[ContactPoint]) -> list[tuple[str, str]]:
    """A person's channels in the order to try: recorded contact points, then SMS and voice to the mobile."""
    chain = [(cp.channel, cp.address) for cp in contact_points]
    if person is not None and person.mobile:
        for channel in (Channel.SMS.value, Channel.VOICE.value):
            if (channel, person.mobile) not in chain:
                chain.append((channel, person.mobile))
    return chain


@dataclass
class _Plan:
    channel: str
    address: str
    fallbacks: list[dict[str, str]]
    error: str = ""


def _plans_for(
    recipient: Recipient, requested: list[str], *, person: Any, user_id: int | None, group: GroupChannel | None, contacts: list[ContactPoint]
) -> list[_Plan]:
    """Which deliveries one recipient gets for a step's channels (empty list: their own order)."""
    if recipient.group_channel_id:
        if group is None or not group.enabled or group.archived_at is not None:
            return [_Plan(requested[0] if requested else Channel.WEBHOOK.value, "", [], "群组通道不存在或已停用")]
        return [_Plan(group.channel, group.name, [])]
    chain = _person_channels(person, contacts)
    addresses = dict(reversed(chain))  # first address per channel wins
    if user_id:
        addresses.setdefault(Channel.INAPP.value, str(user_id))
    plans: list[_Plan] = []
    wanted = [c for c in requested if c in addresses] if requested else []
    if requested and not wanted:
        log.info("recipient %s has none of the channels %s; using their own order", recipient_key(recipient), requested)
    if wanted:
        fallback_pairs = [(c, a) for c, a in chain if c not in wanted]
        for channel in wanted:
            plans.append(_Plan(channel, addresses[channel], []))
        first_external = next((p for p in plans if p.channel != Channel.INAPP), None)
        if first_external is not None:
            first_external.fallbacks = [{"channel": c, "address": a} for c, a in fallback_pairs]
    elif chain:
        (channel, address), rest = chain[0], chain[1:]
        plans.append(_Plan(channel, address, [{"channel": c, "address": a} for c, a in rest]))
        if user_id:
            plans.append(_Plan(Channel.INAPP.value, str(user_id), []))
    elif user_id:
        plans.append(_Plan(Channel.INAPP.value, str(user_id), []))
    if not plans:
        plans.append(_Plan(requested[0] if requested else Channel.SMS.value, "", [], "无可用联系方式：未登记手机号、其他联系方式或账号"))
    return plans


def _reply_codes_taken(mobiles: set[str]) -> dict[str, set[str]]:
    taken: dict[str, set[str]] = {m: set() for m in mobiles}
    if not mobiles:
        return taken
    rows = Delivery.unscoped.filter(address__in=mobiles, state__in=OPEN_DELIVERY_STATES).exclude(reply_code="")
    for address, code in rows.values_list("address", "reply_code"):
        taken[address].add(code)
    return taken


def new_reply_code(taken: set[str]) -> str:
    """A 4-digit code not used by another open delivery to the same mobile."""
    for _ in range(100):
        code = str(1000 + secrets.randbelow(9000))
        if code not in taken:
            taken.add(code)
            return code
    code = str(100000 + secrets.randbelow(900000))  # a mobile with thousands of open deliveries
    taken.add(code)
    return code


def materialise(
    notification: Notification,
    items: list[tuple[Escalation, list[Recipient], dict[str, Any]]],
    *,
    round_: int,
    step_index: int,
    at: datetime,
) -> dict[int, int]:
    """Create the deliveries for (chain, recipients, frozen step) items; return deliveries per chain.

    A recipient who already has an unsent delivery on the same channel in this notification
    is not messaged twice: the chain is linked to that delivery instead.
    """
    from accounts.models import User
    from people.models import Person

    recipients = [r for _, targets, _ in items for r in targets]
    person_ids = {r.person_id for r in recipients if r.person_id}
    persons = {p.pk: p for p in Person.unscoped.filter(pk__in=person_ids, archived_at__isnull=True).only("id", "name", "mobile")}
    accounts = dict(User.unscoped.filter(person_id__in=person_ids, is_active=True).values_list("person_id", "pk"))
    groups = {g.pk: g for g in GroupChannel.unscoped.filter(pk__in={r.group_channel_id for r in recipients if r.group_channel_id})}
    contacts: dict[int, list[ContactPoint]] = {}
    for cp in ContactPoint.unscoped.filter(person_id__in=person_ids, enabled=True, archived_at__isnull=True).order_by("priority", "id"):
        contacts.setdefault(cp.person_id, []).append(cp)
    keys = {recipient_key(r) for r in recipients}
    unsent = {
        (d.recipient_key, d.channel): d
        for d in Delivery.unscoped.filter(notification=notification, recipient_key__in=keys, state__in=UNSENT_DELIVERY_STATES).only(
            "id", "recipient_key", "channel"
        )
    }
    mobiles = {p.mobile for p in persons.values() if p.mobile}
    taken = _reply_codes_taken(mobiles)

    new: list[Delivery] = []
    links: list[tuple[Escalation, Delivery]] = []
    per_chain: dict[int, int] = {}
    for chain, targets, step in items:
        for recipient in targets:
            key = recipient_key(recipient)
            person = persons.get(recipient.person_id) if recipient.person_id else None
            user_id = recipient.user_id or (accounts.get(recipient.person_id) if recipient.person_id else None)
            plans = _plans_for(
                recipient,
                list(step.get("channels") or []),
                person=person,
                user_id=user_id,
                group=groups.get(recipient.group_channel_id) if recipient.group_channel_id else None,
                contacts=contacts.get(recipient.person_id, []) if recipient.person_id else [],
            )
            label = recipient.label or (person.name if person is not None else "")
            if person is not None and recipient.label and person.name not in recipient.label:
                label = f"{recipient.label} {person.name}"
            for plan in plans:
                existing = unsent.get((key, plan.channel))
                if existing is not None and not plan.error:
                    links.append((chain, existing))
                    per_chain[chain.pk] = per_chain.get(chain.pk, 0) + 1
                    continue
                delivery = Delivery(
                    notification=notification,
                    jurisdiction_id=notification.jurisdiction_id,
                    jurisdiction_path=notification.jurisdiction_path,
                    recipient_person_id=person.pk if person is not None else None,
                    recipient_user_id=user_id,
                    group_channel_id=recipient.group_channel_id,
                    recipient_key=key,
                    recipient_label=label[:120],
                    position_id_hint=recipient.position_id,
                    channel=plan.channel,
                    address=plan.address,
                    fallbacks=plan.fallbacks,
                    step_index=step_index,
                    next_attempt_at=at,
                    ack_deadline=at + timedelta(minutes=int(step.get("wait_minutes", 0))),
                )
                if plan.error:
                    delivery.state = DeliveryState.FAILED
                    delivery.failed_at = at
                    delivery.last_error = plan.error
                    delivery.next_attempt_at = None
                else:
                    unsent[(key, plan.channel)] = delivery
                    if plan.channel in REPLY_CODE_CHANNELS or any(f["channel"] in REPLY_CODE_CHANNELS for f in plan.fallbacks):
                        mobile = person.mobile if person is not None and person.mobile else plan.address
                        delivery.reply_code = new_reply_code(taken.setdefault(mobile, set()))
                new.append(delivery)
                links.append((chain, delivery))
                if not plan.error:
                    per_chain[chain.pk] = per_chain.get(chain.pk, 0) + 1
    Delivery.unscoped.bulk_create(new, batch_size=BATCH_SIZE)
    through = Delivery.escalations.through
    through.objects.bulk_create(
        [through(delivery_id=d.pk, escalation_id=c.pk) for c, d in links], batch_size=BATCH_SIZE, ignore_conflicts=True
    )
    instant = [d.pk for d in new if d.channel == Channel.INAPP and d.state == DeliveryState.QUEUED]
    if instant:
        from notifications.outbox import nudge

        transaction.on_commit(lambda: nudge(instant))
    return per_chain


# --- stopping and answering ---------------------------------------------------------------


def cancel_notification(notification: Notification, *, reason: str, actor: Any = None) -> None:
    """Stop a notification (e.g. the warning was lifted): no more sends, no more escalation."""
    with transaction.atomic():
        notification = Notification.unscoped.select_for_update().get(pk=notification.pk)
        if notification.state == NotificationState.CANCELLED:
            return
        now = timezone.now()
        notification.state = NotificationState.CANCELLED
        notification.cancelled_at = now
        notification.cancel_reason = reason[:200]
        notification.save(update_fields=["state", "cancelled_at", "cancel_reason", "updated_at"])
        Escalation.unscoped.filter(notification=notification, state=EscalationState.RUNNING).update(
            state=EscalationState.CANCELLED, next_step_at=None
        )
        Delivery.unscoped.filter(notification=notification, state__in=UNSENT_DELIVERY_STATES).update(
            state=DeliveryState.CANCELLED, last_error=f"通知已撤销：{reason}"[:500], next_attempt_at=None
        )


def acknowledged_keys(notification: Notification, keys: list[str]) -> set[str]:
    keys = [k for k in keys if k]
    if not keys:
        return set()
    return set(Acknowledgement.unscoped.filter(notification=notification, recipient_key__in=keys).values_list("recipient_key", flat=True))


class AckRefused(ValidationError):
    """An acknowledgement that cannot be taken (unknown or expired token, cancelled notification)."""


def delivery_for_token(token: str) -> Delivery:
    from notifications.conf import ack_token_ttl_days

    token = (token or "").strip().upper()
    delivery = Delivery.unscoped.select_related("notification").filter(reply_token=token).first() if token else None
    if delivery is None:
        raise AckRefused("链接无效：未找到对应的通知，请核对短信中的链接", code="unknown")
    if delivery.notification.started_at < timezone.now() - timedelta(days=ack_token_ttl_days()):
        raise AckRefused("链接已过期：该通知已超过有效期", code="expired")
    return delivery


def acknowledge(delivery_or_token: Delivery | str, *, via: str, actor: Any = None, note: str = "") -> Acknowledgement:
    """Record that the recipient is handling it (叫应). Idempotent: a second answer returns the first.

    Stops every open delivery of that recipient in the notification and every escalation
    chain that reached them (their own, and those that escalated to them).
    """
    delivery = delivery_for_token(delivery_or_token) if isinstance(delivery_or_token, str) else delivery_or_token
    if via not in AckVia.values:
        raise ValidationError({"via": f"不支持的叫应方式：{via}"})
    with transaction.atomic():
        notification = Notification.unscoped.get(pk=delivery.notification_id)
        existing = Acknowledgement.unscoped.filter(notification=notification, recipient_key=delivery.recipient_key).first()
        if existing is not None:
            return existing
        if notification.state == NotificationState.CANCELLED:
            raise AckRefused("该通知已撤销，无需再确认", code="cancelled")
        now = timezone.now()
        user = actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
        try:
            with transaction.atomic():
                ack = Acknowledgement(
                    notification=notification,
                    delivery=delivery,
                    jurisdiction_id=notification.jurisdiction_id,
                    jurisdiction_path=notification.jurisdiction_path,
                    recipient_key=delivery.recipient_key,
                    person_id=delivery.recipient_person_id,
                    via=via,
                    at=now,
                    recorded_by=user,
                    note=note[:200],
                )
                ack.save()
        except IntegrityError:  # answered at the same moment on another channel
            return Acknowledgement.unscoped.get(notification=notification, recipient_key=delivery.recipient_key)
        mine = Delivery.unscoped.filter(notification=notification, recipient_key=delivery.recipient_key)
        mine.filter(state__in=OPEN_DELIVERY_STATES).update(state=DeliveryState.ACKNOWLEDGED, acknowledged_at=now, next_attempt_at=None)
        mine.filter(pk=delivery.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)
        # Two updates rather than one OR: each then uses its own index (the recipient's key, or
        # the chains this recipient's deliveries belong to) instead of scanning every chain.
        running = Escalation.unscoped.filter(notification=notification, state=EscalationState.RUNNING)
        stop = {"state": EscalationState.ACKNOWLEDGED, "acknowledged_at": now, "next_step_at": None}
        running.filter(recipient_key=delivery.recipient_key).update(**stop)
        reached = list(Delivery.escalations.through.objects.filter(delivery__in=mine).values_list("escalation_id", flat=True))
        if reached:
            running.filter(pk__in=reached).update(**stop)
    return ack


def deliveries_for(source: models.Model) -> QuerySet[Delivery]:
    """Every delivery of every notification about `source` (scoped like any other read)."""
    content_type = ContentType.objects.get_for_model(type(source))
    return (
        Delivery.objects.filter(notification__source_type=content_type, notification__source_id=str(source.pk))
        .select_related("notification", "recipient_person", "group_channel")
        .order_by("notification__started_at", "step_index", "id")
    )


def notifications_for(source: models.Model) -> QuerySet[Notification]:
    content_type = ContentType.objects.get_for_model(type(source))
    return Notification.objects.filter(source_type=content_type, source_id=str(source.pk)).order_by("started_at", "id")


def normalise_mobile(raw: str) -> str:
    """Providers send 13800000000, +8613800000000 or 8613800000000: keep the 11-digit number."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def acknowledge_by_sms(mobile: str, content: str) -> Acknowledgement | None:
    """Match an SMS reply to an open delivery of that mobile: by its reply code, or the only one open.

    Returns None (and logs) when nothing matches, e.g. an unknown code or an ambiguous "收到".
    """
    import re

    mobile = normalise_mobile(mobile)
    if len(mobile) != 11:
        log.info("SMS reply from an unusable number %r ignored", mobile)
        return None
    states = (*OPEN_DELIVERY_STATES, DeliveryState.ACKNOWLEDGED)
    candidates = Delivery.unscoped.filter(state__in=states).exclude(notification__state=NotificationState.CANCELLED).filter(
        Q(address=mobile) | Q(recipient_person__mobile=mobile)
    )
    match = re.search(r"\d{4,6}", content or "")
    delivery: Delivery | None
    if match:
        delivery = candidates.filter(reply_code=match.group(0)).order_by("-id").first()
    else:
        open_ones = list(candidates.filter(state__in=OPEN_DELIVERY_STATES).order_by("-id")[:50])
        delivery = open_ones[0] if len({d.notification_id for d in open_ones}) == 1 else None
    if delivery is None:
        log.info("SMS reply from %s****%s matched no open delivery: %r", mobile[:3], mobile[-4:], (content or "")[:40])
        return None
    return acknowledge(delivery, via=AckVia.SMS_REPLY, note=f"短信回复：{(content or '')[:60]}")
