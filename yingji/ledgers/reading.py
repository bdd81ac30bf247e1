"""Reading an uploaded ledger file (.xlsx or .csv) into rows of text cells.

Everything is bounded before it is read: the file size, the uncompressed size of an
.xlsx (a zip), and the number of data rows. Row numbers are kept as the user sees them
in Excel, so a report can say "第 12 行".
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from yingji.ledgers.spec import Ledger

INSTRUCTIONS_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
MAX_EMPTY_RUN = 1000
HEADER_SEARCH_ROWS = 5  # a title line or two above the header row is common in county ledgers
UNZIPPED_FACTOR = 20
# Excel keeps 15 significant digits; a longer number in a numeric cell has been rounded.
EXCEL_DIGITS = 15
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)


class LedgerFileError(Exception):
    """The file as a whole cannot be read; the message says what to do instead."""


class LedgerFileTooLarge(LedgerFileError):
    """Over the ledger's size or row limit (the API answers 413)."""


@dataclass
class Table:
    """The header row and data rows of a file, each cell as stripped text."""

    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    rounded: set[tuple[int, int]] = field(default_factory=set)  # (row number, column index)
    # Formula cells with no saved result (files written by scripts): their value cannot be known.
    formulas: set[tuple[int, int]] = field(default_factory=set)

    def looks_rounded(self, row: int, index: int, value: str) -> bool:
        """Excel turned a long digit string into a number and lost digits."""
        return (row, index) in self.rounded or bool(_SCIENTIFIC.match(value))


def _size_of(upload: IO[bytes]) -> int:
    position = upload.tell()
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(position)
    return size


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def read_table(upload: IO[bytes], filename: str, ledger: Ledger) -> Table:
    """Read an .xlsx or .csv file; raise `LedgerFileError` for anything that is not a readable ledger."""
    size = _size_of(upload)
    if size > ledger.byte_limit:
        raise LedgerFileTooLarge(
            f"文件过大（{_mb(size)}），单次导入不超过 {_mb(ledger.byte_limit)}、{ledger.row_limit} 行；请拆分成几个文件分批导入。"
        )
    if size == 0:
        raise LedgerFileError("文件是空的，请选择填好的台账文件。")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    lower = filename.lower()
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(upload, ledger, size)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerFileError("不支持旧版 .xls 格式，请在 Excel 中“另存为” .xlsx（Excel 工作簿）后再导入。")
    if lower.endswith((".xlsx", ".xlsm")):
        raise LedgerFileError("文件不是有效的 .xlsx 工作簿，可能已损坏；请用 Excel 打开后重新保存再导入。")
    if lower.endswith((".csv", ".txt")):
        return _read_csv(upload.read(), ledger)
    raise LedgerFileError("只支持 .xlsx 和 .csv 文件，请下载导入模板填写后上传。")


