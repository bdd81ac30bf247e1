"""The hazard ledger (隐患台账) as .xlsx: the filtered list and the summaries the issue asks for.

One workbook: the list itself (exactly the rows of the scoped, filtered queryset), then one
summary sheet each by jurisdiction (the children of the node being looked at), by hazard
category, by industry (the place kind's category) and by disaster type (灾种). Summaries
are grouped queries with conditional counts, so their cost does not grow with the rows
beyond one pass of the database; the list is streamed in write-only mode (bounded memory).
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any

from django.db.models import Count, Q, QuerySet
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from accounts.roles import Capability, has_capability
from hazards import actions
from hazards.choices import OPEN_STATES, Colour, HazardCategory, HazardSeverity, HazardSource, HazardState, HazardType
from hazards.colours import colour_of, colour_q
from hazards.models import Hazard
from jurisdictions.models import Jurisdiction
from places.choices import PlaceCategory
from places.models import Place
from yingji import actions as base_actions
from yingji.ledgers import CREATED, UNCHANGED, CellError, Column, Ledger, Outcome, ParsedRow, RowError
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
    submitted_on = h.submitted_on
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


# --- Import: a station's existing hazard ledger brought into Yingji -----------------------------

_IMPORT_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_MOBILE = re.compile(r"^1\d{10}$")


def _vocabulary(choices: Any, aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Chinese label → value, plus the API values themselves (a ledger exported elsewhere may use either)."""
    return (
        {str(label): str(value) for value, label in choices.choices}
        | {v: v for v in choices.values}
        | dict(aliases or {})
    )


def _vocabulary_parser(choices: Any, what: str, aliases: Mapping[str, str] | None = None) -> Any:
    known = _vocabulary(choices, aliases)

    def parse(value: str) -> str:
        found = known.get(value) or known.get(value.lower())
        if found is None:
            labels = "、".join(str(label) for _, label in choices.choices)
            raise CellError(f"“{value}”不是可用的{what}；请填写：{labels}")
        return found

    return parse


def parse_found_on(value: str) -> date:
    """Excel dates arrive as 2026-03-05 (the reader's ISO text); typed dates as 2026-03-05 / 2026年3月5日."""
    match = _IMPORT_DATE.match(value)
    if not match:
        raise CellError("日期格式应为 2026-03-05（或 2026/3/5、2026年3月5日），也可用 Excel 日期格式")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise CellError("日期不存在，请核对月和日") from exc


