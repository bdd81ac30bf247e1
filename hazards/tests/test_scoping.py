"""Scoped access to every hazard-loop endpoint: outsiders see nothing, enterprises their places, leaders only read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hazards import actions
from hazards.models import Hazard
from hazards.tests.core_fixtures import *  # noqa: F403
from hazards.tests.core_fixtures import png

pytestmark = pytest.mark.django_db

OUTSIDER_ROLES = [
    "township_admin",
    "township_staff",
    "village_cadre",
    "grid_worker",
    "enterprise_user",
    "leader",
    "auditor",
]


@pytest.fixture
def hazard(make_hazard: Any, users: dict[str, Any]) -> Hazard:
    h = make_hazard(photos=[png()])
    return actions.confirm(h, by=users["township_staff"])


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_an_outsider_from_another_township_finds_nothing(
    role: str, hazard: Hazard, outsiders: dict[str, Any], api_as: Any, place: Any
) -> None:
    client = api_as(outsiders[role])
    listed = client.get("/api/v1/hazards?page_size=100").json()
    assert hazard.pk not in {item["id"] for item in listed["items"]}
    assert all(item["jurisdiction_code"].startswith(outsiders[role].jurisdiction.code[:9]) for item in listed["items"])
    assert client.get(f"/api/v1/hazards/summary?place={hazard.place_id}").json()["total"] == 0
    assert client.get(f"/api/v1/hazards/{hazard.pk}").status_code == 404
    assert post(client, f"/api/v1/hazards/{hazard.pk}/actions/assign", {"department": "x"}).status_code == 404
    assert client.post(f"/api/v1/hazards/{hazard.pk}/photos", {"photos": [png()]}).status_code == 404
    photo = hazard.photos.get()
    assert client.get(f"/api/v1/hazards/{hazard.pk}/photos/{photo.pk}").status_code == 404
    body = {
        "place_id": place.pk,
        "category": "other",
        "hazard_type": "fire",
        "description": "越界上报",
        "source": "patrol",
    }
    assert post(client, "/api/v1/hazards", body).status_code == 404
    assert Hazard.unscoped.get(pk=hazard.pk).state == "confirmed"


def test_a_filter_on_another_townships_code_is_refused(hazard: Hazard, outsiders: dict[str, Any], api_as: Any) -> None:
    response = api_as(outsiders["township_staff"]).get(f"/api/v1/hazards?jurisdiction={hazard.jurisdiction.code}")
    assert response.status_code == 400


def test_an_enterprise_user_sees_only_the_hazards_of_their_own_places(
    hazard: Hazard, make_hazard: Any, users: dict[str, Any], api_as: Any, place: Any
) -> None:
    from places.models import Place

    neighbour = Place.unscoped.filter(jurisdiction=place.jurisdiction).exclude(pk=place.pk).first()
    other = make_hazard(on=neighbour)
    client = api_as(users["enterprise_user"])
    items = client.get("/api/v1/hazards?page_size=100").json()["items"]
    assert hazard.pk in {i["id"] for i in items} and other.pk not in {i["id"] for i in items}
    assert all(i["place"]["id"] == place.pk for i in items)
    assert client.get(f"/api/v1/hazards/{other.pk}").status_code == 404
    photo = hazard.photos.get()
    assert client.get(f"/api/v1/hazards/{hazard.pk}/photos/{photo.pk}").status_code == 200


def test_a_leader_reads_everything_and_changes_nothing(
    hazard: Hazard, users: dict[str, Any], api_as: Any, place: Any
) -> None:
    client = api_as(users["leader"])
    assert client.get(f"/api/v1/hazards/{hazard.pk}").json()["allowed_actions"] == []
    assert hazard.pk in {i["id"] for i in client.get("/api/v1/hazards?page_size=100").json()["items"]}
    assert post(client, f"/api/v1/hazards/{hazard.pk}/actions/assign", {"department": "x"}).status_code == 403
    assert client.post(f"/api/v1/hazards/{hazard.pk}/photos", {"photos": [png()]}).status_code == 403
    body = {
        "place_id": place.pk,
        "category": "other",
        "hazard_type": "fire",
        "description": "领导上报",
        "source": "patrol",
    }
    assert post(client, "/api/v1/hazards", body).status_code == 403


def test_the_county_sees_every_township(hazard: Hazard, users: dict[str, Any], api_as: Any) -> None:
    assert api_as(users["county_admin"]).get(f"/api/v1/hazards/{hazard.pk}").status_code == 200


def test_anonymous_callers_get_401(hazard: Hazard) -> None:
    from django.test import Client

    client = Client()
    assert client.get("/api/v1/hazards").status_code == 401
    assert client.get(f"/api/v1/hazards/{hazard.pk}").status_code == 401
    assert post(client, f"/api/v1/hazards/{hazard.pk}/actions/confirm").status_code == 401
