"""Fixtures of the notification tests: a scripted fake transport and a few demo people."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from notifications.transports.base import Channel, Outcome, OutgoingMessage, SendResult, Transport


@dataclass
class FakeTransports:
    """Records every message; answers with scripted outcomes per channel (default: sent)."""

    sent: list[OutgoingMessage] = field(default_factory=list)
    script: dict[str, list[Outcome]] = field(default_factory=dict)

    def answer(self, channel: str, *outcomes: Outcome) -> None:
        self.script.setdefault(channel, []).extend(outcomes)

    def channels(self) -> list[str]:
        return [m.channel for m in self.sent]

    def make(self, channel: str) -> Transport:
        fake = self

        class _Fake(Transport):
            def send(self, message: OutgoingMessage) -> SendResult:
                fake.sent.append(message)
                queue = fake.script.get(channel) or []
                outcome = queue.pop(0) if queue else (Outcome.DELIVERED if channel == Channel.INAPP else Outcome.SENT)
                return SendResult(outcome, provider_message_id=f"fake-{len(fake.sent)}", detail=f"fake {outcome.value}")

        _Fake.channel = Channel(channel)
        return _Fake()


@pytest.fixture
def transports(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTransports]:
    fake = FakeTransports()
    monkeypatch.setattr("notifications.outbox.transport_for", fake.make)
    yield fake


@pytest.fixture
def grid_workers(db: Any) -> list[Any]:
    """Current 网格员 positions in township A (丹东街道)."""
    from demo.constants import TOWNSHIP_A
    from people.models import Position

    return list(
        Position.unscoped.filter(
            kind__code="grid_member", end_date__isnull=True, archived_at__isnull=True, jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/"
        )
        .select_related("person", "jurisdiction")
        .order_by("id")
    )


@pytest.fixture
def empty_outbox(db: Any) -> None:
    """Start from no notifications: the demo county issues warnings whose deliveries are due.

    Removed inside the test's transaction, so the seeded database is untouched afterwards.
    """
    from notifications.models import Acknowledgement, Delivery, DeliveryAttempt, Escalation, Notification

    Acknowledgement.unscoped.all().delete()
    DeliveryAttempt.objects.all().delete()
    Delivery.escalations.through.objects.all().delete()
    Delivery.unscoped.all().delete()
    Escalation.unscoped.all().delete()
    Notification.unscoped.all().delete()
