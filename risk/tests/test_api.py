"""The risk API: model, place risk, signals, inspections, policies and the overdue roll-up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import TOWNSHIP_A, VILLAGE_A
from places.models import Place
from risk.models import InspectionPolicy, PlaceSignal, RiskModel

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(api_as: Any, demo_user: Any) -> Any:
    return api_as(demo_user("township_staff"))


@pytest.fixture
def admin_api(api_as: Any, demo_user: Any) -> Any:
    return api_as(demo_user("county_admin"))


def test_get_model_lists_factors_thresholds_and_version(staff_api: Any) -> None:
    body = staff_api.get("/api/v1/risk/model").json()
    assert body["version"] == RiskModel.objects.order_by("-version").first().version
    assert body["major_min"] == "60.00"
    codes = {f["code"] for f in body["factors"]}
    assert {"cat_hazchem", "major_hazard", "supervision_overdue"} <= codes
    hazchem = next(f for f in body["factors"] if f["code"] == "cat_hazchem")
    assert hazchem["min_grade"] == "large" and hazchem["source"]


def test_county_admin_puts_a_new_model_version(admin_api: Any) -> None:
    body = admin_api.get("/api/v1/risk/model").json()
    body["factors"].append(
        {"code": "fireworks", "name": "烟花爆竹企业", "side": "inherent", "rule": "kind_code",
         "params": {"kinds": ["ind_fireworks"]}, "points": "25", "min_grade": "large"}
    )  # fmt: skip
    payload = {k: body[k] for k in ("major_min", "large_min", "general_min", "factors")} | {"note": "增加烟花爆竹"}
    response = admin_api.put("/api/v1/risk/model", payload, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == body["version"] + 1
    assert any(f["code"] == "fireworks" for f in response.json()["factors"])


def test_put_model_with_bad_params_names_the_factor(admin_api: Any) -> None:
    body = admin_api.get("/api/v1/risk/model").json()
    body["factors"][0]["params"] = {"categories": ["volcano"]}
    payload = {k: body[k] for k in ("major_min", "large_min", "general_min", "factors")}
    response = admin_api.put("/api/v1/risk/model", payload, content_type="application/json")
    assert response.status_code == 400
    assert body["factors"][0]["name"] in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "factors"
    assert RiskModel.objects.order_by("-version").first().version == body["version"]


def test_put_model_refused_for_township_admin(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("township_admin"))
    body = client.get("/api/v1/risk/model").json()
    payload = {k: body[k] for k in ("major_min", "large_min", "general_min", "factors")}
    response = client.put("/api/v1/risk/model", payload, content_type="application/json")
    assert response.status_code == 403
    assert "权" in response.json()["detail"]


def test_place_risk_shows_grade_factors_history_and_due_dates(staff_api: Any, factory_place: Place) -> None:
    body = staff_api.get(f"/api/v1/places/{factory_place.pk}/risk").json()
    assert body["risk_grade"] == "general"
    assert body["jurisdiction_code"] == factory_place.jurisdiction.code
    assert body["risk_score"] == "20.00"
    assert {f["code"] for f in body["factors"]} == {"cat_industrial", "area_1000", "employees_50"}
    assert body["history"][0]["cause"] == "initial"
    assert body["history"][0]["model_version"] == body["model_version"]
    assert body["next_self_inspection_due"] and body["next_supervision_due"]


def test_post_and_list_signals(staff_api: Any, factory_place: Place, django_assert_max_num_queries: Any) -> None:
    url = f"/api/v1/places/{factory_place.pk}/signals"
    response = staff_api.post(url, {"kind": "hazard_open", "severity": "major", "note": "安全出口锁闭"}, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["active"] and created["jurisdiction_code"] == factory_place.jurisdiction.code
    assert staff_api.get(f"/api/v1/places/{factory_place.pk}/risk").json()["risk_grade"] == "major"
    for n in range(3):
        staff_api.post(url, {"kind": "alarm", "source_app": "alarms", "source_ref": str(n)}, content_type="application/json")
    with django_assert_max_num_queries(12):
        body = staff_api.get(url, {"page_size": 2}).json()
    assert body["count"] == 4 and len(body["items"]) == 2
    assert staff_api.get(url, {"kind": "alarm"}).json()["count"] == 3
    resolved = staff_api.post(f"/api/v1/signals/{created['id']}/resolve")
    assert resolved.status_code == 200 and not resolved.json()["active"]
    assert staff_api.get(url, {"active": "true"}).json()["count"] == 3


def test_bad_signal_input_gets_field_errors(staff_api: Any, factory_place: Place) -> None:
    url = f"/api/v1/places/{factory_place.pk}/signals"
    response = staff_api.post(url, {"kind": "meteor"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
    future = (timezone.now() + timedelta(days=2)).isoformat()
    response = staff_api.post(url, {"kind": "alarm", "occurred_at": future}, content_type="application/json")
    assert response.status_code == 400
    assert "晚于现在" in response.json()["detail"]
    assert not PlaceSignal.unscoped.filter(place=factory_place).exists()


def test_readers_cannot_post_signals(api_as: Any, demo_user: Any, factory_place: Place) -> None:
    response = api_as(demo_user("leader")).post(
        f"/api/v1/places/{factory_place.pk}/signals", {"kind": "alarm"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]


def test_record_inspection_via_api(staff_api: Any, factory_place: Place) -> None:
    today = timezone.localdate()
    response = staff_api.post(
        f"/api/v1/places/{factory_place.pk}/inspections",
        {"kind": "self", "on": today.isoformat(), "passed": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["last_self_inspection_on"] == today.isoformat()
    assert body["next_self_inspection_due"] == (today + timedelta(days=30)).isoformat()


def test_policies_get_and_put(admin_api: Any, staff_api: Any, industrial: Any) -> None:
    rows = staff_api.get("/api/v1/inspection-policies").json()
    assert {r["grade"] for r in rows if r["kind"] is None} == {"major", "large", "general", "low"}
    payload = {"policies": [{"grade": "general", "kind": industrial.code, "self_interval_days": 14, "supervision_interval_days": 90}]}
    response = admin_api.put("/api/v1/inspection-policies", payload, content_type="application/json")
    assert response.status_code == 200, response.content
    assert any(r["kind"] == industrial.code and r["self_interval_days"] == 14 for r in response.json())
    refused = staff_api.put("/api/v1/inspection-policies", payload, content_type="application/json")
    assert refused.status_code == 403
    unknown = admin_api.put(
        "/api/v1/inspection-policies",
        {"policies": [{"grade": "low", "kind": "no-such-kind", "self_interval_days": 1, "supervision_interval_days": 1}]},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and "no-such-kind" in unknown.json()["detail"]
    zero = admin_api.put(
        "/api/v1/inspection-policies",
        {"policies": [{"grade": "low", "self_interval_days": 0, "supervision_interval_days": 1}]},
        content_type="application/json",
    )
    assert zero.status_code == 422
    assert InspectionPolicy.objects.get(grade="low", kind=None).self_interval_days == 30


def test_overdue_rollup_per_child(staff_api: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(12):
        body = staff_api.get("/api/v1/risk/overdue", {"jurisdiction": TOWNSHIP_A}).json()
    assert body["jurisdiction_code"] == TOWNSHIP_A
    assert body["count"] == len(body["items"])
    assert VILLAGE_A in {row["jurisdiction_code"] for row in body["items"]}
    assert sum(row["total"] for row in body["items"]) == body["totals"]["total"]
    own = staff_api.get("/api/v1/risk/overdue").json()
    assert own["jurisdiction_code"] == TOWNSHIP_A
