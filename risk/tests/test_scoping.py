"""Leak tests: an account from township B (石浦镇) sees nothing of township A's risk data.

Every list omits A's records, every detail answers 404, every write fails as if the
record did not exist, and nothing is written.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.roles import Role
from demo.constants import TOWNSHIP_A, VILLAGE_A
from places.models import Place
from risk import actions
from risk.models import PlaceSignal

pytestmark = pytest.mark.django_db

OUTSIDER_ROLES = [r.value for r in Role if r != Role.COUNTY_ADMIN]


@pytest.fixture
def a_signal(factory_place: Place) -> PlaceSignal:
    return actions.record_signal(factory_place, "hazard_open", note="A 镇的隐患")


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_api_reads_answer_404_or_nothing(role: str, outsiders: dict[str, Any], api_as: Any, a_signal: PlaceSignal) -> None:
    client = api_as(outsiders[role])
    place_id = a_signal.place_id
    assert client.get(f"/api/v1/places/{place_id}/risk").status_code == 404
    assert client.get(f"/api/v1/places/{place_id}/signals").status_code == 404
    assert client.get("/api/v1/risk/overdue", {"jurisdiction": TOWNSHIP_A}).status_code == 404
    own = client.get("/api/v1/risk/overdue").json()
    assert not any(row["jurisdiction_code"].startswith(TOWNSHIP_A) for row in own["items"])


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_api_writes_answer_404_and_change_nothing(role: str, outsiders: dict[str, Any], api_as: Any, a_signal: PlaceSignal) -> None:
    client = api_as(outsiders[role])
    place_id = a_signal.place_id
    response = client.post(f"/api/v1/places/{place_id}/signals", {"kind": "accident"}, content_type="application/json")
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/places/{place_id}/inspections", {"kind": "self", "on": "2026-01-05", "passed": False},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 404
    assert client.post(f"/api/v1/signals/{a_signal.pk}/resolve").status_code == 404
    assert PlaceSignal.unscoped.filter(place_id=place_id).count() == 1
    a_signal.refresh_from_db()
    assert a_signal.resolved_at is None
    assert Place.unscoped.get(pk=place_id).last_self_inspection_on is None


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_pages_answer_404(role: str, outsiders: dict[str, Any], a_signal: PlaceSignal) -> None:
    client = Client()
    client.force_login(outsiders[role])
    place_id = a_signal.place_id
    assert client.get(f"/risk/places/{place_id}/").status_code == 404
    assert client.get("/risk/", {"jurisdiction": TOWNSHIP_A}).status_code == 404
    assert client.get("/risk/places/", {"jurisdiction": VILLAGE_A}).status_code == 404
    for url in (f"/risk/places/{place_id}/signals/", f"/risk/places/{place_id}/inspections/", f"/risk/places/{place_id}/regrade/"):
        assert client.post(url, {"kind": "accident", "occurred_on": "2026-01-05", "on": "2026-01-05", "passed": "0"}).status_code == 404
    assert client.post(f"/risk/signals/{a_signal.pk}/resolve/").status_code == 404
    assert PlaceSignal.unscoped.filter(place_id=place_id).count() == 1


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_overview_and_list_show_only_their_township(role: str, outsiders: dict[str, Any], a_signal: PlaceSignal) -> None:
    client = Client()
    client.force_login(outsiders[role])
    page = client.get("/risk/")
    assert page.status_code == 200
    assert "丹东街道" not in page.content.decode()
    listing = client.get("/risk/places/", {"status": "overdue"})
    assert listing.status_code == 200
    assert a_signal.place.name not in listing.content.decode()
    assert all(not p.jurisdiction_path.startswith(f"/330225/{TOWNSHIP_A}/") for p, *_ in listing.context["rows"])
