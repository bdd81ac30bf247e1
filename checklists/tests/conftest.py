"""Fixtures of the checklist tests: places of known kinds, and local lists of two townships."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from checklists import actions
from checklists.models import Checklist
from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction
from places.models import Place, PlaceKind


def grid_of(township_code: str) -> Jurisdiction:
    township = Jurisdiction.unscoped.get(code=township_code)
    return Jurisdiction.unscoped.filter(path__startswith=township.path, level="grid").order_by("code").first()


def make_place(kind_code: str, grid: Jurisdiction | None = None, name: str = "测试场所") -> Place:
    grid = grid or Jurisdiction.unscoped.get(code=GRID_A)
    return Place.unscoped.create(
        name=name, kind=PlaceKind.objects.get(code=kind_code), address="测试路1号", jurisdiction=grid
    )


def publish_local(
    user: Any, township_code: str, *, name: str, kinds: list[str], on: datetime.date | None = None
) -> Checklist:
    """A township's own list for `kinds`, published (one item)."""
    township = Jurisdiction.unscoped.get(code=township_code)
    checklist = actions.create_checklist(
        by=user, jurisdiction=township, name=name, place_kinds=kinds, effective_from=on or datetime.date(2024, 1, 1)
    )
    actions.add_item(checklist, by=user, matter="本地事项", content="本地检查内容")
    return actions.publish(checklist, user)


@pytest.fixture
def county_admin(demo_user: Any) -> Any:
    return demo_user("county_admin")


@pytest.fixture
def township_admin(demo_user: Any) -> Any:
    return demo_user("township_admin")


@pytest.fixture
def shipu_admin(demo_user: Any) -> Any:
    return demo_user("shipu_admin")


@pytest.fixture
def small_place_list() -> Checklist:
    return Checklist.unscoped.get(lineage="small-place-fire", version=1)


@pytest.fixture
def local_lists(township_admin: Any, shipu_admin: Any) -> dict[str, Checklist]:
    """One local list in township A and one in township B, both for 小餐饮场所."""
    return {
        "a": publish_local(township_admin, TOWNSHIP_A, name="丹东街道餐饮清单", kinds=["sp_catering"]),
        "b": publish_local(shipu_admin, TOWNSHIP_B, name="石浦镇餐饮清单", kinds=["sp_catering"]),
    }
