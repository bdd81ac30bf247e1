"""Plan, drill and training ledgers: export → import changes nothing; broken rows are reported, nothing written."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from demo.constants import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from plans.models import Drill, Plan, Training

pytestmark = pytest.mark.django_db


def xlsx(headers: list[str], rows: list[list[Any]]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("ledger.xlsx", buffer.getvalue())


@pytest.mark.parametrize("name", ["plans", "drills", "trainings"])
def test_round_trip_changes_nothing(name: str, api_as: Any, demo_user: Any, plan: Plan, drill: Drill, training: Training) -> None:
    client = api_as(demo_user("township_admin"))
    exported = b"".join(client.get(f"/api/v1/{name}/export.xlsx").streaming_content)
    response = client.post(f"/api/v1/{name}/import", {"file": SimpleUploadedFile("back.xlsx", exported), "dry_run": "false"})
    body = response.json()
    assert response.status_code == 200, body
    assert (body["created"], body["updated"]) == (0, 0) and body["unchanged"] >= 1


def test_plan_import_creates_and_revises(api_as: Any, demo_user: Any, plan: Plan) -> None:
    headers = ["所属辖区代码", "预案名称", "预案类型", "版本", "批准日期", "状态"]
    rows = [[TOWNSHIP_A, plan.title, "专项预案·防汛防台", "2.0", "2025年3月1日", "现行有效"], [VILLAGE_A, "新简明预案", "村(社区)简明预案", "1.0", "2025/2/1", "现行有效"]]
    body = api_as(demo_user("township_admin")).post("/api/v1/plans/import", {"file": xlsx(headers, rows), "dry_run": "false"}).json()
    assert (body["created"], body["updated"]) == (1, 1), body
    revised = Plan.unscoped.get(pk=plan.pk)
    assert (revised.version, str(revised.approved_on), str(revised.revision_due)) == ("2.0", "2025-03-01", "2028-03-01")


def test_broken_plan_rows_are_reported_and_nothing_is_written(api_as: Any, demo_user: Any) -> None:
    headers = ["所属辖区代码", "预案名称", "预案类型", "批准日期", "状态"]
    rows = [
        [TOWNSHIP_A, "好预案", "综合预案", "2025-01-01", "现行有效"],
        [TOWNSHIP_A, "坏类型", "神秘预案", "2025-01-01", "现行有效"],
        [TOWNSHIP_B, "别人家", "综合预案", "2025-01-01", "现行有效"],
        [TOWNSHIP_A, "坏日期", "综合预案", "2025-02-30", "现行有效"],
        [TOWNSHIP_A, "有效无批准", "综合预案", "", "现行有效"],
        [TOWNSHIP_A, "好预案", "综合预案", "2025-01-01", "现行有效"],
    ]
    before = Plan.unscoped.count()
    response = api_as(demo_user("township_admin")).post("/api/v1/plans/import", {"file": xlsx(headers, rows), "dry_run": "false"})
    assert response.status_code == 400
    assert {e["row"] for e in response.json()["errors"]} == {3, 4, 5, 6, 7}
    assert Plan.unscoped.count() == before


def test_drill_import_finds_the_plan_by_name_and_refuses_unknown_ones(api_as: Any, demo_user: Any, plan: Plan) -> None:
    headers = ["所属辖区代码", "演练名称", "演练形式", "演练预案", "实施日期", "参演人数"]
    good = [[TOWNSHIP_A, "导入的演练", "综合演练", plan.title, "2025-07-01", 60]]
    body = api_as(demo_user("township_admin")).post("/api/v1/drills/import", {"file": xlsx(headers, good), "dry_run": "false"}).json()
    assert body["created"] == 1, body
    assert Drill.unscoped.get(title="导入的演练").plan_id == plan.pk
    bad = [[TOWNSHIP_A, "另一个", "综合演练", "不存在的预案", "2025-07-01", 60], [TOWNSHIP_A, "负人数", "实战演练", "", "2025-07-01", -1]]
    response = api_as(demo_user("township_admin")).post("/api/v1/drills/import", {"file": xlsx(headers, bad), "dry_run": "false"})
    assert response.status_code == 400 and {e["row"] for e in response.json()["errors"]} == {2, 3}
    assert not Drill.unscoped.filter(title="另一个").exists()


def test_training_import_keys_on_jurisdiction_date_and_topic(api_as: Any, demo_user: Any, training: Training) -> None:
    headers = ["所属辖区代码", "日期", "活动类型", "对象", "主题", "参加人数"]
    rows = [[TOWNSHIP_A, "2025-05-12", "宣传", "进社区", training.topic, 99], [VILLAGE_A, "2025-06-01", "培训", "进家庭", "家庭防火", 20],
            [VILLAGE_A, "2025-06-02", "培训", "进火星", "坏对象", 20]]
    response = api_as(demo_user("township_admin")).post("/api/v1/trainings/import", {"file": xlsx(headers, rows), "dry_run": "true"})
    assert response.status_code == 200 and [e["row"] for e in response.json()["errors"]] == [4]
    rows.pop()
    body = api_as(demo_user("township_admin")).post("/api/v1/trainings/import", {"file": xlsx(headers, rows), "dry_run": "false"}).json()
    assert (body["created"], body["updated"]) == (1, 1)
    assert Training.unscoped.get(pk=training.pk).attendance == 99


def test_read_only_roles_cannot_import(api_as: Any, demo_user: Any) -> None:
    response = api_as(demo_user("leader")).post("/api/v1/plans/import", {"file": xlsx(["所属辖区代码"], []), "dry_run": "true"})
    assert response.status_code == 403
