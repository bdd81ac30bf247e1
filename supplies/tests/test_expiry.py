"""Expiry windows (30/7 days by default), expired flags, low stock and the daily reminder job."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from supplies import actions
from supplies.choices import ExpiryState, ReminderKind
from supplies.jobs import scan_supplies
from supplies.models import SupplyReminder, expiry_state
from supplies.queries import SupplyFilters, filter_supplies

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("days", "state"),
    [
        (-1, ExpiryState.EXPIRED),
        (0, ExpiryState.EXPIRING_SOON),
        (7, ExpiryState.EXPIRING_SOON),
        (8, ExpiryState.EXPIRING),
        (30, ExpiryState.EXPIRING),
        (31, ExpiryState.OK),
    ],
)
def test_expiry_windows_at_the_edges(days: int, state: str) -> None:
    assert expiry_state(TODAY + timedelta(days=days), TODAY) == state
    assert expiry_state(None, TODAY) == ExpiryState.NONE


def test_warning_windows_come_from_settings(settings: Any) -> None:
    settings.SUPPLIES_EXPIRY_WARNING_DAYS = (60, 14)
    assert expiry_state(TODAY + timedelta(days=45), TODAY) == ExpiryState.EXPIRING
    assert expiry_state(TODAY + timedelta(days=10), TODAY) == ExpiryState.EXPIRING_SOON


def test_list_filters_find_expiring_expired_and_low_stock(make_supply: Any, point: Any) -> None:
    today = date.today()
    soon = make_supply("方便食品", 5, category_code="living", expiry_date=today + timedelta(days=5), production_date=today - timedelta(days=300))
    later = make_supply("饮用水", 5, category_code="living", expiry_date=today + timedelta(days=90))
    gone = make_supply("灭火器", 5, category_code="fire", expiry_date=today - timedelta(days=1), production_date=today - timedelta(days=2000))
    low = make_supply("沙袋", 20, category_code="flood", low_stock_threshold=50)
    mine = SupplyFilters(storage_point=point.pk)
    assert set(filter_supplies(SupplyFilters(storage_point=point.pk, expiring_within=30))) == {soon}
    assert set(filter_supplies(SupplyFilters(storage_point=point.pk, expiring_within=100))) == {soon, later}
    assert set(filter_supplies(SupplyFilters(storage_point=point.pk, expired=True))) == {gone}
    assert set(filter_supplies(SupplyFilters(storage_point=point.pk, low_stock=True))) == {low}
    assert filter_supplies(mine).count() == 4


def test_daily_scan_reminds_once_per_threshold_crossing(make_supply: Any, admin: Any) -> None:
    supply = make_supply("方便食品", 10, category_code="living", production_date=date(2025, 6, 1), expiry_date=date(2026, 6, 20))
    mine = SupplyReminder.objects.filter(supply=supply)

    scan_supplies(date(2026, 5, 1))  # 50 days left: nothing yet
    assert not mine.exists()
    scan_supplies(date(2026, 5, 25))  # 26 days left: the first window
    assert list(mine.values_list("kind", flat=True)) == [ReminderKind.EXPIRING]
    scan_supplies(date(2026, 5, 26))  # the same crossing again: nothing new
    assert mine.count() == 1
    scan_supplies(date(2026, 6, 15))  # 5 days left
    scan_supplies(date(2026, 6, 21))  # expired
    scan_supplies(date(2026, 6, 22))
    assert sorted(mine.values_list("kind", flat=True)) == sorted(
        [ReminderKind.EXPIRING, ReminderKind.EXPIRING_SOON, ReminderKind.EXPIRED]
    )


def test_an_expiry_first_seen_inside_seven_days_reminds_only_the_urgent_threshold(make_supply: Any) -> None:
    supply = make_supply("饮用水", 3, category_code="living", expiry_date=date(2026, 6, 5))
    scan_supplies(TODAY)
    assert list(SupplyReminder.objects.filter(supply=supply).values_list("kind", flat=True)) == [ReminderKind.EXPIRING_SOON]


def test_low_stock_reminder_reopens_only_after_the_shortage_ended(make_supply: Any, admin: Any) -> None:
    supply = make_supply("沙袋", 100, category_code="flood", low_stock_threshold=80)
    low = SupplyReminder.objects.filter(supply=supply, kind=ReminderKind.LOW_STOCK)
    actions.record_movement(supply, by=admin, kind="out", quantity=30, reason="抢险")
    scan_supplies(TODAY)
    scan_supplies(TODAY)
    assert low.count() == 1 and low.get().resolved_at is None
    actions.record_movement(supply, by=admin, kind="in", quantity=50, reason="补充")
    scan_supplies(TODAY)
    assert low.get().resolved_at is not None
    actions.record_movement(supply, by=admin, kind="out", quantity=60, reason="抢险")
    scan_supplies(TODAY)
    assert low.count() == 2 and low.filter(resolved_at__isnull=True).count() == 1


def test_scan_notifies_the_keeper_when_the_notification_core_is_there(make_supply: Any, point: Any, admin: Any) -> None:
    from people.models import Person

    keeper = Person.unscoped.filter(jurisdiction_path__startswith=point.jurisdiction_path).first()
    assert keeper is not None
    actions.update_storage_point(point, by=admin, keeper=keeper)
    supply = make_supply("灭火器", 4, category_code="fire", expiry_date=TODAY - timedelta(days=3))
    result = scan_supplies(TODAY)
    reminder = SupplyReminder.objects.get(supply=supply)
    try:
        import notifications.services  # noqa: F401
    except ImportError:
        assert not reminder.notified
        return
    assert reminder.notified and reminder.notification_ref
    assert result.notified >= 1
