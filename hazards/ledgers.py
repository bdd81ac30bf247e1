"""The hazard ledger (隐患台账) as .xlsx: the filtered list and the summaries the issue asks for.

One workbook: the list itself (exactly the rows of the scoped, filtered queryset), then one
summary sheet each by jurisdiction (the children of the node being looked at), by hazard
category, by industry (the place kind's category) and by disaster type (灾种). Summaries
are grouped queries with conditional counts, so their cost does not grow with the rows
beyond one pass of the database; the list is streamed in write-only mode (bounded memory).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db.models import Count, Q, QuerySet
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from hazards.choices import OPEN_STATES, Colour, HazardCategory, HazardSeverity, HazardSource, HazardState, HazardType
from hazards.colours import colour_of, colour_q
from hazards.models import Hazard
from jurisdictions.models import Jurisdiction
from places.choices import PlaceCategory
from yingji.ledgers import Column, Ledger
from yingji.ledgers.writing import HEADER_ALIGN, HEADER_FONT, OPTIONAL_FILL, XLSX_CONTENT_TYPE
from yingji.scoping import path_codes

_FORMULA_START = ("=", "+", "-", "@")
COLOUR_LABELS = {"green": "绿色", "yellow": "黄色", "red": "红色"}

HAZARD_LEDGER = Ledger(
    name="隐患台账",
    columns=(
        Column("number", "隐患编号", text=True, width=18, importable=False),
        Column("jurisdiction_code", "所属辖区代码", text=True, width=17, importable=False),
        Column("jurisdiction_name", "所属辖区", width=14, importable=False),
        Column("place", "场所", width=24, importable=False),
        Column("place_kind", "场所类型", width=14, importable=False),
        Column("industry", "行业大类", width=14, importable=False),
        Column("address", "具体位置", width=24, importable=False),
        Column("category", "隐患类别", width=14, importable=False),
        Column("hazard_type", "灾种/专业", width=12, importable=False),
        Column("severity", "隐患等级", width=8, importable=False),
        Column("source", "来源", width=10, importable=False),
        Column("description", "隐患描述", width=40, importable=False),
        Column("state", "状态", width=14, importable=False),
        Column("colour", "期限颜色", width=8, importable=False),
        Column("found_at", "发现时间", width=17, importable=False),
        Column("reporter", "上报人", width=12, importable=False),
        Column("assignee", "整改责任人", width=12, importable=False),
        Column("department", "责任部门", width=14, importable=False),
        Column("deadline", "整改期限", width=12, importable=False),
        Column("interim_measures", "管控措施", width=30, importable=False),
        Column("rectification", "整改情况", width=30, importable=False),
        Column("supervised", "挂牌督办", width=8, importable=False),
        Column("supervision_deadline", "督办期限", width=12, importable=False),
        Column("supervision_leader", "督办责任领导", width=12, importable=False),
        Column("closed_at", "核销时间", width=17, importable=False),
    ),
)


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def row_colour(h: Hazard, today: date) -> str | None:
    """The colour of a row from the fields already loaded (no query)."""
    submitted_on = timezone.localdate(h.submitted_at) if h.submitted_at else None
    return colour_of(h.state, h.deadline, h.yellow_from, today, submitted_on=submitted_on)


def hazard_rows(hazards: QuerySet[Hazard], *, today: date) -> Iterator[dict[str, Any]]:
    related = hazards.select_related("jurisdiction", "place", "place__kind", "reported_by", "assignee_user").defer(
        "jurisdiction__boundary"
    )
    for h in related.iterator(chunk_size=1000):
        place = h.place
        colour = row_colour(h, today)
        assignee = h.assignee_name or (h.assignee_user.display_name if h.assignee_user else "")
        yield {
            "number": h.number,
            "jurisdiction_code": h.jurisdiction.code,
            "jurisdiction_name": h.jurisdiction.name,
            "place": place.name if place else "",
            "place_kind": place.kind.name if place else "",
            "industry": _label(PlaceCategory, place.kind.category) if place else "",
            "address": h.address or (place.address if place else ""),
            "category": _label(HazardCategory, h.category),
            "hazard_type": _label(HazardType, h.hazard_type),
            "severity": _label(HazardSeverity, h.severity),
            "source": _label(HazardSource, h.source),
            "description": h.description,
            "state": _label(HazardState, h.state),
            "colour": COLOUR_LABELS.get(colour or "", ""),
            "found_at": _when(h.found_at),
            "reporter": h.reporter_label or (h.reported_by.display_name if h.reported_by else ""),
            "assignee": assignee,
            "department": h.assignee_department,
            "deadline": h.deadline.isoformat() if h.deadline else "",
            "interim_measures": h.interim_measures,
            "rectification": h.rectification_note,
            "supervised": "是" if h.supervised else "",
            "supervision_deadline": h.supervision_deadline.isoformat() if h.supervision_deadline else "",
            "supervision_leader": h.supervision_leader,
            "closed_at": _when(h.closed_at),
        }


# --- summaries ----------------------------------------------------------------------------------

SUMMARY_HEADERS = ("合计", "在办", "已核销", "不予认定", "重大隐患", "挂牌督办", "红色（逾期）", "黄色（临期）", "绿色")


def summary_counts(today: date) -> dict[str, Count]:
    """The conditional counts of one summary row, in the order of SUMMARY_HEADERS."""
    open_q = Q(state__in=[s.value for s in OPEN_STATES])
    return {
        "total": Count("id"),
        "open": Count("id", filter=open_q),
        "closed": Count("id", filter=Q(state=HazardState.CLOSED)),
        "rejected": Count("id", filter=Q(state=HazardState.REJECTED)),
        "major": Count("id", filter=Q(severity=HazardSeverity.MAJOR) & ~Q(state=HazardState.REJECTED)),
        "supervised": Count("id", filter=Q(supervised=True) & open_q),
        "red": Count("id", filter=colour_q(Colour.RED, today)),
        "yellow": Count("id", filter=colour_q(Colour.YELLOW, today)),
        "green": Count("id", filter=colour_q(Colour.GREEN, today)),
    }


FIGURES = ("total", "open", "closed", "rejected", "major", "supervised", "red", "yellow", "green")


@dataclass
class SummarySheet:
    name: str
    key_header: str
    rows: list[tuple[str, dict[str, int]]]


def _grouped(hazards: QuerySet[Hazard], field: str, today: date) -> dict[str, dict[str, int]]:
    rows = hazards.order_by().values(field).annotate(**summary_counts(today))
    return {str(r[field] or ""): {k: int(r[k]) for k in FIGURES} for r in rows}


def _add(into: dict[str, int], more: Mapping[str, int]) -> None:
    for key in FIGURES:
        into[key] = into.get(key, 0) + more.get(key, 0)


def _with_total(rows: list[tuple[str, dict[str, int]]]) -> list[tuple[str, dict[str, int]]]:
    total: dict[str, int] = {}
    for _name, figures in rows:
        _add(total, figures)
    return [*rows, ("合计", total)]


def by_jurisdiction(hazards: QuerySet[Hazard], root: Jurisdiction, today: date) -> SummarySheet:
    """One row per child of `root` (the hazards on the root node itself get their own row)."""
    depth = len(path_codes(root.path))
    children = list(
        Jurisdiction.objects.filter(parent=root, archived_at__isnull=True).order_by("code").only("code", "name")
    )
    names = {c.code: c.name for c in children}
    per_child: dict[str, dict[str, int]] = {c.code: {} for c in children}
    own: dict[str, int] = {}
    for path, figures in _grouped(
        hazards.filter(jurisdiction_path__within=root.path), "jurisdiction_path", today
    ).items():
        codes = path_codes(path)
        if len(codes) <= depth:
            _add(own, figures)
            continue
        child = codes[depth]
        _add(per_child.setdefault(child, {}), figures)
    rows = [(f"{names.get(code, code)}（{code}）", figures) for code, figures in per_child.items()]
    if own:
        rows.insert(0, (f"{root.name}（本级）", own))
    return SummarySheet("按辖区汇总", "辖区", _with_total(rows))


def by_choice(
    hazards: QuerySet[Hazard], field: str, choices: Any, sheet: str, header: str, today: date, *, empty: str = ""
) -> SummarySheet:
    grouped = _grouped(hazards, field, today)
    rows = [(str(label), grouped.pop(value, {})) for value, label in choices.choices]
    for value, figures in grouped.items():  # values no longer in the vocabulary, or none
        rows.append((value or empty, figures))
    return SummarySheet(sheet, header, _with_total(rows))


def summaries(hazards: QuerySet[Hazard], root: Jurisdiction | None, today: date) -> list[SummarySheet]:
    sheets = []
    if root is not None:
        sheets.append(by_jurisdiction(hazards, root, today))
    sheets += [
        by_choice(hazards, "category", HazardCategory, "按类别汇总", "隐患类别", today),
        by_choice(
            hazards, "place__kind__category", PlaceCategory, "按行业汇总", "行业（场所大类）", today, empty="无登记场所"
        ),
        by_choice(hazards, "hazard_type", HazardType, "按灾种汇总", "灾种/专业", today),
    ]
    return sheets


# --- writing ------------------------------------------------------------------------------------


def _cell(sheet: Any, value: Any, *, header: bool = False, text: bool = False) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    if header:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, OPTIONAL_FILL, HEADER_ALIGN
    elif isinstance(value, str):
        if value.startswith(_FORMULA_START):
            cell.data_type = "s"  # a description starting with “=” stays text
        if text:
            cell.number_format = "@"
    return cell


def write_hazard_workbook(target: IO[bytes], rows: Iterable[Mapping[str, Any]], sheets: list[SummarySheet]) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(HAZARD_LEDGER.name)
    sheet.freeze_panes = "A2"
    columns = HAZARD_LEDGER.export_columns()
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([_cell(sheet, c.header, header=True) for c in columns])
    written = 0
    for row in rows:
        sheet.append([_cell(sheet, row.get(c.key), text=c.text) for c in columns])
        written += 1
    for summary in sheets:
        out = book.create_sheet(summary.name)
        out.freeze_panes = "B2"
        out.column_dimensions["A"].width = 24
        for index in range(2, len(SUMMARY_HEADERS) + 2):
            out.column_dimensions[get_column_letter(index)].width = 12
        out.append(
            [_cell(out, summary.key_header, header=True), *(_cell(out, h, header=True) for h in SUMMARY_HEADERS)]
        )
        for name, figures in summary.rows:
            out.append([_cell(out, name), *(figures.get(k, 0) for k in FIGURES)])
    book.save(target)
    return written


def export_response(
    hazards: QuerySet[Hazard], root: Jurisdiction | None, filename: str, *, today: date | None = None
) -> FileResponse:
    """The workbook as a download, built in a temporary file deleted when the response closes."""
    today = today or timezone.localdate()
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_hazard_workbook(spool, hazard_rows(hazards, today=today), summaries(hazards, root, today))
    spool.seek(0)
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
