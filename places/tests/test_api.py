"""The places API: shapes, filters, validation errors, coordinates, kinds, map layer, query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from demo.constants import GRID_A, TOWNSHIP_A, VILLAGE_A
from places.coords import wgs84_to_gcj02
from places.models import Place, PlaceKind
from places.tests.conftest import inside
from places.tests.test_validators import build

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def admin_client(demo_user: Any, api_as: Any) -> Any:
    return api_as(demo_user("township_admin"))


def test_list_shape_pagination_and_codes(admin_client: Any) -> None:
    response = admin_client.get("/api/v1/places?page_size=5&page=2")
    body = response.json()
    assert response.status_code == 200 and len(body["items"]) == 5
    assert body["count"] == Place.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/", archived_at=None).count()
    item = body["items"][0]
    for key in ("jurisdiction_code", "lng", "lat", "kind", "kind_name", "risk_grade", "next_self_inspection_due", "next_supervision_due", "credit_code"):
        assert key in item
    assert all(i["jurisdiction_code"].startswith(TOWNSHIP_A) for i in body["items"])


def test_mobiles_are_masked_without_see_mobile(demo_user: Any, api_as: Any) -> None:
    place = Place.unscoped.filter(jurisdiction__code=GRID_A).exclude(legal_rep_mobile="").first()
    full = api_as(demo_user("township_admin")).get(f"/api/v1/places/{place.pk}").json()
    masked = api_as(demo_user("grid_worker")).get(f"/api/v1/places/{place.pk}").json()
    assert full["legal_rep_mobile"] == place.legal_rep_mobile
    assert "*" in masked["legal_rep_mobile"] and masked["legal_rep_mobile"] != place.legal_rep_mobile


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ("kind=rental_house", lambda i: i["kind"] == "rental_house"),
        ("category=small_place", lambda i: i["category"] == "small_place"),
        (f"jurisdiction={VILLAGE_A}", lambda i: i["jurisdiction_code"].startswith(VILLAGE_A)),
        ("is_key_unit=true", lambda i: i["is_key_unit"]),
        ("has_location=true", lambda i: i["lng"] is not None),
        ("occupancy_status=operating", lambda i: i["occupancy_status"] == "operating"),
    ],
)
def test_filters(admin_client: Any, params: str, check: Any) -> None:
    body = admin_client.get(f"/api/v1/places?page_size=200&{params}").json()
    assert body["count"] > 0
    assert all(check(item) for item in body["items"])


def test_search_by_name_address_and_credit_code(admin_client: Any) -> None:
    place = Place.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/").exclude(credit_code="").first()
    for q in (place.name, place.credit_code, place.credit_code[:10].lower()):
        ids = [i["id"] for i in admin_client.get("/api/v1/places", {"q": q}).json()["items"]]
        assert place.pk in ids, q


def test_tag_filter_works_on_this_database(admin_client: Any, make_place: Any) -> None:
    tagged = make_place(GRID_A, name="带标签的店", tags=["瓶装液化气", "沿街"])
    make_place(GRID_A, name="没标签的店", tags=["沿街店铺"])
    ids = [i["id"] for i in admin_client.get("/api/v1/places", {"tag": "沿街", "page_size": 200}).json()["items"]]
    assert tagged.pk in ids and all(Place.unscoped.get(pk=i).tags.count("沿街") for i in ids)


def test_create_with_gcj02_answers_wgs84_and_the_grid(admin_client: Any) -> None:
    lng, lat = inside(GRID_A)
    gcj = wgs84_to_gcj02(lng, lat)
    body = {"name": "象山县丹东街道惠民小吃店", "kind": "sp_catering", "address": "丹阳路 18 号", "lng": gcj[0], "lat": gcj[1],
            "coord_system": "gcj02", "credit_code": build("92330225MA2HKMN8N"), "legal_rep_mobile": "13805740001", "seats": 40}
    response = post(admin_client, "/api/v1/places", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["jurisdiction_code"] == GRID_A
    assert data["lng"] == pytest.approx(lng, abs=1e-6) and data["lat"] == pytest.approx(lat, abs=1e-6)
    assert data["risk_grade"] in ("", "major", "large", "general", "low")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "no_such_kind"}, "kind"),
        ({"credit_code": "91330225MA2AJ6X7X1"}, "credit_code"),
        ({"lng": 120.2, "lat": 30.25}, "lng"),
        ({"lng": 121.9}, "lat"),
        ({"coord_system": "utm", "lng": 121.9, "lat": 29.4}, "coord_system"),
        ({"legal_rep_mobile": "02512345"}, "legal_rep_mobile"),
        ({"floor_area": -1}, "floor_area"),
        ({"jurisdiction_code": "330225100"}, "jurisdiction_code"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(admin_client: Any, body: dict[str, Any], field: str) -> None:
    before = Place.unscoped.count()
    payload = {"name": "坏数据", "kind": "sp_shop", "address": "某路 1 号", "jurisdiction_code": VILLAGE_A, **body}
    response = post(admin_client, "/api/v1/places", payload)
    assert response.status_code in (400, 422), response.content
    data = response.json()
    assert data["detail"] and any(e["field"] == field for e in data["errors"]), data
    assert Place.unscoped.count() == before


def test_patch_moves_the_point_and_records_history(admin_client: Any, make_place: Any) -> None:
    place = make_place(GRID_A)
    other = Place.unscoped.exclude(jurisdiction__code=GRID_A).filter(jurisdiction__code__startswith=VILLAGE_A, jurisdiction__level="grid").first()
    lng, lat = inside(other.jurisdiction.code)
    response = admin_client.patch(f"/api/v1/places/{place.pk}", json.dumps({"lng": lng, "lat": lat, "employees": 4}), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["jurisdiction_code"] == other.jurisdiction.code
    history = admin_client.get(f"/api/v1/places/{place.pk}/history").json()
    assert history["count"] >= 1


def test_archive_requires_reason_and_restore(admin_client: Any, make_place: Any) -> None:
    place = make_place(GRID_A)
    assert post(admin_client, f"/api/v1/places/{place.pk}/archive", {"reason": ""}).status_code == 422
    assert post(admin_client, f"/api/v1/places/{place.pk}/archive", {"reason": "重复登记"}).json()["archived"] is True
    assert place.pk not in [i["id"] for i in admin_client.get("/api/v1/places?page_size=200").json()["items"]]
    assert post(admin_client, f"/api/v1/places/{place.pk}/restore", {}).json()["archived"] is False
    assert post(admin_client, f"/api/v1/places/{place.pk}/occupancy", {"status": "demolished"}).json()["occupancy_status"] == "demolished"


def test_read_only_roles_cannot_write(demo_user: Any, api_as: Any, make_place: Any) -> None:
    place = make_place(GRID_A)
    for role in ("grid_worker", "leader", "auditor"):
        client = api_as(demo_user(role))
        response = client.patch(f"/api/v1/places/{place.pk}", json.dumps({"name": "改名"}), content_type="application/json")
        assert response.status_code == 403, role
        assert post(client, f"/api/v1/places/{place.pk}/archive", {"reason": "x"}).status_code == 403


def test_place_kinds_list_and_county_admin_edits(demo_user: Any, api_as: Any) -> None:
    kinds = api_as(demo_user("grid_worker")).get("/api/v1/place-kinds").json()
    codes = {k["code"] for k in kinds}
    assert {"rental_house", "sp_catering", "ind_knitwear", "ind_seafood", "hz_storage", "elderly_home", "mixed_use"} <= codes
    shop = next(k for k in kinds if k["code"] == "sp_shop")
    assert shop["thresholds"]["small_place"]["conditions"] == [{"field": "floor_area", "max": 300}]
    assert shop["staffing_group"] == "commercial"
    assert api_as(demo_user("township_admin")).patch("/api/v1/place-kinds/sp_shop", json.dumps({"active": False}), content_type="application/json").status_code == 403
    county = api_as(demo_user("county_admin"))
    response = county.patch("/api/v1/place-kinds/sp_shop", json.dumps({"thresholds": {"small_place": {**shop["thresholds"]["small_place"], "inclusive": True}}}), content_type="application/json")
    assert response.status_code == 200 and response.json()["thresholds"]["small_place"]["inclusive"] is True
    assert post(county, "/api/v1/place-kinds", {"code": "fishing_boat", "name": "渔船", "category": "other"}).status_code == 201
    assert post(county, "/api/v1/place-kinds", {"code": "Bad Code", "name": "x", "category": "other"}).status_code == 422


def test_geojson_layer_filters_by_bbox_and_grade(admin_client: Any) -> None:
    data = admin_client.get("/api/v1/places/geojson").json()
    assert data["type"] == "FeatureCollection" and data["features"]
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "Point" and {"id", "name", "grade", "kind"} <= feature["properties"].keys()
    lng, lat = feature["geometry"]["coordinates"]
    boxed = admin_client.get("/api/v1/places/geojson", {"bbox": f"{lng - 1e-5},{lat - 1e-5},{lng + 1e-5},{lat + 1e-5}"}).json()
    assert [f["properties"]["id"] for f in boxed["features"]] == [feature["properties"]["id"]]
    assert admin_client.get("/api/v1/places/geojson", {"bbox": "nonsense"}).status_code == 400
    kinds = {f["properties"]["kind"] for f in admin_client.get("/api/v1/places/geojson", {"kind": "rental_house"}).json()["features"]}
    assert kinds == {"rental_house"}


def test_list_query_count_does_not_grow_with_page_size(admin_client: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(8):
        assert len(admin_client.get("/api/v1/places?page_size=100").json()["items"]) > 20
    with django_assert_max_num_queries(8):
        admin_client.get("/api/v1/places/geojson")


def test_kind_catalogue_is_complete() -> None:
    by_category = {k.category for k in PlaceKind.objects.all()}
    assert {"industrial", "hazchem", "small_place", "rental_house", "self_built", "construction", "crowded",
            "public_gathering", "elderly_care", "school", "clinic", "farmstay", "warehouse", "mixed_use"} <= by_category
    assert PlaceKind.objects.filter(is_small_place=True).count() == 9
