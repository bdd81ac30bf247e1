"""The warning app's side of the notification core (`notifications.services`).

Kept in one module so the contract is visible in one place: a message becomes one
notification to the frozen recipients, with the CAP XML for broadcast/webhook transports
and the escalation policy chosen by level (`LevelPolicy`), frozen by the core.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from earlywarning.choices import MessageType
from earlywarning.models import EarlyWarning, LevelPolicy, WarningMessage

TOPIC = "warning"


def policy_code_for(warning: EarlyWarning) -> str:
    row = LevelPolicy.objects.filter(level=warning.level).first()
    return row.policy_code if row else warning.level


def escalation_policy_for(warning: EarlyWarning) -> Any:
    """The active policy for this level nearest up the tree from the issuing node, or None.

    `LevelPolicy.policy_code` names the `EscalationPolicy.severity` to look for (topic "warning").
    """
    from notifications.services import default_policy

    return default_policy(TOPIC, warning.jurisdiction, severity=warning.policy_code or policy_code_for(warning))


def send(warning: EarlyWarning, message: WarningMessage, *, actor: Any) -> Any:
    """Start the notification of one message to the warning's frozen recipients."""
    from notifications.services import Recipient, start_notification

    rows = warning.recipients.values_list("person_id", "position_id", "group_channel_id", "label")
    recipients = [
        Recipient(person_id=person_id, position_id=position_id, group_channel_id=channel_id, label=label)
        for person_id, position_id, channel_id, label in rows
        if person_id is not None or channel_id is not None
    ]
    return start_notification(
        topic=TOPIC,
        source=warning,
        jurisdiction=warning.jurisdiction,
        title=f"{warning.signal_name()}：{warning.title}"[:200],
        body=message.summary,
        recipients=recipients,
        # A lifting needs no chasing: it is sent once, without escalation.
        policy=None if message.msg_type == MessageType.LIFT else escalation_policy_for(warning),
        cap_xml=message.cap_xml,
        actor=actor,
        # Red (一级) warnings ignore quotas and quiet hours (notifications/rules.py).
        severity=warning.level,
    )


def stop(message: WarningMessage, *, reason: str, actor: Any) -> None:
    """Stop the escalation of an earlier message (superseded, lifted or expired)."""
    if message.notification_id is None:
        return
    from notifications.models import Notification
    from notifications.services import cancel_notification

    notification = Notification.unscoped.filter(pk=message.notification_id).first()
    if notification is not None and notification.state == "active":
        cancel_notification(notification, reason=reason[:200], actor=actor)


def deliveries(warning: EarlyWarning) -> QuerySet[Any]:
    from notifications.services import deliveries_for

    return deliveries_for(warning)
