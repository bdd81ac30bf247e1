"""The staffing check as an Excel sheet (配备核查表): one row per node of the report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from staffing.services import StaffingReport, StaffingRow
from yingji.ledgers import Column, Ledger

STAFFING_LEDGER = Ledger(
    name="人员配备核查",
    columns=(
        Column("code", "辖区代码", text=True, width=17, importable=False),
        Column("name", "辖区名称", width=18, importable=False),
        Column("level", "层级", width=10, importable=False),
        Column("industrial", "工业企业（家）", width=12, importable=False),
        Column("commercial", "商贸场所（家）", width=12, importable=False),
        Column("rental", "居住出租房（户）", width=12, importable=False),
        Column("workload", "折算需配备（人）", width=12, importable=False, help="未取整的工作量"),
        Column("required", "应配备（人）", width=10, importable=False, help="乡镇（街道）按标准逐项向上取整后相加"),
        Column("counted", "已配备（人）", width=10, importable=False),
        Column("shortfall", "缺口（人）", width=10, importable=False),
    ),
    natural_key=("code",),
)


def _cells(row: StaffingRow) -> dict[str, Any]:
    return {
        "code": row.node.code,
        "name": row.node.name,
        "level": row.node.get_level_display(),
        "industrial": row.counts.industrial,
        "commercial": row.counts.commercial,
        "rental": row.counts.rental,
        "workload": float(row.workload),
        "required": row.required if row.required is not None else "",
        "counted": row.counted if row.counted is not None else "",
        "shortfall": row.shortfall if row.shortfall is not None else "",
    }


def export_rows(report: StaffingReport) -> Iterator[dict[str, Any]]:
    yield _cells(report.total)
    for row in report.rows:
        yield _cells(row)
