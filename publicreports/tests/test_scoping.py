"""Who may see and triage public reports: staff of the report's subtree with MANAGE_HAZARDS, nobody else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from demo.constants import GRID_A
from publicreports.choices import ReportState
from publicreports.tests.conftest import jpeg, make_report

pytestmark = pytest.mark.django_db
ACCEPT = {"category": "unsafe_condition", "hazard_type": "fire"}


def _logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["grid_worker", "village_cadre", "enterprise_user", "leader", "auditor"])
def test_roles_without_manage_hazards_get_403(role: str, demo_user: Any, api_as: Any) -> None:
    report = make_report(GRID_A)
    user = demo_user(role)
    api = api_as(user)
    assert api.get("/api/v1/public-reports").status_code == 403
    assert api.get(f"/api/v1/public-reports/{report.pk}").status_code == 403
    response = api.post(
        f"/api/v1/public-reports/{report.pk}/accept", data=json.dumps(ACCEPT), content_type="application/json"
    )
    assert response.status_code == 403
    page = _logged_in(user)
    assert page.get(reverse("publicreports:list")).status_code == 403
    assert page.post(reverse("publicreports:reject", args=[report.pk]), {"reason": "不是隐患"}).status_code == 403
    report.refresh_from_db()
    assert report.state == ReportState.RECEIVED


def test_outsider_township_sees_nothing(outsiders: dict[str, Any], api_as: Any) -> None:
    report = make_report(GRID_A, photos=[jpeg()])
    staff = outsiders["township_staff"]
    api = api_as(staff)
    assert api.get("/api/v1/public-reports").json()["count"] == 0
    assert api.get(f"/api/v1/public-reports/{report.pk}").status_code == 404
    for action, body in (
        ("accept", ACCEPT),
        ("reject", {"reason": "不在本镇"}),
        ("duplicate", {"of_hazard_id": 1}),
        ("reward", {"amount": "1"}),
    ):
        response = api.post(
            f"/api/v1/public-reports/{report.pk}/{action}", data=json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 404, action
    page = _logged_in(staff)
    assert report.receipt not in page.get(reverse("publicreports:list")).content.decode()
    assert page.get(reverse("publicreports:detail", args=[report.pk])).status_code == 404
    assert page.get(reverse("publicreports:photo", args=[report.pk, report.photos.get().pk])).status_code == 404
    assert page.post(reverse("publicreports:accept", args=[report.pk]), ACCEPT).status_code == 404
    report.refresh_from_db()
    assert report.state == ReportState.RECEIVED


def test_staff_list_is_scoped_and_filtered(demo_user: Any, outsiders: dict[str, Any], api_as: Any) -> None:
    from demo.constants import TOWNSHIP_B

    ours = make_report(GRID_A, fingerprint="1" * 64)
    theirs = make_report(TOWNSHIP_B, fingerprint="2" * 64, description="石浦渔港码头加油点旁堆放大量油桶")
    mine = api_as(demo_user("township_staff")).get("/api/v1/public-reports").json()
    assert [r["receipt"] for r in mine["items"]] == [ours.receipt]
    county = api_as(demo_user("county_admin")).get("/api/v1/public-reports", {"jurisdiction": TOWNSHIP_B}).json()
    assert [r["receipt"] for r in county["items"]] == [theirs.receipt]
    everything = api_as(demo_user("county_admin")).get("/api/v1/public-reports", {"state": "received"}).json()
    assert everything["count"] == 2
    outside = api_as(outsiders["township_admin"]).get("/api/v1/public-reports", {"jurisdiction": "330225001"})
    assert outside.status_code == 400  # a code outside the scope is unknown


def test_public_endpoints_need_no_login_but_staff_ones_do() -> None:
    report = make_report(GRID_A)
    client = Client()
    assert client.get(f"/api/v1/public/reports/{report.receipt}").status_code == 200
    assert client.get("/api/v1/public-reports").status_code == 401
    assert client.get(reverse("public_report:form")).status_code == 200
    assert client.get(reverse("publicreports:list")).status_code == 302  # to the login page
