"""Calling an Aliyun RPC-style API (SMS `SendSms`, voice `SingleCallByTts`) and reading its `Code`.

Requests are POSTed as a form with the common parameters and an HMAC-SHA1 signature version 1.0
(see `signing.aliyun_rpc_signature`). The answer is JSON with `Code` ("OK" on success),
`Message` and `RequestId`; errors such as a bad signature also arrive as HTTP 4xx with that JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from notifications import http
from notifications.transports.base import Outcome, SendResult
from notifications.transports.common import THROTTLE_RETRY_SECONDS, classify_http, permanent, temporary
from notifications.transports.signing import aliyun_percent_encode, aliyun_rpc_signature, aliyun_timestamp

# Codes that mean "not now": flow control, throttling, provider-side faults. Anything else that
# is not "OK" (bad number, template, signature name, credentials, balance) will not get better
# by retrying the same channel, so the delivery moves on to the recipient's next channel.
TEMPORARY_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # per-number minute/hour/day flow control
        "isv.DAY_LIMIT_CONTROL",
        "isv.OUT_OF_SERVICE",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "ServiceUnavailable",
        "InternalError",
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "SignatureNonceUsed",  # a fresh nonce is drawn on the next attempt
    }
)
LONG_WAIT_CODES = {"isv.DAY_LIMIT_CONTROL": 3600}


def call_rpc(
    *,
    endpoint: str,
    action: str,
    version: str,
    access_key_id: str,
    access_key_secret: str,
    params: Mapping[str, str],
    region_id: str = "cn-hangzhou",
    nonce: str | None = None,
    timestamp: str | None = None,
) -> http.HttpResult:
    """One signed RPC call; `nonce`/`timestamp` are fixed only by tests."""
    signed: dict[str, str] = {
        "AccessKeyId": access_key_id,
        "Action": action,
        "Format": "JSON",
        "RegionId": region_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": timestamp or aliyun_timestamp(),
        "Version": version,
        **params,
    }
    signed["Signature"] = aliyun_rpc_signature(access_key_secret, "POST", signed)
    body = "&".join(f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}" for k, v in signed.items())
    return http.request(
        "POST",
        endpoint,
        content=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"},
        secrets=[access_key_secret, signed["Signature"]],
    )


def classify(result: http.HttpResult, id_field: str) -> SendResult:
    """Read `Code`: OK → sent (with `id_field` as the provider id), else temporary or permanent."""
    answer: Any = result.json() if result.error is None else None
    if not isinstance(answer, dict) or "Code" not in answer:
        outcome = classify_http(result)
        if outcome.outcome is Outcome.SENT:  # 2xx without the documented JSON: cannot trust it
            return temporary(f"阿里云应答无法识别:{result.describe()}")
        return outcome
    code = str(answer.get("Code"))
    detail = http.truncate(f"{code}: {answer.get('Message', '')} (RequestId {answer.get('RequestId', '')})")
    if code == "OK":
        return SendResult(Outcome.SENT, provider_message_id=str(answer.get(id_field) or ""), detail=detail)
    if code in TEMPORARY_CODES or code.startswith("Throttling"):
        return temporary(detail, LONG_WAIT_CODES.get(code, THROTTLE_RETRY_SECONDS))
    return permanent(detail)


def template_param_json(params: Mapping[str, str]) -> str:
    """TemplateParam / TtsParam: a JSON object, Chinese kept unescaped (as the console shows it)."""
    return json.dumps(dict(params), ensure_ascii=False, separators=(",", ":"))


