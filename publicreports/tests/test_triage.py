"""Triage by staff: into a hazard, rejected, duplicate, rewarded; and the outcome that follows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.constants import GRID_A
from hazards.choices import HazardSource, HazardState
from hazards.machine import TransitionRefused
from hazards.models import Hazard
from places.models import Place
from publicreports import actions, services
from publicreports.choices import ReportState
from publicreports.tests.conftest import jpeg, make_report

pytestmark = pytest.mark.django_db


def _outcome(report: Any) -> dict[str, Any]:
    return Client().get(f"/api/v1/public/reports/{report.receipt}").json()  # type: ignore[no-any-return]


def test_accept_through_the_api_creates_a_hazard_with_the_photos(demo_user: Any, api_as: Any) -> None:
    report = make_report(GRID_A, photos=[jpeg("a.jpg")], phone="13912345678")
    staff = demo_user("township_staff")
    response = api_as(staff).post(
        f"/api/v1/public-reports/{report.pk}/accept",
        data=json.dumps({"category": "unsafe_condition", "hazard_type": "fire", "severity": "general"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "accepted" and body["hazard_id"]
    hazard = Hazard.unscoped.get(pk=body["hazard_id"])
    assert hazard.source == HazardSource.PUBLIC_REPORT
    assert (hazard.source_app, hazard.source_ref) == ("publicreports", str(report.pk))
    assert hazard.state == HazardState.REPORTED and hazard.description == report.description
    assert hazard.photos.count() == 1
    assert hazard.jurisdiction_id == report.jurisdiction_id
    assert _outcome(report)["outcome"] == "已受理，正在核实确认"


def test_outcome_follows_the_hazard(demo_user: Any) -> None:
    from hazards import actions as hazard_actions

    staff = demo_user("township_staff")
    report = actions.accept(make_report(GRID_A), by=staff, category="unsafe_condition", hazard_type="fire")
    hazard = Hazard.unscoped.get(pk=report.hazard_id)
    hazard_actions.confirm(hazard, by=staff)
    body = _outcome(report)
    assert body["hazard_state"] == "confirmed" and body["outcome"] == "已确认为隐患，等待派单整改"
    Hazard.unscoped.filter(pk=hazard.pk).update(
        state=HazardState.RECTIFYING, deadline=timezone.localdate(), updated_at=timezone.now()
    )
    body = _outcome(report)
    assert body["outcome"] == "正在整改" and body["deadline"] == timezone.localdate().isoformat()
    Hazard.unscoped.filter(pk=hazard.pk).update(state=HazardState.CLOSED, closed_at=timezone.now())
    body = _outcome(report)
    assert body["outcome"] == "整改完成，已核销" and body["closed_at"]
    page = Client().get(reverse("public_report:outcome", args=[report.receipt])).content.decode()
    assert "整改完成，已核销" in page
    # Never the hazard's internals or staff names.
    assert hazard.number not in page and staff.display_name not in page


def test_accept_with_a_place_puts_the_hazard_on_the_place(demo_user: Any) -> None:
    staff = demo_user("township_staff")
    place = Place.unscoped.filter(jurisdiction_path__startswith="/330225/330225001/", archived_at__isnull=True).first()
    assert place is not None
    report = actions.accept(
        make_report(GRID_A), by=staff, category="management_defect", hazard_type="electrical", place=place
    )
    assert Hazard.unscoped.get(pk=report.hazard_id).place_id == place.pk


def test_a_report_is_triaged_once(demo_user: Any, api_as: Any) -> None:
    staff = demo_user("township_staff")
    report = make_report(GRID_A)
    actions.reject(report, by=staff, reason="重复举报已处理")
    with pytest.raises(TransitionRefused):
        actions.accept(report, by=staff, category="unsafe_condition", hazard_type="fire")
    response = api_as(staff).post(
        f"/api/v1/public-reports/{report.pk}/reject",
        data=json.dumps({"reason": "再次"}),
        content_type="application/json",
    )
    assert response.status_code == 409


def test_reject_needs_a_reason(demo_user: Any, api_as: Any) -> None:
    report = make_report(GRID_A)
    response = api_as(demo_user("township_staff")).post(
        f"/api/v1/public-reports/{report.pk}/reject", data=json.dumps({"reason": " "}), content_type="application/json"
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.state == ReportState.RECEIVED


def test_duplicate_of_a_report_follows_the_original(demo_user: Any, api_as: Any) -> None:
    staff = demo_user("township_staff")
    original = make_report(GRID_A, fingerprint="1" * 64)
    copy = make_report(GRID_A, fingerprint="2" * 64, description="东门通道又被堵了，还是那些三轮车")
    response = api_as(staff).post(
        f"/api/v1/public-reports/{copy.pk}/duplicate",
        data=json.dumps({"of_receipt": original.receipt}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["duplicate_of_receipt"] == original.receipt
    assert _outcome(copy)["outcome"] == "与已有举报重复，合并处理：等待核实"
    actions.accept(original, by=staff, category="unsafe_condition", hazard_type="fire")
    assert _outcome(copy)["outcome"] == "与已有问题重复，合并处理：已受理，正在核实确认"


def test_duplicate_of_itself_is_refused(demo_user: Any) -> None:
    report = make_report(GRID_A)
    with pytest.raises(Exception, match="自身"):
        actions.mark_duplicate(report, by=demo_user("township_staff"), of_report=report)


def test_reward_is_recorded_for_an_accepted_report(demo_user: Any, api_as: Any) -> None:
    staff = demo_user("township_staff")
    report = make_report(GRID_A)
    client = api_as(staff)
    url = f"/api/v1/public-reports/{report.pk}/reward"
    refused = client.post(url, data=json.dumps({"amount": "200"}), content_type="application/json")
    assert refused.status_code == 409  # not accepted yet
    actions.accept(report, by=staff, category="unsafe_condition", hazard_type="fire")
    bad = client.post(url, data=json.dumps({"amount": "-5"}), content_type="application/json")
    assert bad.status_code == 400
    response = client.post(
        url, data=json.dumps({"amount": "200", "note": "依据奖励办法"}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["reward_amount"] == "200.00"
    assert _outcome(report)["rewarded"] is True


def test_phone_is_masked_without_see_mobile(demo_user: Any) -> None:
    report = make_report(GRID_A, phone="13912345678")

    class NoMobile:
        def can(self, capability: str) -> bool:
            return False

    assert services.phone_for(report, NoMobile()) == "139****5678"
    assert services.phone_for(report, demo_user("township_staff")) == "13912345678"


def test_triage_pages_end_to_end(demo_user: Any) -> None:
    staff = demo_user("township_staff")
    report = make_report(GRID_A, photos=[jpeg()])
    client = Client()
    client.force_login(staff)
    listing = client.get(reverse("publicreports:list"))
    assert listing.status_code == 200 and report.receipt in listing.content.decode()
    detail = client.get(reverse("publicreports:detail", args=[report.pk]))
    assert detail.status_code == 200 and "受理为隐患" in detail.content.decode()
    photo = report.photos.get()
    assert client.get(reverse("publicreports:photo", args=[report.pk, photo.pk])).status_code == 200
    bad = client.post(reverse("publicreports:reject", args=[report.pk]), {"reason": ""})
    assert bad.status_code == 400
    response = client.post(
        reverse("publicreports:accept", args=[report.pk]),
        {
            "place": "",
            "category": "unsafe_condition",
            "hazard_type": "fire",
            "severity": "general",
            "description": "",
            "interim_measures": "先行拉警戒线",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.ACCEPTED and report.hazard is not None
    assert report.hazard.interim_measures == "先行拉警戒线"
    rewarded = client.post(reverse("publicreports:reward", args=[report.pk]), {"amount": "100", "note": ""})
    assert rewarded.status_code == 302
    report.refresh_from_db()
    assert str(report.reward_amount) == "100.00"


def test_staff_list_queries_do_not_grow_with_rows(demo_user: Any, api_as: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as(demo_user("county_admin"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/public-reports").status_code == 200
        return len(captured)

    for i in range(2):
        make_report(GRID_A, fingerprint=f"{i:064d}", description=f"楼道堆放杂物 第{i}处", photos=[jpeg()])
    queries()  # the first call also records the token's use
    few = queries()
    for i in range(2, 8):
        make_report(GRID_A, fingerprint=f"{i:064d}", description=f"楼道堆放杂物 第{i}处")
    assert queries() == few


def test_a_hazard_finds_the_report_it_came_from(demo_user: Any) -> None:
    staff = demo_user("township_staff")
    report = actions.accept(make_report(GRID_A), by=staff, category="unsafe_condition", hazard_type="fire")
    hazard = Hazard.unscoped.get(pk=report.hazard_id)
    found = services.report_for_hazard(hazard)
    assert found is not None and found.receipt == report.receipt
    other = Hazard.unscoped.exclude(source_app="publicreports").first()
    assert other is None or services.report_for_hazard(other) is None
