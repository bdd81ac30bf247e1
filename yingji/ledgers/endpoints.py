"""What every ledger's import endpoint shares: the report schema, the header mapping, the answer.

Kept here (not in each app's api.py) so that the people, places, letters, teams, supplies…
imports answer in exactly one shape. No `from __future__ import annotations`: ninja reads
these annotations at run time.
"""

import json
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from ninja import Schema
from ninja.errors import HttpError

from yingji.ledgers.importing import ImportReport, RowImporter, run_import
from yingji.ledgers.reading import LedgerFileError, LedgerFileTooLarge, read_table
from yingji.ledgers.spec import Ledger


class ImportProblemOut(Schema):
    row: int | None
    column: str
    value: str
    message: str


class ImportOut(Schema):
    detail: str
    valid: int
    invalid: int
    errors: list[ImportProblemOut]
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    imported: bool
    ignored_columns: list[str]
    unknown_columns: list[str]


def parse_mapping(raw: str) -> dict[str, str]:
    """The optional `mapping` form field: {"header in the file": "ledger column"}."""
    if not raw.strip():
        return {}
    try:
        mapping = json.loads(raw)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise HttpError(400, 'mapping 应为 JSON 对象：{"文件中的列名": "台账列名"}，例如 {"电话": "手机号"}')
    return mapping


def import_upload(
    ledger: Ledger, file: UploadedFile, importer: RowImporter, *, dry_run: bool, mapping: str, unit: str = "条"
) -> tuple[int, dict[str, Any]]:
    """Check or import an uploaded ledger file; returns (HTTP status, body) for an `ImportOut` answer.

    A file that cannot be read answers 400 (413 when too large); a dry run with problems
    answers 200 with the report (checking is what was asked), a real import with problems 400.
    """
    header_map = parse_mapping(mapping)
    if file.size and file.size > ledger.byte_limit:
        return 413, {"detail": f"文件过大，单次导入不超过 {ledger.byte_limit // (1024 * 1024)} MB；请拆分后分批导入"}
    try:
        table = read_table(file, file.name or "", ledger)
    except LedgerFileTooLarge as exc:
        return 413, {"detail": str(exc)}
    except LedgerFileError as exc:
        raise HttpError(400, str(exc)) from exc
    report: ImportReport = run_import(ledger, table, importer, mapping=header_map, dry_run=dry_run)
    body = report.as_dict()
    if report.ok:
        verb = "检查通过，可以导入" if dry_run else "导入完成"
        body["detail"] = f"{verb}：新增 {report.created} {unit}，更新 {report.updated} {unit}，{report.unchanged} {unit}无变化"
        return 200, body
    body["detail"] = f"有 {report.invalid} 行需要修改（共 {len(report.problems)} 处问题），没有导入任何数据"
    return (200 if dry_run else 400), body
