"""Sending rules: monthly SMS/voice quotas per township and quiet hours (issue 4, item 9)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from audit.models import ObjectChange
from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction
from notifications import actions
from notifications.choices import DeliveryState
from notifications.models import ChannelQuota, Delivery, DeliveryAttempt, Escalation, Notification, QuietHours
from notifications.outbox import send_due
from notifications.rules import is_quiet, quiet_until, usage_of
from notifications.services import Recipient, start_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_outbox")]

CHINA = timezone.get_fixed_timezone(8 * 60)
EVENING = datetime(2026, 11, 20, 23, 0, tzinfo=CHINA)
AFTERNOON = datetime(2026, 11, 20, 15, 0, tzinfo=CHINA)


def node(code: str) -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=code)


def admin() -> User:
    return User.unscoped.get(username="township_admin")


def notify(positions: list[Any], *, severity: str = "yellow", at: Jurisdiction | None = None, channels: list[str] | None = None) -> Notification:
    where = at or node(TOWNSHIP_A)
    return start_notification(
        topic="warning",
        source=where,
        jurisdiction=where,
        title="暴雨黄色预警",
        body="请巡查低洼地带。",
        recipients=[Recipient(person_id=p.person_id, position_id=p.pk) for p in positions],
        channels=channels or ["sms"],
        severity=severity,
    )


def quota(limit: int, channel: str = "sms") -> ChannelQuota:
    result = actions.set_quota(node(TOWNSHIP_A), by=admin(), channel=channel, monthly_limit=limit)
    assert result is not None
    return result


def send_all() -> None:
    while send_due(worker_id="w1"):
        pass


def paid(transports: Any) -> list[str]:
    """Channels sent, without the in-app quota notices to the admins."""
    return [c for c in transports.channels() if c != "inapp"]


def quota_notices() -> list[Notification]:
    return list(Notification.unscoped.filter(topic="quota").order_by("id"))


def test_usage_counts_billable_attempts_of_this_month_in_the_townships_subtree(grid_workers: list[Any], transports: Any) -> None:
    from notifications.transports.base import Outcome

    with time_machine.travel(datetime(2026, 10, 31, 15, 0, tzinfo=CHINA), tick=False):
        notify(grid_workers[:2])
        send_all()
    with time_machine.travel(AFTERNOON, tick=False):
        limit = quota(100)
        notify(grid_workers[2:5])
        transports.answer("sms", Outcome.SENT, Outcome.DELIVERED, Outcome.TEMPORARY_FAILURE)
        send_all()
        assert DeliveryAttempt.objects.filter(channel="sms").count() == 5
        assert usage_of(limit) == 2, "last month's attempts and failed tries are not counted"
        shipu = Jurisdiction.unscoped.get(code=TOWNSHIP_B)
        start_notification(
            topic="warning", source=shipu, jurisdiction=shipu, title="石浦", body="-",
            recipients=[Recipient(person_id=grid_workers[0].person_id)], channels=["sms"],
        )  # fmt: skip
        send_all()
        assert usage_of(limit) == 2, "another township's sends are not counted"


def test_80_and_100_percent_warn_the_township_admins_once_each(grid_workers: list[Any], transports: Any) -> None:
    assert len(grid_workers) >= 7
    with time_machine.travel(AFTERNOON, tick=False):
        quota(5)
        notify(grid_workers[:3])
        send_all()
        assert quota_notices() == [], "60 % says nothing"
        notify(grid_workers[3:4])
        send_all()
        notices = quota_notices()
        assert len(notices) == 1 and "80%" in notices[0].title
        inbox = Delivery.unscoped.get(notification=notices[0])
        assert inbox.channel == "inapp" and inbox.recipient_user_id == admin().pk
        notify(grid_workers[4:5])
        send_all()
        notices = quota_notices()
        assert len(notices) == 2 and "已用完" in notices[1].title
        notify(grid_workers[5:7])
        send_all()
        assert len(quota_notices()) == 2, "each threshold warns once a month"
    with time_machine.travel(datetime(2026, 12, 2, 15, 0, tzinfo=CHINA), tick=False):
        notify(grid_workers[:4])
        send_all()
        assert len(quota_notices()) == 3, "a new month starts counting (and warning) afresh"


def test_at_100_percent_non_red_falls_through_to_the_next_channel_but_red_still_sends(grid_workers: list[Any], transports: Any) -> None:
    with time_machine.travel(AFTERNOON, tick=False):
        quota(1)
        notify(grid_workers[:1])
        send_all()
        assert paid(transports) == ["sms"]
        yellow = notify(grid_workers[1:2])
        send_all()
        diverted = Delivery.unscoped.get(notification=yellow)
        assert diverted.channel == "voice", "the SMS was not sent: the call is the next channel"
        assert "额度" in diverted.rule_note and "已用完" in diverted.rule_note, "recorded on the delivery"
        assert not DeliveryAttempt.objects.filter(delivery=diverted, channel="sms").exists()
        assert paid(transports) == ["sms", "voice"]

        red = notify(grid_workers[2:3], severity="red")
        send_all()
        sent = Delivery.unscoped.get(notification=red)
        assert sent.channel == "sms" and sent.state == DeliveryState.SENT
        assert "红色预警" in sent.rule_note
        assert paid(transports) == ["sms", "voice", "sms"]


def test_a_used_up_quota_with_no_other_channel_fails_visibly(grid_workers: list[Any], transports: Any) -> None:
    with time_machine.travel(AFTERNOON, tick=False):
        quota(1)
        quota(1, channel="voice")
        notify(grid_workers[:1])
        send_all()
        delivery = Delivery.unscoped.get(notification=notify(grid_workers[1:2]))
        send_all()
        delivery.refresh_from_db()
        assert paid(transports) == ["sms", "voice"], "the first SMS, then the second person's call (voice budget)"
        third = Delivery.unscoped.get(notification=notify(grid_workers[2:3]))
        send_all()
        third.refresh_from_db()
        assert third.state == DeliveryState.FAILED and "额度" in third.last_error


def test_quiet_hours_hold_non_red_sms_until_they_end_and_then_send(grid_workers: list[Any], transports: Any) -> None:
    actions.set_quiet_hours(node(TOWNSHIP_A), by=admin(), start=time(22, 0), end=time(7, 0))
    with time_machine.travel(EVENING, tick=False):
        notification = notify(grid_workers[:1])
        send_all()
        delivery = Delivery.unscoped.get(notification=notification)
        morning = datetime(2026, 11, 21, 7, 0, tzinfo=CHINA)
        assert transports.sent == [] and delivery.state == DeliveryState.QUEUED
        assert delivery.next_attempt_at == morning and delivery.attempt_count == 0
        assert "静默时段" in delivery.rule_note
        chain = Escalation.unscoped.get(notification=notification)
        assert chain.next_step_at is not None and chain.next_step_at >= morning, "escalation waits with the message"
    with time_machine.travel(datetime(2026, 11, 21, 6, 59, tzinfo=CHINA), tick=False):
        send_all()
        assert transports.sent == []
    with time_machine.travel(datetime(2026, 11, 21, 7, 0, 30, tzinfo=CHINA), tick=False):
        send_all()
        delivery.refresh_from_db()
        assert transports.channels() == ["sms"] and delivery.state == DeliveryState.SENT and delivery.attempt_count == 1


def test_red_warnings_and_in_app_messages_ignore_quiet_hours(grid_workers: list[Any], transports: Any) -> None:
    actions.set_quiet_hours(node(TOWNSHIP_A), by=admin(), start=time(22, 0), end=time(7, 0))
    with time_machine.travel(EVENING, tick=False):
        red = notify(grid_workers[:1], severity="red")
        send_all()
        delivery = Delivery.unscoped.get(notification=red)
        assert delivery.state == DeliveryState.SENT and "红色预警" in delivery.rule_note
        user = User.unscoped.get(username="grid_worker")
        start_notification(
            topic="warning", source=node(TOWNSHIP_A), jurisdiction=node(TOWNSHIP_A), title="站内", body="-",
            recipients=[Recipient(user_id=user.pk)], channels=["inapp"],
        )  # fmt: skip
        send_all()
        assert transports.channels() == ["sms", "inapp"]


def test_disabled_quiet_hours_do_not_hold(grid_workers: list[Any], transports: Any) -> None:
    actions.set_quiet_hours(node(TOWNSHIP_A), by=admin(), start=time(22, 0), end=time(7, 0), enabled=False)
    with time_machine.travel(EVENING, tick=False):
        notify(grid_workers[:1])
        send_all()
        assert transports.channels() == ["sms"]


def test_quiet_period_arithmetic() -> None:
    assert is_quiet(time(23, 0), time(22, 0), time(7, 0)) and is_quiet(time(6, 59), time(22, 0), time(7, 0))
    assert not is_quiet(time(7, 0), time(22, 0), time(7, 0)) and not is_quiet(time(21, 59), time(22, 0), time(7, 0))
    assert is_quiet(time(13, 0), time(12, 0), time(14, 0)) and not is_quiet(time(14, 0), time(12, 0), time(14, 0))
    assert quiet_until(datetime(2026, 11, 21, 1, 0, tzinfo=CHINA), time(22, 0), time(7, 0)) == datetime(2026, 11, 21, 7, 0, tzinfo=CHINA)
    assert quiet_until(AFTERNOON, time(22, 0), time(7, 0)) is None


def test_settings_are_validated_permission_checked_and_audited(demo_user: Any) -> None:
    township = node(TOWNSHIP_A)
    with pytest.raises(PermissionDenied):
        actions.set_quota(township, by=demo_user("township_staff"), channel="sms", monthly_limit=100)
    for channel, limit, field in (("sms", 0, "monthly_limit"), ("email", 10, "channel"), ("sms", -5, "monthly_limit")):
        with pytest.raises(ValidationError) as refused:
            actions.set_quota(township, by=admin(), channel=channel, monthly_limit=limit)
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError) as village:
        actions.set_quota(township.children.first(), by=demo_user("county_admin"), channel="sms", monthly_limit=10)
    assert "不是乡镇" in str(village.value)
    with pytest.raises(ValidationError):
        actions.set_quiet_hours(township, by=admin(), start=time(22, 0), end=None)
    assert not ChannelQuota.unscoped.exists() and not QuietHours.unscoped.exists()

    row = quota(100)
    quota(200)
    assert ChannelQuota.unscoped.get().monthly_limit == 200
    changes = ObjectChange.unscoped.filter(object_id=str(row.pk), content_type__model="channelquota")
    assert changes.count() == 2
    actions.set_quiet_hours(township, by=admin(), start=time(22, 0), end=time(6, 30))
    assert ObjectChange.unscoped.filter(content_type__model="quiethours").count() == 1
    actions.set_quota(township, by=admin(), channel="sms", monthly_limit=None)
    assert not ChannelQuota.unscoped.exists()
    assert ObjectChange.unscoped.filter(object_id=str(row.pk), content_type__model="channelquota").count() == 3


def test_a_red_warning_issued_through_the_warning_app_is_marked_red(api_as: Any, demo_user: Any) -> None:
    from tests.test_fixed_interfaces_warnings import issued_warning

    warning = issued_warning(api_as(demo_user("township_staff")), level="red", kind="rainstorm")
    assert Notification.unscoped.get(source_id=str(warning["id"]), topic="warning").severity == "red"
    assert timezone.now() - timedelta(minutes=5) < Notification.unscoped.get(source_id=str(warning["id"])).started_at
