"""Leak checks of the home page and the map page: an account of township B sees nothing of township A."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from demo.constants import TOWNSHIP_A
from jurisdictions.models import Jurisdiction

pytestmark = pytest.mark.django_db


def names_in_township_a() -> list[str]:
    """Names that only township A's records carry: the township and its villages."""
    township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    return [township.name, *Jurisdiction.unscoped.filter(parent=township).values_list("name", flat=True)]


@pytest.mark.parametrize("role", ["township_admin", "township_staff", "village_cadre", "grid_worker", "enterprise_user", "leader", "auditor"])
def test_home_page_of_an_outsider_shows_nothing_of_township_a(outsiders: dict[str, Any], role: str) -> None:
    client = Client()
    client.force_login(outsiders[role])
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    body = response.content.decode()
    for name in names_in_township_a():
        assert name not in body, (role, name)
    a_path = Jurisdiction.unscoped.get(code=TOWNSHIP_A).path
    for card in response.context["cards"]:
        for item in card.get("items", []):
            record = item.get("warning", item) if isinstance(item, dict) else item
            path = getattr(record, "jurisdiction_path", "")
            assert not path.startswith(a_path), (role, card["key"], record)


@pytest.mark.parametrize("role", ["township_admin", "grid_worker", "enterprise_user"])
def test_map_page_of_an_outsider_starts_in_their_own_township(outsiders: dict[str, Any], role: str) -> None:
    client = Client()
    client.force_login(outsiders[role])
    response = client.get(reverse("jurisdictions:map"))
    assert response.status_code == 200
    body = response.content.decode()
    for name in names_in_township_a():
        assert name not in body, (role, name)
