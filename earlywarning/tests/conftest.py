"""Fixtures for warning tests: a complete draft in township A."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import TOWNSHIP_A, VILLAGE_A
from earlywarning import actions
from earlywarning.models import EarlyWarning, WarningKind
from jurisdictions.models import Jurisdiction


@pytest.fixture
def staff(demo_user: Any) -> Any:
    return demo_user("township_staff")


@pytest.fixture
def township(db: Any) -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=TOWNSHIP_A)


@pytest.fixture
def village(db: Any) -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=VILLAGE_A)


def content(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    fields: dict[str, Any] = {
        "kind": WarningKind.objects.get(code="rainstorm"),
        "level": "blue",
        "title": "丹东街道暴雨蓝色预警",
        "starts_at": now,
        "ends_at": now + timedelta(hours=12),
        "watch_for": "12 小时内降雨量将达 50 毫米以上",
        "measures": "巡查低洼易涝点，做好人员转移准备",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_draft(staff: Any, township: Jurisdiction, village: Jurisdiction) -> Any:
    def make(by: Any = None, area: list[Jurisdiction] | None = None, **overrides: Any) -> EarlyWarning:
        return actions.create_draft(
            by=by or staff,
            jurisdiction=township,
            area_nodes=[village] if area is None else area,
            **content(**overrides),
        )

    return make
