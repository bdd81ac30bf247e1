"""Fixtures of the supplies tests: a fresh storage point in village A and a way to stock it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from demo.constants import TOWNSHIP_B, VILLAGE_A


@pytest.fixture
def admin(demo_user: Callable[[str], Any]) -> Any:
    return demo_user("township_admin")


@pytest.fixture
def village(db: Any) -> Any:
    from jurisdictions.models import Jurisdiction

    return Jurisdiction.unscoped.get(code=VILLAGE_A)


@pytest.fixture
def point(admin: Any, village: Any) -> Any:
    from supplies import actions
    from supplies.choices import StoragePointKind

    return actions.create_storage_point(
        by=admin, jurisdiction=village, name="测试储备点", kind=StoragePointKind.VILLAGE_POINT, lng=121.87, lat=29.47
    )


@pytest.fixture
def other_point(admin: Any, village: Any) -> Any:
    from supplies import actions
    from supplies.choices import StoragePointKind

    return actions.create_storage_point(by=admin, jurisdiction=village.parent, name="测试乡镇仓库", kind=StoragePointKind.DEPOT)


@pytest.fixture
def category(db: Any) -> Callable[[str], Any]:
    from supplies.models import SupplyCategory

    return lambda code: SupplyCategory.objects.get(code=code)


@pytest.fixture
def make_supply(admin: Any, point: Any, category: Callable[[str], Any]) -> Callable[..., Any]:
    from supplies import actions

    def make(name: str = "救生衣", quantity: int = 0, *, at: Any = None, category_code: str = "lifesaving", **fields: Any) -> Any:
        return actions.create_supply(
            by=admin,
            storage_point=at or point,
            name=name,
            category=category(category_code),
            initial_quantity=quantity,
            **fields,
        )

    return make


@pytest.fixture
def shipu_point(demo_user: Callable[[str], Any]) -> Any:
    """A storage point with stock in township B, for outsider checks the other way round."""
    from jurisdictions.models import Jurisdiction
    from supplies import actions
    from supplies.choices import StoragePointKind
    from supplies.models import SupplyCategory

    admin_b = demo_user("shipu_admin")
    node = Jurisdiction.unscoped.get(code=TOWNSHIP_B)
    point = actions.create_storage_point(by=admin_b, jurisdiction=node, name="石浦测试仓库", kind=StoragePointKind.DEPOT)
    actions.create_supply(
        by=admin_b, storage_point=point, name="沙袋", category=SupplyCategory.objects.get(code="flood"), initial_quantity=50
    )
    return point
