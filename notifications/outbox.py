"""The outbox: workers claim due deliveries, send them through the channel's transport, record every attempt.

- Claiming uses `jobs.claiming.claim_rows` (SKIP LOCKED on PostgreSQL, a conditional UPDATE
  per row on SQLite), so two workers never send one delivery; a worker that dies holding a
  claim leaves a lease that expires, and the delivery is sent by another worker.
- The attempt row is written before the send and completed after it.
- A temporary failure is retried with exponential backoff and jitter, up to
  `NOTIFICATIONS_MAX_ATTEMPTS`; a permanent failure (or retries used up) moves the delivery
  to the recipient's next channel, and with none left it is marked failed for the board.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jobs.claiming import claim_rows
from notifications import conf, rules
from notifications.choices import REPLY_CODE_CHANNELS, UNSENT_DELIVERY_STATES, AttemptOutcome, DeliveryState
from notifications.models import Delivery, DeliveryAttempt
from notifications.transports.base import Channel, Outcome, OutgoingMessage, SendResult, Transport

log = logging.getLogger("yingji.notifications")

RESPONSE_LIMIT = 2000
_jitter = random.SystemRandom()


def transport_for(channel: str) -> Transport:
    """The configured transport of a channel (`notifications.transports.get_transport`; console/outbox by default)."""
    from notifications.transports import get_transport

    return get_transport(channel)


def ack_path(token: str) -> str:
    """The short public path of an acknowledgement link: /n/<token> when mounted at the root."""
    try:
        return reverse("short_ack", args=[token])
    except NoReverseMatch:
        return reverse("notifications:ack", args=[token])


def ack_url(token: str) -> str:
    return conf.public_base_url() + ack_path(token)


def backoff_delay(attempt: int, *, retry_after: int | None = None) -> timedelta:
    """Exponential backoff with "full jitter" between half and all of the step, capped."""
    if retry_after is not None and retry_after > 0:
        return timedelta(seconds=min(retry_after, conf.backoff_cap_seconds()))
    step = min(conf.backoff_cap_seconds(), conf.backoff_base_seconds() * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=step * _jitter.uniform(0.5, 1.0))


def build_message(delivery: Delivery) -> OutgoingMessage:
    """Render what the recipient reads (text in templates, never in code)."""
    notification = delivery.notification
    url = ack_url(delivery.reply_token)
    reply_code = delivery.reply_code if delivery.channel in REPLY_CODE_CHANNELS else ""
    context = {"notification": notification, "delivery": delivery, "ack_url": url, "reply_code": reply_code}
    body = render_to_string(f"notifications/messages/{delivery.channel}.txt", context).strip()
    config: dict[str, Any] = {}
    if delivery.group_channel_id is not None:
        config = delivery.group_channel.transport_config()  # type: ignore[union-attr]
    return OutgoingMessage(
        delivery_id=delivery.pk,
        channel=delivery.channel,
        address=delivery.address,
        recipient_name=delivery.recipient_label,
        title=notification.title,
        body=body,
        ack_url=url,
        reply_code=reply_code,
        cap_xml=notification.cap_xml if delivery.channel in (Channel.BROADCAST, Channel.WEBHOOK) else "",
        template_params={"title": notification.title[:20], "code": reply_code, "link": url},
        config=config,
    )


def _send(delivery: Delivery) -> SendResult:
    try:
        return transport_for(delivery.channel).send(build_message(delivery))
    except Exception as exc:  # a transport must classify errors; a bug in one must not stop the outbox
        log.exception("transport %s raised for delivery %s", delivery.channel, delivery.pk)
        return SendResult(Outcome.TEMPORARY_FAILURE, detail=f"{type(exc).__name__}: {exc}")


def send_claimed(ids: list[int], *, worker_id: str) -> list[str]:
    """Send deliveries this worker has claimed; return their new states.

    Marking them `sending` (and counting the try) and loading them are one query each for
    the whole batch; then, per delivery, the attempt is written, the message sent, and
    the attempt and the delivery updated.
    """
    if not ids:
        return []
    Delivery.unscoped.filter(pk__in=ids, locked_by=worker_id, state__in=UNSENT_DELIVERY_STATES).update(
        state=DeliveryState.SENDING, attempt_count=F("attempt_count") + 1
    )
    rows = list(
        Delivery.unscoped.filter(pk__in=ids, locked_by=worker_id, state=DeliveryState.SENDING)
        .select_related("notification", "group_channel")
        .order_by("id")
    )
    lost = set(ids) - {d.pk for d in rows}  # acknowledged or cancelled since the claim
    if lost:
        Delivery.unscoped.filter(pk__in=lost, locked_by=worker_id).update(locked_by="", locked_until=None)
    book = rules.RuleBook(now=timezone.now())
    states = []
    for delivery in rows:
        verdict = book.verdict(delivery)
        if verdict.action == "hold":
            rules.hold(delivery, verdict, worker_id=worker_id)
            states.append(DeliveryState.QUEUED.value)
            continue
        if verdict.action == "divert":
            states.append(_divert(delivery, verdict.note, worker_id=worker_id))
            continue
        if verdict.note:
            Delivery.unscoped.filter(pk=delivery.pk).update(rule_note=verdict.note[:200])
        state = _send_one(delivery, worker_id=worker_id)
        book.count_sent(delivery)
        states.append(state)
    rules.warn_thresholds(book)
    return states


def _divert(delivery: Delivery, note: str, *, worker_id: str) -> str:
    """Skip this channel without sending (quota used up): the next channel, or a visible failure."""
    mine = Delivery.unscoped.filter(pk=delivery.pk, locked_by=worker_id, state=DeliveryState.SENDING)
    Delivery.unscoped.filter(pk=delivery.pk).update(rule_note=note[:200])
    result = SendResult(Outcome.PERMANENT_FAILURE, detail=note)
    state, updated = _fall_through(delivery, result, mine=mine, at=timezone.now(), release={"locked_by": "", "locked_until": None})
    if updated:
        Delivery.unscoped.filter(pk=delivery.pk).update(last_error=note[:500])
    else:
        _release(delivery.pk, worker_id)
    return state


def _send_one(delivery: Delivery, *, worker_id: str) -> str:
    started_at = timezone.now()
    attempt = DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempt_count,  # the try on this channel (the row records the channel)
        channel=delivery.channel,
        address=delivery.address,
        worker=worker_id,
        started_at=started_at,
    )
    started = time.monotonic()
    result = _send(delivery)
    duration = int((time.monotonic() - started) * 1000)
    finished = started_at + timedelta(milliseconds=duration)
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        finished_at=finished,
        duration_ms=duration,
        outcome=result.outcome.value,
        provider_message_id=result.provider_message_id[:100],
        response=result.detail[:RESPONSE_LIMIT],
    )
    return _record(delivery, result, worker_id=worker_id, at=finished)


def _release(pk: int, worker_id: str) -> None:
    Delivery.unscoped.filter(pk=pk, locked_by=worker_id).update(locked_by="", locked_until=None)


def _record(delivery: Delivery, result: SendResult, *, worker_id: str, at: datetime) -> str:
    # Every update is conditional on still sending under our claim: an acknowledgement or a
    # cancellation that arrived meanwhile wins.
    mine = Delivery.unscoped.filter(pk=delivery.pk, locked_by=worker_id, state=DeliveryState.SENDING)
    release = {"locked_by": "", "locked_until": None}
    state: str
    if result.outcome in (Outcome.SENT, Outcome.DELIVERED):
        state = DeliveryState.DELIVERED if result.outcome == Outcome.DELIVERED else DeliveryState.SENT
        fields = {"state": state, "sent_at": at, "provider_message_id": result.provider_message_id[:100], "last_error": ""}
        if state == DeliveryState.DELIVERED:
            fields["delivered_at"] = at
        updated = mine.update(**fields, **release)
    elif result.outcome == Outcome.TEMPORARY_FAILURE and delivery.attempt_count < conf.max_attempts():
        state = DeliveryState.QUEUED
        updated = mine.update(
            state=state,
            next_attempt_at=at + backoff_delay(delivery.attempt_count, retry_after=result.retry_after_seconds),
            last_error=result.detail[:500],
            **release,
        )
    else:
        state, updated = _fall_through(delivery, result, mine=mine, at=at, release=release)
    if not updated:  # acknowledged or cancelled meanwhile: keep that state, just let go of the claim
        _release(delivery.pk, worker_id)
    return state


def _fall_through(delivery: Delivery, result: SendResult, *, mine: Any, at: datetime, release: dict[str, Any]) -> tuple[str, int]:
    """Move to the recipient's next channel, or fail for good when none is left."""
    reason = result.detail[:400] or str(AttemptOutcome(result.outcome.value).label)
    fallbacks = list(delivery.fallbacks or [])
    if fallbacks:
        nxt = fallbacks.pop(0)
        updated = mine.update(
            state=DeliveryState.QUEUED,
            channel=nxt["channel"],
            address=nxt["address"],
            fallbacks=fallbacks,
            attempt_count=0,
            next_attempt_at=at,
            last_error=f"{delivery.get_channel_display()}失败，改用下一渠道：{reason}"[:500],
            **release,
        )
        return DeliveryState.QUEUED, updated
    updated = mine.update(state=DeliveryState.FAILED, failed_at=at, next_attempt_at=None, last_error=reason[:500], **release)
    return DeliveryState.FAILED, updated


