"""The place list as the API, the pages and the exports filter it (one function for all three)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.utils import timezone

from jurisdictions.models import Jurisdiction
from places.models import Place, PlaceQuerySet


@dataclass
class PlaceFilters:
    q: str = ""
    kind: str = ""
    category: str = ""
    risk_grade: str = ""
    occupancy_status: str = ""
    jurisdiction: str = ""
    is_key_unit: bool | None = None
    tag: str = ""
    has_location: bool | None = None
    overdue: bool | None = None
    include_archived: bool = False

    @classmethod
    def from_mapping(cls, data: Any) -> PlaceFilters:
        known = {name: data.get(name) for name in cls.__dataclass_fields__ if data.get(name) not in (None, "")}
        return cls(**known)


def with_tag(places: PlaceQuerySet, tag: str) -> PlaceQuerySet:
    """Places carrying `tag` in their JSON list, on both databases.

    PostgreSQL has JSON containment; SQLite keeps the list as JSON text with non-ASCII
    characters escaped, so there the quoted, escaped tag is searched for in that text.
    """
    if connection.vendor == "postgresql":
        return places.filter(tags__contains=[tag])
    return places.annotate(tags_text=Cast("tags", TextField())).filter(tags_text__contains=json.dumps(tag))


def filter_places(filters: PlaceFilters, queryset: PlaceQuerySet | None = None) -> PlaceQuerySet:
    places = (queryset if queryset is not None else Place.objects.all()).for_lists()
    if not filters.include_archived:
        places = places.filter(archived_at__isnull=True)
    q = (filters.q or "").strip()
    if q:
        condition = Q(name__contains=q) | Q(address__contains=q)
        if len(q) >= 4 and q.isalnum() and q.isascii():
            condition |= Q(credit_code__startswith=q.upper()) | Q(credit_code__contains=q.upper())
        places = places.filter(condition)
    if filters.kind:
        places = places.filter(kind__code=filters.kind)
    if filters.category:
        places = places.filter(kind__category=filters.category)
    if filters.risk_grade:
        places = places.filter(risk_grade="" if filters.risk_grade == "none" else filters.risk_grade)
    if filters.occupancy_status:
        places = places.filter(occupancy_status=filters.occupancy_status)
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects.only("id", "path"), code=filters.jurisdiction)
        places = places.filter(jurisdiction_path__within=node.path)
    if filters.is_key_unit is not None:
        places = places.filter(is_key_unit=filters.is_key_unit)
    if filters.tag:
        places = with_tag(places, filters.tag.strip())
    if filters.has_location is not None:
        places = places.filter(lng__isnull=not filters.has_location)
    if filters.overdue:
        today = timezone.localdate()
        places = places.filter(Q(next_self_inspection_due__lt=today) | Q(next_supervision_due__lt=today))
    return places.order_by("jurisdiction_path", "name", "id")
