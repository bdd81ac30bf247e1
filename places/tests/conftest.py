"""Shared helpers of the place tests: points inside demo grids, a place factory, personas."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from shapely.geometry import shape

from jurisdictions.models import Jurisdiction
from places.models import Place, PlaceKind


@pytest.fixture(autouse=True)
def chinese() -> Any:
    """Messages are asserted in Chinese, whatever language an earlier test left active."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def inside(code: str) -> tuple[float, float]:
    """A WGS-84 point well inside a jurisdiction's boundary."""
    node = Jurisdiction.unscoped.get(code=code)
    point = shape(node.boundary).representative_point()
    return round(point.x, 7), round(point.y, 7)


def first_grid(code: str) -> Jurisdiction:
    return Jurisdiction.unscoped.filter(path__within=Jurisdiction.unscoped.get(code=code).path, level="grid").order_by("code").first()  # type: ignore[return-value]


@pytest.fixture
def make_place(db: Any) -> Any:
    """Create a place directly (no action, no audit) for tests that need one in a given grid."""

    def make(code: str, name: str = "测试小吃店", kind: str = "sp_catering", **fields: Any) -> Place:
        node = Jurisdiction.unscoped.get(code=code)
        lng, lat = inside(code)
        values = {"address": "象山县测试路 1 号", "lng": lng, "lat": lat, "location_source": "auto", **fields}
        return Place.unscoped.create(name=name, kind=PlaceKind.objects.get(code=kind), jurisdiction=node, **values)

    return make
