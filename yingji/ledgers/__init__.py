"""Ledgers (台账): Excel/CSV export and all-or-nothing import for every registry.

A registry describes its ledger as data (`Ledger` of `Column`s: key, Chinese header,
aliases, parser, example, help) and writes a `RowImporter` that calls its action
functions. The toolkit does the rest: styled .xlsx with a “填写说明” sheet and drop-down
lists, reading .xlsx and .csv (UTF-8 with or without BOM, GB18030), header matching by
text, alias or explicit mapping, a row-by-row problem report, and one transaction that
imports every row or none. See docs/ledgers.md.

This path is synchronous and meant for foundation-sized ledgers (limits in `spec`:
5 MB / 5,000 rows by default, `LEDGER_IMPORT_MAX_BYTES` / `LEDGER_IMPORT_MAX_ROWS` or
per ledger). Large files (a county's places) run in the worker with progress on the page
(`background`), reusing the same reading, parsing and `RowImporter` pieces.
"""

from yingji.ledgers import background
from yingji.ledgers.importing import (
    CREATED,
    UNCHANGED,
    UPDATED,
    ImportReport,
    Outcome,
    ParsedRow,
    Problem,
    RowImporter,
    map_headers,
    run_import,
)
from yingji.ledgers.reading import LedgerFileError, LedgerFileTooLarge, Table, read_table
from yingji.ledgers.spec import CellError, Column, Ledger, RowError
from yingji.ledgers.writing import dated_filename, template_response, write_workbook, xlsx_response

__all__ = [
    "CREATED",
    "UNCHANGED",
    "UPDATED",
    "CellError",
    "Column",
    "ImportReport",
    "Ledger",
    "LedgerFileError",
    "LedgerFileTooLarge",
    "Outcome",
    "ParsedRow",
    "Problem",
    "RowError",
    "RowImporter",
    "Table",
    "background",
    "dated_filename",
    "map_headers",
    "read_table",
    "run_import",
    "template_response",
    "write_workbook",
    "xlsx_response",
]
