"""Village kit compliance (“3+4+X”, seed 000): present, missing, expired; roll-ups; query budget."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from demo.constants import COUNTY_CODE, GRID_A, TOWNSHIP_A, VILLAGE_A
from jurisdictions.models import Jurisdiction
from supplies import actions
from supplies.kits import compliance_for, default_template
from supplies.kits_default import KIT_ITEMS
from supplies.models import KitTemplate, StockMovement, Supply

pytestmark = pytest.mark.django_db

# (name, category code, item code or "", quantity) — a complete kit stocked by name matching.
FULL_KIT = [
    ("卫星电话", "communication", 1),
    ("小型发电机", "power", 1),
    ("移动抽水泵", "flood", 1),
    ("安全头盔", "protection", 5),
    ("强光手电", "lighting", 5),
    ("雨衣雨靴", "protection", 5),
    ("救生衣", "lifesaving", 5),
    ("灭火器", "fire", 4),
    ("手持扩音器", "communication", 2),
]


@pytest.fixture
def empty_village_a() -> None:
    """Village A without the demo's stock, so each test sets up exactly what it checks."""
    village = Jurisdiction.unscoped.get(code=VILLAGE_A)
    Supply.unscoped.filter(jurisdiction_path__startswith=village.path).update(archived_at="2026-01-01T00:00:00Z")


def stock(make_supply: Any, skip: set[str] = frozenset(), **overrides: dict[str, Any]) -> None:  # type: ignore[assignment]
    for name, category, quantity in FULL_KIT:
        if name not in skip:
            make_supply(name, quantity, category_code=category, **overrides.get(name, {}))


def village_result(code: str = VILLAGE_A) -> Any:
    result = compliance_for(Jurisdiction.objects.get(code=code))
    return next(v for v in result.villages if v.village.code == code)


def test_default_template_is_the_seed_000_kit_in_its_wording() -> None:
    template = default_template()
    assert template.name == "浙江村级3+4+X"
    assert [(i.group, i.name) for i in template.items.order_by("sort_order")] == [(g, n) for g, n, *_ in KIT_ITEMS]
    assert [n for _g, n, *_ in KIT_ITEMS] == [
        "卫星电话", "小型发电机", "带动力排水泵", "头盔", "电筒", "防雨护具", "救生衣", "微型消防站器材", "手持扩音器",
    ]
    assert "卫星电话、小型发电机、带动力排水泵" in template.source


def test_a_fully_stocked_village_is_compliant(make_supply: Any, empty_village_a: None) -> None:
    stock(make_supply)
    result = village_result()
    assert result.compliant
    assert all(r.present >= r.required and r.missing == 0 for r in result.items)


def test_a_partial_kit_lists_what_is_missing(make_supply: Any, empty_village_a: None) -> None:
    stock(make_supply, skip={"卫星电话", "手持扩音器"})
    result = village_result()
    assert not result.compliant
    assert result.missing_items == ["卫星电话", "手持扩音器"]
    phone = next(r for r in result.items if r.item.name == "卫星电话")
    assert phone.as_dict() == {
        "name": "卫星电话", "group": "三大件", "item_code": "satellite_phone",
        "required": 1, "present": 0, "missing": 1, "expired": 0, "status": "missing",
    }


def test_expired_life_jackets_do_not_count_as_present(make_supply: Any, empty_village_a: None) -> None:
    old = date.today() - timedelta(days=3)
    stock(make_supply, 救生衣={"expiry_date": old, "production_date": old - timedelta(days=1800)})
    result = village_result()
    jackets = next(r for r in result.items if r.item.name == "救生衣")
    assert (jackets.present, jackets.expired, jackets.missing, jackets.status) == (0, 5, 1, "expired")
    assert not result.compliant
    assert result.expired_items == ["救生衣"]


def test_expiry_does_not_matter_for_items_that_do_not_expire(make_supply: Any, empty_village_a: None) -> None:
    old = date.today() - timedelta(days=3)
    stock(make_supply, 强光手电={"expiry_date": old, "production_date": old - timedelta(days=900)})
    assert village_result().compliant


def test_archived_and_empty_stock_is_not_present(make_supply: Any, admin: Any, empty_village_a: None) -> None:
    stock(make_supply, skip={"卫星电话"})
    phone = make_supply("卫星电话", 1, category_code="communication")
    actions.record_movement(phone, by=admin, kind="out", quantity=1, reason="借给乡镇")
    assert village_result().missing_items == ["卫星电话"]


def test_explicit_item_code_matches_a_name_the_keywords_would_miss(make_supply: Any, empty_village_a: None) -> None:
    stock(make_supply, skip={"手持扩音器"})
    make_supply("便携喇叭", 1, category_code="communication", item_code="megaphone")
    assert village_result().compliant


def test_rollups_count_villages_per_township_and_county(make_supply: Any, empty_village_a: None) -> None:
    county = compliance_for(Jurisdiction.objects.get(code=COUNTY_CODE))
    township = compliance_for(Jurisdiction.objects.get(code=TOWNSHIP_A))
    assert county.total == Jurisdiction.objects.filter(level="village").count()
    assert sum(r.total for r in county.townships()) == county.total
    assert sum(r.compliant for r in county.townships()) == county.compliant
    row = next(r for r in county.townships() if r.township.code == TOWNSHIP_A)
    assert (row.total, row.compliant) == (township.total, township.compliant)
    before = township.compliant
    stock(make_supply)
    assert compliance_for(Jurisdiction.objects.get(code=TOWNSHIP_A)).compliant == before + 1


def test_a_grid_code_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="是网格"):
        compliance_for(Jurisdiction.objects.get(code=GRID_A))


def test_compliance_of_the_county_costs_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    county = Jurisdiction.objects.get(code=COUNTY_CODE)
    template = KitTemplate.objects.get(code="zj-village-3-4-x")
    with django_assert_max_num_queries(3):
        compliance_for(county, template).as_dict()


def test_only_county_rule_makers_change_kit_items(demo_user: Any) -> None:
    item = default_template().items.get(name="救生衣")
    with pytest.raises(PermissionDenied):
        actions.update_kit_item(item, by=demo_user("township_admin"), required_quantity=20)
    actions.update_kit_item(item, by=demo_user("county_admin"), required_quantity=20)
    item.refresh_from_db()
    assert item.required_quantity == 20


def test_demo_villages_are_mostly_compliant_with_some_gaps() -> None:
    result = compliance_for(Jurisdiction.objects.get(code=COUNTY_CODE))
    assert 0 < result.compliant < result.total
    assert any(v.expired_items for v in result.villages)
    assert StockMovement.objects.filter(kind="transfer").exists()
