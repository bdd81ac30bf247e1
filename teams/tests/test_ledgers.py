"""Excel ledgers of teams and members: round trip, broken rows, pages, query counts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from demo.constants import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from teams.models import Team, TeamMember

pytestmark = pytest.mark.django_db

TEAM_HEADERS = ["所属辖区代码", "队伍名称", "队伍类型", "驻地地址", "经度", "纬度", "队长手机号", "值班电话", "救援能力", "备注"]
MEMBER_HEADERS = ["队伍所属辖区代码", "队伍名称", "姓名", "手机号", "队内职务", "在岗值守", "入队日期"]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def xlsx(headers: list[str], rows: list[list[Any]], name: str = "队伍.xlsx") -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = name
    return out


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def post_import(client: Any, url: str, file: io.BytesIO, dry_run: bool) -> Any:
    return client.post(url, {"file": file, "dry_run": "true" if dry_run else "false"})


def test_teams_round_trip_changes_nothing(api_as: Any, admin_a: Any) -> None:
    client = api_as(admin_a)
    exported = client.get("/api/v1/teams/export.xlsx")
    assert exported.status_code == 200
    data = content(exported)
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "所属辖区代码" and len(rows) > 3
    assert all(str(r[0]).startswith(TOWNSHIP_A) for r in rows[1:])
    upload = io.BytesIO(data)
    upload.name = "teams.xlsx"
    report = post_import(client, "/api/v1/teams/import", upload, dry_run=False).json()
    assert report["errors"] == [], report
    assert report["created"] == 0 and report["updated"] == 0 and report["unchanged"] == len(rows) - 1


def test_members_round_trip_changes_nothing(api_as: Any, admin_a: Any) -> None:
    client = api_as(admin_a)
    data = content(client.get("/api/v1/team-members/export.xlsx"))
    upload = io.BytesIO(data)
    upload.name = "members.xlsx"
    report = post_import(client, "/api/v1/team-members/import", upload, dry_run=False).json()
    assert report["errors"] == [], report["errors"][:3]
    assert report["created"] == 0 and report["updated"] == 0 and report["unchanged"] > 0


def test_import_creates_and_updates_teams_with_converted_coordinates(api_as: Any, admin_a: Any) -> None:
    client = api_as(admin_a)
    rows = [
        [VILLAGE_A, "导入测试微型消防站", "微型消防站", "村委会", 121.88, 29.48, "", "0574-65009999", "灭火、破拆", ""],
        [TOWNSHIP_A, "导入测试突击队", "村(社区)应急突击队", "", "121.9", "29.5", "", "", "", "备注"],
    ]
    dry = post_import(client, "/api/v1/teams/import", xlsx(TEAM_HEADERS, rows), dry_run=True).json()
    assert dry["created"] == 2 and not Team.objects.filter(name__startswith="导入测试").exists()
    done = post_import(client, "/api/v1/teams/import", xlsx(TEAM_HEADERS, rows), dry_run=False).json()
    assert done["imported"] and done["created"] == 2
    station = Team.objects.get(name="导入测试微型消防站")
    assert sorted(c.name for c in station.capabilities.all()) == ["灭火", "破拆"]
    rows[0][3] = "新址"
    again = post_import(client, "/api/v1/teams/import", xlsx(TEAM_HEADERS, rows), dry_run=False).json()
    assert again["updated"] == 1 and again["unchanged"] == 1
    station.refresh_from_db()
    assert station.address == "新址"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ([TOWNSHIP_B, "外乡镇队", "微型消防站", "", 121.8, 29.4, "", "", "", ""], "所属辖区代码"),
        ([VILLAGE_A, "坏类型", "巡逻队", "", 121.8, 29.4, "", "", "", ""], "队伍类型"),
        ([VILLAGE_A, "坏经度", "微型消防站", "", "东经121", 29.4, "", "", "", ""], "经度"),
        ([VILLAGE_A, "超范围", "微型消防站", "", 300, 29.4, "", "", "", ""], "经度"),
        ([VILLAGE_A, "坏能力", "微型消防站", "", 121.8, 29.4, "", "", "飞行", ""], "救援能力"),
        ([VILLAGE_A, "坏队长", "微型消防站", "", 121.8, 29.4, "13000000000", "", "", ""], "队长手机号"),
    ],
)
def test_a_broken_row_is_reported_and_nothing_is_written(api_as: Any, admin_a: Any, row: list[Any], column: str) -> None:
    good = [VILLAGE_A, "好队伍", "微型消防站", "", 121.8, 29.4, "", "", "", ""]
    response = post_import(api_as(admin_a), "/api/v1/teams/import", xlsx(TEAM_HEADERS, [good, row]), dry_run=False)
    assert response.status_code == 400
    report = response.json()
    assert report["imported"] is False
    assert any(e["column"] == column and e["row"] == 3 for e in report["errors"]), report["errors"]
    assert not Team.objects.filter(name="好队伍").exists()


def test_duplicate_natural_key_in_one_file_is_an_error(api_as: Any, admin_a: Any) -> None:
    row = [VILLAGE_A, "重复队", "微型消防站", "", 121.8, 29.4, "", "", "", ""]
    report = post_import(api_as(admin_a), "/api/v1/teams/import", xlsx(TEAM_HEADERS, [row, row]), dry_run=True).json()
    assert report["invalid"] >= 1


def test_member_import_adds_new_person_and_existing_one(api_as: Any, admin_a: Any) -> None:
    from people.models import Person

    team = Team.objects.filter(jurisdiction__code=TOWNSHIP_A).first()
    existing = Person.objects.filter(jurisdiction__code=TOWNSHIP_A).exclude(team_memberships__team=team).first()
    rows = [
        [TOWNSHIP_A, team.name, "新队员", "13577778888", "队员", "是", "2024-03-01"],
        [TOWNSHIP_A, team.name, existing.name, existing.mobile, "驾驶员", "否", ""],
        [TOWNSHIP_A, "不存在的队", "某人", "13577778889", "队员", "是", ""],
    ]
    report = post_import(api_as(admin_a), "/api/v1/team-members/import", xlsx(MEMBER_HEADERS, rows), dry_run=True).json()
    assert [e["row"] for e in report["errors"]] == [4]
    report = post_import(api_as(admin_a), "/api/v1/team-members/import", xlsx(MEMBER_HEADERS, rows[:2]), dry_run=False).json()
    assert report["created"] == 2, report
    new = TeamMember.objects.get(team=team, person__mobile="13577778888")
    assert new.on_duty and new.joined_on.isoformat() == "2024-03-01" and new.person.jurisdiction_id == team.jurisdiction_id
    assert TeamMember.objects.get(team=team, person=existing).role == "driver"


def test_read_only_role_cannot_import(api_as: Any, demo_user: Any) -> None:
    response = post_import(api_as(demo_user("leader")), "/api/v1/teams/import", xlsx(TEAM_HEADERS, []), dry_run=True)
    assert response.status_code == 403


def test_export_masks_leader_mobile_for_roles_without_see_mobile(api_as: Any, demo_user: Any) -> None:
    data = content(api_as(demo_user("grid_worker")).get("/api/v1/teams/export.xlsx"))
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    mobiles = [r[header.index("队长手机号")] for r in rows[1:] if r[header.index("队长手机号")]]
    assert all("*" in m for m in mobiles)


def test_export_query_count(api_as: Any, admin_a: Any, django_assert_max_num_queries: Any) -> None:
    client = api_as(admin_a)
    with django_assert_max_num_queries(12):
        content(client.get("/api/v1/teams/export.xlsx"))
    with django_assert_max_num_queries(12):
        content(client.get("/api/v1/team-members/export.xlsx"))


def test_import_page_preview_and_confirm(admin_a: Any) -> None:
    client = Client()
    client.force_login(admin_a)
    rows = [[VILLAGE_A, "页面导入测试站", "微型消防站", "", 121.88, 29.48, "", "", "灭火", ""]]
    response = client.post(reverse("teams:import", args=["teams"]), {"file": xlsx(TEAM_HEADERS, rows)})
    html = response.content.decode()
    assert response.status_code == 200 and "全部导入" in html
    token = html.split('name="token" value="')[1].split('"')[0]
    assert not Team.objects.filter(name="页面导入测试站").exists()
    response = client.post(reverse("teams:import_confirm", args=["teams"]), {"token": token})
    assert "导入完成" in response.content.decode()
    assert Team.objects.filter(name="页面导入测试站").exists()
