"""Overlays of the one map: offered only when their API route is served here; the page carries them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.overlays import OVERLAYS, Overlay, available_overlays, endpoint_exists

pytestmark = pytest.mark.django_db


def test_every_declared_overlay_is_served_in_this_deployment() -> None:
    keys = [o["key"] for o in available_overlays()]
    assert keys == ["places", "teams", "storage", "shelters", "warnings", "hazards"]
    for overlay in available_overlays():
        assert endpoint_exists(overlay["url"]), overlay["url"]
        assert overlay["legend"], overlay["key"]


def test_an_overlay_whose_route_is_missing_is_not_offered() -> None:
    missing = Overlay("ghosts", "不存在的图层", "places", "ghosts/geojson")
    keys = [o["key"] for o in available_overlays((*OVERLAYS, missing))]
    assert "ghosts" not in keys
    assert "places" in keys


def test_an_overlay_of_an_app_that_is_not_installed_is_not_offered() -> None:
    off = Overlay("teams-off", "队伍", "no_such_app", "teams/geojson")
    assert available_overlays((off,)) == []


def test_a_path_read_as_an_id_of_another_route_does_not_count() -> None:
    # /api/v1/places/123 is a place's detail, not a layer.
    assert not endpoint_exists("/api/v1/places/123")
    assert endpoint_exists("/api/v1/places/geojson")


def test_detail_links_take_the_feature_id() -> None:
    by_key = {o["key"]: o for o in available_overlays()}
    assert by_key["places"]["detail"] == reverse("places:detail", args=[0])
    assert by_key["shelters"]["detail"] == reverse("shelters:detail", args=[0])
    assert by_key["warnings"]["fixed"]["state"] == "active"
    assert by_key["places"]["params"] == ["bbox", "jurisdiction"]


def test_map_page_carries_the_overlays_as_json_and_loads_the_layer_script(demo_user: Any) -> None:
    client = Client()
    client.force_login(demo_user("grid_worker"))
    response = client.get(reverse("jurisdictions:map"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="map-overlays"' in body
    assert "js/map_layers.js" in body
    assert "<script>" not in body  # CSP: data only through json_script
    start = body.index('id="map-overlays"')
    payload = body[body.index(">", start) + 1 : body.index("</script>", start)]
    assert [o["key"] for o in json.loads(payload)] == [o["key"] for o in available_overlays()]


def test_map_page_without_overlays_does_not_load_the_layer_script(demo_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard.overlays

    monkeypatch.setattr(dashboard.overlays, "OVERLAYS", ())
    client = Client()
    client.force_login(demo_user("township_staff"))
    body = client.get(reverse("jurisdictions:map")).content.decode()
    assert "js/map_layers.js" not in body
    assert "data-overlay-status" not in body


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/places/geojson", {"bbox": "121.0,29.0,122.5,30.0"}),
        ("/api/v1/teams/geojson", {}),
        ("/api/v1/storage-points.geojson", {}),
        ("/api/v1/shelters/geojson", {}),
        ("/api/v1/warnings", {"state": "active", "page_size": "200"}),
    ],
)
def test_an_outsider_gets_no_feature_of_township_a_from_any_layer(
    outsiders: dict[str, Any], api_as: Any, path: str, params: dict[str, str]
) -> None:
    """The map relies on the layers' own scoping; check it for what the map asks."""
    from demo.constants import TOWNSHIP_A

    response = api_as(outsiders["township_admin"]).get(path, params)
    assert response.status_code == 200
    data = response.json()
    rows = data.get("features") or data.get("items") or []
    for row in rows:
        props = row.get("properties", row)
        code = props.get("jurisdiction_code")
        if code is not None:
            assert not str(code).startswith(TOWNSHIP_A), row
