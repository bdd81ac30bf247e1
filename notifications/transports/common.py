"""Pieces shared by the provider transports: option checks, text shaping, HTTP classification."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured

from notifications import http
from notifications.transports.base import Outcome, OutgoingMessage, SendResult, Transport

# How long to wait after a provider says "too fast" when it does not say how long.
THROTTLE_RETRY_SECONDS = 60

_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_URL = re.compile(r"https?://\S+")


class ConfiguredTransport(Transport):
    """A transport whose required options are checked when it is built, not at the first send.

    Options come from `settings.NOTIFICATION_TRANSPORTS[channel]`; `message.config` (a group
    channel row: robot URL, secret…) overrides them per message for the names in
    `per_message_options`.
    """

    required_options: ClassVar[tuple[str, ...]] = ()
    per_message_options: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        missing = [name for name in self.required_options if not str(options.get(name) or "").strip()]
        if missing:
            raise ImproperlyConfigured(
                f"通知渠道 {type(self).__name__} 缺少配置项:{', '.join(missing)}。"
                "请在 NOTIFICATION_TRANSPORTS 中设置(凭据用环境变量,不要写进仓库)。"
            )

    def option(self, message: OutgoingMessage, name: str, default: Any = "") -> Any:
        """The per-message value when allowed and present, else the configured one, else `default`."""
        if name in self.per_message_options:
            value = message.config.get(name)
            if value not in (None, ""):
                return value
        value = self.options.get(name)
        return default if value in (None, "") else value


def failure(outcome: Outcome, detail: str, *, retry_after: int | None = None) -> SendResult:
    return SendResult(outcome=outcome, detail=http.truncate(detail), retry_after_seconds=retry_after)


def permanent(detail: str) -> SendResult:
    return failure(Outcome.PERMANENT_FAILURE, detail)


def temporary(detail: str, retry_after: int | None = None) -> SendResult:
    return failure(Outcome.TEMPORARY_FAILURE, detail, retry_after=retry_after)


def classify_http(result: http.HttpResult, *, provider_message_id: str = "") -> SendResult:
    """The generic reading of an answer: 2xx sent; timeouts, 408/425/429 and 5xx retry; other 4xx final."""
    if result.error is not None:
        if result.error.retryable:
            return temporary(result.describe())
        return permanent(result.describe())
    if result.ok:
        return SendResult(Outcome.SENT, provider_message_id=provider_message_id, detail=result.describe())
    if result.retryable_status:
        retry_after = result.retry_after_seconds()
        if retry_after is None and result.status == 429:
            retry_after = THROTTLE_RETRY_SECONDS
        return temporary(result.describe(), retry_after)
    return permanent(result.describe())


def mainland_mobile(address: str) -> str | None:
    """The 11-digit mainland mobile number in `address` (accepts +86 / 0086 / 86, spaces, dashes)."""
    digits = re.sub(r"[\s\-()]", "", address)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if _MAINLAND_MOBILE.match(digits) else None


def spoken_text(message: OutgoingMessage) -> str:
    """Title and body for a voice or loudspeaker: links and reply instructions are not read out."""
    kept = []
    for line in message.body.splitlines():
        if (message.reply_code and message.reply_code in line) or (message.ack_url and message.ack_url in line):
            continue  # the acknowledgement instructions of a text message
        line = _URL.sub("", line).strip(" :：。")
        if line:
            kept.append(line)
    text = "。".join(kept)
    if message.title and not text.startswith(message.title):
        text = f"{message.title}。{text}" if text else message.title
    return text


def utf8_truncate(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes without splitting a character."""
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max_bytes - 3].decode(errors="ignore") + "…"
