"""The balance rule: a supply's quantity changes only through movements and always equals their sum."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum

from supplies import actions
from supplies.choices import MovementKind
from supplies.models import StockMovement, Supply
from yingji.models import LedgerDeletionRefused

pytestmark = pytest.mark.django_db


def movement_sum(supply: Supply) -> int:
    return StockMovement.objects.filter(supply=supply).aggregate(total=Sum("delta"))["total"] or 0


def balance(supply: Supply) -> int:
    return Supply.objects.get(pk=supply.pk).quantity


def test_initial_quantity_is_recorded_as_an_in_movement(make_supply: Any) -> None:
    supply = make_supply(quantity=20)
    movements = list(StockMovement.objects.filter(supply=supply))
    assert [(m.kind, m.quantity, m.delta, m.balance_after) for m in movements] == [(MovementKind.IN, 20, 20, 20)]
    assert supply.quantity == 20


def test_two_movements_in_sequence_and_a_refused_one_leave_the_exact_balance(make_supply: Any, admin: Any) -> None:
    supply = make_supply(quantity=10)
    actions.record_movement(supply, by=admin, kind="out", quantity=4, reason="台风转移领用")
    actions.record_movement(supply, by=admin, kind="in", quantity=7, reason="补充采购")
    with pytest.raises(ValidationError) as refused:
        actions.record_movement(supply, by=admin, kind="out", quantity=14, reason="超量领用")
    assert "超过当前库存 13" in str(refused.value)
    assert balance(supply) == 13 == movement_sum(supply)
    assert StockMovement.objects.filter(supply=supply).count() == 3


@pytest.mark.parametrize(
    ("kind", "quantity", "message"),
    [
        ("out", 0, "正整数"),
        ("out", -3, "正整数"),
        ("loss", 11, "超过当前库存"),
        ("borrow", 1, "未知的出入库类型"),
        ("stocktake", -1, "不能为负数"),
        ("out", 1.5, "整数"),
    ],
)
def test_a_refused_movement_changes_nothing(make_supply: Any, admin: Any, kind: str, quantity: Any, message: str) -> None:
    supply = make_supply(quantity=10)
    with pytest.raises(ValidationError) as refused:
        actions.record_movement(supply, by=admin, kind=kind, quantity=quantity, reason="测试")
    assert message in str(refused.value)
    assert balance(supply) == 10
    assert StockMovement.objects.filter(supply=supply).count() == 1


def test_an_out_without_a_reason_is_refused(make_supply: Any, admin: Any) -> None:
    supply = make_supply(quantity=5)
    with pytest.raises(ValidationError, match="须填写事由"):
        actions.record_movement(supply, by=admin, kind="out", quantity=1, reason="  ")
    assert balance(supply) == 5


def test_stocktake_records_the_difference_to_the_counted_balance(make_supply: Any, admin: Any) -> None:
    supply = make_supply(quantity=30)
    shortfall = actions.record_movement(supply, by=admin, kind="stocktake", quantity=27, reason="季度盘点")
    assert (shortfall.quantity, shortfall.delta, shortfall.balance_after) == (27, -3, 27)
    surplus = actions.record_movement(supply, by=admin, kind="stocktake", quantity=29)
    assert (surplus.delta, surplus.balance_after) == (2, 29)
    same = actions.record_movement(supply, by=admin, kind="stocktake", quantity=29)
    assert same.delta == 0
    assert balance(supply) == 29 == movement_sum(supply)


def test_transfer_creates_the_matching_in_at_the_destination(make_supply: Any, admin: Any, other_point: Any) -> None:
    supply = make_supply(quantity=40, specification="成人款", batch="2025-06")
    out = actions.record_movement(supply, by=admin, kind="transfer", quantity=15, reason="前置调拨", to_storage_point=other_point)
    target = Supply.objects.get(storage_point=other_point, name="救生衣", specification="成人款", batch="2025-06")
    incoming = StockMovement.objects.get(supply=target)
    out.refresh_from_db()
    assert (out.delta, out.balance_after, out.to_storage_point_id) == (-15, 25, other_point.pk)
    assert (incoming.kind, incoming.delta, incoming.balance_after) == (MovementKind.IN, 15, 15)
    assert out.counterpart_id == incoming.pk and incoming.counterpart_id == out.pk
    assert target.category_id == supply.category_id and target.jurisdiction_id == other_point.jurisdiction_id
    # A second transfer reuses the destination line.
    actions.record_movement(supply, by=admin, kind="transfer", quantity=5, reason="再次调拨", to_storage_point=other_point)
    assert Supply.objects.filter(storage_point=other_point, name="救生衣").count() == 1
    assert balance(target) == 20 == movement_sum(target)
    assert balance(supply) == 20 == movement_sum(supply)


def test_transfer_to_the_same_point_or_without_destination_is_refused(make_supply: Any, admin: Any, point: Any) -> None:
    supply = make_supply(quantity=5)
    with pytest.raises(ValidationError, match="调入储备点与当前储备点相同"):
        actions.record_movement(supply, by=admin, kind="transfer", quantity=1, reason="x", to_storage_point=point)
    with pytest.raises(ValidationError, match="须选择调入的储备点"):
        actions.record_movement(supply, by=admin, kind="transfer", quantity=1, reason="x")
    assert StockMovement.objects.filter(supply=supply).count() == 1


def test_an_over_large_transfer_creates_no_destination_line(make_supply: Any, admin: Any, other_point: Any) -> None:
    supply = make_supply(quantity=5)
    with pytest.raises(ValidationError):
        actions.record_movement(supply, by=admin, kind="transfer", quantity=6, reason="x", to_storage_point=other_point)
    assert not Supply.objects.filter(storage_point=other_point).exists()


def test_quantity_cannot_be_edited_directly(make_supply: Any, admin: Any) -> None:
    supply = make_supply(quantity=5)
    with pytest.raises(ValidationError, match="不能直接修改"):
        actions.update_supply(supply, by=admin, quantity=50)
    assert balance(supply) == 5


def test_movements_are_never_edited_or_deleted(make_supply: Any) -> None:
    supply = make_supply(quantity=5)
    movement = StockMovement.objects.get(supply=supply)
    movement.reason = "改写"
    with pytest.raises(LedgerDeletionRefused):
        movement.save()
    with pytest.raises(LedgerDeletionRefused):
        movement.delete()


def test_a_leader_cannot_record_movements(make_supply: Any, demo_user: Any) -> None:
    supply = make_supply(quantity=5)
    with pytest.raises(PermissionDenied):
        actions.record_movement(supply, by=demo_user("leader"), kind="out", quantity=1, reason="x")
    assert balance(supply) == 5


def test_archived_supply_takes_no_movements_and_needs_zero_stock_to_archive(make_supply: Any, admin: Any) -> None:
    supply = make_supply(quantity=3)
    with pytest.raises(ValidationError, match="还有库存"):
        actions.archive_supply(supply, by=admin)
    actions.record_movement(supply, by=admin, kind="loss", quantity=3, reason="过期报废")
    actions.archive_supply(supply, by=admin, reason="已报废")
    with pytest.raises(ValidationError, match="已归档"):
        actions.record_movement(supply, by=admin, kind="in", quantity=1)


def test_expiry_before_production_is_refused(make_supply: Any) -> None:
    from datetime import date

    with pytest.raises(ValidationError, match="不能早于生产日期"):
        make_supply(production_date=date(2025, 5, 1), expiry_date=date(2025, 4, 1))


def test_expiry_is_derived_from_shelf_life(make_supply: Any) -> None:
    from datetime import date

    supply = make_supply(name="方便食品", category_code="living", production_date=date(2025, 1, 1), shelf_life_days=365)
    assert supply.expiry_date == date(2026, 1, 1)


def test_agreement_stock_needs_a_party(make_supply: Any) -> None:
    with pytest.raises(ValidationError, match="协议单位"):
        make_supply(owner_type="agreement")


def test_duplicate_natural_key_is_refused_with_a_pointer_to_the_existing_line(make_supply: Any) -> None:
    make_supply(batch="A")
    with pytest.raises(ValidationError, match="同名、同规格、同批次"):
        make_supply(batch="A")


def test_movements_are_audited(make_supply: Any, admin: Any) -> None:
    from audit.tracking import history_of

    supply = make_supply(quantity=5)
    movement = actions.record_movement(supply, by=admin, kind="out", quantity=2, reason="领用")
    assert history_of(movement).filter(action="create").exists()
    quantity_changes = [c for c in history_of(supply) if "quantity" in c.after]
    assert quantity_changes and quantity_changes[0].after["quantity"] == 3
