"""The acknowledgement record (叫应记录) of a warning as an Excel ledger, for the file afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from earlywarning.board import Board
from earlywarning.models import EarlyWarning
from yingji.ledgers import Column, Ledger

BOARD_LEDGER = Ledger(
    name="叫应记录",
    columns=(
        Column("warning", "预警", width=28, importable=False),
        Column("jurisdiction", "村社/网格", width=16, importable=False),
        Column("name", "接收人", width=12, importable=False),
        Column("label", "岗位/说明", width=24, importable=False),
        Column("channel", "渠道", width=10, importable=False),
        Column("state", "状态", width=12, importable=False),
        Column("acknowledged_at", "叫应时间", width=18, importable=False),
        Column("escalated", "已升级", width=8, importable=False),
    ),
    natural_key=("warning", "name"),
)


def board_rows(warning: EarlyWarning, board: Board) -> Iterator[dict[str, Any]]:
    title = f"{warning.signal_name()} {warning.title}"
    for group in board.groups:
        for row in group.rows:
            yield {
                "warning": title,
                "jurisdiction": group.name,
                "name": row.recipient.name,
                "label": row.recipient.label,
                "channel": row.channel,
                "state": row.state_label,
                "acknowledged_at": timezone.localtime(row.acknowledged_at).strftime("%Y-%m-%d %H:%M:%S") if row.acknowledged_at else "",
                "escalated": "是" if row.escalated else "",
            }
