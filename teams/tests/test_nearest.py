"""Nearest available teams: ordering, exact haversine distances, availability, scope, bad input."""

from __future__ import annotations

import math
from typing import Any

import pytest

from demo.constants import TOWNSHIP_B
from teams.services import haversine_m, nearest_teams
from yingji.scoping import Scope, use_scope

pytestmark = pytest.mark.django_db


def hand_haversine(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Written out independently of teams.services (R = 6371008.8 m)."""
    phi1, phi2 = lat1 * math.pi / 180, lat2 * math.pi / 180
    a = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin((lng2 - lng1) * math.pi / 360) ** 2
    return 2 * 6371008.8 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def test_haversine_matches_known_distance() -> None:
    # one degree of latitude along a meridian is R * pi / 180 metres
    assert haversine_m(0, 0, 0, 1) == pytest.approx(6371008.8 * math.pi / 180, rel=1e-12)
    assert haversine_m(121.0, 29.0, 121.5, 29.3) == pytest.approx(hand_haversine(121.0, 29.0, 121.5, 29.3), rel=1e-9)


def test_nearest_orders_by_distance_with_exact_metres(make_team: Any, far_away: tuple[float, float]) -> None:
    lng, lat = far_away
    offsets = [(0.30, 0.0), (0.01, 0.01), (0.0, -0.05), (-0.2, 0.2), (2.0, 0.0)]
    teams = [make_team(lng + dx, lat + dy) for dx, dy in offsets]
    found = nearest_teams(lng, lat, limit=4)
    expected = sorted(teams, key=lambda t: hand_haversine(lng, lat, t.lng, t.lat))[:4]
    assert [n.team.pk for n in found] == [t.pk for t in expected]
    for near in found:
        assert near.distance_m == pytest.approx(hand_haversine(lng, lat, near.team.lng, near.team.lat), abs=0.01)


def test_box_corner_does_not_hide_a_nearer_team(make_team: Any, far_away: tuple[float, float]) -> None:
    """The first box holds a team at its corner; a nearer one just outside the edge must win."""
    lng, lat = far_away
    deg = 4_900 / 111_195  # ~4.9 km in degrees of latitude
    corner = make_team(lng + deg / math.cos(math.radians(lat)), lat + deg)  # ~6.9 km, inside the 5 km box
    edge = make_team(lng, lat + 5_600 / 111_195)  # ~5.6 km, outside the box
    found = nearest_teams(lng, lat, limit=1)
    assert [n.team.pk for n in found] == [edge.pk]
    assert corner.pk != edge.pk


def test_unavailable_on_task_and_archived_teams_are_left_out(make_team: Any, admin_a: Any, far_away: tuple[float, float]) -> None:
    from teams import actions

    lng, lat = far_away
    busy = make_team(lng + 0.001, lat)
    broken = make_team(lng + 0.002, lat)
    gone = make_team(lng + 0.003, lat)
    ready = make_team(lng + 0.5, lat)
    actions.change_status(busy, by=admin_a, status="on_task", reason="防台巡查")
    actions.change_status(broken, by=admin_a, status="unavailable", reason="车辆维修")
    actions.archive_team(gone, by=admin_a, reason="撤并")
    assert [n.team.pk for n in nearest_teams(lng, lat, limit=3)][:1] == [ready.pk]
    assert {busy.pk, broken.pk, gone.pk}.isdisjoint(n.team.pk for n in nearest_teams(lng, lat, limit=50))


def test_capability_filter(make_team: Any, far_away: tuple[float, float]) -> None:
    from teams.models import TeamCapability

    lng, lat = far_away
    water = TeamCapability.objects.get(name="水域救援")
    make_team(lng + 0.001, lat)
    boat = make_team(lng + 0.1, lat, capabilities=[water])
    found = nearest_teams(lng, lat, limit=1, capability="水域救援")
    assert [n.team.pk for n in found] == [boat.pk]
    assert [n.team.pk for n in nearest_teams(lng, lat, limit=1, capability="water_rescue")] == [boat.pk]


def test_limit_larger_than_the_number_of_teams_returns_all_of_them(make_team: Any, far_away: tuple[float, float]) -> None:
    from teams.models import Team

    lng, lat = far_away
    make_team(lng, lat)
    found = nearest_teams(lng, lat, limit=100)
    assert len(found) == Team.objects.filter(status="available", archived_at__isnull=True).count()
    distances = [n.distance_m for n in found]
    assert distances == sorted(distances)


def test_team_across_the_antimeridian_is_found(make_team: Any) -> None:
    team = make_team(-179.99, 0.0)
    found = nearest_teams(179.99, 0.0, limit=1)
    assert found[0].team.pk == team.pk
    assert found[0].distance_m == pytest.approx(hand_haversine(179.99, 0, -179.99, 0), abs=0.01)


def test_scope_limits_the_search(make_team: Any, node: Any, far_away: tuple[float, float]) -> None:
    lng, lat = far_away
    ours = make_team(lng, lat)
    with use_scope(Scope(paths=(node(TOWNSHIP_B).path,))):
        assert ours.pk not in {n.team.pk for n in nearest_teams(lng, lat, limit=100)}


# --- API ------------------------------------------------------------------------------------


def test_api_nearest_shape_and_order(api_as: Any, admin_a: Any, make_team: Any, far_away: tuple[float, float]) -> None:
    lng, lat = far_away
    a = make_team(lng + 0.02, lat)
    b = make_team(lng + 0.01, lat)
    body = api_as(admin_a).get("/api/v1/teams/nearest", {"lng": lng, "lat": lat, "limit": 2}).json()
    assert body["count"] == 2
    assert [i["id"] for i in body["items"]] == [b.pk, a.pk]
    first = body["items"][0]
    assert first["jurisdiction_code"] == b.jurisdiction.code
    assert first["status"] == "available"
    assert first["distance_m"] == pytest.approx(hand_haversine(lng, lat, b.lng, b.lat), abs=0.1)
    assert {"lng", "lat", "kind", "name", "duty_phone"} <= first.keys()


def test_outsiders_nearest_never_returns_our_teams(api_as: Any, outsiders: dict[str, Any], make_team: Any, far_away: tuple[float, float]) -> None:
    lng, lat = far_away
    ours = make_team(lng, lat)
    for user in outsiders.values():
        body = api_as(user).get("/api/v1/teams/nearest", {"lng": lng, "lat": lat, "limit": 100}).json()
        assert ours.pk not in {i["id"] for i in body["items"]}
        assert all(i["jurisdiction_code"].startswith(TOWNSHIP_B) for i in body["items"])


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"lng": 200, "lat": 29}, "经度"),
        ({"lng": 121, "lat": -91}, "纬度"),
        ({"lng": "abc", "lat": 29}, ""),
        ({"lat": 29}, ""),
        ({"lng": "nan", "lat": 29}, ""),
    ],
)
def test_api_nearest_refuses_bad_coordinates(api_as: Any, admin_a: Any, params: dict[str, Any], fragment: str) -> None:
    response = api_as(admin_a).get("/api/v1/teams/nearest", params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert fragment in detail
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail)


def test_api_nearest_accepts_gcj02_input(api_as: Any, admin_a: Any, make_team: Any) -> None:
    from places.coords import wgs84_to_gcj02

    team = make_team(121.9, 29.5, name="坐标换算测试队")
    g_lng, g_lat = wgs84_to_gcj02(121.9, 29.5)
    body = api_as(admin_a).get("/api/v1/teams/nearest", {"lng": g_lng, "lat": g_lat, "limit": 1, "coord_system": "gcj02"}).json()
    assert body["items"][0]["id"] == team.pk
    assert body["items"][0]["distance_m"] < 1


def test_api_nearest_query_count(api_as: Any, admin_a: Any, django_assert_max_num_queries: Any, far_away: tuple[float, float]) -> None:
    client = api_as(admin_a)
    with django_assert_max_num_queries(14):
        response = client.get("/api/v1/teams/nearest", {"lng": 121.87, "lat": 29.47, "limit": 5})
    assert response.status_code == 200
    assert response.json()["count"] == 5
