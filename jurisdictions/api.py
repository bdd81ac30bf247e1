"""Jurisdiction tree API and its map layer (GeoJSON)."""


from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jurisdictions.actions import update_jurisdiction
from jurisdictions.choices import Level
from jurisdictions.ledgers import JURISDICTION_LEDGER, feature, geojson_response, tree_rows
from jurisdictions.models import Jurisdiction
from yingji.api import Page
from yingji.ledgers import dated_filename, xlsx_response

router = Router(tags=["辖区"])
map_router = Router(tags=["地图"])


class JurisdictionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    kind: str
    parent_code: str | None
    jurisdiction_code: str
    centroid_lng: float | None
    centroid_lat: float | None
    children_count: int

    @staticmethod
    def resolve_level_label(obj: Jurisdiction) -> str:
        return str(Level(obj.level).label)

    @staticmethod
    def resolve_parent_code(obj: Jurisdiction) -> str | None:
        return obj.parent_code

    @staticmethod
    def resolve_children_count(obj: Jurisdiction) -> int:
        return getattr(obj, "children_count", 0)


class AncestorOut(Schema):
    code: str
    name: str
    level: str


class JurisdictionDetailOut(JurisdictionOut):
    population: int | None
    note: str
    boundary: dict[str, Any] | None
    ancestors: list[AncestorOut]
    people_count: int
    archived: bool

    @staticmethod
    def resolve_ancestors(obj: Jurisdiction) -> list[Jurisdiction]:
        return obj.ancestors()

    @staticmethod
    def resolve_people_count(obj: Jurisdiction) -> int:
        from people.models import Person

        return Person.objects.active().filter(jurisdiction_path__within=obj.path).count()

    @staticmethod
    def resolve_archived(obj: Jurisdiction) -> bool:
        return obj.archived_at is not None


class JurisdictionFilter(Schema):
    parent: str | None = None
    level: Level | None = None
    q: str | None = None


class JurisdictionPatch(Schema):
    name: str | None = None
    population: int | None = None
    note: str | None = None
    boundary: dict[str, Any] | None = None


def with_child_counts(queryset: Any) -> Any:
    return queryset.annotate(children_count=Count("children", filter=Q(children__archived_at__isnull=True)))


@router.get("", response=list[JurisdictionOut], summary="辖区列表：无参数为可见的顶级辖区；parent=代码 为其下级")
@paginate(Page)
def list_jurisdictions(request: HttpRequest, filters: Query[JurisdictionFilter]) -> Any:
    nodes = Jurisdiction.objects.active()
    if filters.parent:
        parent = get_object_or_404(Jurisdiction.objects, code=filters.parent)
        nodes = nodes.filter(parent=parent)
    elif filters.level or filters.q:
        nodes = nodes.all()
    else:
        nodes = Jurisdiction.objects.visible_roots()
    if filters.level:
        nodes = nodes.filter(level=filters.level)
    if filters.q:
        nodes = nodes.filter(Q(name__contains=filters.q) | Q(code__startswith=filters.q))
    return with_child_counts(nodes).order_by("path")


class ExportFilter(Schema):
    code: str | None = Field(None, description="辖区代码：只导出该辖区及其下级；不填为全部可见辖区")


def _export_root(code: str | None) -> Jurisdiction | None:
    return get_object_or_404(Jurisdiction.objects, code=code) if code else None


# Declared before /{code}, which would otherwise read "export.xlsx" as a code.
@router.get("/export.xlsx", summary="导出辖区台账（Excel，含人员、网格员等统计）")
def export_jurisdictions(request: HttpRequest, filters: Query[ExportFilter]) -> FileResponse:
    root = _export_root(filters.code)
    return xlsx_response(JURISDICTION_LEDGER, tree_rows(root), dated_filename("辖区台账"))


@router.get("/{code}", response=JurisdictionDetailOut, summary="辖区详情")
def get_jurisdiction(request: HttpRequest, code: str) -> Any:
    return get_object_or_404(with_child_counts(Jurisdiction.objects.all()), code=code)


@router.patch("/{code}", response=JurisdictionDetailOut, summary="修改辖区名称、人口、备注或边界")
@transaction.atomic
def patch_jurisdiction(request: HttpRequest, code: str, payload: JurisdictionPatch) -> Any:
    node = get_object_or_404(Jurisdiction.objects, code=code)
    update_jurisdiction(node, by=request.user, **payload.dict(exclude_unset=True))
    return get_object_or_404(with_child_counts(Jurisdiction.objects.all()), code=code)


class MapFilter(Schema):
    code: str | None = None
    parent: str | None = None


@map_router.get("/jurisdictions", summary="辖区边界图层（GeoJSON FeatureCollection）")
def jurisdiction_layer(request: HttpRequest, filters: Query[MapFilter]) -> Any:
    nodes = Jurisdiction.objects.active()
    if filters.code:
        nodes = nodes.filter(code=filters.code)
        if not nodes.exists():
            get_object_or_404(Jurisdiction.objects, code=filters.code)
    elif filters.parent:
        parent = get_object_or_404(Jurisdiction.objects, code=filters.parent)
        nodes = nodes.filter(parent=parent)
    else:
        nodes = Jurisdiction.objects.visible_roots()
    fields = ["code", "name", "level", "kind", "path", "parent_id", "boundary", "centroid_lng", "centroid_lat"]
    return {"type": "FeatureCollection", "features": [feature(n) for n in nodes.only(*fields).order_by("path")]}


@map_router.get("/jurisdictions.geojson", summary="下载辖区边界（GeoJSON FeatureCollection，全部可见辖区或 code 的下级）")
def jurisdiction_boundaries(request: HttpRequest, filters: Query[ExportFilter]) -> StreamingHttpResponse:
    return geojson_response(_export_root(filters.code))
