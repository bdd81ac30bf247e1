"""The inspection pages end to end: open a task, check in, walk, fail an item into a hazard, sign, finish."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hazards.models import Hazard
from inspections.models import Inspection
from inspections.tests.conftest import FAR_LAT, PLACE_LNG, jpeg, png_data_url
from places.models import Place

pytestmark = pytest.mark.django_db


def test_full_supervision_through_the_pages(task: Any, place: Place, client: Any, demo_user: Any) -> None:
    client.force_login(demo_user("township_staff"))
    opened = client.get(f"/inspections/tasks/{task.pk}/")
    assert opened.status_code == 200 and "开始检查" in opened.content.decode()
    started = client.post(f"/inspections/tasks/{task.pk}/", {"kind": "supervision"})
    inspection = Inspection.objects.get(task=task)
    assert started.status_code == 302 and started["Location"] == f"/inspections/{inspection.pk}/walk/"
    # Opening the task again goes straight back to the walk.
    assert client.get(f"/inspections/tasks/{task.pk}/")["Location"] == f"/inspections/{inspection.pk}/walk/"

    walk = client.get(f"/inspections/{inspection.pk}/walk/").content.decode()
    assert 'capture="environment"' in walk and "data-signature-pad" in walk and "签到定位" in walk

    far = client.post(f"/inspections/{inspection.pk}/check-in/", {"lat": FAR_LAT, "lng": PLACE_LNG, "accuracy": "20"})
    page = far.content.decode()
    assert far.status_code == 200 and "超过 300 米" in page and 'name="far_reason"' in page
    reasoned = client.post(
        f"/inspections/{inspection.pk}/check-in/",
        {"lat": FAR_LAT, "lng": PLACE_LNG, "accuracy": "20", "far_reason": "场所坐标登记有误"},
    )
    assert reasoned.status_code == 302
    inspection.refresh_from_db()
    assert inspection.far_from_place and inspection.far_reason == "场所坐标登记有误"

    first, second, third = inspection.checklist.items.order_by("order")
    ok = client.post(f"/inspections/{inspection.pk}/items/{first.pk}/", {"outcome": "ok"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and f'id="item-{first.pk}"' in ok.content.decode()
    # One tap: "生成隐患" saves the failed item with its photo and makes the hazard.
    made = client.post(
        f"/inspections/{inspection.pk}/items/{second.pk}/",
        {"outcome": "failed", "note": "安全出口上锁", "make_hazard": "1", "photos": [jpeg()]},
        HTTP_HX_REQUEST="true",
    )
    assert made.status_code == 200 and "已生成隐患" in made.content.decode()
    hazard = Hazard.unscoped.get(source_app="inspections", source_ref=str(inspection.pk))
    assert hazard.source == "inspection" and hazard.state == "confirmed" and hazard.photos.count() == 1
    client.post(f"/inspections/{inspection.pk}/items/{third.pk}/", {"outcome": "not_applicable"})

    refused = client.post(f"/inspections/{inspection.pk}/finish/", {"summary": "x"}, follow=True)
    assert "签名" in refused.content.decode()
    bad_sign = client.post(
        f"/inspections/{inspection.pk}/sign/",
        {"representative": "周管理", "signature": "data:text/plain;base64,aGk="},
        follow=True,
    )
    assert "PNG" in bad_sign.content.decode()
    client.post(f"/inspections/{inspection.pk}/sign/", {"representative": "周管理", "signature": png_data_url()})
    finished = client.post(f"/inspections/{inspection.pk}/finish/", {"summary": "责令整改"})
    assert finished.status_code == 302 and finished["Location"] == f"/inspections/{inspection.pk}/"
    inspection.refresh_from_db()
    task.refresh_from_db()
    place.refresh_from_db()
    assert inspection.result == "failed" and task.state == "done"
    assert place.last_supervision_on == timezone.localdate()

    record = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert hazard.number in record and "周管理" in record and "场所坐标登记有误" in record
    assert f"/inspections/{inspection.pk}/signature.png" in record
    assert client.get(f"/inspections/{inspection.pk}/signature.png")["Content-Type"] == "image/png"
    # A finished inspection's walk page sends readers to the record.
    assert client.get(f"/inspections/{inspection.pk}/walk/")["Location"] == f"/inspections/{inspection.pk}/"
    listing = client.get("/inspections/", {"result": "failed"}).content.decode()
    assert place.name in listing
    place_page = client.get(f"/places/{place.pk}/").content.decode()
    assert 'id="inspections"' in place_page and f"/inspections/{inspection.pk}/" in place_page


def test_ad_hoc_patrol_from_the_place_page(place: Place, client: Any, demo_user: Any) -> None:
    client.force_login(demo_user("grid_worker"))
    form = client.get(f"/inspections/start/?place={place.pk}")
    assert form.status_code == 200 and "网格巡查" in form.content.decode()
    started = client.post("/inspections/start/", {"place": place.pk, "kind": "patrol"})
    inspection = Inspection.objects.get(place=place)
    assert started["Location"] == f"/inspections/{inspection.pk}/walk/" and inspection.kind == "patrol"
    item = inspection.checklist.items.order_by("order").first()
    not_image = client.post(
        f"/inspections/{inspection.pk}/items/{item.pk}/",
        {
            "outcome": "failed",
            "note": "x",
            "photos": [SimpleUploadedFile("p.jpg", b"<svg></svg>", content_type="image/jpeg")],
        },
        HTTP_HX_REQUEST="true",
    )
    assert "只能上传 JPG" in not_image.content.decode()
    assert not inspection.results.exists()


def test_self_inspection_entry_for_an_enterprise_user(
    own_place: Place, place: Place, client: Any, demo_user: Any
) -> None:
    client.force_login(demo_user("enterprise_user"))
    entry = client.get("/inspections/self/")
    assert entry.status_code in (200, 302)
    landing = client.get("/inspections/self/", follow=True).content.decode()
    assert own_place.name in landing
    started = client.post("/inspections/start/", {"place": own_place.pk, "kind": "self_inspection"})
    assert started.status_code == 302
    assert Inspection.objects.get(place=own_place).kind == "self_inspection"
    assert client.get(f"/inspections/start/?place={place.pk}").status_code == 404
    assert client.post("/inspections/start/", {"place": own_place.pk, "kind": "supervision"}).status_code == 403
    panel = client.get(f"/places/{own_place.pk}/").content.decode()
    assert "开始自查" in panel


def test_list_filters_and_bad_filter(place: Place, client: Any, demo_user: Any) -> None:
    from inspections import actions

    staff = demo_user("township_staff")
    patrol = actions.begin(place, by=staff, kind="patrol")
    client.force_login(staff)
    link = f'href="/inspections/{patrol.pk}/"'
    assert link in client.get("/inspections/", {"kind": "patrol", "place": place.pk}).content.decode()
    assert link not in client.get("/inspections/", {"kind": "supervision", "place": place.pk}).content.decode()
    bad = client.get("/inspections/", {"date_from": "yesterday"})
    assert bad.status_code == 200 and "日期格式" in bad.content.decode()


def test_english_labels(place: Place, client: Any, demo_user: Any) -> None:
    client.force_login(demo_user("township_staff"))
    client.cookies["django_language"] = "en"
    page = client.get("/inspections/").content.decode()
    assert "Started from" in page and "开始日期自" not in page


def test_lists_do_not_query_per_row(place: Place, client: Any, api_as: Any, demo_user: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inspections import actions

    staff = demo_user("township_staff")
    client.force_login(staff)
    api = api_as(staff)

    def counts() -> tuple[int, int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get("/inspections/", {"place": place.pk}).status_code == 200
        with CaptureQueriesContext(connection) as listed:
            assert api.get("/api/v1/inspections", {"place_id": place.pk}).status_code == 200
        first = Inspection.objects.filter(place=place).first()
        with CaptureQueriesContext(connection) as detail:
            assert api.get(f"/api/v1/inspections/{first.pk}").status_code == 200
        return len(page), len(listed), len(detail)

    def inspect() -> None:
        inspection = actions.begin(place, by=staff, kind="patrol")
        for item in inspection.checklist.items.all():
            actions.record_item(inspection, item, by=staff, outcome="failed", note="问题", photos=[jpeg()])

    inspect()
    counts()  # warm up: the first token use is recorded once
    one = counts()
    for _ in range(5):
        inspect()
    assert counts() == one
