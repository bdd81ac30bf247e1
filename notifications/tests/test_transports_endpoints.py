"""Signed webhook, emergency broadcast and voice call-out against the fake providers."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from notifications.tests import fake_providers as providers
from notifications.tests.fake_providers import (
    ALIYUN_KEY_ID,
    ALIYUN_KEY_SECRET,
    VOICE_SECRET,
    WEBHOOK_SECRET,
    FakeProviders,
)
from notifications.transports import Outcome, OutgoingMessage, get_transport
from notifications.transports.signing import yingji_signed_headers
from notifications.transports.voice import (
    AliyunTtsCallTransport,
    InvalidVoiceCallback,
    call_script,
    parse_voice_callback,
)

CAP = '<?xml version="1.0" encoding="UTF-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>w-1</identifier></alert>'

fake_providers = providers.fake_providers  # the fixture
fake_server = providers.fake_server  # the fixture


def message(channel: str, config: dict[str, Any] | None = None, **overrides: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "delivery_id": 88,
        "channel": channel,
        "address": "13800000000",
        "recipient_name": "陈海波",
        "title": "台风红色预警",
        "body": "象山县气象台发布台风红色预警,请立即转移危险区域人员。\n确认收到:https://yingji.example/ack/T9X\n或回复短信 T9X",
        "ack_url": "https://yingji.example/ack/T9X",
        "reply_code": "T9X",
        "cap_xml": CAP,
        "config": config or {},
    }
    values.update(overrides)
    return OutgoingMessage(**values)


# --- webhook ----------------------------------------------------------------------------------


def test_webhook_posts_the_documented_json_signed_with_the_endpoint_secret(fake_providers: FakeProviders) -> None:
    result = get_transport("webhook").send(message("webhook", fake_providers.endpoint_config("webhook")))
    assert result.outcome is Outcome.SENT and result.provider_message_id.startswith("webhook-")
    [request] = fake_providers.requests("webhook")
    assert request.signature_ok
    assert request.json() == {
        "delivery_id": 88,
        "title": "台风红色预警",
        "body": message("webhook").body,
        "ack_url": "https://yingji.example/ack/T9X",
        "reply_code": "T9X",
        "cap_xml": CAP,
    }
    timestamp = request.headers["x-yingji-timestamp"]
    expected = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-yingji-signature"] == f"sha256={expected}"
    assert request.headers["x-yingji-delivery"] == "88"


def test_webhook_with_a_wrong_secret_is_refused_by_the_receiver(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("webhook"), "secret": "wrong-secret"}
    result = get_transport("webhook").send(message("webhook", config))
    assert result.outcome is Outcome.PERMANENT_FAILURE and "HTTP 401" in result.detail


def test_webhook_without_a_secret_is_not_sent_unsigned(fake_providers: FakeProviders) -> None:
    config = {"url": fake_providers.url("/webhook/x")}
    result = get_transport("webhook").send(message("webhook", config))
    assert result.outcome is Outcome.PERMANENT_FAILURE and "密钥" in result.detail
    assert fake_providers.requests() == []


@pytest.mark.parametrize(
    ("mode", "outcome", "retry_after"),
    [
        ("throttle", Outcome.TEMPORARY_FAILURE, 30),
        ("invalid_number", Outcome.PERMANENT_FAILURE, None),
        ("server_error", Outcome.TEMPORARY_FAILURE, None),
        ("timeout", Outcome.TEMPORARY_FAILURE, None),
    ],
)
def test_webhook_answers_are_classified(
    fake_providers: FakeProviders, mode: str, outcome: Outcome, retry_after: int | None
) -> None:
    fake_providers.script("webhook", mode)
    result = get_transport("webhook").send(message("webhook", fake_providers.endpoint_config("webhook")))
    assert (result.outcome, result.retry_after_seconds) == (outcome, retry_after)


# --- broadcast --------------------------------------------------------------------------------


def test_broadcast_text_is_what_the_loudspeaker_should_read(fake_providers: FakeProviders) -> None:
    result = get_transport("broadcast").send(message("broadcast", fake_providers.endpoint_config("broadcast")))
    assert result.outcome is Outcome.SENT and result.provider_message_id.startswith("bc-")
    [request] = fake_providers.requests("broadcast")
    assert request.signature_ok and request.headers["content-type"] == "text/plain; charset=utf-8"
    text = request.body.decode()
    assert text.startswith("台风红色预警。象山县气象台发布台风红色预警")
    assert "http" not in text and "T9X" not in text  # links and reply codes are not read out


def test_broadcast_in_cap_format_sends_the_cap_document(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("broadcast"), "format": "cap"}
    get_transport("broadcast").send(message("broadcast", config))
    [request] = fake_providers.requests("broadcast")
    assert request.headers["content-type"] == "application/cap+xml; charset=utf-8"
    assert request.body.decode() == CAP


def test_broadcast_in_cap_format_falls_back_to_text_without_a_cap_document(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("broadcast"), "format": "cap"}
    result = get_transport("broadcast").send(message("broadcast", config, cap_xml=""))
    assert result.outcome is Outcome.SENT
    assert fake_providers.requests("broadcast")[0].headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [
        ("throttle", Outcome.TEMPORARY_FAILURE),  # 409: another broadcast is playing
        ("invalid_number", Outcome.PERMANENT_FAILURE),  # 404: no such area/terminal
        ("server_error", Outcome.TEMPORARY_FAILURE),
        ("timeout", Outcome.TEMPORARY_FAILURE),
    ],
)
def test_broadcast_answers_are_classified(fake_providers: FakeProviders, mode: str, outcome: Outcome) -> None:
    fake_providers.script("broadcast", mode)
    result = get_transport("broadcast").send(message("broadcast", fake_providers.endpoint_config("broadcast")))
    assert result.outcome is outcome, result.detail


def test_broadcast_busy_waits_as_long_as_the_system_asks(fake_providers: FakeProviders) -> None:
    fake_providers.script("broadcast", "throttle")
    result = get_transport("broadcast").send(message("broadcast", fake_providers.endpoint_config("broadcast")))
    assert result.retry_after_seconds == 20


def test_broadcast_with_a_wrong_token_is_permanent_and_the_token_is_not_kept(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("broadcast"), "token": "wrong-token-value"}
    result = get_transport("broadcast").send(message("broadcast", config))
    assert result.outcome is Outcome.PERMANENT_FAILURE and "wrong-token-value" not in result.detail


def test_broadcast_takes_the_token_from_a_group_channel_secret(fake_providers: FakeProviders) -> None:
    config = fake_providers.endpoint_config("broadcast")
    row_config = {"url": config["url"], "secret": config["token"], "name": "大徐村应急广播"}
    assert get_transport("broadcast").send(message("broadcast", row_config)).outcome is Outcome.SENT


def test_broadcast_with_an_unknown_format_is_refused(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("broadcast"), "format": "mp3"}
    result = get_transport("broadcast").send(message("broadcast", config))
    assert result.outcome is Outcome.PERMANENT_FAILURE and fake_providers.requests() == []


# --- voice ------------------------------------------------------------------------------------


def test_voice_script_says_the_content_twice_then_asks_for_the_key() -> None:
    script = call_script(message("voice"))
    content = "台风红色预警。象山县气象台发布台风红色预警,请立即转移危险区域人员"
    assert script == f"{content}。重复一遍:{content}。收到请按1确认。"


def test_generic_voice_gateway_gets_a_signed_call_request(fake_providers: FakeProviders) -> None:
    result = get_transport("voice").send(message("voice"))
    assert result.outcome is Outcome.SENT and result.provider_message_id.startswith("vc-")
    [request] = fake_providers.requests("voice")
    assert request.signature_ok
    payload = request.json()
    assert payload["callee"] == "13800000000" and payload["ack_key"] == "1" and payload["delivery_id"] == 88
    assert payload["text"] == call_script(message("voice"))
    assert payload["callback_url"] == "https://yingji.example/notifications/voice/callback"


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [("throttle", Outcome.TEMPORARY_FAILURE), ("invalid_number", Outcome.PERMANENT_FAILURE),
     ("server_error", Outcome.TEMPORARY_FAILURE), ("timeout", Outcome.TEMPORARY_FAILURE)],
)
def test_generic_voice_answers_are_classified(fake_providers: FakeProviders, mode: str, outcome: Outcome) -> None:
    fake_providers.script("voice", mode)
    assert get_transport("voice").send(message("voice")).outcome is outcome


def test_voice_to_a_landline_is_refused_before_calling(fake_providers: FakeProviders) -> None:
    result = get_transport("voice").send(message("voice", address="110"))
    assert result.outcome is Outcome.PERMANENT_FAILURE and fake_providers.requests() == []


def callback(data: dict[str, Any], secret: str = VOICE_SECRET, timestamp: int = 1_700_000_000) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(data).encode()
    return body, {k.lower(): v for k, v in yingji_signed_headers(secret, body, timestamp).items()}


def test_voice_callback_with_key_1_acknowledges() -> None:
    body, headers = callback({"delivery_id": 88, "call_id": "vc-1", "status": "answered", "digits": "1"})
    event = parse_voice_callback(body, headers, VOICE_SECRET, now=1_700_000_010)
    assert (event.delivery_id, event.call_id, event.answered, event.acknowledged) == (88, "vc-1", True, True)


def test_voice_callback_answered_without_the_key_is_not_an_acknowledgement() -> None:
    body, headers = callback({"delivery_id": "88", "call_id": "vc-1", "status": "answered", "digits": "2"})
    event = parse_voice_callback(body, headers, VOICE_SECRET, now=1_700_000_010)
    assert event.answered and not event.acknowledged


@pytest.mark.parametrize(
    ("data", "secret", "now"),
    [
        ({"delivery_id": 88, "status": "answered", "digits": "1"}, "wrong-secret", 1_700_000_010),
        ({"delivery_id": 88, "status": "answered", "digits": "1"}, VOICE_SECRET, 1_700_000_000 + 3600),
        ({"status": "answered", "digits": "1"}, VOICE_SECRET, 1_700_000_010),
        ({"delivery_id": True, "status": "answered"}, VOICE_SECRET, 1_700_000_010),
        ({"delivery_id": 88, "status": "exploded"}, VOICE_SECRET, 1_700_000_010),
        ({"delivery_id": 88, "status": "answered", "digits": 1}, VOICE_SECRET, 1_700_000_010),
    ],
)
def test_malformed_or_forged_voice_callbacks_are_refused(data: dict[str, Any], secret: str, now: int) -> None:
    body, headers = callback(data, secret)
    with pytest.raises(InvalidVoiceCallback):
        parse_voice_callback(body, headers, VOICE_SECRET, now=now)


def test_voice_callback_that_is_not_json_is_refused() -> None:
    body = b"status=answered"
    headers = {k.lower(): v for k, v in yingji_signed_headers(VOICE_SECRET, body, 1_700_000_000).items()}
    with pytest.raises(InvalidVoiceCallback, match="JSON"):
        parse_voice_callback(body, headers, VOICE_SECRET, now=1_700_000_000)


def test_aliyun_tts_call_is_signed_and_plays_twice(fake_providers: FakeProviders) -> None:
    transport = AliyunTtsCallTransport(
        access_key_id=ALIYUN_KEY_ID, access_key_secret=ALIYUN_KEY_SECRET, called_show_number="057400000000",
        tts_code="TTS_000001", endpoint=fake_providers.url("/aliyun/"),
    )
    result = transport.send(message("voice"))
    assert result.outcome is Outcome.SENT and result.provider_message_id.startswith("call-")
    [request] = fake_providers.requests("aliyun_voice")
    assert request.signature_ok
    params = request.params
    assert (params["Action"], params["CalledNumber"], params["PlayTimes"], params["TtsCode"]) == (
        "SingleCallByTts", "13800000000", "2", "TTS_000001",
    )
    assert json.loads(params["TtsParam"])["title"] == "台风红色预警"


def test_aliyun_tts_call_throttled_is_temporary(fake_providers: FakeProviders) -> None:
    fake_providers.script("aliyun_voice", "throttle")
    transport = AliyunTtsCallTransport(
        access_key_id=ALIYUN_KEY_ID, access_key_secret=ALIYUN_KEY_SECRET, called_show_number="057400000000",
        tts_code="TTS_000001", endpoint=fake_providers.url("/aliyun/"),
    )
    assert transport.send(message("voice")).outcome is Outcome.TEMPORARY_FAILURE


def test_the_fixture_routes_every_channel_to_a_verifying_fake(fake_providers: FakeProviders, mailoutbox: Any) -> None:
    """What the outbox's end-to-end tests rely on: each channel's transport reaches the fake and is accepted."""
    providers_by_channel = {
        "sms": "aliyun_sms", "voice": "voice", "dingtalk": "dingtalk", "wecom": "wecom",
        "webhook": "webhook", "broadcast": "broadcast",
    }
    for channel, provider in providers_by_channel.items():
        result = get_transport(channel).send(message(channel, fake_providers.endpoint_config(channel)))
        assert result.ok, (channel, result.detail)
        [request] = fake_providers.requests(provider)
        assert request.signature_ok, channel
    assert get_transport("email").send(message("email", address="duty@dandong.example")).ok and len(mailoutbox) == 1
    assert get_transport("inapp").send(message("inapp", address="42")).outcome is Outcome.DELIVERED
