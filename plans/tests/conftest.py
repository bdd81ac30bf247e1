"""Fixtures of the plan tests: plans, drills and training events in township A (丹东街道) and B (石浦镇)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction
from plans import actions
from plans.choices import PlanStatus
from plans.models import Drill, Plan, Training


def node(code: str) -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=code)


@pytest.fixture
def make_plan(demo_user: Any) -> Any:
    def make(code: str = TOWNSHIP_A, **fields: Any) -> Plan:
        data: dict[str, Any] = {"title": "测试防汛防台应急预案", "kind": "flood", "approved_on": date(2024, 5, 1), "status": PlanStatus.IN_FORCE}
        data.update(fields)
        return actions.create_plan(by=demo_user("county_admin"), jurisdiction=node(code), **data)

    return make


@pytest.fixture
def plan(make_plan: Any) -> Plan:
    return make_plan(sections=[("总则", "为做好防汛防台工作……"), ("应急响应", "分四级响应。")])


@pytest.fixture
def their_plan(make_plan: Any) -> Plan:
    return make_plan(TOWNSHIP_B, title="石浦镇测试预案")


@pytest.fixture
def drill(demo_user: Any, plan: Plan) -> Drill:
    return actions.create_drill(by=demo_user("county_admin"), jurisdiction=plan.jurisdiction, title="测试演练", kind="live", plan=plan,
                                conducted_on=date(2025, 6, 18), participants=40)


@pytest.fixture
def their_drill(demo_user: Any, their_plan: Plan) -> Drill:
    return actions.create_drill(by=demo_user("county_admin"), jurisdiction=their_plan.jurisdiction, title="石浦测试演练", kind="live",
                                plan=their_plan, conducted_on=date(2025, 6, 18), participants=40)


@pytest.fixture
def training(demo_user: Any) -> Training:
    return actions.create_training(by=demo_user("county_admin"), jurisdiction=node(TOWNSHIP_A), held_on=date(2025, 5, 12), kind="publicity",
                                   audience="community", topic="测试防灾减灾日宣传", attendance=80)


@pytest.fixture
def their_training(demo_user: Any) -> Training:
    return actions.create_training(by=demo_user("county_admin"), jurisdiction=node(TOWNSHIP_B), held_on=date(2025, 5, 12), kind="training",
                                   audience="enterprise", topic="石浦测试培训", attendance=30)
