"""DingTalk and WeCom group robots over HTTP against the fake providers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

import pytest

from notifications.tests import fake_providers as providers
from notifications.tests.fake_providers import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    WECOM_KEY,
    FakeProviders,
    dingtalk_expected_sign,
)
from notifications.transports import Outcome, OutgoingMessage, get_transport

fake_providers = providers.fake_providers  # the fixture
fake_server = providers.fake_server  # the fixture


def robot_message(channel: str, config: dict[str, Any], **overrides: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "delivery_id": 5,
        "channel": channel,
        "address": "丹东街道应急群",
        "recipient_name": "丹东街道应急群",
        "title": "暴雨红色预警",
        "body": "未来3小时降雨量将达100毫米以上,请做好防范。",
        "ack_url": "https://yingji.example/ack/R2D",
        "reply_code": "R2D",
        "config": config,
    }
    values.update(overrides)
    return OutgoingMessage(**values)


def test_dingtalk_posts_signed_markdown_with_the_ack_link(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("dingtalk"), "at_mobiles": ["13800000000"]}
    result = get_transport("dingtalk").send(robot_message("dingtalk", config))
    assert result.outcome is Outcome.SENT
    [request] = fake_providers.requests("dingtalk")
    assert request.signature_ok and request.query["access_token"] == DINGTALK_TOKEN
    payload = request.json()
    assert payload["msgtype"] == "markdown" and payload["markdown"]["title"] == "暴雨红色预警"
    assert "[确认收到](https://yingji.example/ack/R2D)" in payload["markdown"]["text"]
    assert payload["at"]["atMobiles"] == ["13800000000"] and "@13800000000" in payload["markdown"]["text"]


def test_dingtalk_sign_in_the_url_is_url_encoded(fake_providers: FakeProviders) -> None:
    get_transport("dingtalk").send(robot_message("dingtalk", fake_providers.endpoint_config("dingtalk")))
    [request] = fake_providers.requests("dingtalk")
    timestamp = request.query["timestamp"]
    assert int(timestamp) > 1_600_000_000_000  # milliseconds
    expected = dingtalk_expected_sign(DINGTALK_SECRET, timestamp)
    assert f"timestamp={timestamp}&sign={quote_plus(expected)}" in request.path


def test_dingtalk_wrong_secret_is_refused_permanently(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("dingtalk"), "secret": "SECwrong"}
    result = get_transport("dingtalk").send(robot_message("dingtalk", config))
    assert result.outcome is Outcome.PERMANENT_FAILURE and "310000" in result.detail
    assert "SECwrong" not in result.detail and DINGTALK_TOKEN not in result.detail


@pytest.mark.parametrize(
    ("mode", "outcome", "text"),
    [
        ("throttle", Outcome.TEMPORARY_FAILURE, "130101"),
        ("invalid_number", Outcome.PERMANENT_FAILURE, "310000"),
        ("server_error", Outcome.TEMPORARY_FAILURE, "HTTP 503"),
        ("timeout", Outcome.TEMPORARY_FAILURE, "read_timeout"),
        ("garbage", Outcome.TEMPORARY_FAILURE, "无法识别"),
    ],
)
def test_dingtalk_answers_are_classified(fake_providers: FakeProviders, mode: str, outcome: Outcome, text: str) -> None:
    fake_providers.script("dingtalk", mode)
    result = get_transport("dingtalk").send(robot_message("dingtalk", fake_providers.endpoint_config("dingtalk")))
    assert result.outcome is outcome and text in result.detail, result.detail


def test_dingtalk_without_an_address_fails_clearly(fake_providers: FakeProviders) -> None:
    result = get_transport("dingtalk").send(robot_message("dingtalk", {}))
    assert result.outcome is Outcome.PERMANENT_FAILURE and "未配置" in result.detail
    assert fake_providers.requests() == []


def test_wecom_posts_markdown_to_the_key_url(fake_providers: FakeProviders) -> None:
    result = get_transport("wecom").send(robot_message("wecom", fake_providers.endpoint_config("wecom")))
    assert result.outcome is Outcome.SENT
    [request] = fake_providers.requests("wecom")
    assert request.query["key"] == WECOM_KEY
    content = request.json()["markdown"]["content"]
    assert content.startswith("### 暴雨红色预警") and "[确认收到](https://yingji.example/ack/R2D)" in content


def test_wecom_text_messages_mention_mobiles(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("wecom"), "msgtype": "text", "mentioned_mobiles": ["+8613900000000"]}
    get_transport("wecom").send(robot_message("wecom", config))
    payload = fake_providers.requests("wecom")[0].json()
    assert payload["msgtype"] == "text" and payload["text"]["mentioned_mobile_list"] == ["13900000000"]


def test_wecom_long_content_is_cut_to_the_documented_byte_limit(fake_providers: FakeProviders) -> None:
    message = robot_message("wecom", fake_providers.endpoint_config("wecom"), body="防汛" * 2000)
    result = get_transport("wecom").send(message)
    assert result.outcome is Outcome.SENT
    assert len(fake_providers.requests("wecom")[0].json()["markdown"]["content"].encode()) <= 4096


@pytest.mark.parametrize(
    ("mode", "outcome", "text"),
    [
        ("throttle", Outcome.TEMPORARY_FAILURE, "45009"),
        ("bad_credentials", Outcome.PERMANENT_FAILURE, "93000"),
        ("server_error", Outcome.TEMPORARY_FAILURE, "HTTP 503"),
        ("timeout", Outcome.TEMPORARY_FAILURE, "read_timeout"),
    ],
)
def test_wecom_answers_are_classified(fake_providers: FakeProviders, mode: str, outcome: Outcome, text: str) -> None:
    fake_providers.script("wecom", mode)
    result = get_transport("wecom").send(robot_message("wecom", fake_providers.endpoint_config("wecom")))
    assert result.outcome is outcome and text in result.detail, result.detail


def test_wecom_wrong_key_is_permanent_and_the_key_is_not_in_the_detail(fake_providers: FakeProviders) -> None:
    config = {"url": fake_providers.url("/wecom/cgi-bin/webhook/send?key=not-the-key")}
    result = get_transport("wecom").send(robot_message("wecom", config))
    assert result.outcome is Outcome.PERMANENT_FAILURE and "93000" in result.detail


def test_wecom_unknown_message_type_is_refused(fake_providers: FakeProviders) -> None:
    config = {**fake_providers.endpoint_config("wecom"), "msgtype": "news"}
    result = get_transport("wecom").send(robot_message("wecom", config))
    assert result.outcome is Outcome.PERMANENT_FAILURE and fake_providers.requests() == []
