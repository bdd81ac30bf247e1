"""Emergency broadcast (应急广播): hand the message to a village broadcast system's HTTP endpoint.

The system plays plain text through text-to-speech on its loudspeakers, or takes a CAP 1.2
document when it understands CAP. The answer contract we rely on (any IP broadcast platform
or a small adapter in front of one can meet it) is in docs/transports.md.
"""

from __future__ import annotations

from notifications import http
from notifications.transports.base import Channel, OutgoingMessage, SendResult
from notifications.transports.common import (
    THROTTLE_RETRY_SECONDS,
    ConfiguredTransport,
    classify_http,
    permanent,
    spoken_text,
    temporary,
)
from notifications.transports.webhook import DELIVERY_HEADER

FORMATS = ("text", "cap")


class BroadcastTransport(ConfiguredTransport):
    """POST text (`text/plain`, read out by TTS) or CAP XML (`application/cap+xml`).

    Per message (the village's broadcast endpoint) or as options: `url`, `token` (or `secret`,
    the name a group channel row uses; sent as `Authorization: Bearer`), `format` "text" (default) or "cap". A "cap" endpoint given a
    message without a CAP document (a reminder, not a warning) gets the text instead.
    """

    channel = Channel.BROADCAST
    per_message_options = ("url", "token", "secret", "format")

    def send(self, message: OutgoingMessage) -> SendResult:
        url = str(self.option(message, "url"))
        token = str(self.option(message, "token") or self.option(message, "secret"))
        fmt = str(self.option(message, "format", "text"))
        if not url:
            return permanent(f"应急广播 {message.address!r} 未配置地址")
        if fmt not in FORMATS:
            return permanent(f"应急广播格式 {fmt!r} 无效(可用 text、cap)")
        headers = {DELIVERY_HEADER: str(message.delivery_id)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if fmt == "cap" and message.cap_xml:
            headers["Content-Type"] = "application/cap+xml; charset=utf-8"
            content = message.cap_xml.encode()
        else:
            text = spoken_text(message)
            if not text:
                return permanent("应急广播内容为空")
            headers["Content-Type"] = "text/plain; charset=utf-8"
            content = text.encode()
        result = http.request("POST", url, content=content, headers=headers, secrets=[token])
        if result.status == 409:  # another broadcast is playing on these loudspeakers
            return temporary(f"广播设备忙:{result.describe()}", result.retry_after_seconds() or THROTTLE_RETRY_SECONDS)
        answer = result.json() if result.ok else None
        provider_id = str(answer.get("id", "")) if isinstance(answer, dict) else ""
        return classify_http(result, provider_message_id=provider_id)
