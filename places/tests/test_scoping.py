"""Leaks: an account from township B (石浦镇) sees nothing of township A's places, by API or page,
and an enterprise user sees only the places linked to its account."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from accounts.roles import Role
from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from places.models import Place, PlaceAccount
from places.tests.conftest import first_grid

pytestmark = pytest.mark.django_db
OUTSIDER_ROLES = [r.value for r in Role if r != Role.COUNTY_ADMIN]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def a_place() -> Place:
    return Place.unscoped.filter(jurisdiction__code=GRID_A).order_by("id").first()  # type: ignore[return-value]


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_lists_and_map_omit_township_a(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    client = api_as(outsiders[role])
    items = client.get("/api/v1/places?page_size=200").json()["items"]
    assert not any(i["jurisdiction_code"].startswith(TOWNSHIP_A) for i in items)
    ids = {f["properties"]["id"] for f in client.get("/api/v1/places/geojson").json()["features"]}
    assert not ids & set(Place.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/").values_list("id", flat=True))
    assert client.get(f"/api/v1/places?jurisdiction={VILLAGE_A}").status_code == 404


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_on_every_record_endpoint(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    client, place = api_as(outsiders[role]), a_place()
    base = f"/api/v1/places/{place.pk}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/history").status_code == 404
    assert client.get(f"{base}/photos").status_code == 404
    for url, body in [(f"{base}/archive", {"reason": "x"}), (f"{base}/restore", {}), (f"{base}/occupancy", {"status": "suspended"}),
                      (f"{base}/accounts", {"username": "enterprise_user"})]:
        assert client.post(url, json.dumps(body), content_type="application/json").status_code == 404, url
    assert client.patch(base, json.dumps({"name": "x"}), content_type="application/json").status_code == 404
    assert client.post(f"{base}/photos", {"image": SimpleUploadedFile("a.png", PNG, "image/png")}).status_code == 404
    place.refresh_from_db()
    assert place.name != "x" and not place.is_archived


def test_outsider_export_holds_none_of_township_a(outsiders: dict[str, Any], api_as: Any) -> None:
    response = api_as(outsiders["township_admin"]).get("/api/v1/places/export.xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    codes = [row[4] for row in book["场所台账"].iter_rows(min_row=2, values_only=True)]
    assert codes and not any(str(c).startswith(TOWNSHIP_A) for c in codes)


def test_outsider_cannot_create_in_township_a_by_code_or_point(outsiders: dict[str, Any], api_as: Any) -> None:
    from places.tests.conftest import inside

    client = api_as(outsiders["township_admin"])
    body = {"name": "越界登记", "kind": "sp_shop", "address": "x", "jurisdiction_code": GRID_A}
    assert client.post("/api/v1/places", json.dumps(body), content_type="application/json").status_code == 400
    lng, lat = inside(GRID_A)
    body = {"name": "越界登记", "kind": "sp_shop", "address": "x", "lng": lng, "lat": lat}
    response = client.post("/api/v1/places", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "辖区范围之外" in response.json()["detail"]
    assert not Place.unscoped.filter(name="越界登记").exists()


@pytest.mark.parametrize("role", ["township_admin", "grid_worker", "enterprise_user"])
def test_outsider_pages_answer_404(role: str, outsiders: dict[str, Any]) -> None:
    client, place = logged_in(outsiders[role]), a_place()
    for url in (f"/places/{place.pk}/", f"/places/{place.pk}/edit/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/places/{place.pk}/archive/", f"/places/{place.pk}/restore/", f"/places/{place.pk}/occupancy/", f"/places/{place.pk}/photos/"):
        assert client.post(url, {"reason": "x", "status": "suspended"}).status_code == 404, url
    listing = client.get("/places/").content.decode()
    assert place.name not in listing


def test_outsider_cannot_fetch_a_photo_of_township_a(outsiders: dict[str, Any], demo_user: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    place = a_place()
    admin = logged_in(demo_user("township_admin"))
    admin.post(f"/places/{place.pk}/photos/", {"image": SimpleUploadedFile("a.png", PNG, "image/png"), "caption": "门头"})
    photo = place.photos.get()
    assert admin.get(f"/places/{place.pk}/photos/{photo.pk}/").status_code == 200
    assert logged_in(outsiders["township_admin"]).get(f"/places/{place.pk}/photos/{photo.pk}/").status_code == 404


class TestEnterpriseUser:
    def test_sees_only_its_linked_place_by_api_map_and_pages(self, demo_user: Any, api_as: Any) -> None:
        user = demo_user("enterprise_user")
        own = PlaceAccount.objects.get(user=user).place
        neighbour = Place.unscoped.filter(jurisdiction=own.jurisdiction).exclude(pk=own.pk).first()
        client = api_as(user)
        assert [i["id"] for i in client.get("/api/v1/places").json()["items"]] == [own.pk]
        assert [f["properties"]["id"] for f in client.get("/api/v1/places/geojson").json()["features"]] == [own.pk]
        assert client.get(f"/api/v1/places/{neighbour.pk}").status_code == 404
        assert client.get(f"/api/v1/places/{own.pk}").status_code == 200
        browser = logged_in(user)
        assert browser.get(f"/places/{neighbour.pk}/").status_code == 404
        page = browser.get("/places/").content.decode()
        assert own.name in page and neighbour.name not in page

    def test_edits_contacts_of_its_place_but_not_its_name(self, demo_user: Any, api_as: Any) -> None:
        user = demo_user("enterprise_user")
        own = PlaceAccount.objects.get(user=user).place
        client = api_as(user)
        ok = client.patch(f"/api/v1/places/{own.pk}", json.dumps({"fire_manager_name": "王管理", "employees": 88}), content_type="application/json")
        assert ok.status_code == 200 and ok.json()["employees"] == 88
        refused = client.patch(f"/api/v1/places/{own.pk}", json.dumps({"name": "新名字"}), content_type="application/json")
        assert refused.status_code == 403 and "只能修改本单位" in refused.json()["detail"]

    def test_an_unlinked_enterprise_user_sees_nothing(self, outsiders: dict[str, Any], api_as: Any) -> None:
        assert api_as(outsiders["enterprise_user"]).get("/api/v1/places").json()["count"] == 0

    def test_linking_needs_account_management_and_a_place_in_the_users_area(self, demo_user: Any, api_as: Any, outsiders: dict[str, Any]) -> None:
        place = Place.unscoped.filter(jurisdiction__code=GRID_A).exclude(account_links__isnull=False).first()
        body = json.dumps({"username": "enterprise_user"})
        assert api_as(demo_user("township_staff")).post(f"/api/v1/places/{place.pk}/accounts", body, content_type="application/json").status_code == 403
        admin = api_as(demo_user("township_admin"))
        assert admin.post(f"/api/v1/places/{place.pk}/accounts", body, content_type="application/json").status_code == 200
        assert api_as(demo_user("enterprise_user")).get("/api/v1/places").json()["count"] == 2
        outsider = json.dumps({"username": outsiders["enterprise_user"].username})
        assert admin.post(f"/api/v1/places/{place.pk}/accounts", outsider, content_type="application/json").status_code == 400

    def test_township_b_admin_still_sees_township_b(self, outsiders: dict[str, Any], api_as: Any) -> None:
        items = api_as(outsiders["township_admin"]).get("/api/v1/places?page_size=200").json()["items"]
        assert items and all(i["jurisdiction_code"].startswith(TOWNSHIP_B) for i in items)
        assert first_grid(TOWNSHIP_B).code.startswith(TOWNSHIP_B)
