"""Jurisdiction pages: browser, node page, edit form and map page."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import ObjectChange
from demo.constants import COUNTY_CODE, GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def edit_data(node: Jurisdiction, **changes: object) -> dict[str, object]:
    data = {
        "name": node.name,
        "population": node.population or "",
        "note": node.note,
        "boundary": json.dumps(node.boundary) if node.boundary else "",
    }
    data.update(changes)
    return data


def test_index_goes_straight_to_the_users_own_node(client: Client) -> None:
    login(client, "township_admin")
    response = client.get(reverse("jurisdictions:index"))
    assert response.url == reverse("jurisdictions:detail", args=[TOWNSHIP_A])


def test_node_page_shows_breadcrumb_children_and_positions(client: Client) -> None:
    login(client, "township_staff")
    response = client.get(reverse("jurisdictions:detail", args=[VILLAGE_A]))
    assert response.status_code == 200
    village = Jurisdiction.unscoped.get(code=VILLAGE_A)
    township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    assert [a.code for a, _visible in response.context["crumbs"]] == [COUNTY_CODE, TOWNSHIP_A]
    # The county is above the user's scope: named, but not a link.
    assert dict((a.code, v) for a, v in response.context["crumbs"]) == {COUNTY_CODE: False, TOWNSHIP_A: True}
    body = response.content.decode()
    assert township.name in body
    grids = Jurisdiction.unscoped.filter(parent=village)
    assert all(g.name in body for g in grids)
    assert "村(社区)应急消防管理员" in body


def test_child_counts_add_up_to_the_subtree(client: Client) -> None:
    login(client, "county_admin")
    response = client.get(reverse("jurisdictions:detail", args=[COUNTY_CODE]))
    rows = response.context["rows"]
    township_a = next(c for child, c in rows if child.code == TOWNSHIP_A)
    assert township_a["village"] == Jurisdiction.unscoped.filter(parent__code=TOWNSHIP_A).count()
    assert township_a["grid"] == Jurisdiction.unscoped.filter(parent__parent__code=TOWNSHIP_A).count()
    from people.models import Person

    assert (
        township_a["people"]
        == Person.unscoped.filter(
            jurisdiction_path__startswith=f"/{COUNTY_CODE}/{TOWNSHIP_A}/", archived_at__isnull=True
        ).count()
    )


def test_node_page_query_count_is_fixed(client: Client, django_assert_max_num_queries) -> None:
    login(client, "county_admin")
    with django_assert_max_num_queries(16):
        assert client.get(reverse("jurisdictions:detail", args=[COUNTY_CODE])).status_code == 200


def test_another_townships_node_is_not_found(client: Client) -> None:
    login(client, "township_admin")
    assert client.get(reverse("jurisdictions:detail", args=[TOWNSHIP_B])).status_code == 404
    assert client.get(reverse("jurisdictions:edit", args=[TOWNSHIP_B])).status_code == 404
    assert client.post(reverse("jurisdictions:edit", args=[TOWNSHIP_B]), {"name": "x"}).status_code == 404


def test_grid_worker_cannot_open_the_village_above_them(client: Client) -> None:
    login(client, "grid_worker")
    assert client.get(reverse("jurisdictions:detail", args=[GRID_A])).status_code == 200
    assert client.get(reverse("jurisdictions:detail", args=[VILLAGE_A])).status_code == 404


def test_editing_a_node_through_the_page_is_recorded_with_the_editor(client: Client) -> None:
    user = login(client, "township_admin")
    node = Jurisdiction.unscoped.get(code=VILLAGE_A)
    response = client.post(
        reverse("jurisdictions:edit", args=[VILLAGE_A]), edit_data(node, population=4321, note="沿海社区")
    )
    assert response.status_code == 302
    node.refresh_from_db()
    assert node.population == 4321
    change = ObjectChange.unscoped.filter(
        content_type=ContentType.objects.get_for_model(Jurisdiction), object_id=str(node.pk)
    ).first()
    assert change.user == user
    assert change.after["population"] == 4321
    history = client.get(reverse("jurisdictions:detail", args=[VILLAGE_A])).content.decode()
    assert "沿海社区" in history


def test_a_broken_boundary_is_refused_with_a_reason(client: Client) -> None:
    login(client, "township_admin")
    node = Jurisdiction.unscoped.get(code=VILLAGE_A)
    response = client.post(
        reverse("jurisdictions:edit", args=[VILLAGE_A]), edit_data(node, boundary='{"type": "Point"')
    )
    assert response.status_code == 200
    assert "不是有效的 JSON" in response.content.decode()
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[121.0, 29.0], [121.1, 29.1], [121.1, 29.0], [121.0, 29.1], [121.0, 29.0]]],
    }
    response = client.post(
        reverse("jurisdictions:edit", args=[VILLAGE_A]), edit_data(node, boundary=json.dumps(bowtie))
    )
    assert "边界多边形无效" in response.content.decode()
    node.refresh_from_db()
    assert node.boundary != bowtie


@pytest.mark.parametrize("username", ["grid_worker", "leader", "township_staff"])
def test_roles_without_the_capability_cannot_edit_a_node(client: Client, username: str) -> None:
    login(client, username)
    code = GRID_A
    node = Jurisdiction.unscoped.get(code=code)
    page = client.get(reverse("jurisdictions:detail", args=[code])).content.decode()
    assert reverse("jurisdictions:edit", args=[code]) not in page
    response = client.post(reverse("jurisdictions:edit", args=[code]), edit_data(node, name="改名网格"))
    assert response.status_code == 403
    node.refresh_from_db()
    assert node.name != "改名网格"


def test_map_page_points_the_browser_at_the_boundary_api(client: Client) -> None:
    login(client, "village_cadre")
    body = client.get(reverse("jurisdictions:map")).content.decode()
    assert 'data-layer-url="/api/v1/map/jurisdictions"' in body
    assert "vendor/leaflet/leaflet.js" in body
    assert "<script>" not in body


def test_map_page_adds_a_tile_layer_only_when_configured(client: Client, settings) -> None:
    login(client, "village_cadre")
    assert 'data-tile-url=""' in client.get(reverse("jurisdictions:map")).content.decode()
