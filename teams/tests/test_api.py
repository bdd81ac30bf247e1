"""Team API: shapes, filters, pagination, jurisdiction_code, writes, validation errors, query counts."""

from __future__ import annotations

from typing import Any

import pytest

from demo.constants import TOWNSHIP_A, VILLAGE_A
from teams.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_a(api_as: Any, admin_a: Any) -> Any:
    return api_as(admin_a)


def test_list_shape_pagination_and_codes(client_a: Any) -> None:
    body = client_a.get("/api/v1/teams", {"page_size": 3}).json()
    assert set(body) == {"count", "items"}
    assert body["count"] == Team.objects.filter(jurisdiction_path__contains=f"/{TOWNSHIP_A}/", archived_at__isnull=True).count()
    assert len(body["items"]) == 3
    item = body["items"][0]
    for key in ("id", "name", "kind", "kind_label", "jurisdiction_code", "lng", "lat", "status", "status_colour", "capabilities", "member_count"):
        assert key in item
    assert all(i["jurisdiction_code"].startswith(TOWNSHIP_A) for i in body["items"])
    page2 = client_a.get("/api/v1/teams", {"page_size": 3, "page": 2}).json()
    assert {i["id"] for i in page2["items"]}.isdisjoint(i["id"] for i in body["items"])


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"kind": "micro_fire_station"}, lambda i: i["kind"] == "micro_fire_station"),
        ({"status": "available"}, lambda i: i["status"] == "available"),
        ({"capability": "灭火"}, lambda i: "灭火" in i["capabilities"]),
        ({"capability": "firefighting"}, lambda i: "灭火" in i["capabilities"]),
        ({"jurisdiction": VILLAGE_A}, lambda i: i["jurisdiction_code"].startswith(VILLAGE_A)),
        ({"q": "微型"}, lambda i: "微型" in i["name"]),
    ],
)
def test_list_filters(client_a: Any, params: dict[str, str], check: Any) -> None:
    body = client_a.get("/api/v1/teams", {**params, "page_size": 100}).json()
    assert body["count"] > 0
    assert all(check(i) for i in body["items"])


def test_unknown_filter_value_is_422(client_a: Any) -> None:
    assert client_a.get("/api/v1/teams", {"kind": "dragon"}).status_code == 422


def test_create_patch_archive_restore_round(client_a: Any) -> None:
    body = {
        "name": "接口测试救援队",
        "kind": "volunteer",
        "jurisdiction_code": VILLAGE_A,
        "lng": 121.88,
        "lat": 29.48,
        "capabilities": ["水域救援", "search"],
        "duty_phone": "0574-65001234",
    }
    response = client_a.post("/api/v1/teams", body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["jurisdiction_code"] == VILLAGE_A
    assert sorted(created["capabilities"]) == sorted(["水域救援", "搜救"])
    assert created["members"] == [] and created["compliance"]["compliant"] is None
    team_id = created["id"]
    patched = client_a.patch(f"/api/v1/teams/{team_id}", {"address": "丹城码头", "capabilities": ["灭火"]}, content_type="application/json").json()
    assert patched["address"] == "丹城码头" and patched["capabilities"] == ["灭火"]
    archived = client_a.post(f"/api/v1/teams/{team_id}/archive", {"reason": "撤并"}, content_type="application/json").json()
    assert archived["archived"] is True
    assert team_id not in {i["id"] for i in client_a.get("/api/v1/teams", {"page_size": 100}).json()["items"]}
    restored = client_a.post(f"/api/v1/teams/{team_id}/restore", content_type="application/json").json()
    assert restored["archived"] is False


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"lng": 500}, 400, "lng"),
        ({"kind": "x"}, 422, "kind"),
        ({"capabilities": ["飞行"]}, 400, "capabilities"),
        ({"jurisdiction_code": "999999999"}, 400, "jurisdiction_code"),
        ({"name": ""}, 422, "name"),
    ],
)
def test_create_refuses_bad_input_with_field_errors(client_a: Any, body: dict[str, Any], status: int, field: str) -> None:
    base = {"name": "坏数据队", "kind": "volunteer", "jurisdiction_code": VILLAGE_A, "lng": 121.88, "lat": 29.48}
    response = client_a.post("/api/v1/teams", {**base, **body}, content_type="application/json")
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["detail"]
    assert any(field in e["field"] for e in payload["errors"]), payload
    assert not Team.objects.filter(name="坏数据队").exists()