def _cell_text(value: Any) -> tuple[str, bool]:
    """Text of a cell as the user typed it, and whether Excel had rounded a long number."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("是" if value else "否"), False
    if isinstance(value, int):
        return str(value), len(str(abs(value))) > EXCEL_DIGITS
    if isinstance(value, float):
        if value.is_integer():
            text = str(int(value))
            return text, len(text.lstrip("-")) > EXCEL_DIGITS
        return repr(value), False
    if isinstance(value, datetime.datetime):
        return (value.date().isoformat() if value.time() == datetime.time.min else value.isoformat(sep=" ")), False
    if isinstance(value, datetime.date):
        return value.isoformat(), False
    return str(value).strip(), False


def _read_xlsx(upload: IO[bytes], ledger: Ledger, size: int) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(upload) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise LedgerFileError("文件不是有效的 .xlsx 工作簿，可能已损坏；请用 Excel 打开后重新保存再导入。") from exc
    if unzipped > max(size, ledger.byte_limit) * UNZIPPED_FACTOR:
        raise LedgerFileTooLarge("工作簿解压后过大，无法导入；请只保留台账所在的工作表，或另存为 CSV 后导入。")
    upload.seek(0)
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise LedgerFileError("无法读取该 .xlsx 文件，请用 Excel 打开后重新保存再导入。") from exc
    try:
        sheet = _ledger_sheet(book, ledger)
        rounded: set[tuple[int, int]] = set()

        def rows() -> Iterator[tuple[int, list[str]]]:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                texts = []
                for index, value in enumerate(values):
                    text, lost = _cell_text(value)
                    if lost:
                        rounded.add((number, index))
                    texts.append(text)
                yield number, texts

        table = _table_from_rows(rows(), ledger)
        table.rounded = rounded
        table.formulas = _formulas_without_results(upload, sheet.title, table)
        return table
    finally:
        book.close()


def _formulas_without_results(upload: IO[bytes], title: str, table: Table) -> set[tuple[int, int]]:
    """Cells that hold a formula but read as empty: Excel saves a formula's result, scripts often do not.

    Read as values such a cell is empty, which would silently clear a field; a second,
    formula-preserving pass finds them so the import can name each one. Only the empty
    cells of the data rows are looked at.
    """
    from openpyxl import load_workbook

    empty = {(number, index) for number, cells in table.rows for index, text in enumerate(cells) if not text}
    if not empty:
        return set()
    wanted_rows = {number for number, _index in empty}
    upload.seek(0)
    book = load_workbook(upload, read_only=True, data_only=False)
    try:
        found: set[tuple[int, int]] = set()
        last = max(wanted_rows)
        for number, values in enumerate(book[title].iter_rows(values_only=True), start=1):
            if number > last:
                break
            if number not in wanted_rows:
                continue
            for index, value in enumerate(values):
                if (number, index) in empty and isinstance(value, str) and value.startswith("="):
                    found.add((number, index))
        return found
    finally:
        book.close()


def _ledger_sheet(book: Any, ledger: Ledger) -> Any:
    """The sheet named after the ledger, else the first visible sheet that is not the instructions."""
    if ledger.name in book.sheetnames:
        return book[ledger.name]
    for sheet in book.worksheets:
        if sheet.title not in (INSTRUCTIONS_SHEET, OPTIONS_SHEET) and sheet.sheet_state == "visible":
            return sheet
    raise LedgerFileError("工作簿里没有可导入的工作表，请使用导入模板。")


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 — what Chinese Excel writes for “CSV”."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise LedgerFileError("无法识别 CSV 文件的文字编码；请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入。") from exc


def _read_csv(data: bytes, ledger: Ledger) -> Table:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table_from_rows(((n, [c.strip() for c in row]) for n, row in enumerate(reader, start=1)), ledger)
    except csv.Error as exc:
        raise LedgerFileError(f"CSV 文件格式有误（{exc}）；请用 Excel 打开后另存为 .xlsx 再导入。") from exc


def normalize_header(header: str) -> str:
    """Headers match ignoring spaces, a required mark and case: “ 姓名* ” = “姓名（必填）” = “姓名”."""
    text = re.sub(r"[\s\u3000]+", "", header or "")
    text = re.sub(r"[（(]必填[）)]$", "", text).rstrip("*＊")
    return text.casefold()


def known_headers(ledger: Ledger) -> set[str]:
    return {normalize_header(h) for c in ledger.columns for h in (c.header, *c.aliases)}


def _table_from_rows(rows: Iterable[tuple[int, list[str]]], ledger: Ledger) -> Table:
    """Find the header row (the first of the top rows naming a known column) and collect data rows.

    Without a known header in the top rows the first non-empty row is taken as the header,
    so the user can map its columns by hand. A long run of empty rows ends the data: Excel
    keeps formatted but empty rows, sometimes a million of them.
    """
    known = known_headers(ledger)
    table: Table | None = None
    top: list[tuple[int, list[str]]] = []
    empty_run = 0
    for number, cells in rows:
        if table is None:
            if any(cells):
                top.append((number, cells))
                if any(normalize_header(c) in known for c in cells):
                    table = Table(headers=_trim(cells), header_row=number)
                elif number >= HEADER_SEARCH_ROWS:
                    table = _first_row_as_header(top, ledger)
            continue
        if not any(cells):
            empty_run += 1
            if empty_run >= MAX_EMPTY_RUN:
                break
            continue
        empty_run = 0
        _add_row(table, number, cells, ledger)
    if table is None:
        if not top:
            raise LedgerFileError("文件里没有数据，请在导入模板的第 2 行起逐行填写。")
        table = _first_row_as_header(top, ledger)
    if not table.rows:
        raise LedgerFileError(f"第 {table.header_row} 行是标题，但下面没有数据行；请从标题下一行起逐行填写。")
    return table


def _first_row_as_header(top: list[tuple[int, list[str]]], ledger: Ledger) -> Table:
    number, cells = top[0]
    table = Table(headers=_trim(cells), header_row=number)
    for row_number, row_cells in top[1:]:
        _add_row(table, row_number, row_cells, ledger)
    return table


def _add_row(table: Table, number: int, cells: list[str], ledger: Ledger) -> None:
    table.rows.append((number, cells))
    if len(table.rows) > ledger.row_limit:
        raise LedgerFileTooLarge(
            f"数据超过 {ledger.row_limit} 行，单次导入不能超过 {ledger.row_limit} 行；请拆分成几个文件分批导入。"
        )


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return list(cells)
