"""Place pages: list with htmx filtering, map, place page with panels and history, forms, kinds, import."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from accounts.models import User
from demo.constants import GRID_A, TOWNSHIP_A, VILLAGE_A
from jobs.models import ImportJob
from places import panels
from places.coords import wgs84_to_gcj02
from places.models import Place, PlaceAccount, PlaceKind
from places.tests.conftest import inside
from yingji.ledgers import background

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def test_list_shows_township_places_and_filters_with_htmx(client: Client) -> None:
    login(client, "township_admin")
    page = client.get("/places/")
    assert page.status_code == 200 and "单位场所" in page.content.decode()
    partial = client.get("/places/", {"kind": "rental_house"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="place-results")
    html = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in html and 'id="place-results"' in html
    names = set(Place.unscoped.filter(kind__code="rental_house", jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/").values_list("name", flat=True)[:5])
    assert any(name in html for name in names)
    assert "小吃店" not in html


def test_list_query_count_is_bounded(client: Client, django_assert_max_num_queries: Any) -> None:
    login(client, "county_admin")
    with django_assert_max_num_queries(14):
        assert client.get("/places/").status_code == 200


def test_map_page_and_export_link(client: Client) -> None:
    login(client, "grid_worker")
    html = client.get("/places/map/").content.decode()
    assert 'id="place-map"' in html and "/api/v1/places/geojson" in html and "places/places.js" in html
    export = client.get("/places/export.xlsx", {"jurisdiction": GRID_A})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_place_page_shows_fields_history_tap_to_call_and_panels(client: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(panels, "_panels", {})
    panels.register_place_panel(5, "places/tests/panel.html", lambda request, place: {"word": f"面板{place.pk}"})
    panels.register_place_panel(6, "places/tests/hidden_panel.html", lambda request, place: None)
    place = Place.unscoped.filter(jurisdiction__code=GRID_A).exclude(legal_rep_mobile="").first()
    login(client, "township_admin")
    html = client.get(f"/places/{place.pk}/").content.decode()
    assert place.name in html and f'href="tel:{place.legal_rep_mobile}"' in html
    assert f"面板{place.pk}" in html and html.count("test-panel") == 1
    assert 'id="place-minimap"' in html and "变更记录" in html
    login(client, "grid_worker")
    masked = client.get(f"/places/{place.pk}/").content.decode()
    assert "tel:" not in masked and place.legal_rep_mobile not in masked


def test_create_form_with_gcj02_and_the_override_reason(client: Client) -> None:
    login(client, "township_admin")
    assert client.get("/places/new/").status_code == 200
    lng, lat = inside(GRID_A)
    gcj = wgs84_to_gcj02(lng, lat)
    kind = PlaceKind.objects.get(code="sp_shop")
    data = {"name": "象山县丹东街道表单便利店", "kind": kind.pk, "address": "靖南路 3 号", "lng": gcj[0], "lat": gcj[1], "coord_system": "gcj02"}
    response = client.post("/places/new/", data)
    place = Place.unscoped.get(name="象山县丹东街道表单便利店")
    assert response.status_code == 302 and place.jurisdiction.code == GRID_A
    bad = client.post("/places/new/", {**data, "name": "越界", "jurisdiction": VILLAGE_A.replace("001001", "001002") + "001"})
    assert bad.status_code == 200 and "不一致" in bad.content.decode()


def test_edit_form_for_enterprise_user_is_limited(client: Client) -> None:
    user = login(client, "enterprise_user")
    own = PlaceAccount.objects.get(user=user).place
    html = client.get(f"/places/{own.pk}/edit/").content.decode()
    assert "只能修改责任人" in html and 'name="name"' in html and "disabled" in html
    form = {"name": "不该改", "fire_manager_name": "赵管理", "fire_manager_mobile": "13905740009", "employees": 91, "coord_system": "wgs84"}
    assert client.post(f"/places/{own.pk}/edit/", form).status_code == 302
    own.refresh_from_db()
    assert own.fire_manager_name == "赵管理" and own.employees == 91 and own.name != "不该改"


def test_grid_worker_cannot_open_forms(client: Client) -> None:
    login(client, "grid_worker")
    place = Place.unscoped.filter(jurisdiction__code=GRID_A).first()
    assert client.get("/places/new/").status_code == 403
    assert client.get(f"/places/{place.pk}/edit/").status_code == 403


def test_kind_pages_only_county_admin_edits(client: Client) -> None:
    login(client, "township_admin")
    assert client.get("/places/kinds/").status_code == 200
    kind = PlaceKind.objects.get(code="sp_catering")
    assert client.get(f"/places/kinds/{kind.pk}/edit/").status_code == 403
    login(client, "county_admin")
    data = {"name": kind.name, "category": kind.category, "staffing_group": kind.staffing_group, "thresholds": '{"small_place": {"criterion": "100 人以下", "conditions": [{"field": "seats", "max": 120}]}}', "sort_order": 5}
    assert client.post(f"/places/kinds/{kind.pk}/edit/", data).status_code == 302
    kind.refresh_from_db()
    assert kind.thresholds["small_place"]["conditions"][0]["max"] == 120 and not kind.active  # unticked = deactivated


def _file(rows: int) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "场所类型", "地址", "经度", "纬度"])
    lng, lat = inside(GRID_A)
    for n in range(rows):
        sheet.append([f"页面导入第{n}家店", "小商店（小商场）", f"页面路 {n} 号", lng, lat])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "场所.xlsx"
    return out


def test_import_page_preview_then_confirm(client: Client) -> None:
    login(client, "township_admin")
    preview = client.post("/places/import/", {"file": _file(2)})
    html = preview.content.decode()
    assert preview.status_code == 200 and "全部检查通过" in html
    token = html.split('name="token" value="')[1].split('"')[0]
    done = client.post("/places/import/confirm/", {"token": token}, HTTP_HX_REQUEST="true")
    assert "导入完成" in done.content.decode()
    assert Place.unscoped.filter(name__startswith="页面导入").count() == 2


def test_import_page_large_file_polls_a_job(client: Client, monkeypatch: Any) -> None:
    entry = background.registered("places")
    monkeypatch.setitem(background._registry, "places", background.BackgroundLedger(entry.key, entry.ledger, entry.importer_factory, threshold=2))
    login(client, "township_admin")
    response = client.post("/places/import/", {"file": _file(4)})
    assert response.status_code == 302 and "/places/import/jobs/" in response["Location"]
    job = ImportJob.objects.get()
    waiting = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "<progress" in waiting
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-status")
    assert partial.status_code == 200 and 'id="job-status"' in partial.content.decode()
    background.run_job(job)
    finished = client.get(response["Location"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-status")
    assert finished.status_code == 204 and finished["HX-Refresh"] == "true"
    report_page = client.get(response["Location"]).content.decode()
    assert "全部检查通过" in report_page
    token = report_page.split('name="token" value="')[1].split('"')[0]
    confirm = client.post("/places/import/confirm/", {"token": token}, HTTP_HX_REQUEST="true")
    assert confirm.status_code == 204 and "/places/import/jobs/" in confirm["HX-Redirect"]
    background.run_queued("page-test")
    assert Place.unscoped.filter(name__startswith="页面导入").count() == 4


def test_import_page_column_mapping_when_headers_differ(client: Client) -> None:
    login(client, "township_admin")
    book = Workbook()
    sheet = book.active
    sheet.append(["商户名", "场所类型", "地址", "经度", "纬度"])
    lng, lat = inside(GRID_A)
    sheet.append(["映射页面小店", "小餐饮场所", "映射路 1 号", lng, lat])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "映射.xlsx"
    first = client.post("/places/import/", {"file": out}).content.decode()
    assert "缺少必填列“名称”" in first and 'name="header-0" value="商户名"' in first
    token = first.split('name="token" value="')[1].split('"')[0]
    remapped = client.post("/places/import/", {"token": token, "remap": "1", "header-0": "商户名", "map-0": "name"}).content.decode()
    assert "全部检查通过" in remapped
    client.post("/places/import/confirm/", {"token": token})
    assert Place.unscoped.filter(name="映射页面小店", jurisdiction__code=GRID_A).exists()


def test_pages_speak_english_when_chosen(client: Client) -> None:
    from django.conf import settings

    login(client, "township_admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/places/").content.decode()
    assert "Name, address or credit code" in html and "More filters" in html
    place = Place.unscoped.filter(jurisdiction__code=GRID_A).first()
    assert "Responsible people" in client.get(f"/places/{place.pk}/").content.decode()
