"""Aliyun and Tencent SMS over real HTTP against the fake providers, which verify the signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from notifications.tests import fake_providers as providers
from notifications.tests.fake_providers import (
    ALIYUN_KEY_ID,
    ALIYUN_KEY_SECRET,
    TENCENT_SDK_APP_ID,
    TENCENT_SECRET_ID,
    TENCENT_SECRET_KEY,
    FakeProviders,
    FakeProviderServer,
)
from notifications.transports import Outcome, OutgoingMessage, aliyun, get_transport
from notifications.transports.sms import AliyunSmsTransport, TencentSmsTransport, ordered_template_params

fake_providers = providers.fake_providers  # the fixture
fake_server = providers.fake_server  # the fixture


def sms(**overrides: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "delivery_id": 31,
        "channel": "sms",
        "address": "+86 138-0000-0000",
        "recipient_name": "李卫东",
        "title": "台风橙色预警",
        "body": "请立即组织转移。确认:https://yingji.example/ack/K7Q",
        "ack_url": "https://yingji.example/ack/K7Q",
        "reply_code": "K7Q",
        "template_params": {"kind": "台风", "level": "橙色", "code": "K7Q"},
    }
    values.update(overrides)
    return OutgoingMessage(**values)


# --- Aliyun -----------------------------------------------------------------------------------


def test_aliyun_sends_the_documented_sendsms_request_and_the_fake_accepts_its_signature(
    fake_providers: FakeProviders,
) -> None:
    result = get_transport("sms").send(sms())
    assert result.outcome is Outcome.SENT and result.provider_message_id.startswith("biz-")
    [request] = fake_providers.requests("aliyun_sms")
    assert request.signature_ok
    params = request.params
    assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25"
    assert params["PhoneNumbers"] == "13800000000"
    assert params["SignName"] == "应急平台" and params["TemplateCode"] == "SMS_000001"
    assert json.loads(params["TemplateParam"]) == {"kind": "台风", "level": "橙色", "code": "K7Q"}
    assert params["OutId"] == "31" and params["SignatureMethod"] == "HMAC-SHA1"
    assert ALIYUN_KEY_SECRET not in request.body.decode()


def test_aliyun_request_with_fixed_nonce_and_time_carries_the_independently_computed_signature(
    fake_server: FakeProviderServer,
) -> None:
    fake_server.reset()
    with time_machine.travel(datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC), tick=False):
        result = aliyun.call_rpc(
            endpoint=fake_server.url("/aliyun/"), action="SendSms", version="2017-05-25",
            access_key_id=ALIYUN_KEY_ID, access_key_secret=ALIYUN_KEY_SECRET,
            params={"PhoneNumbers": "13800000000", "SignName": "应急平台", "TemplateCode": "SMS_000001"},
            nonce="nonce-0001", timestamp="2026-11-22T08:00:00Z",
        )
    assert result.status == 200
    [request] = fake_server.requests("aliyun_sms")
    # Step by step from the documentation: sort, RFC 3986-encode, join, "POST&%2F&" + encode(...), HMAC-SHA1(secret&).
    canonical = (
        "AccessKeyId=LTAI-fake-key-id&Action=SendSms&Format=JSON&PhoneNumbers=13800000000&RegionId=cn-hangzhou"
        "&SignName=%E5%BA%94%E6%80%A5%E5%B9%B3%E5%8F%B0&SignatureMethod=HMAC-SHA1&SignatureNonce=nonce-0001"
        "&SignatureVersion=1.0&TemplateCode=SMS_000001&Timestamp=2026-11-22T08%3A00%3A00Z&Version=2017-05-25"
    )
    string_to_sign = "POST&%2F&" + canonical.replace("%", "%25").replace("&", "%26").replace("=", "%3D")
    expected = base64.b64encode(
        hmac.new(f"{ALIYUN_KEY_SECRET}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    assert request.params["Signature"] == expected


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [
        ("throttle", Outcome.TEMPORARY_FAILURE),
        ("invalid_number", Outcome.PERMANENT_FAILURE),
        ("bad_credentials", Outcome.PERMANENT_FAILURE),
        ("server_error", Outcome.TEMPORARY_FAILURE),
        ("timeout", Outcome.TEMPORARY_FAILURE),
        ("garbage", Outcome.TEMPORARY_FAILURE),
    ],
)
def test_aliyun_answers_are_classified(fake_providers: FakeProviders, mode: str, outcome: Outcome) -> None:
    fake_providers.script("aliyun_sms", mode)
    result = get_transport("sms").send(sms())
    assert result.outcome is outcome, result.detail
    assert ALIYUN_KEY_SECRET not in result.detail


def test_aliyun_throttling_names_the_code_and_asks_for_a_wait(fake_providers: FakeProviders) -> None:
    fake_providers.script("aliyun_sms", "throttle")
    result = get_transport("sms").send(sms())
    assert "isv.BUSINESS_LIMIT_CONTROL" in result.detail and result.retry_after_seconds == 60


def test_aliyun_wrong_secret_is_refused_by_the_fake_as_a_bad_signature(fake_providers: FakeProviders) -> None:
    transport = AliyunSmsTransport(
        access_key_id=ALIYUN_KEY_ID, access_key_secret="wrong-secret", sign_name="应急平台",
        template_code="SMS_000001", endpoint=fake_providers.url("/aliyun/"),
    )
    result = transport.send(sms())
    assert result.outcome is Outcome.PERMANENT_FAILURE and "SignatureDoesNotMatch" in result.detail
    assert "wrong-secret" not in result.detail


def test_an_invalid_mobile_number_fails_without_calling_the_provider(fake_providers: FakeProviders) -> None:
    result = get_transport("sms").send(sms(address="0574-6588123"))
    assert result.outcome is Outcome.PERMANENT_FAILURE and "手机号码无效" in result.detail
    assert fake_providers.requests() == []


def test_a_message_may_choose_another_approved_template(fake_providers: FakeProviders) -> None:
    get_transport("sms").send(sms(config={"template_code": "SMS_LIFT_02"}))
    assert fake_providers.requests("aliyun_sms")[0].params["TemplateCode"] == "SMS_LIFT_02"


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("OK", Outcome.SENT),
        ("isv.BUSINESS_LIMIT_CONTROL", Outcome.TEMPORARY_FAILURE),
        ("Throttling.User", Outcome.TEMPORARY_FAILURE),
        ("isp.SYSTEM_ERROR", Outcome.TEMPORARY_FAILURE),
        ("isv.MOBILE_NUMBER_ILLEGAL", Outcome.PERMANENT_FAILURE),
        ("isv.SMS_TEMPLATE_ILLEGAL", Outcome.PERMANENT_FAILURE),
        ("isv.SMS_SIGNATURE_ILLEGAL", Outcome.PERMANENT_FAILURE),
        ("InvalidAccessKeyId.NotFound", Outcome.PERMANENT_FAILURE),
        ("isv.AMOUNT_NOT_ENOUGH", Outcome.PERMANENT_FAILURE),
    ],
)
def test_aliyun_code_table(code: str, outcome: Outcome) -> None:
    from notifications.http import HttpResult

    answer = HttpResult(status=200, body=json.dumps({"Code": code, "Message": "m", "RequestId": "r", "BizId": "b"}))
    assert aliyun.classify(answer, "BizId").outcome is outcome


# --- Tencent ----------------------------------------------------------------------------------


def test_tencent_sends_the_documented_request_and_the_fake_accepts_its_signature(fake_providers: FakeProviders) -> None:
    fake_providers.use_tencent_sms()
    result = get_transport("sms").send(sms(template_params={"2": "橙色", "1": "台风", "3": "K7Q"}))
    assert result.outcome is Outcome.SENT and result.provider_message_id.startswith("2640:")
    [request] = fake_providers.requests("tencent_sms")
    assert request.signature_ok
    assert request.headers["x-tc-action"] == "SendSms" and request.headers["x-tc-version"] == "2021-01-11"
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    payload = request.json()
    assert payload["PhoneNumberSet"] == ["+8613800000000"]
    assert payload["SmsSdkAppId"] == TENCENT_SDK_APP_ID and payload["TemplateId"] == "1110"
    assert payload["TemplateParamSet"] == ["台风", "橙色", "K7Q"]
    assert payload["SessionContext"] == "31"


def test_tencent_authorization_at_a_fixed_time_equals_the_independently_computed_one(
    fake_providers: FakeProviders,
) -> None:
    fake_providers.use_tencent_sms()
    with time_machine.travel(datetime(2026, 11, 22, 16, 30, 0, tzinfo=UTC), tick=False):
        get_transport("sms").send(sms())
    [request] = fake_providers.requests("tencent_sms")
    timestamp = int(datetime(2026, 11, 22, 16, 30, 0, tzinfo=UTC).timestamp())
    assert request.headers["x-tc-timestamp"] == str(timestamp)
    host = fake_providers.url("/").split("://", 1)[1].rstrip("/")
    canonical_request = "\n".join([
        "POST", "/", "",
        f"content-type:application/json; charset=utf-8\nhost:{host}\nx-tc-action:sendsms\n",
        "content-type;host;x-tc-action",
        hashlib.sha256(request.body).hexdigest(),
    ])
    string_to_sign = "\n".join([
        "TC3-HMAC-SHA256", str(timestamp), "2026-11-22/sms/tc3_request",
        hashlib.sha256(canonical_request.encode()).hexdigest(),
    ])
    key = ("TC3" + TENCENT_SECRET_KEY).encode()
    for part in ("2026-11-22", "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    assert request.headers["authorization"] == (
        f"TC3-HMAC-SHA256 Credential={TENCENT_SECRET_ID}/2026-11-22/sms/tc3_request, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
    )


@pytest.mark.parametrize(
    ("mode", "outcome", "code"),
    [
        ("throttle", Outcome.TEMPORARY_FAILURE, "LimitExceeded.PhoneNumberThirtySecondLimit"),
        ("invalid_number", Outcome.PERMANENT_FAILURE, "InvalidParameterValue.IncorrectPhoneNumber"),
        ("bad_credentials", Outcome.PERMANENT_FAILURE, "AuthFailure.SecretIdNotFound"),
        ("server_error", Outcome.TEMPORARY_FAILURE, "HTTP 503"),
        ("timeout", Outcome.TEMPORARY_FAILURE, "read_timeout"),
        ("garbage", Outcome.TEMPORARY_FAILURE, "无法识别"),
    ],
)
def test_tencent_answers_are_classified(fake_providers: FakeProviders, mode: str, outcome: Outcome, code: str) -> None:
    fake_providers.use_tencent_sms()
    fake_providers.script("tencent_sms", mode)
    result = get_transport("sms").send(sms())
    assert result.outcome is outcome and code in result.detail, result.detail


def test_tencent_wrong_key_fails_the_signature_check_permanently(fake_providers: FakeProviders) -> None:
    transport = TencentSmsTransport(
        secret_id=TENCENT_SECRET_ID, secret_key="not-the-key", sdk_app_id=TENCENT_SDK_APP_ID, sign_name="应急平台",
        template_id="1110", endpoint=fake_providers.url("/tencent/"),
    )
    result = transport.send(sms())
    assert result.outcome is Outcome.PERMANENT_FAILURE and "AuthFailure.SignatureFailure" in result.detail


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("Ok", Outcome.SENT),
        ("LimitExceeded.PhoneNumberDailyLimit", Outcome.TEMPORARY_FAILURE),
        ("RequestLimitExceeded", Outcome.TEMPORARY_FAILURE),
        ("InternalError.Timeout", Outcome.TEMPORARY_FAILURE),
        ("LimitExceeded.AppDailyLimit", Outcome.PERMANENT_FAILURE),
        ("FailedOperation.InsufficientBalanceInSmsPackage", Outcome.PERMANENT_FAILURE),
        ("FailedOperation.TemplateIncorrectOrUnapproved", Outcome.PERMANENT_FAILURE),
        ("FailedOperation.PhoneNumberInBlacklist", Outcome.PERMANENT_FAILURE),
    ],
)
def test_tencent_send_status_code_table(code: str, outcome: Outcome) -> None:
    from notifications.http import HttpResult

    body = {"Response": {"SendStatusSet": [{"SerialNo": "s", "Code": code, "Message": "m"}], "RequestId": "r"}}
    assert TencentSmsTransport.classify(HttpResult(status=200, body=json.dumps(body))).outcome is outcome


def test_template_params_with_numeric_keys_go_in_numeric_order() -> None:
    assert ordered_template_params({"10": "c", "2": "b", "1": "a"}) == ["a", "b", "c"]
    assert ordered_template_params({"kind": "台风", "level": "橙色"}) == ["台风", "橙色"]
