"""The outbox: deliveries are queued with the notification and sent once, retried, and fall through channels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from demo.constants import TOWNSHIP_A
from jobs.claiming import claim_rows
from jurisdictions.models import Jurisdiction
from notifications.choices import DeliveryState
from notifications.models import ContactPoint, Delivery, DeliveryAttempt
from notifications.outbox import backoff_delay, send_due
from notifications.services import Recipient, start_notification
from notifications.transports.base import Outcome

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_outbox")]


def township() -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=TOWNSHIP_A)


def notify(positions: list[Any], **kwargs: Any) -> Any:
    node = township()
    defaults: dict[str, Any] = {
        "topic": "test",
        "source": node,
        "jurisdiction": node,
        "title": "测试通知",
        "body": "请注意防范。",
        "recipients": [Recipient(person_id=p.person_id, position_id=p.pk) for p in positions],
    }
    defaults.update(kwargs)
    return start_notification(**defaults)


def test_a_person_with_a_mobile_gets_sms_first_with_voice_as_fallback(grid_workers: list[Any]) -> None:
    notification = notify(grid_workers[:1])
    sms = Delivery.unscoped.get(notification=notification, channel="sms")
    assert sms.state == DeliveryState.QUEUED
    assert sms.address == grid_workers[0].person.mobile
    assert [f["channel"] for f in sms.fallbacks] == ["voice"]
    assert len(sms.reply_code) == 4 and sms.reply_code.isdigit()
    assert len(sms.reply_token) == 10


def test_the_worker_sends_due_deliveries_and_records_each_attempt(grid_workers: list[Any], transports: Any) -> None:
    notification = notify(grid_workers[:3], channels=["sms"])
    assert send_due(worker_id="w1") == 3
    assert transports.channels() == ["sms", "sms", "sms"]
    message = transports.sent[0]
    assert "测试通知" in message.body
    assert message.ack_url.endswith(Delivery.unscoped.get(pk=message.delivery_id).reply_token + "/") or "/n/" in message.ack_url
    assert message.ack_url in message.body
    assert message.reply_code and message.reply_code in message.body
    deliveries = Delivery.unscoped.filter(notification=notification)
    assert {d.state for d in deliveries} == {DeliveryState.SENT}
    attempt = DeliveryAttempt.objects.get(delivery=deliveries[0])
    assert attempt.outcome == "sent" and attempt.finished_at is not None and attempt.response == "fake sent"
    assert send_due(worker_id="w1") == 0, "a sent delivery is never sent again"


def test_two_workers_claiming_at_once_never_share_a_delivery(grid_workers: list[Any]) -> None:
    notify(grid_workers[:6], channels=["sms"])
    due = Delivery.unscoped.filter(state=DeliveryState.QUEUED)
    first = claim_rows(due, worker_id="a", lease=timedelta(minutes=2), limit=4)
    second = claim_rows(due, worker_id="b", lease=timedelta(minutes=2), limit=4)
    assert len(first) == 4 and len(second) == 2
    assert {d.pk for d in first}.isdisjoint({d.pk for d in second})


def test_a_claim_held_by_another_worker_is_not_sent_twice(grid_workers: list[Any], transports: Any) -> None:
    notify(grid_workers[:1], channels=["sms"])
    delivery = Delivery.unscoped.get(state=DeliveryState.QUEUED)
    claim_rows(Delivery.unscoped.filter(pk=delivery.pk), worker_id="a", lease=timedelta(minutes=2))
    assert send_due(worker_id="b") == 0
    assert transports.sent == []


def test_a_crashed_workers_delivery_is_sent_after_its_lease_expires(grid_workers: list[Any], transports: Any) -> None:
    notify(grid_workers[:1], channels=["sms"])
    delivery = Delivery.unscoped.get(state=DeliveryState.QUEUED)
    # The dead worker had claimed the row and marked it sending, then vanished.
    Delivery.unscoped.filter(pk=delivery.pk).update(
        state=DeliveryState.SENDING, locked_by="dead", locked_until=timezone.now() + timedelta(minutes=2)
    )
    assert send_due(worker_id="w2") == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert send_due(worker_id="w2") == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.locked_by == ""
    assert len(transports.sent) == 1


def test_temporary_failures_back_off_then_succeed(grid_workers: list[Any], transports: Any) -> None:
    transports.answer("sms", Outcome.TEMPORARY_FAILURE)
    notify(grid_workers[:1], channels=["sms"])
    send_due(worker_id="w1")
    delivery = Delivery.unscoped.get(channel="sms")
    assert delivery.state == DeliveryState.QUEUED and delivery.attempt_count == 1
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=10) < wait <= timedelta(seconds=31)
    assert send_due(worker_id="w1") == 0, "not before the backoff"
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert send_due(worker_id="w1") == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts.count() == 2


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    delays = [backoff_delay(n).total_seconds() for n in range(1, 12)]
    assert 15 <= delays[0] <= 30 and 30 <= delays[1] <= 60 and 60 <= delays[2] <= 120
    assert max(delays) <= 1800
    assert backoff_delay(3, retry_after=7) == timedelta(seconds=7)


def test_a_permanent_failure_falls_through_to_the_next_channel(grid_workers: list[Any], transports: Any) -> None:
    transports.answer("sms", Outcome.PERMANENT_FAILURE)
    notify(grid_workers[:1])
    send_due(worker_id="w1")
    delivery = Delivery.unscoped.exclude(channel="inapp").get()
    assert delivery.state == DeliveryState.QUEUED and delivery.channel == "voice" and delivery.fallbacks == []
    assert "短信失败" in delivery.last_error
    send_due(worker_id="w1")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert [a.channel for a in delivery.attempts.order_by("id")] == ["sms", "voice"]


def test_retries_used_up_count_as_permanent(grid_workers: list[Any], transports: Any, settings: Any) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    transports.answer("sms", Outcome.TEMPORARY_FAILURE, Outcome.TEMPORARY_FAILURE)
    transports.answer("voice", Outcome.PERMANENT_FAILURE)
    notify(grid_workers[:1], channels=["sms"])
    later = timezone.now()
    for _ in range(4):
        later += timedelta(minutes=5)
        with time_machine.travel(later):
            send_due(worker_id="w1")
    delivery = Delivery.unscoped.get()
    assert delivery.state == DeliveryState.FAILED and delivery.failed_at is not None
    assert transports.channels() == ["sms", "sms", "voice"]


def test_contact_points_come_before_the_mobile(grid_workers: list[Any], transports: Any) -> None:
    position = grid_workers[0]
    ContactPoint.unscoped.create(
        person=position.person, jurisdiction=position.person.jurisdiction, channel="email", address="wang@example.cn", priority=1
    )
    notify([position])
    delivery = Delivery.unscoped.exclude(channel="inapp").get()
    assert (delivery.channel, delivery.address) == ("email", "wang@example.cn")
    assert [f["channel"] for f in delivery.fallbacks] == ["sms", "voice"]


def test_a_recipient_without_any_channel_is_reported_not_dropped(grid_workers: list[Any]) -> None:
    from people.models import Person

    person = Person.unscoped.create(name="无号码", mobile="", jurisdiction=township())
    notification = notify([], recipients=[Recipient(person_id=person.pk)])
    delivery = Delivery.unscoped.get(notification=notification)
    assert delivery.state == DeliveryState.FAILED and "无可用联系方式" in delivery.last_error


def test_an_acknowledgement_during_the_send_wins(grid_workers: list[Any], transports: Any) -> None:
    from notifications.services import acknowledge

    notify(grid_workers[:1], channels=["sms"])
    delivery = Delivery.unscoped.get()

    def ack_then_send(message: Any) -> Any:
        acknowledge(delivery.reply_token, via="link")
        return original(message)

    fake = transports.make("sms")
    original = fake.send
    fake.send = ack_then_send  # type: ignore[method-assign]
    import notifications.outbox as outbox

    outbox_transport = outbox.transport_for
    outbox.transport_for = lambda channel: fake  # type: ignore[assignment]
    try:
        send_due(worker_id="w1")
    finally:
        outbox.transport_for = outbox_transport  # type: ignore[assignment]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ACKNOWLEDGED and delivery.locked_by == ""


def test_in_app_messages_are_delivered_right_after_the_commit(
    grid_workers: list[Any], transports: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from accounts.models import User

    user = User.unscoped.get(username="grid_worker")
    with django_capture_on_commit_callbacks(execute=True):
        notify([], recipients=[Recipient(user_id=user.pk)], channels=["inapp"])
    delivery = Delivery.unscoped.get(channel="inapp")
    assert delivery.state == DeliveryState.DELIVERED
    assert transports.channels() == ["inapp"]
