"""JSON API of the staffing check (人员配备核查) and its standards."""

from datetime import date
from typing import Any

from django.db import transaction
from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jurisdictions.models import Jurisdiction
from staffing import actions
from staffing.ledgers import STAFFING_LEDGER, export_rows
from staffing.models import StaffingStandard
from staffing.services import NoStandard, StaffingReport, StaffingRow, staffing_report
from yingji.api import ErrorOut
from yingji.ledgers import dated_filename, xlsx_response

router = Router(tags=["人员配备"])


class ReportQuery(Schema):
    jurisdiction: str | None = Field(None, description="辖区代码；不填为本账号可见的最高一级辖区")
    on: date | None = Field(None, description="核查日期（决定适用哪一版标准和当日在岗人员），默认今天")


class StandardOut(Schema):
    id: int
    name: str
    effective_from: date
    industrial_per_staff: int
    commercial_per_staff: int
    rental_per_staff: int
    counted_position_kinds: list[str]
    source: str

    @staticmethod
    def resolve_counted_position_kinds(obj: StaffingStandard) -> list[str]:
        return sorted(kind.code for kind in obj.counted_position_kinds.all())


class StandardIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    effective_from: date
    industrial_per_staff: int = Field(..., ge=1, le=100000)
    commercial_per_staff: int = Field(..., ge=1, le=100000)
    rental_per_staff: int = Field(..., ge=1, le=100000)
    counted_position_kinds: list[str] = Field(..., min_length=1, description="岗位类型代码，如 station_chief")
    source: str = Field("", max_length=200)


class RowOut(Schema):
    jurisdiction_code: str
    name: str
    level: str
    industrial: int
    commercial: int
    rental: int
    workload: float = Field(..., description="折算需配备人数（未取整）")
    required: int | None = Field(None, description="应配备人数；乡镇以下为 null")
    counted: int | None
    shortfall: int | None


class ReportOut(Schema):
    on: date
    standard: StandardOut
    total: RowOut
    rows: list[RowOut]


def _row_out(row: StaffingRow) -> dict[str, Any]:
    return {
        "jurisdiction_code": row.node.code,
        "name": row.node.name,
        "level": row.node.level,
        "industrial": row.counts.industrial,
        "commercial": row.counts.commercial,
        "rental": row.counts.rental,
        "workload": float(row.workload),
        "required": row.required,
        "counted": row.counted,
        "shortfall": row.shortfall,
    }


def report_for(code: str | None, on: date | None) -> StaffingReport:
    """The report for a visible node (404 outside scope), or for the user's own top node."""
    return staffing_report(Jurisdiction.objects.code_or_home(code), on)


@router.get("/staffing", response={200: ReportOut, 409: ErrorOut}, summary="人员配备核查：应配备、已配备与缺口")
def get_report(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    try:
        report = report_for(query.jurisdiction, query.on)
    except NoStandard as exc:
        return Status(409, {"detail": str(exc)})
    return {
        "on": report.on,
        "standard": report.standard,
        "total": _row_out(report.total),
        "rows": [_row_out(row) for row in report.rows],
    }


@router.get("/staffing/export.xlsx", summary="导出人员配备核查表（Excel）")
def export_report(request: HttpRequest, query: Query[ReportQuery]) -> FileResponse:
    report = report_for(query.jurisdiction, query.on)
    return xlsx_response(STAFFING_LEDGER, export_rows(report), dated_filename(f"人员配备核查-{report.total.node.name}"))


@router.get("/staffing/standards", response=list[StandardOut], summary="人员配备标准（各版本）")
def list_standards(request: HttpRequest) -> Any:
    return StaffingStandard.objects.prefetch_related("counted_position_kinds")


@router.post("/staffing/standards", response={201: StandardOut}, summary="新增一版人员配备标准（县级管理员）")
@transaction.atomic
def create_standard(request: HttpRequest, payload: StandardIn) -> Any:
    standard = actions.create_standard(request.user, **payload.dict())
    return Status(201, standard)