def parse_mobile(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")
    if not _MOBILE.match(digits):
        raise CellError("手机号应为 11 位数字，以 1 开头")
    return digits


HAZARD_IMPORT_LEDGER = Ledger(
    name="隐患台账",
    columns=(
        Column(
            "place",
            "场所",
            aliases=("场所名称", "单位名称", "统一社会信用代码"),
            width=26,
            help="填写统一社会信用代码或场所名称（须已在场所台账登记，且在您的辖区内）；场所外的隐患可留空，改填所属辖区代码和具体位置",
        ),
        Column("jurisdiction_code", "所属辖区代码", text=True, width=17, help="可留空：默认取场所所属辖区"),
        Column("address", "具体位置", width=24, help="场所外的隐患必填，如道路、河道的位置"),
        Column(
            "category",
            "隐患类别",
            required=True,
            width=16,
            parse=_vocabulary_parser(HazardCategory, "隐患类别"),
            choices=[str(c.label) for c in HazardCategory],
        ),
        Column(
            "hazard_type",
            "灾种/专业",
            aliases=("灾种", "专业"),
            required=True,
            width=14,
            parse=_vocabulary_parser(HazardType, "灾种/专业"),
            choices=[str(c.label) for c in HazardType],
        ),
        Column(
            "severity",
            "隐患等级",
            required=True,
            width=10,
            parse=_vocabulary_parser(HazardSeverity, "隐患等级", {"一般隐患": "general", "重大隐患": "major"}),
            choices=[str(c.label) for c in HazardSeverity],
        ),
        Column(
            "source",
            "来源",
            aliases=("隐患来源",),
            required=True,
            width=12,
            parse=_vocabulary_parser(HazardSource, "来源"),
            choices=[str(c.label) for c in HazardSource],
        ),
        Column("description", "隐患描述", required=True, width=40, max_length=2000),
        Column(
            "found_on",
            "发现日期",
            aliases=("发现时间",),
            required=True,
            parse=parse_found_on,
            example="2026-03-05",
            width=12,
        ),
        Column("interim_measures", "管控措施", width=30, max_length=1000),
        Column(
            "deadline",
            "整改期限",
            parse=parse_found_on,
            example="2026-04-05",
            width=12,
            help="有“确认、派单”权限时，填了整改期限的隐患导入后即确认并派单；期限不能早于今天",
        ),
        Column(
            "assignee_mobile",
            "整改责任人手机号",
            text=True,
            parse=parse_mobile,
            width=16,
            help="须为已有账号的手机号；留空时派给场所的消防安全管理人",
        ),
    ),
    # No toolkit natural key: its columns must all be filled, and 场所 or 具体位置 may be empty;
    # HazardImporter finds repeated rows itself (same place or position, description and date).
    field_columns={
        "place": "place",
        "jurisdiction": "jurisdiction_code",
        "category": "category",
        "hazard_type": "hazard_type",
        "severity": "severity",
        "source": "source",
        "description": "description",
        "found_at": "found_on",
        "lat": "place",
        "interim_measures": "interim_measures",
        "deadline": "deadline",
        "assignee_id": "assignee_mobile",
        "": "place",
    },
    notes=(
        "已有相同场所（或辖区和位置）、相同隐患描述、相同发现日期的未归档隐患视为重复，跳过不再登记。",
        "有“确认、派单”权限时，填了整改期限的行导入后即确认并派单；否则导入为“已发现”。",
    ),
)


class HazardImporter:
    """Reports one hazard per row through `hazards.actions.report_hazard`, so numbering, audit,
    timeline and risk signals are those of a hazard reported on the page; a row with a deadline
    is then confirmed and assigned when the user may manage hazards."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.REPORT_HAZARD)
        self.user = user
        self.can_assign = has_capability(user, Capability.MANAGE_HAZARDS)
        self.by_code: dict[str, list[Place]] = defaultdict(list)
        self.by_name: dict[str, list[Place]] = defaultdict(list)
        self.nodes: dict[str, Jurisdiction] = {}
        self.assignees: dict[str, list[int]] = defaultdict(list)
        self.existing: set[tuple[Any, ...]] = set()
        self.in_file: dict[tuple[Any, ...], int] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        """Places, jurisdictions, accounts and possible duplicates in a few scoped queries."""
        from accounts.models import User

        names = {row.get("place") for row in rows} - {""}
        places = (
            Place.objects.filter(Q(credit_code__in=names) | Q(name__in=names), archived_at__isnull=True)
            .select_related("jurisdiction")
            .defer("jurisdiction__boundary")
        )
        for place in places:
            if place.credit_code in names:
                self.by_code[place.credit_code].append(place)
            if place.name in names:
                self.by_name[place.name].append(place)
        codes = {row.get("jurisdiction_code") for row in rows} - {""}
        for node in Jurisdiction.objects.active().filter(code__in=codes).defer("boundary"):
            self.nodes[node.code] = node
        mobiles = {row.get("assignee_mobile") for row in rows} - {""}
        if mobiles:
            accounts = User.unscoped.filter(person__mobile__in=mobiles, is_active=True)
            for account_id, mobile in accounts.values_list("pk", "person__mobile"):
                self.assignees[mobile].append(account_id)
        descriptions = {row.get("description") for row in rows} - {""}
        days = [row.get("found_on") for row in rows if isinstance(row.get("found_on"), date)]
        if descriptions and days:
            live = Hazard.objects.filter(
                description__in=descriptions,
                found_at__date__gte=min(days),
                found_at__date__lte=max(days),
                archived_at__isnull=True,
            )
            for h in live.only("place_id", "jurisdiction_id", "address", "description", "found_at"):
                self.existing.add(
                    self._key(h.place_id, h.jurisdiction_id, h.address, h.description, timezone.localdate(h.found_at))
                )

    @staticmethod
    def _key(place_id: int | None, jurisdiction_id: int, address: str, description: str, day: date) -> tuple[Any, ...]:
        # A hazard at a place is identified by the place; one outside any place by its node and position.
        return (place_id, description, day) if place_id else (None, jurisdiction_id, address.strip(), description, day)

    def _place(self, text: str) -> Place:
        matches = self.by_code.get(text) or self.by_name.get(text, [])
        if not matches:
            raise RowError(
                "place", f"找不到场所“{text}”，或不在您的辖区范围内；请填写已登记场所的统一社会信用代码或名称"
            )
        if len(matches) > 1:
            raise RowError(
                "place", f"名称为“{text}”的场所有 {len(matches)} 个，无法确定是哪一个；请改填统一社会信用代码"
            )
        return matches[0]

    def _node(self, code: str) -> Jurisdiction:
        node = self.nodes.get(code)
        if node is None:
            raise RowError(
                "jurisdiction_code", f"找不到辖区代码 {code}，或不在您的辖区范围内；请核对 12 位统计用区划代码"
            )
        return node

    def _assignee(self, mobile: str) -> Any:
        from accounts.models import User

        accounts = self.assignees.get(mobile, [])
        if len(accounts) != 1:
            what = "没有对应的账号" if not accounts else "对应多个账号"
            raise RowError(
                "assignee_mobile",
                f"手机号 {mobile} {what}；请填写整改责任人登录账号的手机号，或留空派给场所的消防安全管理人",
            )
        return User.unscoped.select_related("person").get(pk=accounts[0])

    def apply(self, row: ParsedRow) -> Outcome:
        place = self._place(row.get("place")) if row.get("place") else None
        code, address = row.get("jurisdiction_code"), row.get("address")
        node = self._node(code) if code else None
        if place is None and (node is None or not address):
            raise RowError(
                "place", "请填写场所（统一社会信用代码或名称）；场所外的隐患请同时填写所属辖区代码和具体位置"
            )
        found_on: date = row.get("found_on")
        description: str = row.get("description")
        jurisdiction_id = node.pk if node is not None else place.jurisdiction_id  # type: ignore[union-attr]
        key = self._key(place.pk if place else None, jurisdiction_id, address, description, found_on)
        where = place.name if place is not None else f"{node.name if node else ''}{address}"
        if key in self.in_file:
            raise RowError(
                "description",
                f"与第 {self.in_file[key]} 行重复（场所或位置、隐患描述和发现日期相同）；同一隐患只能占一行，请合并或删除其中一行",
            )
        self.in_file[key] = row.number
        if key in self.existing:
            return Outcome(UNCHANGED, f"{where}：已有相同隐患（{found_on.isoformat()}），跳过")
        deadline = row.get("deadline") or None
        assignee = (
            self._assignee(row.get("assignee_mobile"))
            if deadline and self.can_assign and row.get("assignee_mobile")
            else None
        )
        found_at = timezone.make_aware(datetime.combine(found_on, time.min))
        h = actions.report_hazard(
            by=self.user,
            place=place,
            jurisdiction=node,
            category=row.get("category"),
            hazard_type=row.get("hazard_type"),
            severity=row.get("severity") or HazardSeverity.GENERAL,
            source=row.get("source"),
            description=description,
            address=address,
            interim_measures=row.get("interim_measures"),
            found_at=found_at,
        )
        if deadline and self.can_assign:
            h = actions.confirm(h, by=self.user, note="台账导入")
            h = actions.assign(h, by=self.user, deadline=deadline, assignee=assignee, note="台账导入")
        return Outcome(CREATED, f"{h.number} {where}：{description[:30]}")
