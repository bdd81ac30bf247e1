"""The people ledger: Excel export of the directory, and import of people and positions."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import User
from audit.models import ObjectChange
from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from people.models import Person, Position
from people.protection import mask_mobile

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "性别", "手机号", "身份证号", "所属辖区代码", "工作单位", "职务", "备注", "岗位类型", "任职辖区代码"]
VALID_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def xlsx_file(rows: list[list[Any]], headers: list[str] = HEADERS, name: str = "人员.xlsx") -> io.BytesIO:
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


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def sheet_rows(response: Any) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(body(response))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def preview(client: Client, upload: io.BytesIO) -> Any:
    response = client.post(reverse("people:import"), {"file": upload})
    assert response.status_code == 200
    return response


def counts() -> tuple[int, int, int]:
    return Person.unscoped.count(), Position.unscoped.count(), ObjectChange.unscoped.count()


# --- export ------------------------------------------------------------------------------


def test_export_lists_the_users_township_with_full_mobiles_and_masked_id_numbers(client: Client) -> None:
    login(client, "township_admin")
    response = client.get(reverse("people:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = sheet_rows(response)
    expected = Person.unscoped.filter(jurisdiction_path__startswith=f"/330225/{TOWNSHIP_A}/", archived_at__isnull=True)
    assert len(rows) == expected.count()
    assert all(str(row["所属辖区代码"]).startswith(TOWNSHIP_A) for row in rows)
    with_id = expected.exclude(id_number_masked="").first()
    row = next(r for r in rows if r["手机号"] == with_id.mobile)
    assert row["身份证号"] == with_id.id_number_masked and "*" in row["身份证号"]
    assert list(rows[0]) == ["姓名", "性别", "手机号", "身份证号", "所属辖区代码", "所属辖区", "工作单位", "职务", "当前岗位", "备注"]


def test_grid_worker_export_shows_masked_mobiles_only(client: Client) -> None:
    login(client, "grid_worker")
    rows = sheet_rows(client.get(reverse("people:export")))
    assert rows
    for row in rows:
        assert "****" in row["手机号"]
    mobiles = set(Person.unscoped.filter(jurisdiction_path__contains=GRID_A).values_list("mobile", flat=True))
    assert {r["手机号"] for r in rows} <= {mask_mobile(m) for m in mobiles}


def test_export_keeps_the_directory_filters(client: Client) -> None:
    login(client, "county_admin")
    rows = sheet_rows(client.get(reverse("people:export"), {"kind": "grid_member", "jurisdiction": VILLAGE_A}))
    assert rows
    for row in rows:
        assert str(row["所属辖区代码"]).startswith(VILLAGE_A)
        assert "网格员" in row["当前岗位"]


def test_export_costs_a_bounded_number_of_queries(client: Client, django_assert_max_num_queries: Any) -> None:
    login(client, "county_admin")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("people:export"))
        rows = sheet_rows(response)
    assert len(rows) == Person.unscoped.filter(archived_at__isnull=True).count()


def test_directory_offers_export_with_the_current_filters_and_import_to_editors(client: Client) -> None:
    login(client, "township_staff")
    name = Person.unscoped.filter(jurisdiction_path__contains=TOWNSHIP_A).first().name
    html = client.get(reverse("people:list"), {"q": name, "has_position": "on"}).content.decode()
    assert f'{reverse("people:export")}?q={quote(name)}&amp;has_position=on' in html
    assert reverse("people:import") in html
    login(client, "leader")
    assert reverse("people:import") not in client.get(reverse("people:list")).content.decode()


# --- import ------------------------------------------------------------------------------


def test_importing_an_unchanged_export_changes_nothing(client: Client) -> None:
    login(client, "township_admin")
    exported = io.BytesIO(body(client.get(reverse("people:export"))))
    exported.name = "人员台账.xlsx"
    before = counts()
    report = preview(client, exported).context["report"]
    assert report.ok, report.problems
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == report.total > 0
    assert report.ignored == ["所属辖区", "当前岗位"]
    assert counts() == before


def test_a_file_with_one_broken_row_of_each_kind_lists_each_and_writes_nothing(client: Client, api_as: Any) -> None:
    admin = login(client, "township_admin")
    village_b = Jurisdiction.unscoped.filter(parent__code=TOWNSHIP_B).order_by("code").first()
    rows = [
        ["新人甲", "男", "13911110001", "", VILLAGE_A, "", "", "", "", ""],  # fine
        ["新人乙", "女", "1391111", "", VILLAGE_A, "", "", "", "", ""],  # row 3: bad mobile
        ["新人丙", "", "13911110003", "", "330225001999", "", "", "", "", ""],  # row 4: unknown code
        ["新人丁", "", "13911110004", "", village_b.code, "", "", "", "", ""],  # row 5: another township
        ["新人戊", "", "13911110005", "110105194912310021", VILLAGE_A, "", "", "", "", ""],  # row 6: check digit
        ["", "", "13911110006", "", VILLAGE_A, "", "", "", "", ""],  # row 7: no name
        ["新人甲", "男", "13911110001", "", VILLAGE_A, "", "", "", "", ""],  # row 8: repeats row 2
    ]
    before = counts()
    report = preview(client, xlsx_file(rows)).context["report"]
    found = {(p.row, p.column): p for p in report.problems}
    assert set(found) == {(3, "手机号"), (4, "所属辖区代码"), (5, "所属辖区代码"), (6, "身份证号"), (7, "姓名"), (8, "手机号")}
    assert "11 位" in found[(3, "手机号")].message
    assert "不存在、已撤销或不在您的辖区范围内" in found[(4, "所属辖区代码")].message
    assert found[(5, "所属辖区代码")].value == village_b.code
    assert "校验位" in found[(6, "身份证号")].message and found[(6, "身份证号")].value == "110***********0021"
    assert "必填" in found[(7, "姓名")].message
    assert "与第 2 行重复" in found[(8, "手机号")].message
    assert (report.valid, report.invalid) == (1, 6)
    assert counts() == before

    response = api_as(admin).post("/api/v1/people/import", {"file": xlsx_file(rows), "dry_run": "false"})
    assert response.status_code == 400
    payload = response.json()
    assert payload["invalid"] == 6 and payload["imported"] is False and "没有导入任何数据" in payload["detail"]
    assert {(e["row"], e["column"]) for e in payload["errors"]} == set(found)
    assert counts() == before


def test_confirmed_import_creates_updates_and_is_audited_with_the_importing_user(client: Client) -> None:
    staff = login(client, "township_staff")
    existing = Person.unscoped.filter(jurisdiction__code=VILLAGE_A, archived_at__isnull=True).order_by("id").first()
    rows = [
        [existing.name, "", existing.mobile, "", VILLAGE_A, existing.organization, "新职务", existing.note, "", ""],
        ["导入新人", "女", "13911112222", VALID_ID, VILLAGE_A, "翠屏社区", "", "", "", ""],
    ]
    page = preview(client, xlsx_file(rows))
    report, token = page.context["report"], page.context["pending"].token
    assert report.ok and (report.created, report.updated) == (1, 1)
    assert not Person.unscoped.filter(name="导入新人").exists()
    assert [outcome.label for _n, outcome in report.samples] == ["更新", "新增"]

    result = client.post(reverse("people:import_confirm"), {"token": token}, headers={"HX-Request": "true"})
    assert result.status_code == 200
    assert "导入完成：新增 1 人，更新 1 人" in result.content.decode()
    created = Person.unscoped.get(name="导入新人")
    assert created.jurisdiction.code == VILLAGE_A and created.gender == "F" and created.id_number_masked.endswith("002X")
    existing.refresh_from_db()
    assert existing.title == "新职务"
    changes = ObjectChange.unscoped.filter(object_id__in=[str(created.pk), str(existing.pk)], content_type__model="person")
    assert {(c.action, c.user_id) for c in changes} >= {("create", staff.pk), ("update", staff.pk)}
    again = client.post(reverse("people:import_confirm"), {"token": token})
    assert "已过期" in again.content.decode()  # the file is deleted once imported


def test_gbk_csv_from_chinese_excel_is_imported(client: Client) -> None:
    login(client, "township_staff")
    text = f"姓名,手机号,所属辖区代码,工作单位\r\n钱多多,13911113333,{TOWNSHIP_A},丹东街道应急消防管理站\r\n"
    upload = io.BytesIO(text.encode("gbk"))
    upload.name = "人员.csv"
    page = preview(client, upload)
    assert page.context["report"].ok and page.context["report"].created == 1
    client.post(reverse("people:import_confirm"), {"token": page.context["pending"].token})
    assert Person.unscoped.get(mobile="13911113333").organization == "丹东街道应急消防管理站"


def test_header_aliases_are_recognised_and_other_headers_can_be_mapped_by_hand(client: Client, api_as: Any) -> None:
    staff = login(client, "township_staff")
    upload = xlsx_file([["孙小满", "13911114444", VILLAGE_A, "甲"]], headers=["名字", "手机号码", "辖区代码", "联络人备注"])
    page = preview(client, upload)
    report = page.context["report"]
    assert report.ok and report.created == 1 and report.unknown == [(3, "联络人备注")]
    assert [item["header"] for item in page.context["mappable"]] == ["联络人备注"]
    remapped = client.post(reverse("people:import"), {"token": page.context["pending"].token, "remap": "1", "map-3": "note"})
    assert remapped.context["report"].unknown == []
    assert remapped.context["pending"].mapping == {"联络人备注": "note"}

    upload = xlsx_file([["周一", "13911115555", VILLAGE_A]], headers=["名字", "电话号", "辖区代码"])
    response = api_as(staff).post("/api/v1/people/import", {"file": upload, "mapping": '{"电话号": "手机号"}'})
    assert response.status_code == 200 and response.json()["created"] == 1, response.json()


def test_a_row_matching_jurisdiction_and_mobile_updates_that_person_not_another(api_as: Any, demo_user: Any) -> None:
    person = Person.unscoped.filter(jurisdiction__code=VILLAGE_A, archived_at__isnull=True).order_by("id").first()
    other_village = Jurisdiction.unscoped.filter(parent__code=TOWNSHIP_A).exclude(code=VILLAGE_A).first()
    upload = xlsx_file(
        [[person.name, person.mobile, VILLAGE_A, "新单位"], ["同号不同村", person.mobile, other_village.code, ""]],
        headers=["姓名", "手机号", "所属辖区代码", "工作单位"],
    )
    response = api_as(demo_user("township_admin")).post("/api/v1/people/import", {"file": upload, "dry_run": "false"})
    payload = response.json()
    assert response.status_code == 200 and (payload["created"], payload["updated"]) == (1, 1), payload
    person.refresh_from_db()
    assert person.organization == "新单位" and person.name != "同号不同村"
    assert Person.unscoped.get(name="同号不同村").jurisdiction == other_village


def test_position_columns_appoint_once_and_a_repeated_import_appoints_nothing(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("township_admin"))
    row = [["网格新兵", "13911116666", VILLAGE_A, "网格员", GRID_A]]
    headers = ["姓名", "手机号", "所属辖区代码", "岗位类型", "任职辖区代码"]
    first = client.post("/api/v1/people/import", {"file": xlsx_file(row, headers), "dry_run": "false"}).json()
    assert first["created"] == 1 and first["imported"], first
    person = Person.unscoped.get(mobile="13911116666")
    assert [(p.kind.code, p.jurisdiction.code) for p in person.positions.all()] == [("grid_member", GRID_A)]
    second = client.post("/api/v1/people/import", {"file": xlsx_file(row, headers), "dry_run": "false"}).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 1)
    assert person.positions.count() == 1

    wrong_level = [["错层级", "13911117777", VILLAGE_A, "网格员", VILLAGE_A]]
    payload = client.post("/api/v1/people/import", {"file": xlsx_file(wrong_level, headers)}).json()
    [error] = payload["errors"]
    assert error["column"] == "任职辖区代码" and "只能设在网格" in error["message"]


def test_a_village_cadre_may_import_people_but_not_grant_positions(client: Client) -> None:
    login(client, "village_cadre")
    rows = [["能登记", "13911118888", VILLAGE_A], ["想任命", "13911119999", VILLAGE_A, "网格员", GRID_A]]
    report = preview(client, xlsx_file(rows, ["姓名", "手机号", "所属辖区代码", "岗位类型", "任职辖区代码"])).context["report"]
    [problem] = report.problems
    assert (problem.row, problem.column) == (3, "岗位类型") and "无权任免岗位" in problem.message
    assert report.created == 1


def test_masked_id_number_from_an_export_leaves_it_alone_but_another_masked_one_is_an_error(client: Client) -> None:
    login(client, "township_admin")
    person = Person.unscoped.filter(jurisdiction_path__contains=TOWNSHIP_A).exclude(id_number_masked="").first()
    headers = ["姓名", "手机号", "身份证号", "所属辖区代码"]
    same = [[person.name, person.mobile, person.id_number_masked, person.jurisdiction.code]]
    assert preview(client, xlsx_file(same, headers)).context["report"].unchanged == 1
    other = [[person.name, person.mobile, "999***********9999", person.jurisdiction.code]]
    [problem] = preview(client, xlsx_file(other, headers)).context["report"].problems
    assert problem.column == "身份证号" and "脱敏" in problem.message


def test_read_only_roles_get_403_for_the_import_page_and_api(client: Client, api_as: Any, demo_user: Any) -> None:
    for username in ("leader", "grid_worker", "auditor"):
        login(client, username)
        assert client.get(reverse("people:import")).status_code == 403
        assert client.post(reverse("people:import_confirm"), {"token": "0" * 32}).status_code == 403
        upload = xlsx_file([["某人", "13911110000", VILLAGE_A]], ["姓名", "手机号", "所属辖区代码"])
        response = api_as(demo_user(username)).post("/api/v1/people/import", {"file": upload})
        assert response.status_code == 403 and "编辑台账" in response.json()["detail"]


def test_another_users_upload_token_is_not_honoured(client: Client) -> None:
    login(client, "township_admin")
    token = preview(client, xlsx_file([["某人", "13911110000", VILLAGE_A]], ["姓名", "手机号", "所属辖区代码"])).context[
        "pending"
    ].token
    login(client, "township_staff")
    response = client.post(reverse("people:import_confirm"), {"token": token})
    assert "已过期" in response.content.decode()
    assert not Person.unscoped.filter(mobile="13911110000").exists()


def test_an_oversize_file_is_refused_with_a_clear_message(client: Client, api_as: Any, settings: Any) -> None:
    settings.LEDGER_IMPORT_MAX_ROWS = 2
    staff = login(client, "township_staff")
    rows = [[f"人{i}", f"1391112000{i}", VILLAGE_A] for i in range(3)]
    page = client.post(reverse("people:import"), {"file": xlsx_file(rows, ["姓名", "手机号", "所属辖区代码"])})
    assert "数据超过 2 行" in page.content.decode() and "分批导入" in page.content.decode()
    response = api_as(staff).post("/api/v1/people/import", {"file": xlsx_file(rows, ["姓名", "手机号", "所属辖区代码"])})
    assert response.status_code == 413 and "数据超过 2 行" in response.json()["detail"]
    assert not list(Path(settings.MEDIA_ROOT, "imports").glob("*.upload"))


def test_template_has_the_import_columns_and_a_position_kind_list(client: Client) -> None:
    login(client, "township_staff")
    book = load_workbook(io.BytesIO(body(client.get(reverse("people:import_template")))))
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    assert "网格员" in [row[1] for row in book["选项"].iter_rows(values_only=True)]


# --- API routes -----------------------------------------------------------------------------


def test_api_export_is_routed_before_the_person_id_and_takes_the_list_filters(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("county_admin"))
    response = client.get("/api/v1/people/export.xlsx", {"jurisdiction": VILLAGE_A})
    assert response.status_code == 200, response.content[:300]
    rows = sheet_rows(response)
    listed = client.get("/api/v1/people", {"jurisdiction": VILLAGE_A, "page_size": 500}).json()
    assert sorted(r["手机号"] for r in rows) == sorted(p["mobile"] for p in listed["items"])


def test_api_import_is_a_dry_run_unless_told_otherwise(api_as: Any, demo_user: Any) -> None:
    upload = xlsx_file([["试运行", "13911121212", VILLAGE_A]], ["姓名", "手机号", "所属辖区代码"])
    payload = api_as(demo_user("township_staff")).post("/api/v1/people/import", {"file": upload}).json()
    assert payload["dry_run"] is True and payload["imported"] is False and payload["created"] == 1
    assert {"valid", "invalid", "errors", "created", "updated"} <= set(payload)
    assert not Person.unscoped.filter(mobile="13911121212").exists()
