"""Which jurisdiction a point lies in (落格): point-in-polygon over the boundaries.

The index holds every active node with a boundary as a shapely geometry in an STRtree
(a bounding-box tree), so a look-up tests only the few polygons whose boxes contain the
point; it is built once per process and rebuilt when any boundary changes (a cheap
version query). The smallest (deepest) node containing the point wins; a point exactly
on the border of two grids goes to the one with the smaller code, so the answer is
stable. Bulk imports build the index once and reuse it for every row.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import Point, shape

from jurisdictions.models import Jurisdiction
from yingji.scoping import Scope, current_scope


@dataclass(frozen=True)
class Located:
    node_id: int
    code: str
    path: str
    depth: int


class BoundaryIndex:
    """An STRtree of jurisdiction boundaries with the node facts needed to answer quickly."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.nodes: list[Located] = []
        geometries = []
        for row in rows:
            try:
                geometry = shape(row["boundary"])
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            geometries.append(geometry)
            self.nodes.append(Located(row["id"], row["code"], row["path"], row["depth"]))
        self.tree = STRtree(geometries)

    def locate(self, lng: float, lat: float) -> Located | None:
        """The deepest node whose boundary contains or touches the point."""
        hits = self.tree.query(Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return min((self.nodes[int(i)] for i in hits), key=lambda n: (-n.depth, n.code))


_lock = threading.Lock()
_cached: tuple[Any, BoundaryIndex] | None = None


def _version() -> tuple[Any, ...]:
    stats = Jurisdiction.unscoped.filter(boundary__isnull=False).aggregate(n=Count("id"), changed=Max("updated_at"))
    return stats["n"], stats["changed"]


def boundary_index() -> BoundaryIndex:
    """The process-wide index, rebuilt when a boundary was added or edited since it was built."""
    global _cached
    version = _version()
    with _lock:
        if _cached is not None and _cached[0] == version:
            return _cached[1]
    rows = list(
        Jurisdiction.unscoped.filter(boundary__isnull=False, archived_at__isnull=True).values(
            "id", "code", "path", "depth", "boundary"
        )
    )
    index = BoundaryIndex(rows)
    with _lock:
        _cached = (version, index)
    return index


def locate(lng: float, lat: float, *, scope: Scope | None = None, index: BoundaryIndex | None = None) -> Jurisdiction:
    """The smallest jurisdiction containing the WGS-84 point, within the acting user's scope.

    Raises a ValidationError naming the field to fix when the point lies outside every
    boundary, or inside a jurisdiction the user may not see.
    """
    scope = current_scope() if scope is None else scope
    found = (index or boundary_index()).locate(lng, lat)
    if found is None:
        raise ValidationError(
            {"lng": _("坐标（经度 %(lng).6f，纬度 %(lat).6f）不在本县任何辖区边界内；请核对经纬度是否填反、坐标系是否选对") % {"lng": lng, "lat": lat}}
        )
    if not scope.allows_path(found.path):
        raise ValidationError(
            {"lng": _("坐标（经度 %(lng).6f，纬度 %(lat).6f）位于您的辖区范围之外；请核对坐标，辖区外的场所由所在乡镇登记") % {"lng": lng, "lat": lat}}
        )
    return Jurisdiction.unscoped.defer("boundary").get(pk=found.node_id)


def reset_cache() -> None:
    global _cached
    with _lock:
        _cached = None
