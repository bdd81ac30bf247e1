"""A user of township B (石浦镇) sees and changes nothing of township A's shelters, by API or page."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from demo.constants import TOWNSHIP_A
from shelters.models import Shelter

pytestmark = pytest.mark.django_db
ROLES = ["township_admin", "township_staff", "village_cadre", "grid_worker", "leader", "auditor", "enterprise_user"]


@pytest.mark.parametrize("role", ROLES)
def test_outsider_lists_and_layers_contain_nothing_of_township_a(role: str, outsiders: dict[str, Any], api_as: Any, shelter: Shelter) -> None:
    client = api_as(outsiders[role])
    items = client.get("/api/v1/shelters", {"page_size": 100}).json()["items"]
    assert not [i for i in items if i["jurisdiction_code"].startswith(TOWNSHIP_A)]
    features = client.get("/api/v1/shelters/geojson").json()["features"]
    assert not [f for f in features if f["properties"]["jurisdiction_code"].startswith(TOWNSHIP_A)]
    rows = client.get("/api/v1/shelters/capacity").json()
    assert TOWNSHIP_A not in [r["code"] for r in rows]


@pytest.mark.parametrize("role", ROLES)
def test_outsider_gets_404_for_township_a_records(role: str, outsiders: dict[str, Any], api_as: Any, shelter: Shelter) -> None:
    client = api_as(outsiders[role])
    for url in (f"/api/v1/shelters/{shelter.pk}", f"/api/v1/shelters/{shelter.pk}/events", f"/api/v1/shelters/{shelter.pk}/routes",
                f"/api/v1/shelters/{shelter.pk}/history"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/shelters", {"jurisdiction": TOWNSHIP_A}).status_code == 404
    assert client.get("/api/v1/shelters/capacity", {"jurisdiction": TOWNSHIP_A}).status_code == 404


@pytest.mark.parametrize("role", ["township_admin", "township_staff", "village_cadre"])
def test_outsider_cannot_write_to_township_a_shelters(role: str, outsiders: dict[str, Any], api_as: Any, shelter: Shelter) -> None:
    client = api_as(outsiders[role])
    base = f"/api/v1/shelters/{shelter.pk}"
    assert client.patch(base, {"name": "改名"}, content_type="application/json").status_code == 404
    assert client.post(base + "/status", {"status": "open"}, content_type="application/json").status_code == 404
    assert client.post(base + "/occupancy", {"kind": "check_in", "count": 1}, content_type="application/json").status_code == 404
    line = {"type": "LineString", "coordinates": [[121.8, 29.4], [121.81, 29.41]]}
    assert client.post(base + "/routes", {"name": "x", "geometry": line}, content_type="application/json").status_code == 404
    assert client.post(base + "/archive", {}, content_type="application/json").status_code == 404
    created = client.post("/api/v1/shelters", {"name": "越界", "jurisdiction_code": TOWNSHIP_A}, content_type="application/json")
    assert created.status_code == 400
    fresh = Shelter.unscoped.get(pk=shelter.pk)
    assert (fresh.name, fresh.status, fresh.archived_at) == (shelter.name, shelter.status, None)


def test_outsider_export_contains_nothing_of_township_a(outsiders: dict[str, Any], api_as: Any, shelter: Shelter) -> None:
    response = api_as(outsiders["township_admin"]).get("/api/v1/shelters/export.xlsx")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    codes = [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert codes and not [c for c in codes if c.startswith(TOWNSHIP_A)]


@pytest.mark.parametrize("name", ["detail", "edit", "route_create"])
def test_outsider_pages_answer_404(name: str, outsiders: dict[str, Any], shelter: Shelter) -> None:
    client = Client()
    client.force_login(outsiders["township_admin"])
    assert client.get(reverse(f"shelters:{name}", args=[shelter.pk])).status_code == 404
    assert client.post(reverse("shelters:occupancy", args=[shelter.pk]), {"kind": "check_in", "count": 1}).status_code == 404


def test_outsider_list_page_shows_nothing_of_township_a(outsiders: dict[str, Any], shelter: Shelter) -> None:
    client = Client()
    client.force_login(outsiders["township_staff"])
    body = client.get(reverse("shelters:list"), {"q": shelter.name}).content.decode()
    assert reverse("shelters:detail", args=[shelter.pk]) not in body
