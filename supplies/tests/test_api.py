"""The supplies API: shapes, filters, movements (fixed interface), storage points, kits, compliance."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from demo.constants import COUNTY_CODE, GRID_A, TOWNSHIP_A, VILLAGE_A
from supplies.models import StockMovement, Supply

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_a(api_as: Any, admin: Any) -> Any:
    return api_as(admin)


def test_list_has_count_items_and_jurisdiction_code(client_a: Any, make_supply: Any) -> None:
    make_supply(quantity=12)
    body = client_a.get("/api/v1/supplies", {"q": "救生衣", "page_size": 100}).json()
    assert set(body) == {"count", "items"} and body["count"] == len(body["items"]) > 0
    mine = next(i for i in body["items"] if i["storage_point_name"] == "测试储备点")
    assert mine["jurisdiction_code"] == VILLAGE_A
    assert mine["quantity"] == 12
    assert {"category", "unit", "batch", "expiry_date", "expiry_state", "owner_type", "is_low", "storage_point_id"} <= set(mine)


def test_list_filters(client_a: Any, make_supply: Any, point: Any) -> None:
    today = date.today()
    make_supply("方便食品", 5, category_code="living", expiry_date=today + timedelta(days=3), production_date=today - timedelta(days=300))
    make_supply("灭火器", 5, category_code="fire", expiry_date=today - timedelta(days=3), production_date=today - timedelta(days=2000))
    make_supply("沙袋", 5, category_code="flood", low_stock_threshold=10)

    def names(**params: Any) -> set[str]:
        response = client_a.get("/api/v1/supplies", {"storage_point": point.pk, **params})
        assert response.status_code == 200, response.json()
        return {i["name"] for i in response.json()["items"]}

    assert names() == {"方便食品", "灭火器", "沙袋"}
    assert names(category="fire") == {"灭火器"}
    assert names(expiring_within=7) == {"方便食品"}
    assert names(expired="true") == {"灭火器"}
    assert names(low_stock="true") == {"沙袋"}
    assert names(jurisdiction=VILLAGE_A, q="沙") == {"沙袋"}
    assert names(owner_type="agreement") == set()


def test_list_pages(client_a: Any) -> None:
    first = client_a.get("/api/v1/supplies", {"page_size": 5}).json()
    second = client_a.get("/api/v1/supplies", {"page_size": 5, "page": 2}).json()
    assert len(first["items"]) == 5 and first["count"] > 5
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_create_with_initial_quantity_then_detail(client_a: Any, point: Any) -> None:
    response = client_a.post(
        "/api/v1/supplies",
        {"name": "救生衣", "category": "lifesaving", "storage_point_id": point.pk, "unit": "件", "quantity": 20, "batch": "B1"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["quantity"] == 20 and body["jurisdiction_code"] == VILLAGE_A
    movements = client_a.get(f"/api/v1/supplies/{body['id']}/movements").json()
    assert movements["count"] == 1 and movements["items"][0]["kind"] == "in"
    assert client_a.get(f"/api/v1/supplies/{body['id']}").json()["batch"] == "B1"


def test_create_refuses_expiry_before_production(client_a: Any, point: Any) -> None:
    response = client_a.post(
        "/api/v1/supplies",
        {"name": "灭火器", "category": "fire", "storage_point_id": point.pk, "production_date": "2025-05-01", "expiry_date": "2025-04-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"field": "expiry_date", "message": "有效期至不能早于生产日期；请核对两个日期"} in response.json()["errors"]


def test_patch_cannot_change_quantity(client_a: Any, make_supply: Any) -> None:
    supply = make_supply(quantity=8)
    response = client_a.patch(f"/api/v1/supplies/{supply.pk}", {"quantity": 80}, content_type="application/json")
    assert response.status_code == 400
    assert "不能直接修改" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "quantity"
    assert Supply.objects.get(pk=supply.pk).quantity == 8
    ok = client_a.patch(f"/api/v1/supplies/{supply.pk}", {"note": "放在二楼", "low_stock_threshold": 3}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["note"] == "放在二楼" and ok.json()["quantity"] == 8


def test_archive_needs_zero_stock(client_a: Any, make_supply: Any) -> None:
    supply = make_supply(quantity=2)
    assert client_a.post(f"/api/v1/supplies/{supply.pk}/archive", {}, content_type="application/json").status_code == 400
    client_a.post(f"/api/v1/supplies/{supply.pk}/movements", {"kind": "loss", "quantity": 2, "reason": "损坏"}, content_type="application/json")
    archived = client_a.post(f"/api/v1/supplies/{supply.pk}/archive", {"reason": "报废"}, content_type="application/json")
    assert archived.status_code == 200 and archived.json()["archived"] is True


def post_movement(client: Any, supply: Any, **body: Any) -> Any:
    return client.post(f"/api/v1/supplies/{supply.pk}/movements", body, content_type="application/json")


def test_movements_keep_the_exact_balance(client_a: Any, make_supply: Any) -> None:
    supply = make_supply(quantity=10)
    out = post_movement(client_a, supply, kind="out", quantity=3, reason="台风转移")
    assert out.status_code == 201
    assert {k: out.json()[k] for k in ("kind", "quantity", "delta", "balance_after")} == {
        "kind": "out", "quantity": 3, "delta": -3, "balance_after": 7,
    }
    assert out.json()["jurisdiction_code"] == VILLAGE_A
    assert post_movement(client_a, supply, kind="in", quantity=5, reason="补充").status_code == 201
    refused = post_movement(client_a, supply, kind="out", quantity=13, reason="超量")
    assert refused.status_code == 400 and "超过当前库存 12" in refused.json()["detail"]
    assert client_a.get(f"/api/v1/supplies/{supply.pk}").json()["quantity"] == 12
    items = client_a.get(f"/api/v1/supplies/{supply.pk}/movements").json()["items"]
    assert sum(i["delta"] for i in items) == 12 and len(items) == 3


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "out", "quantity": 0, "reason": "x"}, 400),
        ({"kind": "out", "quantity": -1, "reason": "x"}, 400),
        ({"kind": "gift", "quantity": 1, "reason": "x"}, 400),
        ({"kind": "out", "quantity": "many", "reason": "x"}, 422),
        ({"quantity": 1}, 422),
    ],
)
def test_bad_movements_are_refused_in_chinese_and_change_nothing(client_a: Any, make_supply: Any, body: dict[str, Any], status: int) -> None:
    supply = make_supply(quantity=4)
    response = post_movement(client_a, supply, **body)
    assert response.status_code == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert StockMovement.objects.filter(supply=supply).count() == 1
    assert Supply.objects.get(pk=supply.pk).quantity == 4


def test_stocktake_and_transfer_through_the_api(client_a: Any, make_supply: Any, other_point: Any) -> None:
    supply = make_supply(quantity=10)
    counted = post_movement(client_a, supply, kind="stocktake", quantity=8, reason="月度盘点")
    assert counted.json()["delta"] == -2 and counted.json()["balance_after"] == 8
    moved = post_movement(client_a, supply, kind="transfer", quantity=5, reason="调往乡镇", to_storage_point=other_point.pk)
    assert moved.status_code == 201, moved.json()
    assert moved.json()["to_storage_point_name"] == other_point.name and moved.json()["counterpart_id"]
    target = Supply.objects.get(storage_point=other_point, name="救生衣")
    assert target.quantity == 5


def test_storage_points_list_detail_create_and_geojson(client_a: Any, point: Any, village: Any) -> None:
    body = client_a.get("/api/v1/storage-points", {"jurisdiction": VILLAGE_A}).json()
    row = next(i for i in body["items"] if i["id"] == point.pk)
    assert row["jurisdiction_code"] == VILLAGE_A and row["lng"] == 121.87
    created = client_a.post(
        "/api/v1/storage-points",
        {"name": "新仓库", "kind": "depot", "jurisdiction_code": VILLAGE_A, "lng": 121.9, "lat": 29.5},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    bad = client_a.post(
        "/api/v1/storage-points",
        {"name": "坏坐标", "kind": "depot", "jurisdiction_code": VILLAGE_A, "lng": 400, "lat": 29.5},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "lng"
    geo = client_a.get("/api/v1/storage-points.geojson")
    assert geo["Content-Type"].startswith("application/geo+json")
    feature = next(f for f in geo.json()["features"] if f["properties"]["id"] == point.pk)
    assert feature["geometry"] == {"type": "Point", "coordinates": [121.87, 29.47]}
    assert client_a.get(f"/api/v1/storage-points/{point.pk}").json()["supply_count"] == 0


def test_kit_templates_list(client_a: Any) -> None:
    templates = client_a.get("/api/v1/kit-templates").json()
    kit = next(t for t in templates if t["code"] == "zj-village-3-4-x")
    assert [i["name"] for i in kit["items"]][:3] == ["卫星电话", "小型发电机", "带动力排水泵"]


def test_kit_item_patch_is_for_the_county(api_as: Any, demo_user: Any, client_a: Any) -> None:
    kit = client_a.get("/api/v1/kit-templates").json()[0]
    item = kit["items"][0]
    url = f"/api/v1/kit-templates/{kit['code']}/items/{item['id']}"
    assert client_a.patch(url, {"required_quantity": 2}, content_type="application/json").status_code == 403
    county = api_as(demo_user("county_admin"))
    response = county.patch(url, {"required_quantity": 2}, content_type="application/json")
    assert response.status_code == 200 and response.json()["required_quantity"] == 2


def test_compliance_shape(client_a: Any) -> None:
    response = client_a.get("/api/v1/kits/compliance", {"jurisdiction": TOWNSHIP_A})
    assert response.status_code == 200
    body = response.json()
    assert body["jurisdiction"]["code"] == TOWNSHIP_A and body["template"]["name"] == "浙江村级3+4+X"
    assert body["rollup"]["total"] == len(body["villages"]) > 0
    assert body["rollup"]["compliant"] == sum(v["compliant"] for v in body["villages"])
    assert body["rollup"]["townships"][0]["code"] == TOWNSHIP_A
    village = next(v for v in body["villages"] if v["code"] == VILLAGE_A)
    assert village["jurisdiction_code"] == VILLAGE_A
    item = village["items"][0]
    assert {"name", "required", "present", "missing", "expired"} <= set(item)


def test_compliance_defaults_to_the_callers_jurisdiction_and_refuses_bad_codes(client_a: Any) -> None:
    assert client_a.get("/api/v1/kits/compliance").json()["jurisdiction"]["code"] == TOWNSHIP_A
    unknown = client_a.get("/api/v1/kits/compliance", {"jurisdiction": "999999999"})
    assert unknown.status_code == 404 and "999999999" in unknown.json()["detail"]
    grid = client_a.get("/api/v1/kits/compliance", {"jurisdiction": GRID_A})
    assert grid.status_code == 422 and "网格" in grid.json()["detail"]


def test_list_endpoints_have_a_query_budget(client_a: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(6):
        assert client_a.get("/api/v1/supplies", {"page_size": 100}).status_code == 200
    with django_assert_max_num_queries(6):
        assert client_a.get("/api/v1/storage-points", {"page_size": 100}).status_code == 200
    with django_assert_max_num_queries(6):
        assert client_a.get("/api/v1/storage-points.geojson").status_code == 200
    with django_assert_max_num_queries(8):
        assert client_a.get("/api/v1/kits/compliance", {"jurisdiction": TOWNSHIP_A}).status_code == 200


def test_county_compliance_queries_do_not_grow_with_villages(api_as: Any, demo_user: Any, django_assert_max_num_queries: Any) -> None:
    county = api_as(demo_user("county_admin"))
    with django_assert_max_num_queries(8):
        assert county.get("/api/v1/kits/compliance", {"jurisdiction": COUNTY_CODE}).status_code == 200
