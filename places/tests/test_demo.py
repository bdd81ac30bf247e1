"""The small demo county's places: spread, valid and linked as the tests and demos expect."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from shapely.geometry import Point, shape

from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from places.models import Place, PlaceAccount
from places.validators import validate_credit_code

pytestmark = pytest.mark.django_db


def test_small_demo_has_a_few_hundred_places_with_rental_houses_most_numerous() -> None:
    places = Place.unscoped.select_related("kind")
    assert 100 <= places.count() <= 300
    categories = Counter(p.kind.category for p in places)
    assert categories.most_common(1)[0][0] == "rental_house"
    assert {"small_place", "industrial", "hazchem", "school", "clinic", "elderly_care"} <= categories.keys()


@pytest.mark.parametrize("code", [GRID_A, VILLAGE_A, TOWNSHIP_B])
def test_showcase_jurisdictions_have_several_kinds(code: str) -> None:
    node = Jurisdiction.unscoped.get(code=code)
    kinds = set(Place.unscoped.filter(jurisdiction_path__within=node.path).values_list("kind__code", flat=True))
    assert len(kinds) >= 5


def test_every_place_lies_inside_its_grid_and_credit_codes_are_valid() -> None:
    boundaries = {n.pk: shape(n.boundary) for n in Jurisdiction.unscoped.filter(boundary__isnull=False)}
    for place in Place.unscoped.all():
        assert boundaries[place.jurisdiction_id].covers(Point(place.lng, place.lat)), place.name
        if place.credit_code:
            validate_credit_code(place.credit_code)


def test_enterprise_user_is_linked_to_its_company_in_grid_a(demo_user: Any) -> None:
    link = PlaceAccount.objects.select_related("place__jurisdiction").get(user=demo_user("enterprise_user"))
    assert link.place.jurisdiction.code == GRID_A
    assert link.place.name == "象山丹城海韵水产食品有限公司"
    assert Place.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/").count() > 20
