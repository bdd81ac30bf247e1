"""Leak tests: an account from township B (石浦镇) sees and changes nothing of township A's supplies.

Every list must omit A's records, every detail answers 404, every write fails as if the
record did not exist, and the compliance endpoint refuses A's codes. The reverse holds too.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from demo.constants import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from supplies.models import StockMovement, StoragePoint, Supply

pytestmark = pytest.mark.django_db
OUTSIDER_ROLES = [r.value for r in Role if r != Role.COUNTY_ADMIN]


def a_supply() -> Supply:
    return Supply.unscoped.filter(jurisdiction__code=VILLAGE_A, quantity__gt=2).order_by("id").first()


def a_point() -> StoragePoint:
    return StoragePoint.unscoped.filter(jurisdiction__code=VILLAGE_A).order_by("id").first()


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


LISTS = [
    "/api/v1/supplies?page_size=500",
    "/api/v1/supplies?q=救生衣&page_size=500",
    "/api/v1/supplies?expired=true&page_size=500",
    "/api/v1/storage-points?page_size=500",
]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
@pytest.mark.parametrize("url", LISTS)
def test_outsider_lists_hold_nothing_of_township_a(role: str, url: str, outsiders: dict[str, Any], api_as: Any) -> None:
    body = api_as(outsiders[role]).get(url).json()
    assert all(not item["jurisdiction_code"].startswith(TOWNSHIP_A) for item in body["items"])


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_map_layer_holds_nothing_of_township_a(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    features = api_as(outsiders[role]).get("/api/v1/storage-points.geojson").json()["features"]
    assert all(not f["properties"]["jurisdiction_code"].startswith(TOWNSHIP_A) for f in features)


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_details_and_writes_answer_404_and_change_nothing(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    client = api_as(outsiders[role])
    supply, point = a_supply(), a_point()
    before = (supply.quantity, StockMovement.unscoped.filter(supply=supply).count())
    json = "application/json"
    assert client.get(f"/api/v1/supplies/{supply.pk}").status_code == 404
    assert client.get(f"/api/v1/supplies/{supply.pk}/movements").status_code == 404
    assert client.get(f"/api/v1/supplies/{supply.pk}/history").status_code == 404
    assert client.post(f"/api/v1/supplies/{supply.pk}/movements", {"kind": "out", "quantity": 1, "reason": "x"}, content_type=json).status_code == 404
    assert client.patch(f"/api/v1/supplies/{supply.pk}", {"note": "x"}, content_type=json).status_code == 404
    assert client.post(f"/api/v1/supplies/{supply.pk}/archive", {}, content_type=json).status_code == 404
    assert client.get(f"/api/v1/storage-points/{point.pk}").status_code == 404
    assert client.patch(f"/api/v1/storage-points/{point.pk}", {"note": "x"}, content_type=json).status_code == 404
    created = client.post(
        "/api/v1/supplies", {"name": "x", "category": "flood", "storage_point_id": point.pk}, content_type=json
    )
    assert created.status_code in (400, 403) and not Supply.unscoped.filter(storage_point=point, name="x").exists()
    supply.refresh_from_db()
    assert (supply.quantity, StockMovement.unscoped.filter(supply=supply).count()) == before


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_cannot_transfer_into_township_a(role: str, outsiders: dict[str, Any], api_as: Any, shipu_point: Any) -> None:
    supply = Supply.unscoped.get(storage_point=shipu_point)
    response = api_as(outsiders[role]).post(
        f"/api/v1/supplies/{supply.pk}/movements",
        {"kind": "transfer", "quantity": 1, "reason": "x", "to_storage_point": a_point().pk},
        content_type="application/json",
    )
    assert response.status_code in (400, 403, 404)  # 404 where the source itself is out of the role's view
    assert not Supply.unscoped.filter(storage_point=a_point(), name="沙袋", batch=supply.batch, specification=supply.specification, quantity=1).exists()


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
@pytest.mark.parametrize("code", [TOWNSHIP_A, VILLAGE_A])
def test_outsider_compliance_for_township_a_is_404(role: str, code: str, outsiders: dict[str, Any], api_as: Any) -> None:
    response = api_as(outsiders[role]).get("/api/v1/kits/compliance", {"jurisdiction": code})
    assert response.status_code == 404


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_own_compliance_lists_only_their_villages(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    response = api_as(outsiders[role]).get("/api/v1/kits/compliance")
    if outsiders[role].jurisdiction.level == "grid":
        # A grid account sees no village stock, so it gets a clear refusal, not an empty kit.
        assert response.status_code == 422 and "网格" in response.json()["detail"]
        return
    body = response.json()
    assert body["villages"] and all(v["code"].startswith(TOWNSHIP_B) for v in body["villages"])


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_exports_hold_nothing_of_township_a(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    client = api_as(outsiders[role])
    for url, column in (
        ("/api/v1/supplies/export.xlsx", 0),
        ("/api/v1/storage-points/export.xlsx", 0),
        ("/api/v1/supplies/movements/export.xlsx", 1),
    ):
        response = client.get(url)
        assert response.status_code == 200
        sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
        codes = [str(row[column]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[column]]
        assert all(not code.startswith(TOWNSHIP_A) for code in codes), url


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_pages_show_nothing_of_township_a(role: str, outsiders: dict[str, Any]) -> None:
    client = page_client(outsiders[role])
    supply, point = a_supply(), a_point()
    assert client.get(reverse("supplies:detail", args=[supply.pk])).status_code == 404
    assert client.post(reverse("supplies:move", args=[supply.pk]), {"kind": "out", "quantity": 1, "reason": "x"}).status_code == 404
    assert client.get(reverse("supplies:edit", args=[supply.pk])).status_code == 404
    assert client.get(reverse("supplies:point_detail", args=[point.pk])).status_code == 404
    assert client.get(reverse("supplies:kit_village", args=[VILLAGE_A])).status_code == 404
    assert client.get(reverse("supplies:kits"), {"jurisdiction": TOWNSHIP_A}).status_code == 404
    for name in ("supplies:list", "supplies:alerts", "supplies:points"):
        html = client.get(reverse(name)).content.decode()
        assert point.name not in html and a_supply().storage_point.name not in html, name


def test_township_a_sees_nothing_of_township_b(api_as: Any, demo_user: Any, shipu_point: Any) -> None:
    client = api_as(demo_user("township_admin"))
    supply = Supply.unscoped.get(storage_point=shipu_point)
    assert client.get(f"/api/v1/supplies/{supply.pk}").status_code == 404
    assert client.get("/api/v1/kits/compliance", {"jurisdiction": TOWNSHIP_B}).status_code == 404
    items = client.get("/api/v1/storage-points", {"page_size": 500}).json()["items"]
    assert shipu_point.pk not in {i["id"] for i in items}