def send_due(*, worker_id: str, now: datetime | None = None, limit: int = 50) -> int:
    """Claim and send up to `limit` due deliveries; return how many were tried."""
    now = now or timezone.now()
    due = Delivery.unscoped.filter(state__in=UNSENT_DELIVERY_STATES, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
    lease = timedelta(seconds=conf.send_lease_seconds())
    rows = claim_rows(due, worker_id=worker_id, lease=lease, limit=limit, now=now)
    send_claimed([d.pk for d in rows], worker_id=worker_id)
    return len(rows)


def nudge(delivery_ids: list[int]) -> None:
    """Right after the creating transaction commits, deliver in-app messages without waiting for a tick.

    Only in-app deliveries are sent here (no network), so a request never waits on a provider;
    everything else is sent by the worker within a tick.
    """
    worker_id = f"nudge:{timezone.now().timestamp()}"
    due = Delivery.unscoped.filter(pk__in=delivery_ids, channel=Channel.INAPP, state__in=UNSENT_DELIVERY_STATES)
    try:
        with transaction.atomic():
            rows = claim_rows(due, worker_id=worker_id, lease=timedelta(seconds=conf.send_lease_seconds()), limit=len(delivery_ids))
        send_claimed([d.pk for d in rows], worker_id=worker_id)
    except Exception:  # the worker sends whatever the nudge could not
        log.exception("nudge failed; the worker will send deliveries %s", delivery_ids[:10])
