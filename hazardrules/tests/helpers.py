"""Shared test data: a hazard on a place of a given kind in a given township."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

_numbers = itertools.count(1)


def place_in(township_code: str, kind_code: str | None = None) -> Any:
    from places.models import Place

    places = Place.unscoped.filter(jurisdiction_path__contains=f"/{township_code}/").select_related("kind")
    if kind_code:
        place = places.filter(kind__code=kind_code).first()
        if place is not None:
            return place
        from places.models import PlaceKind

        place = places.first()
        place.kind = PlaceKind.objects.get(code=kind_code)
        place.save(update_fields=["kind"])
        return place
    return places.first()


def hazard_on(place: Any, **fields: Any) -> Any:
    from hazards.models import Hazard

    values = {
        "number": f"HRTEST{next(_numbers):06d}",
        "place": place,
        "jurisdiction": place.jurisdiction,
        "category": "unsafe_condition",
        "hazard_type": "fire",
        "description": "安全出口被封堵",
        "source": "inspection",
        "found_at": timezone.now(),
        **fields,
    }
    return Hazard.unscoped.create(**values)
