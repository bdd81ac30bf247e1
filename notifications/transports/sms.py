"""SMS through Aliyun (阿里云短信 `SendSms`) or Tencent Cloud (腾讯云短信 `SendSms`, API 3.0).

Mainland SMS must use a pre-approved signature name and template, so the text sent is the
template filled with `message.template_params`; the free text in `message.body` is not sent.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

from notifications import http
from notifications.transports import aliyun
from notifications.transports.base import Channel, Outcome, OutgoingMessage, SendResult
from notifications.transports.common import (
    THROTTLE_RETRY_SECONDS,
    ConfiguredTransport,
    classify_http,
    mainland_mobile,
    permanent,
    temporary,
)
from notifications.transports.signing import tc3_authorization


class AliyunSmsTransport(ConfiguredTransport):
    """阿里云短信服务 `SendSms` (dysmsapi, version 2017-05-25).

    Options: `access_key_id`, `access_key_secret`, `sign_name`, `template_code` (required);
    `endpoint` (default the public one), `region_id`. A message may pick another approved
    template with `config["template_code"]` (e.g. a separate one for lifting a warning).
    """

    channel = Channel.SMS
    required_options = ("access_key_id", "access_key_secret", "sign_name", "template_code")
    per_message_options = ("template_code", "sign_name")
    DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
    VERSION = "2017-05-25"

    def send(self, message: OutgoingMessage) -> SendResult:
        phone = mainland_mobile(message.address)
        if phone is None:
            return permanent(f"手机号码无效:{message.address!r}")
        params = {
            "PhoneNumbers": phone,
            "SignName": str(self.option(message, "sign_name")),
            "TemplateCode": str(self.option(message, "template_code")),
            "OutId": str(message.delivery_id),
        }
        if message.template_params:
            params["TemplateParam"] = aliyun.template_param_json(message.template_params)
        result = aliyun.call_rpc(
            endpoint=str(self.options.get("endpoint") or self.DEFAULT_ENDPOINT),
            action="SendSms",
            version=self.VERSION,
            access_key_id=str(self.options["access_key_id"]),
            access_key_secret=str(self.options["access_key_secret"]),
            region_id=str(self.options.get("region_id") or "cn-hangzhou"),
            params=params,
        )
        return aliyun.classify(result, "BizId")


# Tencent error codes (in `Response.Error.Code` or a `SendStatusSet` item) that are worth a retry.
TENCENT_TEMPORARY_PREFIXES = ("RequestLimitExceeded", "LimitExceeded.", "InternalError")
TENCENT_TEMPORARY_CODES = frozenset({"FailedOperation.FailResolvePacket", "ResourceUnavailable"})
# Quotas that a retry cannot lift, although they share the LimitExceeded prefix.
TENCENT_PERMANENT_CODES = frozenset({"LimitExceeded.AppCountryOrRegionDailyLimit", "LimitExceeded.AppDailyLimit"})


def tencent_is_temporary(code: str) -> bool:
    if code in TENCENT_PERMANENT_CODES:
        return False
    return code in TENCENT_TEMPORARY_CODES or code.startswith(TENCENT_TEMPORARY_PREFIXES)


class TencentSmsTransport(ConfiguredTransport):
    """腾讯云短信 `SendSms` (API 3.0, version 2021-01-11, TC3-HMAC-SHA256 signature).

    Options: `secret_id`, `secret_key`, `sdk_app_id`, `sign_name`, `template_id` (required);
    `region` (default ap-guangzhou), `endpoint`. Template parameters are positional
    (`{1}`, `{2}`…): `template_params` keys that are all digits are sent in numeric order,
    otherwise in the order the core put them in.
    """

    channel = Channel.SMS
    required_options = ("secret_id", "secret_key", "sdk_app_id", "sign_name", "template_id")
    per_message_options = ("template_id", "sign_name")
    DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
    SERVICE = "sms"
    VERSION = "2021-01-11"
    CONTENT_TYPE = "application/json; charset=utf-8"

    def send(self, message: OutgoingMessage) -> SendResult:
        phone = mainland_mobile(message.address)
        if phone is None:
            return permanent(f"手机号码无效:{message.address!r}")
        payload = {
            "PhoneNumberSet": [f"+86{phone}"],
            "SmsSdkAppId": str(self.options["sdk_app_id"]),
            "SignName": str(self.option(message, "sign_name")),
            "TemplateId": str(self.option(message, "template_id")),
            "TemplateParamSet": ordered_template_params(message.template_params),
            "SessionContext": str(message.delivery_id),
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        endpoint = str(self.options.get("endpoint") or self.DEFAULT_ENDPOINT)
        host = urlsplit(endpoint).netloc
        timestamp = int(time.time())
        authorization = tc3_authorization(
            secret_id=str(self.options["secret_id"]),
            secret_key=str(self.options["secret_key"]),
            service=self.SERVICE,
            timestamp=timestamp,
            payload=body,
            signed_headers={"content-type": self.CONTENT_TYPE, "host": host, "x-tc-action": "SendSms"},
        )
        result = http.request(
            "POST",
            endpoint,
            content=body,
            headers={
                "Authorization": authorization,
                "Content-Type": self.CONTENT_TYPE,
                "Host": host,
                "X-TC-Action": "SendSms",
                "X-TC-Version": self.VERSION,
                "X-TC-Timestamp": str(timestamp),
                "X-TC-Region": str(self.options.get("region") or "ap-guangzhou"),
            },
            secrets=[str(self.options["secret_key"]), authorization.rsplit("Signature=", 1)[-1]],
        )
        return self.classify(result)

    @staticmethod
    def classify(result: http.HttpResult) -> SendResult:
        answer = result.json() if result.error is None else None
        response = answer.get("Response") if isinstance(answer, dict) else None
        if not isinstance(response, dict):
            outcome = classify_http(result)
            if outcome.outcome is Outcome.SENT:
                return temporary(f"腾讯云应答无法识别:{result.describe()}")
            return outcome
        request_id = response.get("RequestId", "")
        error = response.get("Error")
        if isinstance(error, dict):
            return _tencent_failure(str(error.get("Code", "")), str(error.get("Message", "")), request_id)
        statuses = response.get("SendStatusSet")
        if not isinstance(statuses, list) or not statuses or not isinstance(statuses[0], dict):
            return temporary(f"腾讯云应答缺少 SendStatusSet (RequestId {request_id})")
        status = statuses[0]
        code = str(status.get("Code", ""))
        if code == "Ok":
            detail = f"Ok: {status.get('Message', '')} (RequestId {request_id})"
            return SendResult(Outcome.SENT, provider_message_id=str(status.get("SerialNo", "")), detail=detail)
        return _tencent_failure(code, str(status.get("Message", "")), request_id)


def _tencent_failure(code: str, text: str, request_id: str) -> SendResult:
    detail = f"{code}: {text} (RequestId {request_id})"
    if tencent_is_temporary(code):
        return temporary(detail, THROTTLE_RETRY_SECONDS)
    return permanent(detail)


def ordered_template_params(params: dict[str, str]) -> list[str]:
    keys = list(params)
    if keys and all(key.isdigit() for key in keys):
        keys.sort(key=int)
    return [str(params[key]) for key in keys]
