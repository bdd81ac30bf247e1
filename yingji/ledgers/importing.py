"""Importing a ledger: headers to columns, every row checked, then all rows or nothing.

A registry provides a `RowImporter` (look-ups in `prepare`, one action call per row in
`apply`). `run_import` parses every cell, reports duplicates of the natural key, and then
applies every clean row inside one transaction, each row in its own savepoint so that a
row an action refuses leaves no partial write behind. The transaction is rolled back
when this is a dry run or when any row has a problem, so a preview runs exactly the
code that the real import runs, and a file with one bad row changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction

from yingji.ledgers.reading import Table, normalize_header
from yingji.ledgers.spec import CellError, Column, Ledger, RowError

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
ACTION_LABELS = {CREATED: "新增", UPDATED: "更新", UNCHANGED: "无变化"}
SAMPLE_SIZE = 10


@dataclass(frozen=True)
class Problem:
    """One thing to fix: the row number and column header as the user sees them in Excel."""

    row: int | None
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass(frozen=True)
class Outcome:
    """What a row did (or would do): created, updated or unchanged, with a line for the preview."""

    action: str
    summary: str = ""

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class ParsedRow:
    """A data row's parsed values by column key; only columns present in the file are keys.

    An empty cell gives "" (parsers never see empty text), so an importer can tell
    "column absent: leave the field alone" from "cell empty: clear the field".
    """

    number: int
    values: dict[str, Any]
    raw: dict[str, str]

    def has(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str, default: Any = "") -> Any:
        return self.values.get(key, default)


class RowImporter(Protocol):
    """A registry's import logic: look-ups for all rows at once, then one row at a time."""

    def prepare(self, rows: list[ParsedRow]) -> None: ...

    def apply(self, row: ParsedRow) -> Outcome: ...


@dataclass
class HeaderMap:
    index: dict[str, int] = field(default_factory=dict)  # column key → position in the file
    ignored: list[str] = field(default_factory=list)  # read-only columns of our own exports
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (position, header) not recognised
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ImportReport:
    """The row-by-row result of a dry run or an import."""

    ledger: Ledger
    header_row: int = 1
    total: int = 0
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    samples: list[tuple[int, Outcome]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = True
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def invalid(self) -> int:
        rows = {p.row for p in self.problems if p.row is not None and p.row != self.header_row}
        if any(p.row == self.header_row or p.row is None for p in self.problems):
            return self.total  # a missing column spoils every row
        return len(rows)

    @property
    def valid(self) -> int:
        return self.total - self.invalid

    @property
    def created(self) -> int:
        return self.counts[CREATED]

    @property
    def updated(self) -> int:
        return self.counts[UPDATED]

    @property
    def unchanged(self) -> int:
        return self.counts[UNCHANGED]

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "invalid": self.invalid,
            "errors": [p.as_dict() for p in self.problems],
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "imported": self.applied,
            "ignored_columns": self.ignored,
            "unknown_columns": [header for _index, header in self.unknown],
        }


def _column_for(name: str, ledger: Ledger) -> Column | None:
    wanted = normalize_header(name)
    for column in ledger.columns:
        if wanted == normalize_header(column.key) or wanted in {normalize_header(h) for h in (column.header, *column.aliases)}:
            return column
    return None


def map_headers(headers: list[str], ledger: Ledger, header_row: int, mapping: Mapping[str, str] | None = None) -> HeaderMap:
    """Match the file's headers to columns by header text or alias; `mapping` (file header → column key or header) wins."""
    explicit = {normalize_header(k): v for k, v in (mapping or {}).items() if v}
    result = HeaderMap()
    for position, header in enumerate(headers):
        if not header:
            continue
        target = explicit.get(normalize_header(header))
        column = _column_for(target, ledger) if target else _column_for(header, ledger)
        if column is None:
            result.unknown.append((position, header))
        elif not column.importable:
            result.ignored.append(header)
        elif column.key in result.index:
            first = headers[result.index[column.key]]
            result.problems.append(
                Problem(header_row, column.header, header, f"“{first}”和“{header}”都对应“{column.header}”；请删除或改名其中一列")
            )
        else:
            result.index[column.key] = position
    for column in ledger.import_columns():
        if column.required and column.key not in result.index:
            result.problems.append(
                Problem(
                    header_row,
                    column.header,
                    "",
                    f"缺少必填列“{column.header}”；请在标题行加上这一列（可下载导入模板对照），或把文件中对应的列指定为“{column.header}”",
                )
            )
    return result


def _shown(column: Column, raw: str) -> str:
    return column.mask(raw) if column.mask and raw else raw


