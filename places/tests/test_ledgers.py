"""The place ledger: export, round trip, messy and broken files, GCJ-02 import, duplicates, and the
background job with progress for large files."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from audit.models import ObjectChange
from demo.constants import GRID_A, TOWNSHIP_A, VILLAGE_A
from jobs.choices import ImportJobStatus
from jobs.models import ImportJob
from places import ledgers
from places.coords import wgs84_to_gcj02
from places.models import Place
from places.tests.conftest import inside
from places.tests.test_validators import build
from yingji.ledgers import background, uploads

pytestmark = pytest.mark.django_db

HEADERS = ["名称", "场所类型", "统一社会信用代码", "地址", "所属辖区代码", "经度", "纬度", "坐标系", "法定代表人/主要负责人",
           "法定代表人手机号", "建筑面积（㎡）", "从业人数", "经营状态", "标签"]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS, title_rows: int = 0, name: str = "场所.xlsx") -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for n in range(title_rows):
        sheet.append([f"丹东街道场所台账（第 {n + 1} 行标题）"])
    if title_rows:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = name
    return out


def row(name: str, **over: Any) -> list[Any]:
    lng, lat = inside(GRID_A)
    values = {"名称": name, "场所类型": "小餐饮场所", "统一社会信用代码": "", "地址": f"丹阳路 {len(name)} 号", "所属辖区代码": "",
              "经度": lng, "纬度": lat, "坐标系": "", "法定代表人/主要负责人": "张三", "法定代表人手机号": "13805740001",
              "建筑面积（㎡）": 80, "从业人数": 3, "经营状态": "营业", "标签": ""}
    values.update(over)
    return [values[h] for h in HEADERS]


def import_api(client: Any, file: io.BytesIO, **form: Any) -> Any:
    return client.post("/api/v1/places/import", {"file": file, **form})


@pytest.fixture
def admin(demo_user: Any, api_as: Any) -> Any:
    return api_as(demo_user("township_admin"))


def test_export_round_trip_changes_nothing(admin: Any, demo_user: Any) -> None:
    response = admin.get(f"/api/v1/places/export.xlsx?jurisdiction={VILLAGE_A}")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) - 1 == Place.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/{VILLAGE_A}/", archived_at=None).count()
    changes_before = ObjectChange.unscoped.count()
    file = io.BytesIO(content)
    file.name = "导出.xlsx"
    result = import_api(admin, file, mode="commit").json()
    assert result["errors"] == [] and result["created"] == 0 and result["updated"] == 0, result["errors"][:3]
    assert result["unchanged"] == result["rows"] == len(rows) - 1
    assert ObjectChange.unscoped.count() == changes_before


def test_masked_export_reimports_without_touching_mobiles(demo_user: Any, api_as: Any) -> None:
    content = b"".join(api_as(demo_user("grid_worker")).get("/api/v1/places/export.xlsx").streaming_content)
    file = io.BytesIO(content)
    file.name = "x.xlsx"
    result = import_api(api_as(demo_user("township_admin")), file, mode="preview").json()
    assert result["errors"] == [] and result["updated"] == 0


def test_preview_then_commit_creates_places_with_gcj02_converted(admin: Any) -> None:
    lng, lat = inside(GRID_A)
    gcj = wgs84_to_gcj02(lng, lat)
    file = xlsx([row("象山县丹东街道导入小吃店", 经度=gcj[0], 纬度=gcj[1], 坐标系="GCJ-02"),
                 row("宁波导入针织有限公司", 场所类型="ind_knitwear", 统一社会信用代码=build("91330225MA2JMPRT1"))])
    preview = import_api(admin, file, mode="preview").json()
    assert preview["valid"] == 2 and preview["created"] == 2 and not preview["imported"]
    assert not Place.unscoped.filter(name="象山县丹东街道导入小吃店").exists()
    file.seek(0)
    done = import_api(admin, file, mode="commit").json()
    assert done["imported"] and done["created"] == 2
    place = Place.unscoped.get(name="象山县丹东街道导入小吃店")
    assert place.jurisdiction.code == GRID_A
    assert place.lng == pytest.approx(lng, abs=1e-6) and place.lat == pytest.approx(lat, abs=1e-6)
    assert ObjectChange.unscoped.filter(content_type__model="place", object_id=str(place.pk), user_name="township_admin").exists()


def test_messy_file_full_width_digits_spaces_units_and_title_rows(admin: Any) -> None:
    lng, lat = inside(GRID_A)
    messy = row("  象山县丹东街道全角小店  ", 经度=str(lng).translate(str.maketrans("0123456789.", "０１２３４５６７８９．")),
                纬度=f" {lat} ", 法定代表人手机号="138-0574-0002", **{"建筑面积（㎡）": "１２０㎡", "从业人数": "５人"})
    result = import_api(admin, xlsx([messy], title_rows=1), mode="commit").json()
    assert result["errors"] == [] and result["created"] == 1, result["errors"]
    place = Place.unscoped.get(name="象山县丹东街道全角小店")
    assert (str(place.floor_area), place.employees, place.legal_rep_mobile) == ("120.0", 5, "13805740002")


def test_broken_rows_are_reported_by_row_and_column_and_nothing_is_written(admin: Any) -> None:
    rows = [
        row("好的一行"),
        row("坏代码", 统一社会信用代码="91330225MA2AJ6X7X1"),
        row("坏类型", 场所类型="飞船"),
        row("坏手机", 法定代表人手机号="12345"),
        row("县外坐标", 经度=120.2, 纬度=30.25),
        row("没坐标没辖区", 经度="", 纬度=""),
        row("外乡镇代码", 经度="", 纬度="", 所属辖区代码="330225100001001"),
        row("好的一行"),  # duplicate name + address of row 2
        row("负面积", **{"建筑面积（㎡）": -3}),
    ]
    response = import_api(admin, xlsx(rows), mode="commit")
    result = response.json()
    assert response.status_code == 400 and not result["imported"]
    by_row = {(e["row"], e["column"]) for e in result["errors"]}
    assert (3, "统一社会信用代码") in by_row and (4, "场所类型") in by_row and (5, "法定代表人手机号") in by_row
    assert (6, "经度") in by_row and (7, "所属辖区代码") in by_row and (8, "所属辖区代码") in by_row
    assert (9, "地址") in by_row and (10, "建筑面积（㎡）") in by_row
    assert not Place.unscoped.filter(name__in=["好的一行", "坏代码"]).exists()


def test_skip_invalid_imports_the_valid_rows_and_lists_the_others(admin: Any) -> None:
    result = import_api(admin, xlsx([row("能导入的店"), row("坏手机店", 法定代表人手机号="123")]), mode="commit", skip_invalid="true").json()
    assert result["imported"] and result["created"] == 1 and result["errors"][0]["row"] == 3
    assert Place.unscoped.filter(name="能导入的店").exists() and not Place.unscoped.filter(name="坏手机店").exists()


def test_existing_place_is_updated_by_credit_code(admin: Any, make_place: Any) -> None:
    code = build("91330225MA2UPDT8X")
    place = make_place(GRID_A, name="旧名字有限公司", kind="ind_machinery", credit_code=code, employees=10)
    result = import_api(admin, xlsx([row("新名字有限公司", 场所类型="机械制造企业", 统一社会信用代码=code, 从业人数=25)]), mode="commit").json()
    assert result["updated"] == 1 and result["created"] == 0, result
    place.refresh_from_db()
    assert (place.name, place.employees) == ("新名字有限公司", 25)


def test_column_mapping_for_different_headers(admin: Any) -> None:
    headers = ["单位", "类别", "详细地址", "东经", "北纬"]
    lng, lat = inside(GRID_A)
    file = xlsx([["映射的店", "小餐饮场所", "某路 9 号", lng, lat]], headers=headers)
    unmapped = import_api(admin, file, mode="preview").json()
    assert any("缺少必填列“名称”" in e["message"] for e in unmapped["errors"])
    file.seek(0)
    mapped = import_api(admin, file, mode="commit", mapping='{"单位": "name", "类别": "kind"}').json()
    assert mapped["created"] == 1, mapped["errors"]


def test_read_only_role_cannot_import(demo_user: Any, api_as: Any) -> None:
    assert import_api(api_as(demo_user("grid_worker")), xlsx([row("x")]), mode="preview").status_code == 403


def test_large_file_goes_to_a_background_job_with_progress(admin: Any, demo_user: Any, monkeypatch: Any, media: Path) -> None:
    entry = background.registered("places")
    monkeypatch.setitem(background._registry, "places", background.BackgroundLedger(entry.key, entry.ledger, entry.importer_factory, threshold=3))
    monkeypatch.setattr(background, "PROGRESS_EVERY", 1)
    seen: list[tuple[int, int]] = []
    real_write = background._write_progress

    def spy(job: Any, done: int, total: int) -> None:
        real_write(job, done, total)
        seen.append(background.progress(ImportJob.objects.get(pk=job.pk)))

    monkeypatch.setattr(background, "_write_progress", spy)
    rows = [row(f"后台导入第{n}家店", 地址=f"后台路 {n} 号") for n in range(6)]
    response = import_api(admin, xlsx(rows), mode="commit")
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    # Big enough by its size alone: the request did not even read it.
    assert job.status == ImportJobStatus.QUEUED and not job.dry_run and job.total_rows == 0
    assert not Place.unscoped.filter(name__startswith="后台导入").exists()  # the request wrote nothing

    finished = background.run_queued("test-worker")
    assert [j.pk for j in finished] == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE and (job.done_rows, job.total_rows) == (6, 6)
    assert seen[-1] == (6, 6) and len(seen) >= 6 and seen == sorted(seen)
    assert Place.unscoped.filter(name__startswith="后台导入").count() == 6
    changes = ObjectChange.unscoped.filter(content_type__model="place", user_name="township_admin", action="create")
    assert changes.filter(object_repr__startswith="后台导入").count() == 6  # audited as the uploader
    polled = admin.get(f"/api/v1/places/import/jobs/{job.pk}").json()
    assert polled["status"] == "done" and polled["result"]["created"] == 6
    assert not list((media / "import-jobs").glob("*.upload"))  # the job's copy is gone
    assert background.run_queued("test-worker") == []


def test_background_job_with_a_bad_row_writes_nothing_and_keeps_the_report(admin: Any, monkeypatch: Any) -> None:
    entry = background.registered("places")
    monkeypatch.setitem(background._registry, "places", background.BackgroundLedger(entry.key, entry.ledger, entry.importer_factory, threshold=1))
    job_id = import_api(admin, xlsx([row("后台好店"), row("后台坏店", 场所类型="飞船")]), mode="commit").json()["id"]
    job = background.run_job(ImportJob.objects.get(pk=job_id))
    assert job.status == ImportJobStatus.DONE and not job.report["imported"]
    report = background.stored_report(job)
    assert report is not None and [p.column for p in report.problems] == ["场所类型"]
    assert not Place.unscoped.filter(name="后台好店").exists()


def test_other_users_cannot_see_a_job(admin: Any, demo_user: Any, api_as: Any, monkeypatch: Any) -> None:
    entry = background.registered("places")
    monkeypatch.setitem(background._registry, "places", background.BackgroundLedger(entry.key, entry.ledger, entry.importer_factory, threshold=0))
    job_id = import_api(admin, xlsx([row("某店")]), mode="preview").json()["id"]
    assert api_as(demo_user("township_staff")).get(f"/api/v1/places/import/jobs/{job_id}").status_code == 404
    assert Client().get(f"/places/import/jobs/{job_id}/").status_code == 302


def test_a_crashed_worker_leaves_the_job_to_be_run_again(admin: Any, monkeypatch: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    entry = background.registered("places")
    monkeypatch.setitem(background._registry, "places", background.BackgroundLedger(entry.key, entry.ledger, entry.importer_factory, threshold=0))
    job_id = import_api(admin, xlsx([row("重启后导入的店")]), mode="commit").json()["id"]
    ImportJob.objects.filter(pk=job_id).update(status=ImportJobStatus.RUNNING, locked_by="dead", locked_until=timezone.now() - timedelta(seconds=1), attempts=1)
    assert [j.pk for j in background.run_queued("alive")] == [job_id]
    assert Place.unscoped.filter(name="重启后导入的店").exists()
    assert uploads.pending_dir().exists()
    assert ledgers.BACKGROUND_THRESHOLD == 500


def test_the_worker_tick_handler_runs_queued_jobs(admin: Any, monkeypatch: Any) -> None:
    from jobs.registry import TICK_HANDLERS, autodiscover

    entry = background.registered("places")
    monkeypatch.setitem(background._registry, "places", background.BackgroundLedger(entry.key, entry.ledger, entry.importer_factory, threshold=0))
    job_id = import_api(admin, xlsx([row("工作进程导入的店")]), mode="commit").json()["id"]
    autodiscover()
    assert TICK_HANDLERS["ledgers.import_jobs"]() == 1
    assert ImportJob.objects.get(pk=job_id).status == ImportJobStatus.DONE
    assert Place.unscoped.filter(name="工作进程导入的店").exists()


def test_a_job_whose_user_lost_the_right_fails_with_the_reason(admin: Any, demo_user: Any, monkeypatch: Any) -> None:
    entry = background.registered("places")
    monkeypatch.setitem(background._registry, "places", background.BackgroundLedger(entry.key, entry.ledger, entry.importer_factory, threshold=0))
    job_id = import_api(admin, xlsx([row("失去权限后的店")]), mode="commit").json()["id"]
    user = demo_user("township_admin")
    user.role = "grid_worker"
    user.save(update_fields=["role"])
    job = background.run_job(ImportJob.objects.get(pk=job_id))
    assert job.status == ImportJobStatus.FAILED and "无权" in job.error
    assert not Place.unscoped.filter(name="失去权限后的店").exists()
