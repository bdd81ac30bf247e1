"""The live acknowledgement board (叫应看板) of a warning.

Rows are the recipients frozen at issue; each is matched to its deliveries of the message
being answered (the latest alert/update/extension) by the notification core's recipient
key. Everything is read in three queries whatever the number of recipients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from earlywarning import notify
from earlywarning.choices import MessageType
from earlywarning.models import EarlyWarning, WarningMessage, WarningRecipient

# Which delivery state describes a recipient best when several channels were tried.
STATE_RANK = {"acknowledged": 0, "delivered": 1, "sent": 2, "sending": 3, "queued": 4, "failed": 5, "cancelled": 6}
STATE_LABELS = {
    "acknowledged": "已叫应",
    "delivered": "已送达",
    "sent": "已发送",
    "sending": "发送中",
    "queued": "待发送",
    "failed": "发送失败",
    "cancelled": "已停止",
    "unreachable": "无可用渠道",
    "none": "未发送",
}
CALLING_STATES = {"queued", "sending", "sent", "delivered"}
ANSWERABLE = (MessageType.ALERT, MessageType.UPDATE, MessageType.EXTEND)


def key_of(recipient: WarningRecipient) -> str:
    if recipient.person_id:
        return f"p:{recipient.person_id}"
    if recipient.group_channel_id:
        return f"g:{recipient.group_channel_id}"
    return ""


@dataclass
class BoardRow:
    recipient: WarningRecipient
    state: str = "none"
    channel: str = ""
    acknowledged_at: datetime | None = None
    escalated: bool = False

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def acknowledged(self) -> bool:
        return self.state == "acknowledged"

    @property
    def calling(self) -> bool:
        return self.state in CALLING_STATES


@dataclass
class BoardGroup:
    name: str
    code: str
    rows: list[BoardRow] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return sum(1 for row in self.rows if row.acknowledged)

    @property
    def waiting(self) -> list[BoardRow]:
        return [row for row in self.rows if not row.acknowledged]


@dataclass
class Board:
    message: WarningMessage | None
    groups: list[BoardGroup]
    escalated_to: list[dict[str, Any]]

    @property
    def rows(self) -> list[BoardRow]:
        return [row for group in self.groups for row in group.rows]

    def totals(self) -> dict[str, int]:
        rows = self.rows
        return {
            "recipients": len(rows),
            "delivered": sum(1 for r in rows if r.state in ("delivered", "acknowledged")),
            "acknowledged": sum(1 for r in rows if r.acknowledged),
            "waiting": sum(1 for r in rows if not r.acknowledged),
            "failed": sum(1 for r in rows if r.state == "failed"),
            "unreachable": sum(1 for r in rows if r.state == "unreachable"),
            "calling": sum(1 for r in rows if r.calling),
            "escalated": len(self.escalated_to) + sum(1 for r in rows if r.escalated),
        }


def answered_message(warning: EarlyWarning) -> WarningMessage | None:
    """The message whose acknowledgements the board shows: the latest one that asks for an answer."""
    return (
        warning.messages.filter(msg_type__in=ANSWERABLE, notification_id__isnull=False).order_by("-sequence").first()
    )


def build_board(warning: EarlyWarning) -> Board:
    message = answered_message(warning)
    recipients = list(
        warning.recipients.select_related("jurisdiction").defer("jurisdiction__boundary")
    )
    best: dict[str, dict[str, Any]] = {}
    escalated_keys: set[str] = set()
    escalated_to: dict[str, dict[str, Any]] = {}
    wanted = {key_of(r) for r in recipients}
    if message is not None:
        deliveries = (
            notify.deliveries(warning)
            .filter(notification_id=message.notification_id)
            .values("recipient_key", "recipient_label", "channel", "state", "acknowledged_at", "step_index")
        )
        for d in deliveries:
            key = d["recipient_key"]
            if key not in wanted:
                entry = escalated_to.setdefault(key, {"label": d["recipient_label"], "state": d["state"]})
                if STATE_RANK.get(d["state"], 9) < STATE_RANK.get(entry["state"], 9):
                    entry["state"] = d["state"]
                continue
            if d["step_index"] > 0:
                escalated_keys.add(key)
            current = best.get(key)
            if current is None or STATE_RANK.get(d["state"], 9) < STATE_RANK.get(current["state"], 9):
                best[key] = d
    groups: dict[int, BoardGroup] = {}
    for recipient in recipients:
        node = recipient.jurisdiction
        group = groups.setdefault(node.pk, BoardGroup(name=node.name, code=node.code))
        key = key_of(recipient)
        row = BoardRow(recipient=recipient)
        if not key:
            row.state = "unreachable"
        elif key in best:
            d = best[key]
            row.state, row.channel, row.acknowledged_at = d["state"], d["channel"], d["acknowledged_at"]
            row.escalated = key in escalated_keys
        elif message is not None:
            row.state = "unreachable"
        group.rows.append(row)
    ordered = sorted(groups.values(), key=lambda g: g.code)
    for group in ordered:
        group.rows.sort(key=lambda r: (r.acknowledged, r.recipient.name))
    labels = [
        {"label": v["label"], "state": v["state"], "state_label": STATE_LABELS.get(v["state"], v["state"])}
        for v in escalated_to.values()
    ]
    return Board(message=message, groups=ordered, escalated_to=labels)