def _parse_cell(column: Column, raw: str) -> Any:
    if column.max_length and len(raw) > column.max_length:
        raise CellError(f"内容过长（{len(raw)} 字），“{column.header}”最多 {column.max_length} 字")
    if column.parse is not None:
        return column.parse(raw)
    choices = column.choice_values()
    if choices and raw not in choices:
        raise CellError(f"“{raw}”不是可选值；请从下拉列表中选择：{'、'.join(choices)}")
    return raw


def parse_rows(table: Table, ledger: Ledger, headers: HeaderMap) -> tuple[list[ParsedRow], list[Problem]]:
    """Parse every mapped cell; report cell problems and repeated natural keys."""
    rows: list[ParsedRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[Any, ...], int] = {}
    key_columns = [ledger.column(k) for k in ledger.natural_key]
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        raw_values: dict[str, str] = {}
        row_ok = True
        for key, position in headers.index.items():
            column = ledger.column(key)
            raw = cells[position].strip() if position < len(cells) else ""
            raw_values[key] = raw
            message = ""
            if (number, position) in table.formulas:
                message = "这是一个没有保存计算结果的公式，无法读出数值；请在 Excel 中打开并保存，或复制后“选择性粘贴为数值”再导入"
            elif not raw:
                if column.required:
                    message = f"“{column.header}”必填，请填写"
                else:
                    values[key] = ""
            elif column.text and table.looks_rounded(number, position, raw):
                message = "Excel 把这一列当成了数字，长号码的后几位已经丢失；请把该列设为“文本”格式后重新输入完整号码"
            else:
                try:
                    values[key] = _parse_cell(column, raw)
                except CellError as exc:
                    message = str(exc)
                except ValidationError as exc:
                    message = "；".join(exc.messages)
            if message:
                row_ok = False
                problems.append(Problem(number, column.header, _shown(column, raw), message))
        if row_ok and key_columns and all(c.key in values and values[c.key] != "" for c in key_columns):
            natural = tuple(values[c.key] for c in key_columns)
            if natural in seen:
                row_ok = False
                names = "和".join(c.header for c in key_columns)
                shown = " / ".join(_shown(c, raw_values[c.key]) for c in key_columns)
                problems.append(
                    Problem(number, key_columns[-1].header, shown, f"与第 {seen[natural]} 行重复（{names}相同）；同一条记录只能占一行，请合并或删除其中一行")
                )
            else:
                seen[natural] = number
        if row_ok:
            rows.append(ParsedRow(number=number, values=values, raw=raw_values))
    return rows, problems


def _action_problems(exc: Exception, row: ParsedRow, ledger: Ledger) -> list[Problem]:
    """Turn what an action refused into problems under the column to fix."""

    def problem(field_name: str, message: str) -> Problem:
        key = ledger.field_columns.get(field_name, field_name)
        try:
            column: Column | None = ledger.column(key)
        except KeyError:
            column = None
        raw = row.raw.get(key, "") if column else ""
        return Problem(row.number, column.header if column else "", _shown(column, raw) if column else "", message)

    if isinstance(exc, RowError):
        return [problem(exc.column, exc.message)]
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [
                problem("" if name == NON_FIELD_ERRORS else name, message)
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        return [problem("", message) for message in exc.messages]
    return [problem("", str(exc) or "当前角色无权执行此操作")]


def run_import(
    ledger: Ledger,
    table: Table,
    importer: RowImporter,
    *,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = True,
    sample_size: int = SAMPLE_SIZE,
) -> ImportReport:
    """Check every row and, unless this is a dry run or any row has a problem, import them all."""
    headers = map_headers(table.headers, ledger, table.header_row, mapping)
    report = ImportReport(
        ledger=ledger,
        header_row=table.header_row,
        total=len(table.rows),
        headers=table.headers,
        ignored=headers.ignored,
        unknown=headers.unknown,
        mapping=dict(mapping or {}),
        dry_run=dry_run,
    )
    if headers.problems:
        report.problems = headers.problems
        return report
    rows, report.problems = parse_rows(table, ledger, headers)
    with transaction.atomic():
        importer.prepare(rows)
        for row in rows:
            try:
                with transaction.atomic():
                    outcome = importer.apply(row)
            except (RowError, ValidationError, PermissionDenied) as exc:
                report.problems.extend(_action_problems(exc, row, ledger))
                continue
            report.counts[outcome.action] += 1
            if outcome.action != UNCHANGED and len(report.samples) < sample_size:
                report.samples.append((row.number, outcome))
        report.problems.sort(key=lambda p: (p.row or 0))
        if dry_run or report.problems:
            transaction.set_rollback(True)
        else:
            report.applied = True
    return report
