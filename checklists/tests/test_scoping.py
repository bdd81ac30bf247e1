"""Scoping: county-wide lists for all; a township's own lists only in and above that township."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from checklists.models import Checklist
from checklists.tests.conftest import grid_of, make_place
from demo.constants import TOWNSHIP_B
from yingji import scoping

pytestmark = pytest.mark.django_db


def test_manager_shows_county_wide_and_own_lists(
    local_lists: dict[str, Checklist], township_admin: Any, county_admin: Any
) -> None:
    with scoping.use_scope(scoping.scope_for_user(township_admin)):
        visible = set(Checklist.objects.values_list("pk", flat=True))
    assert local_lists["a"].pk in visible and local_lists["b"].pk not in visible
    assert Checklist.unscoped.get(lineage="grid-patrol").pk in visible
    with scoping.use_scope(scoping.scope_for_user(county_admin)):
        visible = set(Checklist.objects.values_list("pk", flat=True))
    assert {local_lists["a"].pk, local_lists["b"].pk} <= visible


def test_a_grid_worker_sees_their_townships_list(local_lists: dict[str, Checklist], demo_user: Any) -> None:
    with scoping.use_scope(scoping.scope_for_user(demo_user("grid_worker"))):
        visible = set(Checklist.objects.values_list("pk", flat=True))
    assert local_lists["a"].pk in visible and local_lists["b"].pk not in visible


@pytest.mark.parametrize(
    "role", ["township_admin", "township_staff", "village_cadre", "grid_worker", "enterprise_user", "leader", "auditor"]
)
def test_outsiders_never_see_township_a_lists(
    role: str, outsiders: dict[str, Any], api_as: Any, local_lists: dict[str, Checklist]
) -> None:
    client = api_as(outsiders[role])
    a = local_lists["a"]
    listed = client.get("/api/v1/checklists?page_size=200").json()
    ids = {row["id"] for row in listed["items"]}
    assert a.pk not in ids and local_lists["b"].pk in ids
    for url in (
        f"/api/v1/checklists/{a.pk}",
        f"/api/v1/checklists/{a.pk}/versions",
        f"/api/v1/checklists/{a.pk}/export.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/api/v1/checklists/{a.pk}/new-version", f"/api/v1/checklists/{a.pk}/publish"):
        assert client.post(url, {}, content_type="application/json").status_code == 404, url
    item = a.items.first()
    assert (
        client.patch(
            f"/api/v1/checklists/{a.pk}/items/{item.pk}", {"matter": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["township_admin", "grid_worker", "enterprise_user"])
def test_outsider_pages_answer_404(role: str, outsiders: dict[str, Any], local_lists: dict[str, Checklist]) -> None:
    client = Client()
    client.force_login(outsiders[role])
    a = local_lists["a"]
    for name in ("", "versions/", "export.xlsx", "edit/", "import/"):
        response = client.get(f"/checklists/{a.pk}/{name}")
        assert response.status_code == 404, (name, response.status_code)
    listing = client.get("/checklists/?status=all")
    assert listing.status_code == 200 and "丹东街道餐饮清单" not in listing.content.decode()


def test_for_place_is_scoped_by_the_place(
    outsiders: dict[str, Any], api_as: Any, local_lists: dict[str, Checklist], demo_user: Any
) -> None:
    place_a = make_place("sp_catering")
    place_b = make_place("sp_catering", grid_of(TOWNSHIP_B))
    outsider = api_as(outsiders["township_staff"])
    assert outsider.get(f"/api/v1/checklists/for-place/{place_a.pk}").status_code == 404
    assert outsider.get(f"/api/v1/checklists/for-place/{place_b.pk}").json()["id"] == local_lists["b"].pk
    county = api_as(demo_user("county_admin"))
    assert county.get(f"/api/v1/checklists/for-place/{place_a.pk}").json()["id"] == local_lists["a"].pk


def test_enterprise_user_gets_checklists_only_for_their_places(demo_user: Any, api_as: Any) -> None:
    from places.models import PlaceAccount

    user = demo_user("enterprise_user")
    mine, neighbour = make_place("sp_catering", name="我的店"), make_place("sp_catering", name="隔壁店")
    PlaceAccount.objects.create(place=mine, user=user)
    client = api_as(user)
    assert client.get(f"/api/v1/checklists/for-place/{neighbour.pk}").status_code == 404
    assert client.get(f"/api/v1/checklists/for-place/{mine.pk}").json()["lineage"] == "small-place-fire"
