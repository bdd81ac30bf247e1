"""Fixtures for duty tests: people of township A to put on shifts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import TOWNSHIP_A, VILLAGE_A
from jurisdictions.models import Jurisdiction
from people.models import Person


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())  # type: ignore[misc]


@pytest.fixture
def township(db: Any) -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=TOWNSHIP_A)


@pytest.fixture
def village(db: Any) -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=VILLAGE_A)


@pytest.fixture
def staff(db: Any) -> list[Person]:
    """Four people registered in township A (station staff and leaders of the demo)."""
    return list(Person.unscoped.filter(jurisdiction__code=TOWNSHIP_A).order_by("id")[:4])
