"""Issue 3's "Fixed interfaces" and "Bad input", exercised literally through the API as a township staff member.

Each test names the bullet it checks. Tests that already exist in the places app and cover a
bullet the same way are referenced rather than repeated:
- messy import with full-width digits, trailing spaces and a merged title row:
  `places/tests/test_ledgers.py::test_messy_file_full_width_digits_spaces_units_and_title_rows`
- a file of broken rows reported by row and column with nothing written:
  `places/tests/test_ledgers.py::test_broken_rows_are_reported_by_row_and_column_and_nothing_is_written`
- large files as a background job: `places/tests/test_ledgers.py::test_large_file_goes_to_a_background_job_with_progress`
- size and row limits of the reader: `yingji/tests/test_ledgers.py::test_files_over_the_size_or_row_limit_are_refused_with_what_to_do`
- outsiders on every endpoint: `places/tests/test_scoping.py`, `staffing/tests/test_staffing.py::test_outsiders_see_nothing_of_township_a`
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from audit.models import ObjectChange
from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from places.coords import gcj02_to_bd09, wgs84_to_gcj02
from places.models import Place
from places.tests.conftest import inside
from places.tests.test_validators import build

pytestmark = pytest.mark.django_db

GRADES = {"major", "large", "general", "low"}
IMPORT_KEYS = {"rows", "valid", "errors", "created", "updated"}
ERROR_KEYS = {"row", "column", "value", "message"}
HEADERS = ["名称", "场所类型", "统一社会信用代码", "地址", "经度", "纬度", "坐标系", "从业人数"]


@pytest.fixture
def staff(demo_user: Any, api_as: Any) -> Any:
    """The township staff member of 丹东街道: the everyday registry editor."""
    return api_as(demo_user("township_staff"))


def post_json(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def patch_json(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


def kind_codes(client: Any) -> set[str]:
    response = client.get("/api/v1/place-kinds")
    assert response.status_code == 200
    return {kind["code"] for kind in response.json()}


def workbook(rows: list[list[Any]], headers: list[str] = HEADERS, title_rows: int = 0) -> Workbook:
    book = Workbook()
    sheet = book.active
    for n in range(title_rows):
        sheet.append([f"丹东街道场所台账 第 {n + 1} 行标题"])
        sheet.merge_cells(start_row=n + 1, start_column=1, end_row=n + 1, end_column=len(headers))
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    return book


def as_file(book: Workbook, name: str = "场所台账.xlsx") -> io.BytesIO:
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = name
    return out


def good_row(name: str, **over: Any) -> list[Any]:
    lng, lat = inside(GRID_A)
    values = {"名称": name, "场所类型": "小餐饮场所", "统一社会信用代码": "", "地址": f"丹阳路 {len(name)} 号", "经度": lng, "纬度": lat,
              "坐标系": "", "从业人数": 3}
    values.update(over)
    return [values[h] for h in HEADERS]


def import_file(client: Any, file: io.BytesIO, **form: Any) -> Any:
    return client.post("/api/v1/places/import", {"file": file, **form})


def snapshot() -> tuple[int, int]:
    """Places and audit rows: "nothing partial written" means neither moves."""
    return Place.unscoped.count(), ObjectChange.unscoped.count()


# --- GET/POST /api/v1/places, GET/PATCH /api/v1/places/{id} ---------------------------------------


def test_list_answers_wgs84_jurisdiction_grade_due_dates_and_kind_codes(staff: Any) -> None:
    body = staff.get("/api/v1/places?page_size=100").json()
    assert set(body) >= {"count", "items"} and body["count"] > 0
    codes = kind_codes(staff)
    for item in body["items"]:
        for key in ("lng", "lat", "jurisdiction_code", "risk_grade", "next_self_inspection_due", "next_supervision_due",
                    "credit_code", "kind", "name", "address"):
            assert key in item, key
        assert item["kind"] in codes
        assert item["risk_grade"] in GRADES, item["risk_grade"]
        assert item["jurisdiction_code"].startswith(TOWNSHIP_A)
        if item["next_self_inspection_due"] is not None:
            datetime.date.fromisoformat(item["next_self_inspection_due"])


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09", None])
def test_post_accepts_each_coord_system_and_answers_wgs84(staff: Any, system: str | None) -> None:
    lng, lat = inside(GRID_A)
    sent = {"wgs84": (lng, lat), None: (lng, lat), "gcj02": wgs84_to_gcj02(lng, lat), "bd09": gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))}[system]
    kind = "sp_catering"
    assert kind in kind_codes(staff)
    body: dict[str, Any] = {"name": f"象山县丹东街道坐标测试店{system}", "kind": kind, "address": "丹阳路 20 号",
                            "lng": sent[0], "lat": sent[1], "credit_code": build("92330225MA2FJXD1X")}
    if system is not None:
        body["coord_system"] = system
    response = post_json(staff, "/api/v1/places", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["lng"] == pytest.approx(lng, abs=1e-6) and data["lat"] == pytest.approx(lat, abs=1e-6)
    assert data["jurisdiction_code"] == GRID_A
    assert data["risk_grade"] in GRADES
    assert data["next_self_inspection_due"] and data["next_supervision_due"]
    assert (data["credit_code"], data["kind"], data["name"], data["address"]) == (body["credit_code"], kind, body["name"], "丹阳路 20 号")
    assert staff.get(f"/api/v1/places/{data['id']}").json()["lng"] == data["lng"]


def test_patch_accepts_bd09_and_plain_fields(staff: Any) -> None:
    created = post_json(staff, "/api/v1/places", {"name": "改动前的店", "kind": "sp_shop", "address": "旧路 1 号",
                                                  "jurisdiction_code": VILLAGE_A}).json()
    lng, lat = inside(GRID_A)
    bd = gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))
    response = patch_json(staff, f"/api/v1/places/{created['id']}",
                          {"lng": bd[0], "lat": bd[1], "coord_system": "bd09", "name": "改动后的店", "address": "新路 2 号", "kind": "sp_catering"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["lng"] == pytest.approx(lng, abs=1e-6) and data["lat"] == pytest.approx(lat, abs=1e-6)
    assert (data["name"], data["address"], data["kind"], data["jurisdiction_code"]) == ("改动后的店", "新路 2 号", "sp_catering", GRID_A)
    assert data["risk_grade"] in GRADES
    fetched = staff.get(f"/api/v1/places/{created['id']}").json()
    assert (fetched["name"], fetched["lng"]) == ("改动后的店", data["lng"])


# --- Bad input through the API -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credit_code": "91330225MA2AJ6X7X1"}, "credit_code"),  # wrong check character
        ({"credit_code": "9133022"}, "credit_code"),  # too short
        ({"lng": 120.15, "lat": 30.28}, "lng"),  # Hangzhou: outside the county
        ({"lng": 121.9, "lat": 29.4, "coord_system": "mercator"}, "coord_system"),
        ({"kind": "spaceship"}, "kind"),
    ],
)
def test_bad_input_on_create_names_the_field_and_writes_nothing(staff: Any, body: dict[str, Any], field: str) -> None:
    before = snapshot()
    payload = {"name": "不该写入的店", "kind": "sp_shop", "address": "某路 1 号", "jurisdiction_code": VILLAGE_A, **body}
    response = post_json(staff, "/api/v1/places", payload)
    assert response.status_code in (400, 422), response.content
    data = response.json()
    assert data["detail"] and any(e["field"] == field and e["message"] for e in data["errors"]), data
    assert snapshot() == before


def test_bad_input_on_patch_changes_nothing(staff: Any) -> None:
    place = Place.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/", archived_at=None).exclude(lng=None).first()
    assert place is not None
    before = snapshot()
    for body, field in (({"lng": 120.15, "lat": 30.28}, "lng"), ({"kind": "spaceship"}, "kind"), ({"credit_code": "91330225MA2AJ6X7X1"}, "credit_code")):
        response = patch_json(staff, f"/api/v1/places/{place.pk}", {"name": "改坏了", **body})
        assert response.status_code in (400, 422) and any(e["field"] == field for e in response.json()["errors"]), response.content
    assert snapshot() == before
    place.refresh_from_db()
    assert place.name != "改坏了"


# --- POST /api/v1/places/import ------------------------------------------------------------------


def test_import_preview_then_commit_answers_the_fixed_shape(staff: Any) -> None:
    file = as_file(workbook([good_row("预览导入的店"), good_row("预览导入的厂", 场所类型="ind_knitwear", 统一社会信用代码=build("91330225MA2FJXE2X"))]))
    before = snapshot()
    preview = import_file(staff, file, mode="preview")
    assert preview.status_code == 200
    body = preview.json()
    assert set(body) >= IMPORT_KEYS and (body["rows"], body["valid"], body["errors"], body["created"], body["updated"]) == (2, 2, [], 2, 0)
    assert snapshot() == before
    file.seek(0)
    committed = import_file(staff, file, mode="commit").json()
    assert (committed["rows"], committed["valid"], committed["created"], committed["updated"]) == (2, 2, 2, 0)
    assert Place.unscoped.filter(name__in=["预览导入的店", "预览导入的厂"]).count() == 2
    file.seek(0)
    again = import_file(staff, file, mode="commit").json()
    assert (again["created"], again["updated"], again["errors"]) == (0, 0, [])


def test_import_commit_with_an_error_writes_nothing_unless_skip_invalid(staff: Any) -> None:
    file = as_file(workbook([good_row("好行的店"), good_row("坏代码的店", 统一社会信用代码="91330225MA2AJ6X7X1")]))
    before = snapshot()
    refused = import_file(staff, file, mode="commit")
    body = refused.json()
    assert set(body) >= IMPORT_KEYS and body["rows"] == 2 and body["valid"] == 1 and body["created"] == 0
    [error] = body["errors"]
    assert set(error) >= ERROR_KEYS and error["row"] == 3 and error["column"] == "统一社会信用代码"
    assert error["value"] == "91330225MA2AJ6X7X1" and error["message"]
    assert snapshot() == before
    file.seek(0)
    skipped = import_file(staff, file, mode="commit", skip_invalid="true").json()
    assert skipped["created"] == 1 and [e["row"] for e in skipped["errors"]] == [3]
    assert Place.unscoped.filter(name="好行的店").exists() and not Place.unscoped.filter(name="坏代码的店").exists()


@pytest.mark.parametrize(
    ("over", "column"),
    [
        ({"统一社会信用代码": "91330225MA2AJ6X7X1"}, "统一社会信用代码"),
        ({"经度": 120.15, "纬度": 30.28}, "经度"),
        ({"场所类型": "宇宙飞船"}, "场所类型"),
        ({"坐标系": "墨卡托"}, "坐标系"),
    ],
)
def test_import_bad_cells_name_row_and_field(staff: Any, over: dict[str, Any], column: str) -> None:
    before = snapshot()
    body = import_file(staff, as_file(workbook([good_row("第一行好的店"), good_row("第二行坏的店", **over)])), mode="commit").json()
    assert any(e["row"] == 3 and e["column"] == column and e["message"] for e in body["errors"]), body["errors"]
    assert body["created"] == 0 and snapshot() == before


def test_import_formula_in_a_required_cell_is_reported_by_row_and_field(staff: Any) -> None:
    """openpyxl stores no cached result, as a script-made file would: the cell has no value to import."""
    book = workbook([good_row("公式前的店"), good_row("占位")])
    book.active["A3"] = '=CONCAT("公式", "店")'
    before = snapshot()
    body = import_file(staff, as_file(book), mode="commit").json()
    assert any(e["row"] == 3 and e["column"] == "名称" for e in body["errors"]), body["errors"]
    assert snapshot() == before


def test_import_merged_data_cells_leave_the_lower_rows_reported(staff: Any) -> None:
    """A kind merged over two rows reads as empty on the second: reported there, nothing written."""
    book = workbook([good_row("合并上行的店"), good_row("合并下行的店", 场所类型=None)])
    book.active.merge_cells("B2:B3")
    before = snapshot()
    body = import_file(staff, as_file(book), mode="commit").json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "场所类型")], body["errors"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"PK\x03\x04 this is not really a zip", "损坏.xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧格式.xlsx"),
        (b"", "空.xlsx"),
        (b"%PDF-1.4", "不是表格.pdf"),
    ],
)
def test_import_malformed_files_get_a_clear_message_and_write_nothing(staff: Any, content: bytes, name: str) -> None:
    file = io.BytesIO(content)
    file.name = name
    before = snapshot()
    response = import_file(staff, file, mode="commit")
    assert response.status_code == 400 and response.json()["detail"], response.content
    assert snapshot() == before


def test_import_huge_file_is_refused_with_the_limit(staff: Any, monkeypatch: Any) -> None:
    """The byte limit is lowered so the test need not build a 30 MB file; the check is the same."""
    import places.api

    small_limit = dataclasses.replace(places.api.PLACES_LEDGER, max_bytes=2048)
    monkeypatch.setattr(places.api, "PLACES_LEDGER", small_limit)
    before = snapshot()
    response = import_file(staff, as_file(workbook([good_row(f"大文件的店{i}") for i in range(40)])), mode="commit")
    assert response.status_code == 413 and "文件过大" in response.json()["detail"]
    assert snapshot() == before


def test_messy_import_full_width_spaces_text_dates_and_merged_headers(staff: Any) -> None:
    """Two merged title rows, full-width digits in the credit code and coordinates, trailing spaces in
    names and kinds, numbers with units, and dates typed as text in the export's read-only date column."""
    lng, lat = inside(GRID_A)
    full_width = str.maketrans("0123456789.ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９．ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ")
    code = build("91330225MA2MEWW1X")
    headers = [*HEADERS, "下次自查截止"]
    rows = [
        ["象山县丹东街道杂乱小店  ", "小餐饮场所  ", code.translate(full_width), " 丹阳路 66 号 ", str(lng).translate(full_width),
         f" {lat} ", "WGS-84 ", "１２人", "2027年3月1日"],
        ["象山县丹东街道另一家店", " 小餐饮场所", "", "丹阳路 67 号", lng, lat, "", 4, "2027/03/01"],
    ]
    book = workbook(rows, headers=headers, title_rows=2)
    book.active["I4"] = datetime.date(2027, 3, 1)
    body = import_file(staff, as_file(book), mode="commit").json()
    assert body["errors"] == [] and (body["rows"], body["valid"], body["created"]) == (2, 2, 2), body
    place = Place.unscoped.get(credit_code=code)
    assert (place.name, place.address, place.kind.code, place.employees) == ("象山县丹东街道杂乱小店", "丹阳路 66 号", "sp_catering", 12)
    assert place.jurisdiction.code == GRID_A and place.lng == pytest.approx(lng, abs=1e-6)


