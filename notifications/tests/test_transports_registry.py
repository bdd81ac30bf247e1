"""`get_transport`: defaults, caching, and clear errors for a bad configuration."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications.transports import Channel, Outcome, OutgoingMessage, clear_transport_cache, get_transport
from notifications.transports.console import ConsoleTransport, InAppTransport, clear_outbox, recent_messages
from notifications.transports.sms import AliyunSmsTransport


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    clear_transport_cache()
    clear_outbox()
    yield
    clear_transport_cache()
    clear_outbox()


def message(**overrides: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "delivery_id": 7,
        "channel": "sms",
        "address": "13800000000",
        "recipient_name": "王建国",
        "title": "暴雨红色预警",
        "body": "丹东街道:预计未来3小时降雨量将达100毫米以上。\n确认收到:https://yingji.example/ack/ABC\n或回复 1234",
        "ack_url": "https://yingji.example/ack/ABC",
        "reply_code": "1234",
    }
    values.update(overrides)
    return OutgoingMessage(**values)


def test_every_channel_but_inapp_defaults_to_the_console_outbox(settings: Any) -> None:
    settings.NOTIFICATION_TRANSPORTS = {}
    for channel in Channel:
        expected = InAppTransport if channel is Channel.INAPP else ConsoleTransport
        assert type(get_transport(channel.value)) is expected


def test_transport_instances_are_cached_per_channel(settings: Any) -> None:
    settings.NOTIFICATION_TRANSPORTS = {}
    assert get_transport("sms") is get_transport("sms")
    assert get_transport("sms") is not get_transport("email")


def test_changing_the_setting_rebuilds_the_transport(settings: Any) -> None:
    settings.NOTIFICATION_TRANSPORTS = {}
    first = get_transport("sms")
    settings.NOTIFICATION_TRANSPORTS = {
        "sms": {
            "backend": "notifications.transports.sms.AliyunSmsTransport",
            "access_key_id": "id", "access_key_secret": "secret", "sign_name": "应急", "template_code": "SMS_1",
        }
    }
    second = get_transport("sms")
    assert isinstance(second, AliyunSmsTransport) and second is not first


def test_a_backend_path_that_does_not_import_is_a_clear_configuration_error(settings: Any) -> None:
    settings.NOTIFICATION_TRANSPORTS = {"sms": {"backend": "notifications.transports.sms.NoSuchProvider"}}
    with pytest.raises(ImproperlyConfigured, match="NoSuchProvider"):
        get_transport("sms")


def test_a_backend_that_is_not_a_transport_is_refused(settings: Any) -> None:
    settings.NOTIFICATION_TRANSPORTS = {"sms": {"backend": "notifications.transports.signing.dingtalk_sign"}}
    with pytest.raises(ImproperlyConfigured, match="不是 Transport"):
        get_transport("sms")


def test_an_entry_without_backend_is_refused(settings: Any) -> None:
    settings.NOTIFICATION_TRANSPORTS = {"sms": {"access_key_id": "x"}}
    with pytest.raises(ImproperlyConfigured, match="backend"):
        get_transport("sms")


def test_missing_credentials_name_every_missing_option(settings: Any) -> None:
    settings.NOTIFICATION_TRANSPORTS = {
        "sms": {"backend": "notifications.transports.sms.AliyunSmsTransport", "access_key_id": "id", "sign_name": ""}
    }
    with pytest.raises(ImproperlyConfigured) as caught:
        get_transport("sms")
    text = str(caught.value)
    assert "access_key_secret" in text and "sign_name" in text and "template_code" in text
    assert "access_key_id" not in text.split(":", 1)[1]


def test_a_transport_cannot_be_configured_for_another_channel(settings: Any) -> None:
    settings.NOTIFICATION_TRANSPORTS = {"email": {"backend": "notifications.transports.dingtalk.DingTalkRobotTransport"}}
    with pytest.raises(ImproperlyConfigured, match="dingtalk"):
        get_transport("email")


def test_an_unknown_channel_is_refused(settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="fax"):
        get_transport("fax")


def test_console_transport_logs_and_keeps_the_message_for_the_outbox(caplog: Any) -> None:
    transport = ConsoleTransport()
    with caplog.at_level(logging.INFO, logger="yingji.notifications.console"):
        result = transport.send(message())
    assert result.outcome is Outcome.SENT and result.provider_message_id.startswith("console-")
    assert "王建国" in caplog.text and "暴雨红色预警" in caplog.text
    [entry] = recent_messages()
    assert (entry.delivery_id, entry.channel, entry.address, entry.reply_code) == (7, "sms", "13800000000", "1234")


def test_console_outbox_keeps_only_the_last_n_newest_first() -> None:
    transport = ConsoleTransport(keep=3)
    for number in range(5):
        transport.send(message(delivery_id=number))
    assert [entry.delivery_id for entry in recent_messages()] == [4, 3, 2]
    assert [entry.delivery_id for entry in recent_messages(limit=1)] == [4]


def test_inapp_is_delivered_at_once() -> None:
    result = InAppTransport().send(message(channel="inapp", address="42"))
    assert result.outcome is Outcome.DELIVERED and result.ok
