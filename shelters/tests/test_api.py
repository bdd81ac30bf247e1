"""Shelter API: shapes, pagination, coordinates, occupancy, routes, map layer and roll-up."""

from __future__ import annotations

from typing import Any

import pytest

from demo.constants import TOWNSHIP_A, VILLAGE_A
from shelters.models import Shelter, ShelterEvent

pytestmark = pytest.mark.django_db


def test_list_has_count_items_jurisdiction_code_and_wgs84_point(api_as: Any, demo_user: Any, shelter: Shelter) -> None:
    response = api_as(demo_user("township_staff")).get("/api/v1/shelters", {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "items"}
    assert body["count"] >= 1 and len(body["items"]) <= 2
    item = body["items"][0]
    for key in ("id", "name", "jurisdiction_code", "lng", "lat", "capacity_night", "status", "occupancy"):
        assert key in item
    assert all(i["jurisdiction_code"].startswith(TOWNSHIP_A) for i in body["items"])


def test_pagination_walks_every_shelter_once(api_as: Any, demo_user: Any, shelter: Shelter) -> None:
    client = api_as(demo_user("county_admin"))
    total = client.get("/api/v1/shelters").json()["count"]
    seen = []
    for page in range(1, total // 5 + 2):
        seen += [i["id"] for i in client.get("/api/v1/shelters", {"page": page, "page_size": 5}).json()["items"]]
    assert len(seen) == len(set(seen)) == total


def test_create_converts_bd09_and_answers_201(api_as: Any, demo_user: Any) -> None:
    from places.coords import distance_m, gcj02_to_bd09, wgs84_to_gcj02

    bd = gcj02_to_bd09(*wgs84_to_gcj02(121.87, 29.47))
    payload = {"name": "新建避灾点", "jurisdiction_code": VILLAGE_A, "kind": "school", "lng": bd[0], "lat": bd[1], "coord_system": "bd09",
               "capacity_day": 300, "capacity_night": 200, "facilities": ["water", "power"], "area_m2": 12.34}
    response = api_as(demo_user("township_staff")).post("/api/v1/shelters", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["jurisdiction_code"] == VILLAGE_A
    assert distance_m((body["lng"], body["lat"]), (121.87, 29.47)) < 0.5
    assert body["facilities"] == ["water", "power"] and body["area_m2"] == 12.3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"lng": 29.47, "lat": 121.87}, "lng"),
        ({"lng": 121.87}, "lng"),
        ({"capacity_night": -1}, "capacity_night"),
        ({"facilities": ["helipad"]}, "facilities.0"),
        ({"jurisdiction_code": "330225100"}, "jurisdiction_code"),
    ],
)
def test_bad_input_is_refused_field_by_field(api_as: Any, demo_user: Any, payload: dict[str, Any], field: str) -> None:
    data = {"name": "坏数据", "jurisdiction_code": VILLAGE_A, **payload}
    before = Shelter.unscoped.count()
    response = api_as(demo_user("township_staff")).post("/api/v1/shelters", data, content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Shelter.unscoped.count() == before


def test_occupancy_endpoint_follows_the_rules(api_as: Any, demo_user: Any, shelter: Shelter) -> None:
    client = api_as(demo_user("village_cadre"))
    url = f"/api/v1/shelters/{shelter.pk}"
    refused = client.post(url + "/occupancy", {"kind": "check_in", "count": 5}, content_type="application/json")
    assert refused.status_code == 400 and "开放" in refused.json()["detail"]
    assert client.post(url + "/status", {"status": "open"}, content_type="application/json").json()["status"] == "open"
    over = client.post(url + "/occupancy", {"kind": "check_in", "count": 101}, content_type="application/json")
    assert over.status_code == 400
    ok = client.post(url + "/occupancy", {"kind": "check_in", "count": 101, "confirm_over_capacity": True}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "full" and ok.json()["occupancy"] == 101
    events = client.get(url + "/events").json()
    assert events["count"] == ShelterEvent.unscoped.filter(shelter=shelter).count() == 3
    assert client.post(url + "/status", {"status": "full"}, content_type="application/json").status_code == 422


def test_geojson_has_points_coloured_by_status_and_route_lines(api_as: Any, demo_user: Any, shelter: Shelter) -> None:
    client = api_as(demo_user("township_staff"))
    line = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[121.87, 29.47], [121.88, 29.48]]}}
    created = client.post(f"/api/v1/shelters/{shelter.pk}/routes", {"name": "测试路线", "geometry": line}, content_type="application/json")
    assert created.status_code == 201, created.content
    response = client.get("/api/v1/shelters/geojson", {"jurisdiction": VILLAGE_A})
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    mine = [f for f in data["features"] if f["properties"]["layer"] == "shelter" and f["properties"]["id"] == shelter.pk]
    assert mine and mine[0]["geometry"]["coordinates"] == [shelter.lng, shelter.lat] and mine[0]["properties"]["colour"].startswith("#")
    assert any(f["geometry"]["type"] == "LineString" and f["properties"]["name"] == "测试路线" for f in data["features"])


def test_route_geometry_errors_are_400(api_as: Any, demo_user: Any, shelter: Shelter) -> None:
    response = api_as(demo_user("township_staff")).post(
        f"/api/v1/shelters/{shelter.pk}/routes", {"name": "x", "geometry": {"type": "Polygon", "coordinates": []}}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "geometry"


def test_capacity_rollup_adds_up_the_townships_shelters(api_as: Any, demo_user: Any, shelter: Shelter) -> None:
    rows = api_as(demo_user("county_admin")).get("/api/v1/shelters/capacity").json()
    row = next(r for r in rows if r["code"] == TOWNSHIP_A)
    expected = Shelter.unscoped.filter(jurisdiction_path__startswith=f"/330225/{TOWNSHIP_A}/", archived_at__isnull=True)
    assert row["shelters"] == expected.count()
    assert row["capacity_night"] == sum(expected.values_list("capacity_night", flat=True))
    assert row["population"] > 0 and row["per_hundred"] == round(row["capacity_night"] * 100 / row["population"], 1)
    villages = api_as(demo_user("township_staff")).get("/api/v1/shelters/capacity", {"jurisdiction": TOWNSHIP_A}).json()
    assert all(r["code"].startswith(TOWNSHIP_A) and len(r["code"]) == 12 for r in villages)


def test_phone_numbers_are_masked_for_roles_without_see_mobile(api_as: Any, demo_user: Any, make_shelter: Any) -> None:
    shelter = make_shelter(responsible_phone="13805740001")
    assert api_as(demo_user("leader")).get(f"/api/v1/shelters/{shelter.pk}").json()["responsible_phone"] == "13805740001"
    assert api_as(demo_user("auditor")).get(f"/api/v1/shelters/{shelter.pk}").json()["responsible_phone"] == "138****0001"


def test_list_query_count_is_bounded(api_as: Any, demo_user: Any, django_assert_max_num_queries: Any) -> None:
    client = api_as(demo_user("county_admin"))
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/shelters", {"page_size": 100}).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/shelters/geojson").status_code == 200
