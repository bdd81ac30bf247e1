"""Balances stay true when two people record movements on the same supply at the same moment.

Runs on PostgreSQL only (SQLite serialises every write, so there is no race to lose). The
rows are committed so that two connections can see them, and removed at the end; the test
therefore does not use the `db` fixture's rolled-back transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Sum

from demo.constants import VILLAGE_A


@pytest.fixture
def committed_supply(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    from accounts.models import User
    from audit.models import ObjectChange
    from jurisdictions.models import Jurisdiction
    from supplies import actions
    from supplies.choices import StoragePointKind
    from supplies.models import StockMovement, StoragePoint, Supply, SupplyCategory

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("row locks matter only on PostgreSQL; SQLite serialises writes")
        admin = User.unscoped.get(username="township_admin")
        village = Jurisdiction.unscoped.get(code=VILLAGE_A)
        point = actions.create_storage_point(by=admin, jurisdiction=village, name="并发测试点", kind=StoragePointKind.VILLAGE_POINT)
        supply = actions.create_supply(
            by=admin, storage_point=point, name="沙袋", category=SupplyCategory.objects.get(code="flood"), initial_quantity=10
        )
    try:
        yield admin, supply
    finally:
        with django_db_blocker.unblock():
            from django.contrib.contenttypes.models import ContentType

            movements = StockMovement.unscoped.filter(supply=supply)
            logged = {
                StockMovement: [str(pk) for pk in movements.values_list("pk", flat=True)],
                Supply: [str(supply.pk)],
                StoragePoint: [str(point.pk)],
            }
            movements.update(counterpart=None)
            movements.delete()  # the queryset delete, for test cleanup only: the model refuses it
            Supply.unscoped.filter(pk=supply.pk).delete()
            StoragePoint.unscoped.filter(pk=point.pk).delete()
            for model, ids in logged.items():
                ObjectChange.unscoped.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=ids).delete()
            connections.close_all()


def test_two_concurrent_outs_of_six_from_ten_let_one_through_and_refuse_the_other(
    committed_supply: tuple[Any, Any], django_db_blocker: Any
) -> None:
    from supplies import actions
    from supplies.models import StockMovement, Supply

    admin, supply = committed_supply
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def draw() -> None:
        try:
            with django_db_blocker.unblock():
                fresh = Supply.unscoped.get(pk=supply.pk)
                barrier.wait()
                actions.record_movement(fresh, by=admin, kind="out", quantity=6, reason="并发领用")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with django_db_blocker.unblock():
        balance = Supply.unscoped.get(pk=supply.pk).quantity
        total = StockMovement.unscoped.filter(supply=supply).aggregate(t=Sum("delta"))["t"]
    assert sorted(outcomes) == ["ok", "refused"]
    assert balance == 4 == total


@pytest.mark.django_db
def test_a_movement_reads_the_supply_row_under_a_lock(demo_user: Any) -> None:
    """The lock is what serialises the two writers above; it must be taken on every movement."""
    from django.test.utils import CaptureQueriesContext

    from supplies import actions
    from supplies.models import Supply

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (Django drops FOR UPDATE there)")
    supply = Supply.objects.filter(quantity__gt=0, archived_at__isnull=True).order_by("id").first()
    with CaptureQueriesContext(connection) as queries:
        actions.record_movement(supply, by=demo_user("county_admin"), kind="in", quantity=1, reason="锁测试")
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"] and '"supplies_supply"' in q["sql"]]
    assert locking, "record_movement must lock the supply row"
