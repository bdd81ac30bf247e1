"""Signed webhook: a JSON POST that the receiver can verify (see docs/transports.md)."""

from __future__ import annotations

import json

from notifications import http
from notifications.transports.base import Channel, OutgoingMessage, SendResult
from notifications.transports.common import ConfiguredTransport, classify_http, permanent
from notifications.transports.signing import yingji_signed_headers

DELIVERY_HEADER = "X-Yingji-Delivery"


class WebhookTransport(ConfiguredTransport):
    """POST `{delivery_id, title, body, ack_url, reply_code, cap_xml}` signed with the endpoint's secret.

    Per message (the endpoint row) or as options: `url` and `secret`. Headers:
    `X-Yingji-Timestamp`, `X-Yingji-Signature: sha256=<hex HMAC-SHA256(secret, "timestamp.body")>`
    and `X-Yingji-Delivery` (the delivery id, for the receiver to drop duplicates on retries).
    """

    channel = Channel.WEBHOOK
    per_message_options = ("url", "secret")

    def send(self, message: OutgoingMessage) -> SendResult:
        url = str(self.option(message, "url"))
        secret = str(self.option(message, "secret"))
        if not url:
            return permanent(f"Webhook {message.address!r} 未配置地址")
        if not secret:
            return permanent(f"Webhook {message.address!r} 未配置签名密钥")
        payload = {
            "delivery_id": message.delivery_id,
            "title": message.title,
            "body": message.body,
            "ack_url": message.ack_url,
            "reply_code": message.reply_code,
            "cap_xml": message.cap_xml,
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            DELIVERY_HEADER: str(message.delivery_id),
            **yingji_signed_headers(secret, body),
        }
        result = http.request("POST", url, content=body, headers=headers, secrets=[secret])
        answer = result.json() if result.ok else None
        provider_id = str(answer.get("id", "")) if isinstance(answer, dict) else ""
        return classify_http(result, provider_message_id=provider_id)
