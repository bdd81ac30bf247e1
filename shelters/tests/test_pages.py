"""Shelter pages: list with map, detail with the occupancy board (htmx), forms, roll-up, permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from demo.constants import VILLAGE_A
from shelters.models import Shelter

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def test_list_page_renders_with_map_holder_and_results(client: Client, shelter: Shelter) -> None:
    login(client, "township_staff")
    response = client.get(reverse("shelters:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="shelter-map"' in body and shelter.name in body
    partial = client.get(reverse("shelters:list"), {"q": shelter.name}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="shelter-results")
    assert partial.content.decode().startswith('<div id="shelter-results"')


def test_list_page_query_count_is_bounded(client: Client, django_assert_max_num_queries: Any) -> None:
    login(client, "county_admin")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("shelters:list")).status_code == 200


def test_board_buttons_check_people_in_through_htmx(client: Client, shelter: Shelter) -> None:
    login(client, "village_cadre")
    client.post(reverse("shelters:status", args=[shelter.pk]), {"status": "open"})
    response = client.post(reverse("shelters:occupancy", args=[shelter.pk]), {"kind": "check_in", "count": "5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().startswith('<section id="occupancy-board"')
    assert Shelter.unscoped.get(pk=shelter.pk).occupancy == 5
    refused = client.post(reverse("shelters:occupancy", args=[shelter.pk]), {"kind": "check_in", "count": "200"}, HTTP_HX_REQUEST="true")
    assert "确认超员" in refused.content.decode()
    assert Shelter.unscoped.get(pk=shelter.pk).occupancy == 5


def test_read_only_role_sees_no_board_buttons_and_cannot_post(client: Client, shelter: Shelter) -> None:
    login(client, "leader")
    body = client.get(reverse("shelters:detail", args=[shelter.pk])).content.decode()
    assert 'data-board="plus1"' not in body
    assert client.post(reverse("shelters:occupancy", args=[shelter.pk]), {"kind": "check_in", "count": "1"}).status_code == 403


def test_create_form_saves_and_redirects(client: Client) -> None:
    login(client, "township_staff")
    data = {"name": "页面新建礼堂", "kind": "cultural_hall", "jurisdiction": VILLAGE_A, "coord_system": "wgs84", "lng": "121.87", "lat": "29.47",
            "capacity_day": "100", "capacity_night": "80", "facilities": ["water", "toilets"]}
    response = client.post(reverse("shelters:create"), data)
    shelter = Shelter.unscoped.get(name="页面新建礼堂")
    assert response.status_code == 302 and response.url == reverse("shelters:detail", args=[shelter.pk])
    assert shelter.facilities == ["water", "toilets"]


def test_route_form_accepts_drawn_geojson(client: Client, shelter: Shelter) -> None:
    login(client, "township_staff")
    geometry = '{"type": "LineString", "coordinates": [[121.87, 29.47], [121.88, 29.48]]}'
    response = client.post(reverse("shelters:route_create", args=[shelter.pk]), {"name": "页面路线", "geometry": geometry, "coord_system": "wgs84"})
    assert response.status_code == 302
    assert shelter.routes.filter(name="页面路线").exists()


def test_capacity_page_lists_townships(client: Client) -> None:
    login(client, "county_admin")
    response = client.get(reverse("shelters:capacity"))
    assert response.status_code == 200 and "丹东街道" in response.content.decode()


def test_import_page_previews_without_writing(client: Client) -> None:
    login(client, "township_staff")
    assert client.get(reverse("shelters:import")).status_code == 200
    assert client.get(reverse("shelters:import_template")).status_code == 200


def test_list_map_layer_url_leaves_out_empty_filters(client: Client, shelter: Shelter) -> None:
    login(client, "township_staff")
    body = client.get(reverse("shelters:list"), {"q": "", "kind": "", "status": "ready", "jurisdiction": ""}).content.decode()
    assert 'data-layer-url="/api/v1/shelters/geojson?status=ready"' in body