def test_status_endpoint_and_history(client_a: Any) -> None:
    team = Team.objects.filter(jurisdiction_path__contains=f"/{TOWNSHIP_A}/", status="available").first()
    response = client_a.post(f"/api/v1/teams/{team.pk}/status", {"status": "on_task"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    response = client_a.post(f"/api/v1/teams/{team.pk}/status", {"status": "on_task", "reason": "防台巡查"}, content_type="application/json")
    assert response.json()["status"] == "on_task"
    history = client_a.get(f"/api/v1/teams/{team.pk}/status-history").json()
    assert history["items"][0]["to_status"] == "on_task" and history["items"][0]["reason"] == "防台巡查"
    assert history["items"][0]["jurisdiction_code"] == team.jurisdiction.code


def test_members_certificates_and_vehicles(client_a: Any) -> None:
    from people.models import Person

    team = Team.objects.filter(jurisdiction__code=TOWNSHIP_A).first()
    person = Person.objects.filter(jurisdiction__code=TOWNSHIP_A).exclude(team_memberships__team=team).first()
    response = client_a.post(f"/api/v1/teams/{team.pk}/members", {"person_id": person.pk, "role": "driver", "on_duty": True}, content_type="application/json")
    assert response.status_code == 201, response.content
    member = response.json()
    again = client_a.post(f"/api/v1/teams/{team.pk}/members", {"person_id": person.pk}, content_type="application/json")
    assert again.status_code == 400 and "重复" in again.json()["detail"]
    cert = client_a.post(
        f"/api/v1/team-members/{member['id']}/certificates",
        {"name": "机动车驾驶证", "issued_on": "2020-01-01", "expires_on": "2020-06-01"},
        content_type="application/json",
    ).json()
    assert cert["state"] == "expired"
    expired = client_a.get("/api/v1/team-certificates", {"state": "expired", "page_size": 500}).json()
    assert cert["id"] in {c["id"] for c in expired["items"]}
    renewed = client_a.post(f"/api/v1/team-certificates/{cert['id']}/renew", {"expires_on": "2099-06-01", "issued_on": "2024-06-01"}, content_type="application/json").json()
    assert renewed["state"] == "valid"
    members = client_a.get(f"/api/v1/teams/{team.pk}/members").json()
    assert member["id"] in {m["id"] for m in members["items"]}
    vehicle = client_a.post(f"/api/v1/teams/{team.pk}/vehicles", {"plate": "浙B7777应急", "kind": "water_tender"}, content_type="application/json")
    assert vehicle.status_code == 201
    vid = vehicle.json()["id"]
    assert client_a.patch(f"/api/v1/team-vehicles/{vid}", {"status": "repair"}, content_type="application/json").json()["status"] == "repair"
    ended = client_a.post(f"/api/v1/team-members/{member['id']}/end", {}, content_type="application/json").json()
    assert ended["current"] is False


def test_geojson_layer(client_a: Any) -> None:
    body = client_a.get("/api/v1/teams/geojson", {"kind": "micro_fire_station"}).json()
    assert body["type"] == "FeatureCollection" and body["features"]
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert {"kind", "status", "colour", "status_colour", "jurisdiction_code"} <= feature["properties"].keys()
    assert all(f["properties"]["kind"] == "micro_fire_station" for f in body["features"])


def test_standards_read_by_all_and_edited_by_county_only(client_a: Any, api_as: Any, demo_user: Any) -> None:
    standards = client_a.get("/api/v1/team-standards").json()
    assert {"micro_fire_station", "village_shock_team", "fire_brigade"} <= {s["kind"] for s in standards}
    assert client_a.patch("/api/v1/team-standards/micro_fire_station", {"min_members": 7}, content_type="application/json").status_code == 403
    county = api_as(demo_user("county_admin"))
    response = county.patch("/api/v1/team-standards/micro_fire_station", {"min_members": 7, "required_equipment": [{"name": "灭火器", "quantity": 0}]}, content_type="application/json")
    assert response.status_code == 400
    response = county.patch("/api/v1/team-standards/micro_fire_station", {"min_members": 7}, content_type="application/json")
    assert response.json()["min_members"] == 7


def test_compliance_rollup_shape(client_a: Any) -> None:
    body = client_a.get("/api/v1/teams/compliance", {"jurisdiction": TOWNSHIP_A}).json()
    assert body["jurisdiction_code"] == TOWNSHIP_A
    assert body["total"]["teams"] >= sum(row["teams"] for row in body["children"])
    assert all(row["code"].startswith(TOWNSHIP_A) for row in body["children"])


def test_list_query_count(client_a: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(10):
        body = client_a.get("/api/v1/teams", {"page_size": 100}).json()
    assert body["count"] > 3


def test_detail_query_count(client_a: Any, django_assert_max_num_queries: Any) -> None:
    team = Team.objects.filter(jurisdiction__code=TOWNSHIP_A).first()
    with django_assert_max_num_queries(20):
        assert client_a.get(f"/api/v1/teams/{team.pk}").status_code == 200


def test_certificates_list_query_count(client_a: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(8):
        assert client_a.get("/api/v1/team-certificates", {"page_size": 200}).status_code == 200


def test_members_and_vehicles_list_query_counts(client_a: Any, django_assert_max_num_queries: Any) -> None:
    team = Team.objects.filter(jurisdiction__code=TOWNSHIP_A, kind="gov_fire_brigade").first()
    with django_assert_max_num_queries(8):
        members = client_a.get(f"/api/v1/teams/{team.pk}/members", {"page_size": 100}).json()
    assert members["count"] >= 10 and all(m["jurisdiction_code"] == TOWNSHIP_A for m in members["items"])
    with django_assert_max_num_queries(8):
        assert client_a.get(f"/api/v1/teams/{team.pk}/vehicles").json()["count"] >= 1
