"""The embedded transports: console/outbox (the default, so the demo works with no provider) and in-app."""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from notifications.transports.base import Channel, Outcome, OutgoingMessage, SendResult, Transport

logger = logging.getLogger("yingji.notifications.console")

DEFAULT_KEEP = 200


@dataclass(frozen=True)
class OutboxEntry:
    """One message the console transport "sent", as the demo's outbox view shows it."""

    number: int
    at: datetime
    delivery_id: int
    channel: str
    address: str
    recipient_name: str
    title: str
    body: str
    ack_url: str
    reply_code: str


_lock = threading.Lock()
_outbox: deque[OutboxEntry] = deque(maxlen=DEFAULT_KEEP)
_numbers = itertools.count(1)


def recent_messages(limit: int | None = None) -> list[OutboxEntry]:
    """The messages kept in this process, newest first (memory only: a restart empties it)."""
    with _lock:
        entries = list(reversed(_outbox))
    return entries if limit is None else entries[:limit]


def clear_outbox() -> None:
    with _lock:
        _outbox.clear()


class ConsoleTransport(Transport):
    """Logs the message under `yingji.notifications.console` and keeps the last N in memory.

    Serves any channel (it has no `channel` of its own). Option `keep`: how many messages the
    in-memory outbox holds (default 200, shared by all channels of the process).
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        keep = int(options.get("keep", DEFAULT_KEEP))
        global _outbox
        with _lock:
            if _outbox.maxlen != keep:
                _outbox = deque(_outbox, maxlen=keep)

    def send(self, message: OutgoingMessage) -> SendResult:
        with _lock:
            entry = OutboxEntry(
                number=next(_numbers),
                at=timezone.now(),
                delivery_id=message.delivery_id,
                channel=message.channel,
                address=message.address,
                recipient_name=message.recipient_name,
                title=message.title,
                body=message.body,
                ack_url=message.ack_url,
                reply_code=message.reply_code,
            )
            _outbox.append(entry)
        logger.info(
            "[%s] 致 %s <%s> 投递#%s: %s\n%s",
            message.channel,
            message.recipient_name,
            message.address,
            message.delivery_id,
            message.title,
            message.body,
        )
        return SendResult(Outcome.SENT, provider_message_id=f"console-{entry.number}", detail="已记录到控制台发件箱")


class InAppTransport(Transport):
    """In-app messages need no provider: the delivery row is the inbox item, so it is delivered at once."""

    channel = Channel.INAPP

    def send(self, message: OutgoingMessage) -> SendResult:
        return SendResult(Outcome.DELIVERED, provider_message_id=f"inapp-{message.delivery_id}", detail="站内消息已送达")
