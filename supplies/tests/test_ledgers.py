"""The supplies ledger: export → import changes nothing; quantities enter through movements; broken rows."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demo.constants import VILLAGE_A
from supplies.ledgers import IMPORT_IN_REASON, IMPORT_STOCKTAKE_REASON
from supplies.models import StockMovement, Supply

pytestmark = pytest.mark.django_db
HEADERS = ["储备点辖区代码", "储备点", "名称", "类别", "规格型号", "批次", "单位", "库存数量", "生产日期", "有效期至", "储备方式"]


def csv_file(rows: list[list[str]], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("物资.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def upload(client: Any, file: Any, *, dry_run: bool) -> Any:
    return client.post("/api/v1/supplies/import", {"file": file, "dry_run": "true" if dry_run else "false"})


@pytest.fixture
def client_a(api_as: Any, admin: Any) -> Any:
    return api_as(admin)


def test_export_then_import_changes_nothing(client_a: Any) -> None:
    exported = client_a.get("/api/v1/supplies/export.xlsx", {"jurisdiction": VILLAGE_A})
    content = b"".join(exported.streaming_content)
    movements = StockMovement.objects.count()
    file = SimpleUploadedFile("物资台账.xlsx", content, content_type="application/octet-stream")
    body = upload(client_a, file, dry_run=False).json()
    assert body["imported"] and body["created"] == 0 and body["updated"] == 0
    assert body["unchanged"] == Supply.objects.filter(jurisdiction__code=VILLAGE_A, archived_at__isnull=True).count() > 0
    assert StockMovement.objects.count() == movements


def test_new_rows_enter_with_an_in_movement_and_changed_quantities_with_a_stocktake(client_a: Any, point: Any) -> None:
    rows = [[VILLAGE_A, point.name, "救生衣", "救生", "成人款", "2025-06", "件", "20", "2025-06-01", "2030-05-31", "政府储备"]]
    assert upload(client_a, csv_file(rows), dry_run=False).json()["created"] == 1
    supply = Supply.objects.get(storage_point=point, name="救生衣")
    assert supply.quantity == 20
    assert list(supply.movements.values_list("kind", "delta", "reason")) == [("in", 20, IMPORT_IN_REASON)]

    rows[0][7] = "17"
    body = upload(client_a, csv_file(rows), dry_run=False).json()
    assert body["updated"] == 1, body
    supply.refresh_from_db()
    assert supply.quantity == 17
    latest = supply.movements.order_by("-id").first()
    assert (latest.kind, latest.delta, latest.balance_after, latest.reason) == ("stocktake", -3, 17, IMPORT_STOCKTAKE_REASON)


def test_dry_run_writes_nothing(client_a: Any, point: Any) -> None:
    rows = [[VILLAGE_A, point.name, "沙袋", "防汛", "", "", "条", "100", "", "", ""]]
    body = upload(client_a, csv_file(rows), dry_run=True).json()
    assert body["valid"] == 1 and not body["imported"]
    assert not Supply.objects.filter(storage_point=point).exists()


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({1: "不存在的储备点"}, "储备点", "没有名为"),
        ({3: "玩具"}, "类别", "不是可选值"),
        ({7: "-5"}, "库存数量", "不小于 0"),
        ({8: "2025-13-01"}, "生产日期", "日期"),
        ({8: "2025-06-01", 9: "2025-01-01"}, "有效期至", "不能早于生产日期"),
        ({10: "协议储备"}, "协议单位", "协议单位"),
    ],
)
def test_a_broken_row_is_reported_and_nothing_is_written(
    client_a: Any, point: Any, change: dict[int, str], column: str, fragment: str
) -> None:
    good = [VILLAGE_A, point.name, "雨衣雨靴", "个人防护", "", "A", "套", "10", "", "", ""]
    bad = list(good)
    bad[5] = "B"
    for index, value in change.items():
        bad[index] = value
    body = upload(client_a, csv_file([good, bad]), dry_run=False).json()
    assert not body["imported"] and body["invalid"] == 1
    problem = body["errors"][0]
    assert problem["row"] == 3 and fragment in problem["message"], problem
    assert problem["column"] == column, problem
    assert not Supply.objects.filter(storage_point=point).exists()


def test_duplicate_keys_in_one_file_are_refused(client_a: Any, point: Any) -> None:
    row = [VILLAGE_A, point.name, "沙袋", "防汛", "", "", "条", "100", "", "", ""]
    body = upload(client_a, csv_file([row, row]), dry_run=False).json()
    assert body["invalid"] == 1 and "与第 2 行重复" in body["errors"][0]["message"]
    assert not Supply.objects.filter(storage_point=point).exists()


def test_a_leader_cannot_import(api_as: Any, demo_user: Any, point: Any) -> None:
    rows = [[VILLAGE_A, point.name, "沙袋", "防汛", "", "", "条", "100", "", "", ""]]
    response = upload(api_as(demo_user("leader")), csv_file(rows), dry_run=True)
    assert response.status_code == 403


def test_export_has_a_query_budget(client_a: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(8):
        response = client_a.get("/api/v1/supplies/export.xlsx")
        b"".join(response.streaming_content)


# --- storage points -----------------------------------------------------------------------


def point_csv(rows: list[list[str]]) -> SimpleUploadedFile:
    return csv_file(rows, ["辖区代码", "名称", "类型", "地址", "经度", "纬度", "保管人手机号", "备注"])


def test_storage_point_export_then_import_changes_nothing(client_a: Any) -> None:
    exported = client_a.get("/api/v1/storage-points/export.xlsx")
    file = SimpleUploadedFile("储备点台账.xlsx", b"".join(exported.streaming_content))
    body = client_a.post("/api/v1/storage-points/import", {"file": file, "dry_run": "false"}).json()
    assert body["imported"] and body["created"] == 0 and body["updated"] == 0 and body["unchanged"] > 0, body


def test_storage_points_import_creates_and_finds_the_keeper_by_mobile(client_a: Any) -> None:
    from people.models import Person
    from supplies.models import StoragePoint

    keeper = Person.objects.filter(jurisdiction__code=VILLAGE_A).first()
    rows = [[VILLAGE_A, "新建储备点", "村级储备点", "村委会一楼", "121.9", "29.5", keeper.mobile, ""]]
    body = client_a.post("/api/v1/storage-points/import", {"file": point_csv(rows), "dry_run": "false"}).json()
    assert body["created"] == 1, body
    point = StoragePoint.objects.get(name="新建储备点")
    assert (point.keeper_id, point.keeper_phone, point.lng) == (keeper.pk, keeper.mobile, 121.9)


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({2: "仓库"}, "类型", "类型请填写"),
        ({4: "东经121"}, "经度", "应为数字"),
        ({4: "400"}, "经度", "-180～180"),
        ({6: "13900000000"}, "保管人手机号", "没有找到"),
        ({0: "330225999999"}, "辖区代码", "不存在"),
    ],
)
def test_a_broken_storage_point_row_is_reported_and_nothing_is_written(client_a: Any, change: dict[int, str], column: str, fragment: str) -> None:
    from supplies.models import StoragePoint

    row = [VILLAGE_A, "坏行储备点", "储备库", "", "121.9", "29.5", "", ""]
    for index, value in change.items():
        row[index] = value
    body = client_a.post("/api/v1/storage-points/import", {"file": point_csv([row]), "dry_run": "false"}).json()
    assert not body["imported"] and body["errors"][0]["column"] == column and fragment in body["errors"][0]["message"], body
    assert not StoragePoint.unscoped.filter(name="坏行储备点").exists()


def test_keeper_mobiles_are_masked_for_roles_that_may_not_see_them(api_as: Any, demo_user: Any, point: Any, admin: Any) -> None:
    from openpyxl import load_workbook

    from people.models import Person
    from supplies import actions

    keeper = Person.objects.filter(jurisdiction__code=VILLAGE_A).first()
    actions.update_storage_point(point, by=admin, keeper=keeper, keeper_phone=keeper.mobile)
    grid = api_as(demo_user("grid_worker"))
    # A grid worker's scope is a grid: the village point is outside it; the auditor of the county sees it masked.
    auditor = api_as(demo_user("auditor"))
    shown = auditor.get(f"/api/v1/storage-points/{point.pk}").json()["keeper_phone"]
    assert shown != keeper.mobile and "****" in shown
    sheet = load_workbook(io.BytesIO(b"".join(auditor.get("/api/v1/storage-points/export.xlsx").streaming_content))).worksheets[0]
    assert keeper.mobile not in {str(c) for row in sheet.iter_rows(values_only=True) for c in row}
    assert grid.get(f"/api/v1/storage-points/{point.pk}").status_code == 404
    assert api_as(admin).get(f"/api/v1/storage-points/{point.pk}").json()["keeper_phone"] == keeper.mobile
