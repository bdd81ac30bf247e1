"""The public side: submitting without an account, the receipt, the outcome page, and abuse."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import ObjectChange
from demo.constants import COUNTY_CODE, GRID_A, TOWNSHIP_B
from publicreports import actions
from publicreports.choices import LocatedBy, ReportState
from publicreports.models import PublicReport, ReportPhoto
from publicreports.tests.conftest import jpeg, make_report, point_in, slow_token

pytestmark = pytest.mark.django_db
API = "/api/v1/public/reports"
TEXT = "菜市场东门消防通道被三轮车和杂物堵死，已经两周了"


def _post_json(client: Client, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(API, data=json.dumps(body), content_type="application/json", **extra)


def _page_data(**extra: Any) -> dict[str, Any]:
    return {
        "description": TEXT,
        "address": "",
        "township": "",
        "phone": "",
        "website": "",
        "started": slow_token(),
        **extra,
    }


# --- submitting ------------------------------------------------------------------------------


def test_anyone_can_report_through_the_api_and_gets_a_receipt() -> None:
    lng, lat = point_in(GRID_A)
    response = _post_json(Client(), {"description": TEXT, "lng": lng, "lat": lat, "phone": "13912345678"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "received" and body["created"] is True
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}", body["receipt"])
    report = PublicReport.unscoped.get(receipt=body["receipt"])
    assert report.jurisdiction.code == GRID_A and report.located_by == LocatedBy.POINT
    assert report.phone == "13912345678"


def test_multipart_report_with_photos_and_township_pick() -> None:
    response = Client().post(
        API,
        {"description": TEXT, "township": TOWNSHIP_B, "photos": [jpeg("a.jpg"), jpeg("b.jpg")]},
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 201, response.content
    report = PublicReport.unscoped.get(receipt=response.json()["receipt"])
    assert report.jurisdiction.code == TOWNSHIP_B and report.located_by == LocatedBy.CHOSEN
    photos = list(ReportPhoto.objects.filter(report=report))
    assert len(photos) == 2 and all(p.content_type == "image/jpeg" for p in photos)
    assert all(re.fullmatch(r"publicreports/[0-9a-f]{2}/[0-9a-f]{32}\.jpg", p.image.name) for p in photos)


def test_without_location_or_township_the_report_goes_to_the_county() -> None:
    response = _post_json(Client(), {"description": TEXT})
    assert response.status_code == 201
    report = PublicReport.unscoped.get(receipt=response.json()["receipt"])
    assert report.jurisdiction.code == COUNTY_CODE and report.located_by == LocatedBy.DEFAULT


def test_gcj02_point_is_converted_before_locating() -> None:
    from places.coords import wgs84_to_gcj02

    lng, lat = point_in(GRID_A)
    glng, glat = wgs84_to_gcj02(lng, lat)
    response = _post_json(Client(), {"description": TEXT, "lng": glng, "lat": glat, "coord_system": "gcj02"})
    report = PublicReport.unscoped.get(receipt=response.json()["receipt"])
    assert report.coord_system == "gcj02"
    assert abs(report.lng - lng) < 1e-6 and abs(report.lat - lat) < 1e-6  # type: ignore[operator]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "太短了"}, "description"),
        ({"description": "长" * 1001}, "description"),
        ({"description": TEXT, "phone": "12345"}, "phone"),
        ({"description": TEXT, "lng": 121.9}, "lat"),
        ({"description": TEXT, "lng": 2.35, "lat": 48.85}, "lng"),
        ({"description": TEXT, "township": "999999999"}, "township"),
    ],
)
def test_bad_input_is_refused_with_the_field_to_fix(body: dict[str, Any], field: str) -> None:
    response = _post_json(Client(), body)
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not PublicReport.unscoped.exists()


def test_wrong_types_answer_422() -> None:
    response = _post_json(Client(), {"description": TEXT, "lng": "east", "lat": 29.4})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lng"


def test_anonymous_report_stores_no_phone() -> None:
    response = _post_json(Client(), {"description": TEXT, "phone": "13912345678", "anonymous": True})
    report = PublicReport.unscoped.get(receipt=response.json()["receipt"])
    assert report.anonymous is True and report.phone == ""


def test_the_client_address_is_never_stored() -> None:
    response = _post_json(Client(), {"description": TEXT}, REMOTE_ADDR="203.0.113.77")
    report = PublicReport.unscoped.get(receipt=response.json()["receipt"])
    assert re.fullmatch(r"[0-9a-f]{64}", report.fingerprint)
    assert report.fingerprint == actions.fingerprint_of("203.0.113.77") != actions.fingerprint_of("203.0.113.78")
    changes = ObjectChange.objects.filter(object_id=str(report.pk), content_type__model="publicreport")
    assert changes.exists()
    assert all(c.remote_addr is None for c in changes)
    assert "203.0.113.77" not in json.dumps([c.after for c in changes], default=str)


def test_page_submission_without_login_shows_the_receipt() -> None:
    client = Client()
    form = client.get(reverse("public_report:form"))
    assert form.status_code == 200
    assert b'name="website"' in form.content and b'capture="environment"' in form.content
    response = client.post(reverse("public_report:form"), {**_page_data(), "photos": [jpeg()]})
    assert response.status_code == 302, response.content.decode()[:2000]
    report = PublicReport.unscoped.get()
    assert report.photos.count() == 1
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert actions.format_receipt(report.receipt) in page.content.decode()
    assert "请截图或抄下保存此回执码" in page.content.decode()


def test_page_keeps_what_was_typed_when_input_is_bad() -> None:
    response = Client().post(reverse("public_report:form"), _page_data(phone="999"))
    assert response.status_code == 400
    assert TEXT in response.content.decode() and "手机号" in response.content.decode()
    assert not PublicReport.unscoped.exists()


def test_page_enforces_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("public_report:form"), _page_data())
    assert response.status_code == 403
    assert not PublicReport.unscoped.exists()


# --- abuse --------------------------------------------------------------------------------------


def test_sixth_report_in_an_hour_from_one_client_is_refused_and_nothing_written() -> None:
    client = Client()
    for i in range(5):
        assert _post_json(client, {"description": f"{TEXT}（第{i}处）"}).status_code == 201
    response = _post_json(client, {"description": f"{TEXT}（第6处）"})
    assert response.status_code == 429
    assert "每小时最多" in response.json()["detail"]
    assert PublicReport.unscoped.count() == 5
    # Another client is not affected.
    assert _post_json(client, {"description": f"{TEXT}（别人）"}, REMOTE_ADDR="10.9.9.9").status_code == 201


def test_refusal_is_counted_from_the_database_not_process_memory() -> None:
    """Reports stored by another web process (here: rows written directly) count the same."""
    fingerprint = actions.fingerprint_of("127.0.0.1")
    for i in range(5):
        make_report(fingerprint=fingerprint, description=f"{TEXT} {i}")
    response = _post_json(Client(), {"description": f"{TEXT} new"})
    assert response.status_code == 429


def test_daily_limit() -> None:
    fingerprint = "d" * 64
    now = timezone.now()
    for i in range(20):
        make_report(
            fingerprint=fingerprint, description=f"{TEXT} {i}", now=now - timedelta(hours=22 - i)
        )  # oldest first
    with pytest.raises(actions.SubmissionRefused, match="每天最多"):
        make_report(fingerprint=fingerprint, description=f"{TEXT} again")
    assert PublicReport.unscoped.filter(fingerprint=fingerprint).count() == 20


@override_settings(PUBLIC_REPORT_LIMITS={"flag_hour": 2, "refuse_hour": 3})
def test_flood_in_one_township_is_flagged_then_refused() -> None:
    reports = [make_report(GRID_A, fingerprint=f"{i:064d}", description=f"{TEXT} {i}") for i in range(3)]
    assert [r.flood_flagged for r in reports] == [False, False, True]
    with pytest.raises(actions.SubmissionRefused, match="繁忙"):
        make_report(GRID_A, fingerprint="9" * 64, description=f"{TEXT} x")
    # Another township is not affected.
    assert make_report(TOWNSHIP_B, fingerprint="8" * 64, description=f"{TEXT} y").flood_flagged is False


@override_settings(PUBLIC_REPORT_LIMITS={"max_body_bytes": 50_000})
def test_oversized_body_is_refused_before_it_is_read() -> None:
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * 80_000, content_type="image/jpeg")
    with mock.patch("django.http.request.MultiPartParser.parse", side_effect=AssertionError("body was parsed")):
        response = Client().post(API, {"description": TEXT, "photos": [big]})
    assert response.status_code == 413
    assert "过大" in response.json()["detail"]
    assert not PublicReport.unscoped.exists() and not ReportPhoto.objects.exists()


@override_settings(PUBLIC_REPORT_LIMITS={"max_body_bytes": 50_000})
def test_oversized_page_submission_is_refused_with_413() -> None:
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * 80_000, content_type="image/jpeg")
    with mock.patch("django.http.request.MultiPartParser.parse", side_effect=AssertionError("body was parsed")):
        response = Client().post(reverse("public_report:form"), {**_page_data(), "photos": [big]})
    assert response.status_code == 413
    assert "过大" in response.content.decode()
    assert not PublicReport.unscoped.exists()


def test_photo_over_five_megabytes_is_refused() -> None:
    big = jpeg(size=5 * 1024 * 1024 + 1)
    response = Client().post(API, {"description": TEXT, "photos": [big]})
    assert response.status_code == 400
    assert "过大" in response.json()["detail"]
    assert not PublicReport.unscoped.exists() and not ReportPhoto.objects.exists()


def test_more_than_three_photos_are_refused() -> None:
    response = Client().post(API, {"description": TEXT, "photos": [jpeg(f"{i}.jpg") for i in range(4)]})
    assert response.status_code == 400
    assert not PublicReport.unscoped.exists()


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name() -> None:
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 'hi'; ?>" * 10, content_type="image/jpeg")
    response = Client().post(API, {"description": TEXT, "photos": [fake]})
    assert response.status_code == 400
    assert "不是照片" in response.json()["detail"]
    assert not PublicReport.unscoped.exists()


def test_honeypot_filled_is_refused_and_nothing_written() -> None:
    response = Client().post(reverse("public_report:form"), _page_data(website="http://spam.example"))
    assert response.status_code == 400
    assert not PublicReport.unscoped.exists()
    # The form comes back with the text kept and the trap emptied, so a person can just resend.
    assert TEXT in response.content.decode()
    assert "spam.example" not in response.content.decode()


def test_form_sent_too_fast_is_refused() -> None:
    from publicreports.forms import form_token

    response = Client().post(reverse("public_report:form"), _page_data(started=form_token()))
    assert response.status_code == 400
    assert "太快" in response.content.decode()
    assert not PublicReport.unscoped.exists()


def test_form_with_forged_time_stamp_is_refused() -> None:
    response = Client().post(reverse("public_report:form"), _page_data(started="12345"))
    assert response.status_code == 400
    assert not PublicReport.unscoped.exists()


def test_the_same_report_twice_returns_the_same_receipt() -> None:
    client = Client()
    first = _post_json(client, {"description": TEXT})
    again = _post_json(client, {"description": f"  {TEXT}\n"})
    assert first.status_code == 201
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["receipt"] == first.json()["receipt"]
    assert PublicReport.unscoped.count() == 1
    # The same text from another client is its own report.
    assert _post_json(client, {"description": TEXT}, REMOTE_ADDR="10.2.2.2").status_code == 201


def test_the_same_text_after_a_day_is_a_new_report() -> None:
    fingerprint = actions.fingerprint_of("127.0.0.1")
    make_report(fingerprint=fingerprint, description=TEXT, now=timezone.now() - timedelta(hours=25))
    assert _post_json(Client(), {"description": TEXT}).status_code == 201


# --- the outcome --------------------------------------------------------------------------------


def test_receipt_lookup_through_api_and_page() -> None:
    report = make_report(GRID_A)
    response = Client().get(f"{API}/{report.receipt.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["receipt"] == report.receipt and body["state"] == "received"
    assert body["outcome"] == "已收到，等待工作人员核实" and body["hazard_state"] is None
    page = Client().get(reverse("public_report:outcome", args=[actions.format_receipt(report.receipt)]))
    assert page.status_code == 200 and "等待工作人员核实" in page.content.decode()
    assert report.description not in page.content.decode()


@pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "zzzzz-zzzzz", "abc", "%3Cscript%3E", "1" * 10])
def test_unknown_receipt_is_404_without_leaking(code: str) -> None:
    make_report(GRID_A)
    response = Client().get(f"{API}/{code}")
    assert response.status_code == 404
    body = response.json()
    assert body["detail"].startswith("未找到该回执码") and not body.get("errors")
    page = Client().get(reverse("public_report:outcome", args=[code]))
    assert page.status_code == 404
    assert "未找到该回执码" in page.content.decode()


def test_lookup_box_redirects_to_the_receipt_page() -> None:
    report = make_report(GRID_A)
    response = Client().get(
        reverse("public_report:lookup"), {"receipt": actions.format_receipt(report.receipt).lower()}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/report/{report.receipt}/")


@override_settings(PUBLIC_REPORT_LIMITS={"lookups_per_minute": 3})
def test_receipt_lookups_are_rate_limited() -> None:
    client = Client()
    codes = [client.get(f"{API}/ZZZZZZZZZZ").status_code for _i in range(4)]
    assert codes == [404, 404, 404, 429]


def test_rejected_report_shows_the_reason(demo_user: Any) -> None:
    report = make_report(GRID_A)
    actions.reject(report, by=demo_user("township_staff"), reason="经现场查看，该通道为私人院落，不属于消防通道")
    body = Client().get(f"{API}/{report.receipt}").json()
    assert body["state"] == ReportState.REJECTED and body["outcome"] == "未予受理"
    assert body["reason"] == "经现场查看，该通道为私人院落，不属于消防通道"
    page = Client().get(reverse("public_report:outcome", args=[report.receipt])).content.decode()
    assert "私人院落" in page
    assert demo_user("township_staff").display_name not in page


def test_public_pages_in_english() -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("public_report:form")).content.decode()
    assert "Report a hazard" in page and "Take a photo" in page
    report = make_report(GRID_A)
    outcome = client.get(reverse("public_report:outcome", args=[report.receipt])).content.decode()
    assert "Received, waiting for staff to check it" in outcome
