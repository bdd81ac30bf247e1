"""The one interface every transport implements, and the values that cross it.

The notification core turns a delivery row into an `OutgoingMessage`, asks the channel's
transport to send it, and records the `SendResult` as an attempt. Transports never touch
the database: they format a provider request, send it through `notifications.http`, and
classify the answer, so they can be exercised against a fake provider server.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar


class Channel(enum.StrEnum):
    """Channels a delivery may go out on (the values are stored on delivery rows)."""

    SMS = "sms"
    VOICE = "voice"
    DINGTALK = "dingtalk"
    WECOM = "wecom"
    EMAIL = "email"
    WEBHOOK = "webhook"
    BROADCAST = "broadcast"
    INAPP = "inapp"


class Outcome(enum.StrEnum):
    """How a send attempt ended, as far as the provider told us."""

    SENT = "sent"  # accepted by the provider; a delivery receipt may follow
    DELIVERED = "delivered"  # the provider confirms it reached the recipient
    TEMPORARY_FAILURE = "temporary_failure"  # retry later with backoff (timeouts, 5xx, throttling)
    PERMANENT_FAILURE = "permanent_failure"  # move on to the recipient's next channel (bad number, bad credentials)


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything a transport needs to send one delivery to one address."""

    delivery_id: int
    channel: str
    address: str  # mobile, e-mail, robot/webhook/broadcast endpoint name, or user id for in-app
    recipient_name: str
    title: str
    body: str  # plain text; already contains the acknowledgement link and reply code
    ack_url: str = ""
    reply_code: str = ""
    cap_xml: str = ""  # a CAP 1.2 document when the source is a warning (broadcast, webhook)
    template_params: dict[str, str] = field(default_factory=dict)  # for SMS template providers
    config: dict[str, Any] = field(default_factory=dict)  # per-endpoint settings (robot URL, secret…)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_message_id: str = ""
    detail: str = ""  # provider's answer or the error, kept (truncated) on the attempt row
    retry_after_seconds: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SENT, Outcome.DELIVERED)


class Transport(abc.ABC):
    """A channel's sender. Subclasses are configured from settings or a group channel row."""

    channel: ClassVar[Channel]

    def __init__(self, **options: Any) -> None:
        self.options = options

    @abc.abstractmethod
    def send(self, message: OutgoingMessage) -> SendResult:
        """Send one message; never raise for provider or network errors, classify them."""
