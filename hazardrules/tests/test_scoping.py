"""The aid never reveals a hazard or place outside the user's scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from hazardrules.tests.helpers import hazard_on, place_in
from places.models import PlaceAccount

pytestmark = pytest.mark.django_db

AID = reverse("hazardrules:aid")


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_aid_for_a_hazard_of_another_township_is_404(outsiders: dict[str, Any]) -> None:
    hazard = hazard_on(place_in(TOWNSHIP_A))
    for user in outsiders.values():
        assert as_user(user).get(AID, {"hazard": hazard.pk}).status_code == 404
        assert as_user(user).get(AID, {"place": hazard.place_id}).status_code == 404


def test_saving_for_a_hazard_of_another_township_is_404(outsiders: dict[str, Any]) -> None:
    hazard = hazard_on(place_in(TOWNSHIP_A))
    client = as_user(outsiders["township_admin"])
    response = client.post(
        reverse("hazardrules:save"), {"hazard": hazard.pk, "date": "2024-06-01", "category": "other"}
    )
    assert response.status_code == 404


def test_own_township_sees_its_hazard(demo_user: Any) -> None:
    hazard = hazard_on(place_in(TOWNSHIP_B))
    assert as_user(demo_user("shipu_admin")).get(AID, {"hazard": hazard.pk}).status_code == 200
    assert as_user(demo_user("township_staff")).get(AID, {"hazard": hazard.pk}).status_code == 404


def test_enterprise_user_sees_only_their_own_places(demo_user: Any) -> None:
    user = demo_user("enterprise_user")
    own = PlaceAccount.objects.filter(user=user).select_related("place").first().place
    neighbour = place_in(TOWNSHIP_A)
    if neighbour.pk == own.pk:
        from places.models import Place

        neighbour = Place.unscoped.filter(jurisdiction=own.jurisdiction).exclude(pk=own.pk).first()
    client = as_user(user)
    assert client.get(AID, {"place": own.pk}).status_code == 200
    assert client.get(AID, {"place": neighbour.pk}).status_code == 404
    assert client.get(AID, {"hazard": hazard_on(neighbour).pk}).status_code == 404
    assert client.get(AID, {"hazard": hazard_on(own).pk}).status_code == 200


def test_bad_ids_are_404(demo_user: Any) -> None:
    client = as_user(demo_user("township_staff"))
    assert client.get(AID, {"hazard": "abc"}).status_code == 404
    assert client.get(AID, {"hazard": "999999999"}).status_code == 404


def test_rule_endpoints_need_login_but_no_scope(api_as: Any, outsiders: dict[str, Any]) -> None:
    anonymous = Client()
    assert anonymous.get(AID).status_code == 302
    assert anonymous.get("/api/v1/rules/major-fire-hazard/tables").status_code == 401
    assert anonymous.get("/api/v1/rules/industry-major-hazards", {"industry": "纺织"}).status_code == 401
    outsider = api_as(outsiders["enterprise_user"])
    assert outsider.get("/api/v1/rules/major-fire-hazard/tables").status_code == 200
