"""Writing a ledger to .xlsx in bounded memory, as an export or as an empty import template.

openpyxl's write-only mode streams rows to a temporary file, so memory stays flat for a
list of any length; the finished workbook is sent from a temporary file that is deleted
when the response closes. Every workbook has the ledger sheet (styled, frozen header,
column widths, drop-down lists for columns with choices), a “填写说明” sheet, and a
hidden “选项” sheet holding the drop-down values (Excel limits inline lists to 255
characters, a sheet range has no such limit).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from yingji.ledgers.reading import INSTRUCTIONS_SHEET, OPTIONS_SHEET
from yingji.ledgers.spec import Column, Ledger

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True, color="FFFFFF")
REQUIRED_FILL = PatternFill("solid", fgColor="C8281E")
OPTIONAL_FILL = PatternFill("solid", fgColor="1F5FA8")
READONLY_FILL = PatternFill("solid", fgColor="7A8794")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(wrap_text=True, vertical="top")
_FORMULA_START = ("=", "+", "-", "@")


def _header_fill(column: Column) -> PatternFill:
    if not column.importable:
        return READONLY_FILL
    return REQUIRED_FILL if column.required else OPTIONAL_FILL


def _safe_cell(sheet: Any, value: Any, column: Column) -> Any:
    """A cell that Excel shows as typed: text columns stay text, and text never becomes a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        if value.startswith(_FORMULA_START):
            cell.data_type = "s"  # a note beginning with “=” must not run as a formula
        if column.text:
            cell.number_format = "@"
    return cell


def write_workbook(
    target: IO[bytes],
    ledger: Ledger,
    rows: Iterable[Mapping[str, Any]] = (),
    *,
    template: bool = False,
) -> int:
    """Write `rows` (dicts by column key) under the ledger's columns; return how many rows were written.

    With `template=True` the sheet holds the importable columns and no data.
    """
    columns = ledger.import_columns() if template else ledger.export_columns()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(ledger.name)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, _header_fill(column), HEADER_ALIGN
        header.append(cell)
    sheet.row_dimensions[1].height = 24
    _add_choice_lists(sheet, columns, ledger)
    sheet.append(header)
    written = 0
    for row in rows:
        sheet.append([_safe_cell(sheet, row.get(column.key), column) for column in columns])
        written += 1
    _write_instructions(book.create_sheet(INSTRUCTIONS_SHEET), ledger, columns)
    _write_options(book, columns)
    book.save(target)
    return written


def _add_choice_lists(sheet: Any, columns: Sequence[Column], ledger: Ledger) -> None:
    option_index = 0
    for index, column in enumerate(columns, start=1):
        values = column.choice_values() if column.importable else []
        if not values:
            continue
        option_index += 1
        letter = get_column_letter(option_index)
        source = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$1:${letter}${len(values)}"
        validation = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True)
        validation.errorTitle = "取值不在列表中"
        validation.error = f"“{column.header}”请从下拉列表中选择：{'、'.join(values)[:200]}"
        target = get_column_letter(index)
        validation.add(f"{target}2:{target}{ledger.row_limit + 1}")
        sheet.data_validations.append(validation)


def _write_options(book: Workbook, columns: Sequence[Column]) -> None:
    lists = [column.choice_values() for column in columns if column.importable and column.choice_values()]
    if not lists:
        return
    sheet = book.create_sheet(OPTIONS_SHEET)
    sheet.sheet_state = "hidden"
    for row in range(max((len(values) for values in lists), default=0)):
        sheet.append([values[row] if row < len(values) else None for values in lists])


def _write_instructions(sheet: Any, ledger: Ledger, columns: Sequence[Column]) -> None:
    widths = {"A": 16, "B": 10, "C": 60, "D": 22, "E": 30}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    title = WriteOnlyCell(sheet, value=f"{ledger.name}：填写说明")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    for note in (
        "红色标题为必填列，蓝色为选填列，灰色列仅供查看（导入时不读取）。",
        "请从第 2 行起逐行填写，一行一条记录；不要合并单元格，不要改动标题行。",
        "导入前系统会逐行检查：只要有一行有问题，整个文件都不会导入，请按提示修改后重新上传。",
        *ledger.notes,
    ):
        sheet.append([WriteOnlyCell(sheet, value=note)])
    sheet.append([])
    head = []
    for text in ("列名", "是否必填", "说明", "示例", "可选值"):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, OPTIONAL_FILL, HEADER_ALIGN
        head.append(cell)
    sheet.append(head)
    for column in columns:
        required = "必填" if column.required and column.importable else ("仅供查看" if not column.importable else "选填")
        cells = [column.header, required, column.help, column.example, "、".join(column.choice_values())]
        row = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = WRAP
            cell.data_type = "s"
            row.append(cell)
        sheet.append(row)


def dated_filename(stem: str, extension: str = "xlsx") -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{extension}"


def xlsx_response(ledger: Ledger, rows: Iterable[Mapping[str, Any]], filename: str, *, template: bool = False) -> FileResponse:
    """An .xlsx download built in a temporary file (bounded memory), deleted when the response closes."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_workbook(spool, ledger, rows, template=template)
    spool.seek(0)
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"  # ledgers hold personal data
    return response


def template_response(ledger: Ledger, stem: str) -> FileResponse:
    return xlsx_response(ledger, (), f"{stem}-导入模板.xlsx", template=True)
