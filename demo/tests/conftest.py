"""Plans of both scales, generated once: planning needs no database."""

from __future__ import annotations

import pytest

from demo.plan import CountyPlan, plan_county
from demo.staffing import PersonPlan, plan_staff


@pytest.fixture(scope="session")
def small_plan() -> CountyPlan:
    return plan_county("small")


@pytest.fixture(scope="session")
def county_plan() -> CountyPlan:
    return plan_county("county")


@pytest.fixture(scope="session")
def county_staff(county_plan: CountyPlan) -> list[PersonPlan]:
    return plan_staff(county_plan)
