"""The inspection API end to end, and its answers to bad input."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from hazards.models import Hazard
from inspections.models import Inspection
from inspections.tests.conftest import FAR_LAT, PLACE_LAT, PLACE_LNG, png_data_url
from places.models import Place

pytestmark = pytest.mark.django_db


def _jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\x00" * 100 + b"\xff\xd9"


def test_full_supervision_through_the_api(task: Any, place: Place, api_as: Any, demo_user: Any) -> None:
    api = api_as(demo_user("township_staff"))
    begun = api.post("/api/v1/inspections", {"task_id": task.pk}, content_type="application/json")
    assert begun.status_code == 201, begun.json()
    body = begun.json()
    inspection_id, items = body["id"], body["items"]
    assert body["kind"] == "supervision" and body["state"] == "draft" and len(items) == 3
    assert [i["outcome"] for i in items] == [None, None, None]
    again = api.post("/api/v1/inspections", {"task_id": task.pk}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == inspection_id

    url = f"/api/v1/inspections/{inspection_id}"
    far = api.post(
        f"{url}/check-in", {"lat": FAR_LAT, "lng": PLACE_LNG, "accuracy": 12}, content_type="application/json"
    )
    assert far.status_code == 400 and far.json()["errors"][0]["field"] == "far_reason"
    checked = api.post(
        f"{url}/check-in",
        {"lat": FAR_LAT, "lng": PLACE_LNG, "accuracy": 12, "far_reason": "导航定位到后门"},
        content_type="application/json",
    )
    assert checked.status_code == 200
    assert checked.json()["far_from_place"] is True and checked.json()["distance_m"] > 1000

    first, second, third = (i["item_id"] for i in items)
    assert api.post(f"{url}/items/{first}", {"outcome": "ok"}).status_code == 200
    photo = SimpleUploadedFile("p.jpg", _jpeg_bytes(), content_type="image/jpeg")
    failed = api.post(f"{url}/items/{second}", {"outcome": "failed", "note": "灭火器压力不足", "photos": [photo]})
    assert failed.status_code == 200, failed.json()
    assert len(failed.json()["photos"]) == 1
    photo_page = api.get(failed.json()["photos"][0])
    assert photo_page.status_code == 200 and photo_page["Content-Type"] == "image/jpeg"

    made = api.post(f"{url}/items/{second}/hazard", {"severity": "general"}, content_type="application/json")
    assert made.status_code == 201, made.json()
    hazard = Hazard.unscoped.get(pk=made.json()["hazard_id"])
    assert (hazard.source, hazard.source_app, hazard.source_ref) == ("inspection", "inspections", str(inspection_id))
    assert hazard.state == "confirmed" and hazard.photos.count() == 1
    assert api.post(f"{url}/items/{second}/hazard", content_type="application/json").status_code == 200

    assert api.post(f"{url}/items/{third}", {"outcome": "not_applicable"}).status_code == 200
    unsigned = api.post(f"{url}/finish", {"summary": "x"}, content_type="application/json")
    assert unsigned.status_code == 400 and "签名" in unsigned.json()["detail"]
    signed = api.post(
        f"{url}/sign", {"representative": "周管理", "signature": png_data_url()}, content_type="application/json"
    )
    assert signed.status_code == 200 and signed.json()["signature_url"]
    assert api.get(signed.json()["signature_url"])["Content-Type"] == "image/png"
    done = api.post(f"{url}/finish", {"summary": "责令整改"}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["result"] == "failed" and done.json()["hazard_ids"] == [hazard.pk]
    task.refresh_from_db()
    place.refresh_from_db()
    assert task.state == "done" and task.inspection_id == inspection_id
    assert place.last_supervision_on == timezone.localdate()

    listed = api.get("/api/v1/inspections", {"result": "failed", "place_id": place.pk}).json()
    assert [row["id"] for row in listed["items"]] == [inspection_id]
    assert api.get("/api/v1/inspections", {"result": "passed", "place_id": place.pk}).json()["count"] == 0
    assert api.post(f"{url}/items/{first}", {"outcome": "failed", "note": "改"}).status_code == 400


def test_self_inspection_by_enterprise_user(own_place: Place, place: Place, api_as: Any, demo_user: Any) -> None:
    api = api_as(demo_user("enterprise_user"))
    begun = api.post("/api/v1/inspections", {"place_id": own_place.pk}, content_type="application/json")
    assert begun.status_code == 201 and begun.json()["kind"] == "self_inspection"
    other = api.post(
        "/api/v1/inspections", {"place_id": place.pk, "kind": "self_inspection"}, content_type="application/json"
    )
    assert other.status_code == 404
    supervision = api.post(
        "/api/v1/inspections", {"place_id": own_place.pk, "kind": "supervision"}, content_type="application/json"
    )
    assert supervision.status_code == 403
    url = f"/api/v1/inspections/{begun.json()['id']}"
    for item in begun.json()["items"]:
        assert api.post(f"{url}/items/{item['item_id']}", {"outcome": "ok"}).status_code == 200
    done = api.post(f"{url}/finish", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["result"] == "passed"


def test_bad_input_answers_clearly(place: Place, api_as: Any, demo_user: Any) -> None:
    api = api_as(demo_user("township_staff"))
    neither = api.post("/api/v1/inspections", {}, content_type="application/json")
    assert neither.status_code == 400
    wrong_kind = api.post(
        "/api/v1/inspections", {"place_id": place.pk, "kind": "audit"}, content_type="application/json"
    )
    assert wrong_kind.status_code == 422
    begun = api.post(
        "/api/v1/inspections", {"place_id": place.pk, "kind": "supervision"}, content_type="application/json"
    ).json()
    url = f"/api/v1/inspections/{begun['id']}"
    item = begun["items"][0]["item_id"]
    not_image = SimpleUploadedFile("p.jpg", b"GIF89a-not-allowed", content_type="image/jpeg")
    refused = api.post(f"{url}/items/{item}", {"outcome": "failed", "note": "x", "photos": [not_image]})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "photos"
    big = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), content_type="image/jpeg")
    too_large = api.post(f"{url}/items/{item}", {"outcome": "failed", "note": "x", "photos": [big]})
    assert too_large.status_code == 400 and "10 MB" in too_large.json()["detail"]
    assert api.post(f"{url}/items/{item}", {"outcome": "broken"}).status_code == 422
    assert api.post(f"{url}/items/999999999", {"outcome": "ok"}).status_code == 400
    not_png = api.post(
        f"{url}/sign",
        {"representative": "周", "signature": "data:image/jpeg;base64,/9j/4AAQ"},
        content_type="application/json",
    )
    assert not_png.status_code == 400 and not_png.json()["errors"][0]["field"] == "signature"
    unanswered = api.post(f"{url}/finish", {}, content_type="application/json")
    assert unanswered.status_code == 400 and "未填写" in unanswered.json()["detail"]
    no_item_result = api.post(f"{url}/items/{begun['items'][1]['item_id']}/hazard", content_type="application/json")
    assert no_item_result.status_code == 404
    assert Inspection.objects.get(pk=begun["id"]).results.count() == 0  # nothing half-saved


def test_check_in_near_the_place_needs_no_reason(place: Place, api_as: Any, demo_user: Any) -> None:
    api = api_as(demo_user("grid_worker"))
    begun = api.post("/api/v1/inspections", {"place_id": place.pk}, content_type="application/json").json()
    assert begun["kind"] == "patrol"
    near = api.post(
        f"/api/v1/inspections/{begun['id']}/check-in",
        {"lat": PLACE_LAT + 0.001, "lng": PLACE_LNG},
        content_type="application/json",
    )
    assert near.status_code == 200 and near.json()["far_from_place"] is False and 100 < near.json()["distance_m"] < 120


def test_export_lists_what_the_filters_show(place: Place, client: Any, demo_user: Any) -> None:
    from inspections import actions

    staff = demo_user("township_staff")
    inspection = actions.begin(place, by=staff, kind="patrol")
    client.force_login(staff)
    response = client.get("/inspections/export.xlsx", {"place": place.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "记录编号" and [r[0] for r in rows[1:]] == [inspection.pk]
