"""Fixtures of the risk tests: kinds and places of our own, so the tests do not depend on demo places."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import GRID_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction
from places.choices import PlaceCategory
from places.models import Place, PlaceKind
from yingji.context import acting_as_system


def make_kind(code: str, category: str = PlaceCategory.INDUSTRIAL, **fields: Any) -> PlaceKind:
    kind, _ = PlaceKind.objects.get_or_create(
        code=f"risk-test-{code}", defaults={"name": f"测试类型{code}", "category": category, **fields}
    )
    return kind


def make_place(kind: PlaceKind, jurisdiction_code: str = GRID_A, **fields: Any) -> Place:
    node = Jurisdiction.unscoped.get(code=jurisdiction_code)
    fields.setdefault("name", "测试场所")
    fields.setdefault("address", "丹东街道测试路 1 号")
    with acting_as_system("risk tests"):
        return Place.objects.create(kind=kind, jurisdiction=node, **fields)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def factory_kind(db: Any) -> Any:
    return make_kind


@pytest.fixture
def industrial(db: Any) -> PlaceKind:
    return make_kind("factory", PlaceCategory.INDUSTRIAL)


@pytest.fixture
def hazchem(db: Any) -> PlaceKind:
    return make_kind("hazchem", PlaceCategory.HAZCHEM)


@pytest.fixture
def rental(db: Any) -> PlaceKind:
    return make_kind("rental", PlaceCategory.RENTAL_HOUSE)


@pytest.fixture
def factory_place(industrial: PlaceKind) -> Place:
    return make_place(industrial, name="象山测试针织厂", floor_area=Decimal("1200"), employees=80)


@pytest.fixture
def outside_place(rental: PlaceKind) -> Place:
    """A place in township B (石浦镇), which township A's users must never see."""
    grid = Jurisdiction.unscoped.filter(path__startswith=f"/330225/{TOWNSHIP_B}/", level="grid").order_by("code").first()
    assert grid is not None
    return make_place(rental, grid.code, name="石浦测试出租房")


@pytest.fixture
def county_admin(demo_user: Any) -> Any:
    return demo_user("county_admin")
