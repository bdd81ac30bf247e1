"""Fixtures of the shelter tests: a shelter in township A (丹东街道) and one in township B (石浦镇)."""

from __future__ import annotations

from typing import Any

import pytest

from demo.constants import TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from shelters import actions
from shelters.models import Shelter


@pytest.fixture
def make_shelter(demo_user: Any) -> Any:
    def make(code: str = VILLAGE_A, **fields: Any) -> Shelter:
        data = {"name": "测试文化礼堂", "kind": "cultural_hall", "capacity_day": 150, "capacity_night": 100, "lng": 121.88, "lat": 29.48}
        data.update(fields)
        node = Jurisdiction.unscoped.get(code=code)
        return actions.create_shelter(by=demo_user("county_admin"), jurisdiction=node, **data)

    return make


@pytest.fixture
def shelter(make_shelter: Any) -> Shelter:
    return make_shelter()


@pytest.fixture
def their_shelter(make_shelter: Any) -> Shelter:
    return make_shelter(TOWNSHIP_B, name="石浦镇测试避灾中心")
