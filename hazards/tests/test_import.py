"""Importing an existing Excel hazard ledger (隐患台账) through the shared ledger toolkit."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from hazards.models import Hazard
from hazards.tests.core_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

HEADERS = [
    "场所",
    "所属辖区代码",
    "具体位置",
    "隐患类别",
    "灾种/专业",
    "隐患等级",
    "来源",
    "隐患描述",
    "发现日期",
    "管控措施",
    "整改期限",
    "整改责任人手机号",
]
URL = "/api/v1/hazards/import"


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "隐患台账.xlsx"
    return out


def post(client: Any, rows: list[list[Any]], *, dry_run: bool, headers: list[str] = HEADERS) -> Any:
    return client.post(URL, {"file": xlsx(rows, headers), "dry_run": "true" if dry_run else "false"})


def key_of(place: Any) -> str:
    return str(place.credit_code or place.name)


def rows_for(place: Any) -> list[list[Any]]:
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    return [
        [
            key_of(place),
            "",
            "",
            "物的不安全状态",
            "消防",
            "一般",
            "网格巡查",
            "导入：灭火器过期",
            date(2026, 3, 5),
            "",
            "",
            "",
        ],
        [
            key_of(place),
            "",
            "",
            "management_defect",
            "electrical",
            "major",
            "inspection",
            "导入：私拉乱接电线",
            "2026年3月6日",
            "临时断电",
            deadline,
            "",
        ],
        [
            key_of(place),
            "",
            "",
            "人的不安全行为",
            "燃气",
            "一般",
            "单位自查",
            "导入：厨房无人值守",
            "2026/3/7",
            "",
            deadline,
            "",
        ],
    ]


def imported() -> Any:
    return Hazard.unscoped.filter(description__startswith="导入：")


def test_good_file_imports_with_numbers_and_states(api_as: Any, users: dict[str, Any], place: Any) -> None:
    response = post(api_as(users["township_staff"]), rows_for(place), dry_run=False)
    body = response.json()
    assert response.status_code == 200, body
    assert body["created"] == 3 and body["imported"] is True
    hazards = {h.description: h for h in imported()}
    assert len(hazards) == 3
    assert len({h.number for h in hazards.values()}) == 3 and all(h.number for h in hazards.values())
    assert hazards["导入：灭火器过期"].state == "reported"
    assert hazards["导入：灭火器过期"].category == "unsafe_condition"
    assert timezone.localdate(hazards["导入：灭火器过期"].found_at) == date(2026, 3, 5)
    wired = hazards["导入：私拉乱接电线"]
    assert wired.state == "assigned" and wired.severity == "major" and wired.deadline is not None
    assert wired.interim_measures == "临时断电" and wired.reported_by == users["township_staff"]
    assert hazards["导入：厨房无人值守"].state == "assigned"
    # Importing the same file again skips the duplicates and writes nothing new.
    again = post(api_as(users["township_staff"]), rows_for(place), dry_run=False).json()
    assert again["created"] == 0 and again["unchanged"] == 3
    assert imported().count() == 3


def test_reporter_without_manage_keeps_reported_state(api_as: Any, users: dict[str, Any], place: Any) -> None:
    body = post(api_as(users["grid_worker"]), rows_for(place), dry_run=False).json()
    assert body["created"] == 3
    assert set(imported().values_list("state", flat=True)) == {"reported"}


def test_one_bad_row_writes_nothing_and_reports_row_and_column(api_as: Any, users: dict[str, Any], place: Any) -> None:
    rows = rows_for(place)
    rows[1][3] = "设备故障"  # not a category
    response = post(api_as(users["township_staff"]), rows, dry_run=False)
    body = response.json()
    assert response.status_code == 400 and body["imported"] is False
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "隐患类别")]
    assert "物的不安全状态" in body["errors"][0]["message"]
    assert not imported().exists()


@pytest.mark.parametrize(
    ("column", "value", "header"),
    [(7, "", "隐患描述"), (8, "2026年13月40日", "发现日期"), (8, "上周", "发现日期"), (0, "不存在的单位", "场所")],
)
def test_each_kind_of_bad_cell_is_reported(
    api_as: Any, users: dict[str, Any], place: Any, column: int, value: str, header: str
) -> None:
    rows = rows_for(place)
    rows[0][column] = value
    body = post(api_as(users["township_staff"]), rows, dry_run=False).json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, header)]
    assert body["errors"][0]["message"]
    assert not imported().exists()


def test_past_deadline_is_a_row_error(api_as: Any, users: dict[str, Any], place: Any) -> None:
    rows = rows_for(place)
    rows[2][10] = (timezone.localdate() - timedelta(days=3)).isoformat()
    body = post(api_as(users["township_staff"]), rows, dry_run=False).json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "整改期限")]
    assert not imported().exists()


def test_outsider_township_place_is_unknown(api_as: Any, users: dict[str, Any], place: Any, other_place: Any) -> None:
    rows = rows_for(place)
    rows[0][0] = key_of(other_place)
    body = post(api_as(users["township_staff"]), rows, dry_run=False).json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "场所")]
    assert "找不到场所" in body["errors"][0]["message"]
    assert not Hazard.unscoped.filter(place=other_place, description__startswith="导入：").exists()


def test_row_without_place_uses_jurisdiction_and_position(api_as: Any, users: dict[str, Any], place: Any) -> None:
    row = [
        "",
        place.jurisdiction.code,
        "滨江路 12 号路口",
        "物的不安全状态",
        "防汛防台",
        "一般",
        "网格巡查",
        "导入：下水道井盖缺失",
        "2026-03-05",
        "",
        "",
        "",
    ]
    body = post(api_as(users["township_staff"]), [row], dry_run=False).json()
    assert body["created"] == 1, body
    h = imported().get()
    assert h.place_id is None and h.jurisdiction_id == place.jurisdiction_id and h.address == "滨江路 12 号路口"
    row[1] = ""
    body = post(api_as(users["township_staff"]), [row], dry_run=True).json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "场所")]


def test_duplicate_rows_in_one_file_are_refused(api_as: Any, users: dict[str, Any], place: Any) -> None:
    rows = rows_for(place)
    rows.append(list(rows[0]))
    body = post(api_as(users["township_staff"]), rows, dry_run=False).json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(5, "隐患描述")]
    assert "第 2 行" in body["errors"][0]["message"] and body["imported"] is False
    assert not imported().exists()


def test_dry_run_writes_nothing(api_as: Any, users: dict[str, Any], place: Any) -> None:
    response = post(api_as(users["township_staff"]), rows_for(place), dry_run=True)
    body = response.json()
    assert response.status_code == 200 and body["dry_run"] is True
    assert body["created"] == 3 and body["imported"] is False
    assert not imported().exists()


@pytest.mark.parametrize("role", ["leader", "auditor"])
def test_read_only_roles_are_refused(api_as: Any, users: dict[str, Any], place: Any, role: str) -> None:
    response = post(api_as(users[role]), rows_for(place), dry_run=True)
    assert response.status_code == 403
    client = Client()
    client.force_login(users[role])
    assert client.get(reverse("hazards:import")).status_code == 403
    assert reverse("hazards:import") not in client.get(reverse("hazards:list")).content.decode()
    assert not imported().exists()


def test_pages_template_and_preview(users: dict[str, Any], place: Any) -> None:
    client = Client()
    client.force_login(users["township_staff"])
    listing = client.get(reverse("hazards:list")).content.decode()
    assert reverse("hazards:import") in listing
    template = client.get(reverse("hazards:import_template"))
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    headers = [cell.value for cell in next(book.worksheets[0].iter_rows(max_row=1))]
    assert headers[:3] == ["场所", "所属辖区代码", "具体位置"] and "整改责任人手机号" in headers
    page = client.get(reverse("hazards:import"))
    assert page.status_code == 200
    preview = client.post(reverse("hazards:import"), {"file": xlsx(rows_for(place))})
    assert preview.status_code == 200
    assert "新增 3 条隐患" in preview.content.decode()
    assert not imported().exists()


def test_assignee_by_mobile(api_as: Any, users: dict[str, Any], place: Any) -> None:
    rows = rows_for(place)[1:2]
    rows[0][11] = "13800000000"
    body = post(api_as(users["township_staff"]), rows, dry_run=False).json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "整改责任人手机号")]
    assert not imported().exists()
    enterprise = users["enterprise_user"]
    rows[0][11] = enterprise.person.mobile
    body = post(api_as(users["township_staff"]), rows, dry_run=False).json()
    assert body["created"] == 1, body
    assert imported().get().assignee_user == enterprise


def test_exported_ledger_imports_back_unchanged(api_as: Any, users: dict[str, Any], make_hazard: Any) -> None:
    make_hazard(description="导入：已有的隐患")
    client = Client()
    client.force_login(users["township_staff"])
    exported = client.get(reverse("hazards:export"))
    assert exported.status_code == 200
    upload = io.BytesIO(b"".join(exported.streaming_content))
    upload.name = "隐患台账.xlsx"
    response = api_as(users["township_staff"]).post(URL, {"file": upload, "dry_run": "false"})
    body = response.json()
    assert response.status_code == 200, body["errors"][:3]
    assert body["created"] == 0 and body["unchanged"] >= 1
    assert imported().count() == 1
