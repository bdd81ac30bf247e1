"""Excel export and import of a checklist's items: drafts only, broken rows reported, nothing written."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from checklists import actions
from checklists.ledgers import ITEMS_LEDGER, ChecklistItemsImporter
from checklists.models import Checklist
from yingji.ledgers import read_table, run_import

pytestmark = pytest.mark.django_db
HEADERS = [
    "序号",
    "检查事项",
    "检查内容",
    "管理部门",
    "检查层级",
    "检查频次",
    "频次（天）",
    "依据条款",
    "隐患灾种",
    "隐患类别",
    "可能构成重大隐患",
    "须拍照",
]


def _xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("items.xlsx", buffer.getvalue())


def _import(user: Any, checklist: Checklist, upload: SimpleUploadedFile, dry_run: bool = False) -> Any:
    table = read_table(upload, upload.name, ITEMS_LEDGER)
    return run_import(ITEMS_LEDGER, table, ChecklistItemsImporter(user, checklist), dry_run=dry_run)


GOOD = [
    [
        1,
        "安全出口",
        "安全出口畅通",
        "消防救援",
        "乡镇（街道）",
        "每月一次",
        30,
        "GB35181-2017:7.3.3 既有安全出口被封堵",
        "消防",
        "物的不安全状态",
        "否",
        "是",
    ],
    [
        2,
        "粉尘清理",
        "无积尘",
        "应急管理",
        "县级",
        "",
        "",
        "应急管理部令第10号:第十一条(十) 积尘严重",
        "粉尘涉爆",
        "管理缺陷",
        "是",
        "否",
    ],
]


def test_import_replaces_the_drafts_items(county_admin: Any, small_place_list: Checklist) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    report = _import(county_admin, draft, _xlsx(GOOD))
    assert report.ok and report.applied, report.problems
    items = list(draft.items.order_by("order"))
    assert [i.matter for i in items] == ["安全出口", "粉尘清理"]
    assert items[0].rule_refs == [{"code": "GB35181-2017:7.3.3", "label": "既有安全出口被封堵"}]
    assert items[1].hazard_type == "dust_explosion" and items[1].major_if_failed and items[1].frequency_days is None
    assert items[0].department == "fire" and items[0].requires_photo


def test_broken_rows_are_reported_and_nothing_is_written(county_admin: Any, small_place_list: Checklist) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    before = list(draft.items.values_list("pk", "order", "matter", "content"))
    bad = [
        GOOD[0],
        [2, "", "缺事项", "消防救援", "", "", "", "", "", "", "", ""],
        [3, "部门错", "内容", "天文台", "", "", "", "", "", "", "", ""],
        [4, "依据错", "内容", "", "", "", "", "没有代码的依据", "", "", "", ""],
        [5, "天数错", "内容", "", "", "", "一百", "", "", "", "maybe", ""],
        [1, "重复序号", "内容", "", "", "", "", "", "", "", "", ""],
    ]
    report = _import(county_admin, draft, _xlsx(bad))
    assert not report.ok and not report.applied
    rows = {p.row for p in report.problems}
    assert rows == {3, 4, 5, 6, 7}
    messages = " ".join(p.message for p in report.problems)
    assert "必填" in messages and "管理部门应为" in messages and "条款代码" in messages and "重复" in messages
    assert list(draft.items.values_list("pk", "order", "matter", "content")) == before


def test_dry_run_writes_nothing(county_admin: Any, small_place_list: Checklist) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    count = draft.items.count()
    report = _import(county_admin, draft, _xlsx(GOOD), dry_run=True)
    assert report.ok and not report.applied
    assert draft.items.count() == count


def test_import_refuses_active_versions_and_other_townships(
    township_admin: Any, county_admin: Any, small_place_list: Checklist, local_lists: dict[str, Checklist]
) -> None:
    with pytest.raises(PermissionDenied):
        ChecklistItemsImporter(county_admin, small_place_list)  # active: drafts only
    draft_b = actions.new_version(local_lists["b"], county_admin)
    with pytest.raises(PermissionDenied):
        ChecklistItemsImporter(township_admin, draft_b)


def test_export_then_import_round_trip_changes_nothing(
    county_admin: Any, api_as: Any, small_place_list: Checklist
) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    response = api_as(county_admin).get(f"/api/v1/checklists/{draft.pk}/export.xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:3] == ["序号", "检查事项", "检查内容"]
    before = list(
        draft.items.values_list("pk", "order", "matter", "content", "rule_refs", "department", "frequency_days")
    )
    report = _import(county_admin, draft, SimpleUploadedFile("export.xlsx", content))
    assert report.ok, report.problems
    assert report.counts.get("unchanged") == len(before) and not report.counts.get("created")
    assert (
        list(draft.items.values_list("pk", "order", "matter", "content", "rule_refs", "department", "frequency_days"))
        == before
    )
