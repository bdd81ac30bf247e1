"""Voice call-out (智能外呼): the warning read out by text-to-speech, acknowledged by pressing 1.

Two providers:

* `GenericHttpVoiceTransport` — a JSON POST signed like our webhooks, for a carrier's or
  integrator's call-out gateway (most county telecom platforms can be fronted this way). The
  gateway calls back with the call result and the keys pressed; `parse_voice_callback` checks
  and reads that callback for the notification core.
* `AliyunTtsCallTransport` — 阿里云语音服务 `SingleCallByTts` with an approved TTS template.
  That API plays the text but does not collect key presses, so acknowledgement comes by link,
  SMS reply or the app; the call's status report only says whether it was answered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notifications import http
from notifications.transports import aliyun
from notifications.transports.base import Channel, OutgoingMessage, SendResult
from notifications.transports.common import (
    ConfiguredTransport,
    classify_http,
    mainland_mobile,
    permanent,
    spoken_text,
)
from notifications.transports.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_yingji_signature,
    yingji_signed_headers,
)
from notifications.transports.webhook import DELIVERY_HEADER

ACK_KEY = "1"
ACK_PROMPT = "收到请按1确认。"
CALL_STATUSES = frozenset({"answered", "no_answer", "busy", "rejected", "failed", "powered_off"})


def call_script(message: OutgoingMessage) -> str:
    """What is read out: the content twice, then the prompt to press 1."""
    content = spoken_text(message)
    return f"{content}。重复一遍:{content}。{ACK_PROMPT}"


class GenericHttpVoiceTransport(ConfiguredTransport):
    """POST a call request to a gateway; options `url`, `secret` (required), `callback_url`, `caller_id`.

    Request body (JSON): `delivery_id`, `callee` (11-digit mobile), `callee_name`, `text` (the
    whole script), `ack_key` ("1"), `callback_url`, `caller_id`. Signed with
    `X-Yingji-Timestamp` / `X-Yingji-Signature` over the body. The gateway answers 2xx with
    `{"call_id": …}` when it accepted the call.
    """

    channel = Channel.VOICE
    required_options = ("url", "secret")

    def send(self, message: OutgoingMessage) -> SendResult:
        callee = mainland_mobile(message.address)
        if callee is None:
            return permanent(f"电话号码无效:{message.address!r}")
        secret = str(self.options["secret"])
        payload = {
            "delivery_id": message.delivery_id,
            "callee": callee,
            "callee_name": message.recipient_name,
            "text": call_script(message),
            "ack_key": ACK_KEY,
            "callback_url": str(self.options.get("callback_url") or ""),
            "caller_id": str(self.options.get("caller_id") or ""),
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            DELIVERY_HEADER: str(message.delivery_id),
            **yingji_signed_headers(secret, body),
        }
        result = http.request("POST", str(self.options["url"]), content=body, headers=headers, secrets=[secret])
        answer = result.json() if result.ok else None
        call_id = str(answer.get("call_id", "")) if isinstance(answer, dict) else ""
        return classify_http(result, provider_message_id=call_id)


class InvalidVoiceCallback(ValueError):
    """A callback that is unsigned, stale, or not in the documented shape (answer 400, keep nothing)."""


@dataclass(frozen=True)
class VoiceCallback:
    """The gateway's report on one call, normalised for the notification core."""

    delivery_id: int
    call_id: str
    status: str  # one of CALL_STATUSES
    digits: str  # keys pressed during the call, in order
    raw: Mapping[str, Any]

    @property
    def answered(self) -> bool:
        return self.status == "answered"

    @property
    def acknowledged(self) -> bool:
        """Answered and the acknowledgement key pressed: the person has taken the warning (叫应)."""
        return self.answered and ACK_KEY in self.digits


def parse_voice_callback(
    body: bytes, headers: Mapping[str, str], secret: str, *, now: int | None = None
) -> VoiceCallback:
    """Verify and read a gateway callback.

    Expected: POST JSON `{"delivery_id": 12, "call_id": "c-1", "status": "answered", "digits": "1"}`
    with the same `X-Yingji-Timestamp`/`X-Yingji-Signature` headers, signed with the gateway secret.
    Header names are matched case-insensitively (pass `request.headers`).
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not verify_yingji_signature(secret, body, timestamp, signature, now=now):
        raise InvalidVoiceCallback("外呼回调签名无效或已过期")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InvalidVoiceCallback("外呼回调不是有效的 JSON") from exc
    if not isinstance(data, dict):
        raise InvalidVoiceCallback("外呼回调应为 JSON 对象")
    delivery_id = data.get("delivery_id")
    if isinstance(delivery_id, bool) or not isinstance(delivery_id, int | str) or not str(delivery_id).isdigit():
        raise InvalidVoiceCallback("外呼回调缺少有效的 delivery_id")
    status = str(data.get("status", ""))
    if status not in CALL_STATUSES:
        raise InvalidVoiceCallback(f"外呼回调状态 {status!r} 无效")
    digits = data.get("digits", "")
    if not isinstance(digits, str):
        raise InvalidVoiceCallback("外呼回调 digits 应为字符串")
    return VoiceCallback(
        delivery_id=int(delivery_id), call_id=str(data.get("call_id", "")), status=status, digits=digits, raw=data
    )


class AliyunTtsCallTransport(ConfiguredTransport):
    """阿里云语音服务 `SingleCallByTts` (dyvmsapi, version 2017-05-25).

    Options: `access_key_id`, `access_key_secret`, `called_show_number` (the display number
    bought with the service), `tts_code` (an approved TTS template) — required; `endpoint`,
    `play_times` (default 2: the content is heard twice). The template's variables are filled
    from `template_params`, or `{"title": …, "content": …}` when the core gives none.
    """

    channel = Channel.VOICE
    required_options = ("access_key_id", "access_key_secret", "called_show_number", "tts_code")
    per_message_options = ("tts_code",)
    DEFAULT_ENDPOINT = "https://dyvmsapi.aliyuncs.com/"
    VERSION = "2017-05-25"

    def send(self, message: OutgoingMessage) -> SendResult:
        callee = mainland_mobile(message.address)
        if callee is None:
            return permanent(f"电话号码无效:{message.address!r}")
        variables = dict(message.template_params) or {"title": message.title, "content": spoken_text(message)}
        result = aliyun.call_rpc(
            endpoint=str(self.options.get("endpoint") or self.DEFAULT_ENDPOINT),
            action="SingleCallByTts",
            version=self.VERSION,
            access_key_id=str(self.options["access_key_id"]),
            access_key_secret=str(self.options["access_key_secret"]),
            params={
                "CalledShowNumber": str(self.options["called_show_number"]),
                "CalledNumber": callee,
                "TtsCode": str(self.option(message, "tts_code")),
                "TtsParam": aliyun.template_param_json(variables),
                "PlayTimes": str(self.options.get("play_times") or 2),
                "OutId": str(message.delivery_id),
            },
        )
        return aliyun.classify(result, "CallId")
