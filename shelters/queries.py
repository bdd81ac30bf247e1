"""Reads shared by the shelter pages and API: the filtered list and the map layer."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from jurisdictions.models import Jurisdiction
from shelters.choices import STATUS_COLOURS, ShelterStatus
from shelters.models import EvacuationRoute, Shelter


def filter_shelters(
    shelters: QuerySet[Shelter],
    *,
    jurisdiction: str | None = None,
    q: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    include_archived: bool = False,
) -> QuerySet[Shelter]:
    """The scoped shelters narrowed by the list's filters (a code outside the scope is a 404)."""
    if not include_archived:
        shelters = shelters.filter(archived_at__isnull=True)
    if jurisdiction:
        node = get_object_or_404(Jurisdiction.objects.defer("boundary"), code=jurisdiction)
        shelters = shelters.filter(jurisdiction_path__within=node.path)
    if q:
        q = q.strip()
        shelters = shelters.filter(Q(name__contains=q) | Q(address__contains=q))
    if kind:
        shelters = shelters.filter(kind=kind)
    if status:
        shelters = shelters.filter(status=status)
    return shelters.order_by("jurisdiction_path", "name", "id")


def shelter_geojson(shelters: QuerySet[Shelter]) -> dict[str, Any]:
    """A FeatureCollection: one Point per located shelter, one LineString per route (two queries)."""
    features: list[dict[str, Any]] = []
    ids: list[int] = []
    for s in shelters.filter(lng__isnull=False, lat__isnull=False):
        ids.append(s.pk)
        features.append(
            {
                "type": "Feature",
                "id": f"shelter-{s.pk}",
                "geometry": {"type": "Point", "coordinates": [s.lng, s.lat]},
                "properties": {
                    "layer": "shelter",
                    "id": s.pk,
                    "name": s.name,
                    "kind": s.get_kind_display(),
                    "jurisdiction_code": s.jurisdiction.code,
                    "status": s.status,
                    "status_label": str(s.get_status_display()),
                    "colour": STATUS_COLOURS[ShelterStatus(s.status)],
                    "capacity_night": s.capacity_night,
                    "occupancy": s.occupancy,
                },
            }
        )
    routes = EvacuationRoute.objects.active().filter(shelter_id__in=ids).select_related("jurisdiction").defer("jurisdiction__boundary")
    for r in routes:
        features.append(
            {
                "type": "Feature",
                "id": f"route-{r.pk}",
                "geometry": r.geometry,
                "properties": {"layer": "route", "id": r.pk, "shelter_id": r.shelter_id, "name": r.name, "length_m": r.length_m, "jurisdiction_code": r.jurisdiction.code},
            }
        )
    return {"type": "FeatureCollection", "features": features}
