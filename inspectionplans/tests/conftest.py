"""Fixtures of the inspection-plan tests: plans in township A (丹东街道) and B (石浦镇)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from inspectionplans import actions
from inspectionplans.choices import PlanKind
from inspectionplans.models import InspectionPlan
from jurisdictions.models import Jurisdiction


def node(code: str) -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=code)


@pytest.fixture
def make_plan(demo_user: Any) -> Any:
    def make(
        code: str = TOWNSHIP_A, kind: str = PlanKind.RANDOM_DRAW, by: str = "county_admin", **fields: Any
    ) -> InspectionPlan:
        today = timezone.localdate()
        data: dict[str, Any] = {
            "title": "测试双随机抽查计划",
            "period_start": today,
            "period_end": today + timedelta(days=30),
        }
        data.update(fields)
        return actions.create_plan(by=demo_user(by), jurisdiction=node(code), kind=kind, **data)

    return make


@pytest.fixture
def draw_plan(make_plan: Any) -> InspectionPlan:
    return make_plan()


@pytest.fixture
def their_plan(make_plan: Any) -> InspectionPlan:
    return make_plan(TOWNSHIP_B, title="石浦镇测试计划")


@pytest.fixture
def inspectors(demo_user: Any) -> list[Any]:
    """Inspectors of township A whose jurisdiction covers the whole township."""
    return [demo_user("township_admin"), demo_user("township_staff")]
