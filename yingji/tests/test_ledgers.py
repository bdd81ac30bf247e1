"""The ledger toolkit: writing, reading, header matching, the problem report, all-or-nothing import."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from people.models import PositionKind
from yingji.ledgers import (
    CREATED,
    UPDATED,
    CellError,
    Column,
    Ledger,
    LedgerFileError,
    LedgerFileTooLarge,
    Outcome,
    ParsedRow,
    read_table,
    run_import,
    uploads,
    write_workbook,
)


def parse_level(value: str) -> int:
    if not value.isdigit():
        raise CellError("等级请填写数字，例如 3")
    return int(value)


KIND_LEDGER = Ledger(
    name="测试台账",
    columns=(
        Column("code", "代码", aliases=("编码",), required=True, text=True, example="k1", help="唯一代码"),
        Column("name", "名称", aliases=("岗位名称",), required=True, max_length=10, example="巡查员"),
        Column("level", "等级", parse=parse_level, example="3"),
        Column("color", "颜色", choices=("红", "黄", "蓝"), example="红"),
        Column("remark", "说明", importable=False),
    ),
    natural_key=("code",),
    notes=("测试说明一行。",),
    max_rows=20,
    max_bytes=64 * 1024,
)


class KindImporter:
    """Creates position kinds: a real write, so the tests can see what was committed."""

    def __init__(self) -> None:
        self.prepared: list[int] = []

    def prepare(self, rows: list[ParsedRow]) -> None:
        self.prepared = [row.number for row in rows]

    def apply(self, row: ParsedRow) -> Outcome:
        if row.get("name") == "拒绝":
            raise ValidationError({"name": "名称不能为“拒绝”"})
        kind, created = PositionKind.objects.update_or_create(
            code=f"test-{row.get('code')}", defaults={"name": f"测试{row.get('name')}", "sort_order": 900}
        )
        return Outcome(CREATED if created else UPDATED, kind.name)


def xlsx(rows: list[list[Any]], *, title: str = "Sheet") -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def csv_bytes(text: str, encoding: str) -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def test_written_workbook_has_a_styled_frozen_header_widths_and_drop_down_lists() -> None:
    out = io.BytesIO()
    written = write_workbook(out, KIND_LEDGER, iter([{"code": "k1", "name": "甲", "level": 2, "color": "红", "remark": "x"}]))
    assert written == 1
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["测试台账", "填写说明", "选项"]
    sheet = book["测试台账"]
    assert [c.value for c in sheet[1]] == ["代码", "名称", "等级", "颜色", "说明"]
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb.endswith("C8281E")
    assert sheet["C1"].fill.fgColor.rgb.endswith("1F5FA8")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 14
    assert sheet["A2"].number_format == "@"
    [validation] = sheet.data_validations.dataValidation
    assert str(validation.sqref) == "D2:D21" and "选项" in validation.formula1
    assert book["选项"].sheet_state == "hidden"
    assert [row[0] for row in book["选项"].iter_rows(values_only=True)] == ["红", "黄", "蓝"]


def test_instructions_sheet_explains_every_column_with_required_mark_and_example() -> None:
    out = io.BytesIO()
    write_workbook(out, KIND_LEDGER, template=True)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert [c.value for c in book["测试台账"][1]] == ["代码", "名称", "等级", "颜色"]
    rows = list(book["填写说明"].iter_rows(values_only=True))
    assert any(row[0] == "测试说明一行。" for row in rows)
    by_header = {row[0]: row for row in rows if row and row[0] in ("代码", "等级", "颜色")}
    assert by_header["代码"][1:4] == ("必填", "唯一代码", "k1")
    assert by_header["等级"][1] == "选填"
    assert by_header["颜色"][4] == "红、黄、蓝"


def test_text_beginning_with_an_equals_sign_is_written_as_text_not_as_a_formula() -> None:
    out = io.BytesIO()
    write_workbook(out, KIND_LEDGER, [{"code": "k1", "name": '=HYPERLINK("http://x","点我")'}])
    cell = load_workbook(io.BytesIO(out.getvalue()))["测试台账"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_reads_the_same_in_utf8_with_or_without_bom_and_in_gbk(encoding: str) -> None:
    table = read_table(csv_bytes("代码,名称\r\nk1,巡查员\r\nk2,信息员\r\n", encoding), "岗位.csv", KIND_LEDGER)
    assert table.headers == ["代码", "名称"]
    assert table.rows == [(2, ["k1", "巡查员"]), (3, ["k2", "信息员"])]


def test_headers_match_by_alias_ignoring_spaces_and_required_marks(db: Any) -> None:
    table = read_table(xlsx([["编码 *", " 岗位名称（必填）", "等级"], ["a", "甲", "1"]]), "x.xlsx", KIND_LEDGER)
    report = run_import(KIND_LEDGER, table, KindImporter(), dry_run=True)
    assert report.ok, report.problems
    assert report.created == 1


def test_an_explicit_mapping_assigns_an_unrecognised_header(db: Any) -> None:
    table = read_table(xlsx([["代码", "称呼"], ["a", "甲"]]), "x.xlsx", KIND_LEDGER)
    unmapped = run_import(KIND_LEDGER, table, KindImporter(), dry_run=True)
    assert [(p.row, p.column) for p in unmapped.problems] == [(1, "名称")]
    assert "缺少必填列“名称”" in unmapped.problems[0].message
    assert unmapped.unknown == [(1, "称呼")]
    mapped = run_import(KIND_LEDGER, table, KindImporter(), mapping={"称呼": "name"}, dry_run=True)
    assert mapped.ok and mapped.created == 1


def test_problems_carry_the_row_number_the_user_sees_in_excel_below_a_title_line(db: Any) -> None:
    rows = [["丹东街道岗位台账"], ["代码", "名称", "等级", "颜色"], ["a", "甲", "三", "红"], ["b", "", "1", "紫"]]
    table = read_table(xlsx(rows), "x.xlsx", KIND_LEDGER)
    assert table.header_row == 2
    report = run_import(KIND_LEDGER, table, KindImporter(), dry_run=True)
    found = {(p.row, p.column, p.value): p.message for p in report.problems}
    assert found[(3, "等级", "三")] == "等级请填写数字，例如 3"
    assert found[(4, "名称", "")] == "“名称”必填，请填写"
    assert "请从下拉列表中选择：红、黄、蓝" in found[(4, "颜色", "紫")]
    assert (report.valid, report.invalid) == (0, 2)


def test_a_repeated_natural_key_is_reported_against_the_later_row(db: Any) -> None:
    table = read_table(xlsx([["代码", "名称"], ["a", "甲"], ["b", "乙"], ["a", "丙"]]), "x.xlsx", KIND_LEDGER)
    report = run_import(KIND_LEDGER, table, KindImporter(), dry_run=True)
    [problem] = report.problems
    assert (problem.row, problem.column, problem.value) == (4, "代码", "a")
    assert "与第 2 行重复" in problem.message


def test_one_refused_row_rolls_back_every_row_of_the_file(db: Any) -> None:
    table = read_table(xlsx([["代码", "名称"], ["a", "甲"], ["b", "拒绝"], ["c", "丙"]]), "x.xlsx", KIND_LEDGER)
    report = run_import(KIND_LEDGER, table, KindImporter(), dry_run=False)
    assert not report.applied
    assert [(p.row, p.column, p.message) for p in report.problems] == [(3, "名称", "名称不能为“拒绝”")]
    assert report.created == 2  # what the clean rows would do once the bad one is fixed
    assert not PositionKind.objects.filter(code__startswith="test-").exists()


def test_a_clean_file_is_imported_in_full_and_a_dry_run_writes_nothing(db: Any) -> None:
    table = read_table(xlsx([["代码", "名称"], ["a", "甲"], ["b", "乙"]]), "x.xlsx", KIND_LEDGER)
    dry = run_import(KIND_LEDGER, table, KindImporter(), dry_run=True)
    assert dry.ok and dry.created == 2 and not dry.applied
    assert not PositionKind.objects.filter(code__startswith="test-").exists()
    real = run_import(KIND_LEDGER, table, KindImporter(), dry_run=False)
    assert real.applied and real.created == 2
    assert set(PositionKind.objects.filter(code__startswith="test-").values_list("name", flat=True)) == {"测试甲", "测试乙"}


def test_read_only_columns_of_an_export_are_ignored_and_unknown_ones_listed(db: Any) -> None:
    table = read_table(xlsx([["序号", "代码", "名称", "说明"], [1, "a", "甲", "看看"]]), "x.xlsx", KIND_LEDGER)
    report = run_import(KIND_LEDGER, table, KindImporter(), dry_run=True)
    assert report.ok and report.ignored == ["说明"] and report.unknown == [(0, "序号")]


def test_a_long_number_excel_already_rounded_is_reported_not_imported(db: Any) -> None:
    table = read_table(xlsx([["代码", "名称"], [110105194912310021, "甲"]]), "x.xlsx", KIND_LEDGER)
    report = run_import(KIND_LEDGER, table, KindImporter(), dry_run=True)
    assert "后几位已经丢失" in report.problems[0].message
    csv_table = read_table(csv_bytes("代码,名称\n1.10105E+17,甲\n", "utf-8"), "x.csv", KIND_LEDGER)
    assert "后几位已经丢失" in run_import(KIND_LEDGER, csv_table, KindImporter()).problems[0].message


def test_a_formula_without_a_saved_result_is_reported_by_row_and_column(db: Any) -> None:
    """openpyxl (like many scripts) saves formulas without their results: read as values they are empty."""
    table = read_table(xlsx([["代码", "名称", "等级"], ["a1", "甲", "=1+2"], ["a2", "乙", 3]]), "x.xlsx", KIND_LEDGER)
    assert table.formulas == {(2, 2)}
    report = run_import(KIND_LEDGER, table, KindImporter(), dry_run=False)
    assert [(p.row, p.column) for p in report.problems] == [(2, "等级")]
    assert "公式" in report.problems[0].message
    assert not PositionKind.objects.filter(code__startswith="test-a").exists()


def test_files_over_the_size_or_row_limit_are_refused_with_what_to_do() -> None:
    big = io.BytesIO(b"a" * (64 * 1024 + 1))
    with pytest.raises(LedgerFileTooLarge, match=r"文件过大.*请拆分成几个文件分批导入"):
        read_table(big, "x.csv", KIND_LEDGER)
    many = "代码,名称\n" + "".join(f"k{i},名{i}\n" for i in range(21))
    with pytest.raises(LedgerFileTooLarge, match="数据超过 20 行"):
        read_table(csv_bytes(many, "utf-8"), "x.csv", KIND_LEDGER)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old.xls", "不支持旧版 .xls"),
        (b"PK\x03\x04broken", "x.xlsx", "不是有效的 .xlsx"),
        (b"", "x.csv", "文件是空的"),
        (b"%PDF-1.4", "x.pdf", "只支持 .xlsx 和 .csv"),
        ("代码,名称\n".encode(), "x.csv", "下面没有数据行"),
    ],
)
def test_unreadable_files_are_refused_with_what_to_do(content: bytes, name: str, message: str) -> None:
    with pytest.raises(LedgerFileError, match=message):
        read_table(io.BytesIO(content), name, KIND_LEDGER)


def test_ledger_refuses_a_natural_key_naming_an_unknown_column() -> None:
    with pytest.raises(ValueError, match="natural key"):
        Ledger(name="x", columns=(Column("a", "甲"),), natural_key=("b",))


# --- pending uploads ---------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_pending_upload_is_only_returned_to_its_own_user_for_its_own_ledger(
    media: Path, demo_user: Any
) -> None:
    owner, other = demo_user("township_admin"), demo_user("township_staff")
    upload = io.BytesIO(b"data")
    upload.name = "人员.xlsx"
    pending = uploads.stash(upload, user=owner, ledger="people")
    assert pending.path.parent == media / "imports"
    assert uploads.load(pending.token, user=owner, ledger="people").filename == "人员.xlsx"
    for token, user, ledger in [
        (pending.token, other, "people"),
        (pending.token, owner, "places"),
        ("../../etc/passwd", owner, "people"),
        ("", owner, "people"),
    ]:
        with pytest.raises(uploads.PendingUploadMissing):
            uploads.load(token, user=user, ledger=ledger)


def test_an_expired_upload_is_refused_and_purged(media: Path, demo_user: Any) -> None:
    owner = demo_user("township_admin")
    stale = uploads.stash(io.BytesIO(b"old"), user=owner, ledger="people")
    fresh = uploads.stash(io.BytesIO(b"new"), user=owner, ledger="people")
    past = time.time() - uploads.PENDING_TTL - 10
    os.utime(stale.path, (past, past))
    assert uploads.purge_expired() == 1
    assert not stale.path.exists() and fresh.path.exists()
    fresh.created = past
    fresh.save_mapping({})
    with pytest.raises(uploads.PendingUploadMissing):
        uploads.load(fresh.token, user=owner, ledger="people")
    assert not fresh.path.exists()