# --- GET /api/v1/places/export.xlsx --------------------------------------------------------------


@pytest.mark.parametrize("query", ["kind=rental_house", f"jurisdiction={VILLAGE_A}", "risk_grade=low&kind=rental_house", "q=路"])
def test_export_takes_the_list_filters(staff: Any, query: str) -> None:
    listed = staff.get(f"/api/v1/places?page_size=1&{query}").json()["count"]
    response = staff.get(f"/api/v1/places/export.xlsx?{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert listed > 0 and len(rows) - 1 == listed
    headers = list(rows[0])
    for values in rows[1:]:
        assert str(values[headers.index("所属辖区代码")]).startswith(TOWNSHIP_A)
    if "kind=rental_house" in query:
        assert {values[headers.index("场所类型")] for values in rows[1:]} == {"居住出租房"}


# --- GET /api/v1/staffing?jurisdiction=CODE ------------------------------------------------------


def test_staffing_gives_required_counted_and_shortfall_per_township(staff: Any, demo_user: Any, api_as: Any) -> None:
    response = staff.get(f"/api/v1/staffing?jurisdiction={TOWNSHIP_A}")
    assert response.status_code == 200
    township = response.json()["total"]
    assert township["jurisdiction_code"] == TOWNSHIP_A
    assert all(isinstance(township[k], int) for k in ("required", "counted", "shortfall"))
    assert township["shortfall"] == max(0, township["required"] - township["counted"])
    county = api_as(demo_user("county_admin")).get("/api/v1/staffing?jurisdiction=330225").json()
    rows = {row["jurisdiction_code"]: row for row in county["rows"]}
    assert {TOWNSHIP_A, TOWNSHIP_B} <= set(rows)
    assert {k: rows[TOWNSHIP_A][k] for k in ("required", "counted", "shortfall")} == {k: township[k] for k in ("required", "counted", "shortfall")}
    assert staff.get(f"/api/v1/staffing?jurisdiction={TOWNSHIP_B}").status_code == 404
