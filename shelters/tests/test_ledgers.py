"""The shelter ledger: export → import changes nothing; broken rows are reported and nothing is written."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from demo.constants import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from shelters.ledgers import SHELTER_LEDGER
from shelters.models import Shelter

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[Any]], headers: list[str]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("shelters.xlsx", buffer.getvalue())


def test_round_trip_changes_nothing(api_as: Any, demo_user: Any, shelter: Shelter) -> None:
    client = api_as(demo_user("township_admin"))
    exported = b"".join(client.get("/api/v1/shelters/export.xlsx").streaming_content)
    response = client.post("/api/v1/shelters/import", {"file": SimpleUploadedFile("back.xlsx", exported), "dry_run": "false"})
    body = response.json()
    assert response.status_code == 200, body
    assert body["created"] == 0 and body["updated"] == 0 and body["unchanged"] >= 1


def test_import_creates_and_updates_by_jurisdiction_and_name(api_as: Any, demo_user: Any, shelter: Shelter) -> None:
    headers = ["所属辖区代码", "场所名称", "场所类型", "夜间容量", "经度", "纬度", "坐标系", "配套设施"]
    rows = [[VILLAGE_A, shelter.name, "文化礼堂", 180, 121.88, 29.48, "WGS-84", "供水、卫生间"], [VILLAGE_A, "新礼堂", "学校", 200, "", "", "", ""]]
    response = api_as(demo_user("township_admin")).post("/api/v1/shelters/import", {"file": xlsx(rows, headers), "dry_run": "false"})
    assert response.json()["created"] == 1 and response.json()["updated"] == 1, response.json()
    updated = Shelter.unscoped.get(pk=shelter.pk)
    assert updated.capacity_night == 180 and updated.facilities == ["water", "toilets"]


def test_broken_rows_are_reported_and_nothing_is_written(api_as: Any, demo_user: Any) -> None:
    headers = [SHELTER_LEDGER.column(k).header for k in ("jurisdiction_code", "name", "kind", "capacity_night", "lng", "lat", "facilities")]
    rows = [
        [VILLAGE_A, "好行", "文化礼堂", 100, "", "", ""],
        [VILLAGE_A, "坏类型", "城堡", 100, "", "", ""],
        [TOWNSHIP_B, "别人家的", "学校", 100, "", "", ""],
        [VILLAGE_A, "负容量", "学校", -5, "", "", ""],
        [VILLAGE_A, "坐标反了", "学校", 100, 29.4, 121.8, ""],
        [VILLAGE_A, "怪设施", "学校", 100, "", "", "直升机坪"],
    ]
    before = Shelter.unscoped.count()
    response = api_as(demo_user("township_admin")).post("/api/v1/shelters/import", {"file": xlsx(rows, headers), "dry_run": "false"})
    body = response.json()
    assert response.status_code == 400
    assert {e["row"] for e in body["errors"]} == {3, 4, 5, 6, 7}
    assert Shelter.unscoped.count() == before


def test_export_is_scoped_and_lists_the_visible_shelters(api_as: Any, demo_user: Any) -> None:
    response = api_as(demo_user("township_staff")).get("/api/v1/shelters/export.xlsx")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    codes = [str(r[0]) for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(codes) == Shelter.unscoped.filter(jurisdiction_path__startswith=f"/330225/{TOWNSHIP_A}/", archived_at__isnull=True).count()
