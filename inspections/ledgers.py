"""The inspection ledger (检查台账) as .xlsx: export only (records are made on site, not imported)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from inspections.models import Inspection
from yingji.ledgers import Column, Ledger

INSPECTION_LEDGER = Ledger(
    name="检查台账",
    columns=(
        Column("id", "记录编号", width=10),
        Column("place", "场所", width=28),
        Column("address", "地址", width=30),
        Column("jurisdiction", "所属辖区", width=16),
        Column("kind", "检查类型", width=12),
        Column("state", "状态", width=10),
        Column("result", "检查结果", width=10),
        Column("started_at", "开始时间", width=18),
        Column("finished_at", "完成时间", width=18),
        Column("inspectors", "检查人员", width=20),
        Column("checklist", "检查清单", width=26),
        Column("failed_items", "不合格项数", width=10),
        Column("hazards", "生成隐患数", width=10),
        Column("distance_m", "签到距场所（米）", width=14),
        Column("far_reason", "远离场所原因", width=24),
        Column("unannounced", "四不两直", width=10),
        Column("joint", "联合检查", width=10),
        Column("representative", "场所代表", width=12),
        Column("summary", "检查意见", width=40),
    ),
)


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_rows(inspections: Iterable[Inspection]) -> Iterator[dict[str, Any]]:
    for inspection in inspections:
        yield {
            "id": inspection.pk,
            "place": inspection.place.name,
            "address": inspection.place.address,
            "jurisdiction": inspection.jurisdiction.name,
            "kind": inspection.get_kind_display(),
            "state": inspection.get_state_display(),
            "result": inspection.get_result_display() if inspection.result else "",
            "started_at": _local(inspection.started_at),
            "finished_at": _local(inspection.finished_at),
            "inspectors": "、".join(user.display_name for user in inspection.inspectors.all()),
            "checklist": str(inspection.checklist),
            "failed_items": getattr(inspection, "failed_count", 0),
            "hazards": getattr(inspection, "hazard_count", 0),
            "distance_m": inspection.distance_m if inspection.distance_m is not None else "",
            "far_reason": inspection.far_reason,
            "unannounced": "是" if inspection.unannounced else "",
            "joint": "是" if inspection.joint else "",
            "representative": inspection.representative,
            "summary": inspection.summary,
        }


def with_counts(queryset: Any) -> Any:
    """Adds the failed-item and hazard counts a ledger row shows, in the same query."""
    return queryset.annotate(
        failed_count=Count("results", filter=Q(results__outcome="failed")),
        hazard_count=Count("results", filter=Q(results__hazard__isnull=False)),
    )
