"""Fixtures of the teams tests: teams placed at known points in township A and B."""

from __future__ import annotations

from typing import Any

import pytest

from demo.constants import TOWNSHIP_A


@pytest.fixture
def node() -> Any:
    from jurisdictions.models import Jurisdiction

    def get(code: str) -> Any:
        return Jurisdiction.unscoped.get(code=code)

    return get


@pytest.fixture
def admin_a(demo_user: Any) -> Any:
    return demo_user("township_admin")


@pytest.fixture
def make_team(admin_a: Any, node: Any) -> Any:
    """Create a team through the action (as the township A admin unless `by` is given)."""
    from teams import actions

    counter = {"n": 0}

    def make(lng: float = 121.87, lat: float = 29.47, *, code: str = TOWNSHIP_A, by: Any = None, **fields: Any) -> Any:
        counter["n"] += 1
        fields.setdefault("name", f"测试队伍{counter['n']}")
        fields.setdefault("kind", "micro_fire_station")
        return actions.create_team(by=by or admin_a, jurisdiction=node(code), lng=lng, lat=lat, **fields)

    return make


@pytest.fixture
def far_away() -> tuple[float, float]:
    """A point far from the demo county (in the Pacific), so only teams placed near it are close."""
    return (150.0, 10.0)

