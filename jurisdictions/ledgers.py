"""The jurisdiction ledger (辖区台账): export of the visible tree with counts, and boundaries as GeoJSON.

There is no import: codes are administrative (统计用区划代码, issued by the civil affairs
authorities) and a node changes through its edit form, one audited change at a time.

Counts are computed in three grouped queries for the whole tree and rolled up to every
ancestor in Python (paths are at most four levels deep), so the export costs the same
number of queries for 30 nodes or 3,000.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from jurisdictions.choices import Kind, Level
from jurisdictions.models import Jurisdiction
from people.models import Person, Position
from yingji.ledgers import Column, Ledger, dated_filename
from yingji.scoping import PATH_SEPARATOR

GRID_MEMBER = "grid_member"
EXPORT_CHUNK = 1000

JURISDICTION_LEDGER = Ledger(
    name="辖区台账",
    columns=(
        Column("code", "代码", text=True, width=17, importable=False, help="统计用区划代码；网格在村（社区）代码后加 3 位"),
        Column("name", "名称", width=18, importable=False),
        Column("level", "层级", width=12, importable=False),
        Column("kind", "类型", width=8, importable=False),
        Column("parent_code", "上级代码", text=True, width=17, importable=False),
        Column("population", "常住人口", width=10, importable=False),
        Column("centroid_lng", "中心经度", width=12, importable=False, help="WGS-84"),
        Column("centroid_lat", "中心纬度", width=12, importable=False, help="WGS-84"),
        Column("children", "下级辖区数", width=10, importable=False, help="直接下级（未撤销）"),
        Column("grids", "网格数", width=8, importable=False, help="本辖区及以下的网格"),
        Column("people", "登记人员数", width=10, importable=False, help="本辖区及以下登记的人员（未归档）"),
        Column("positions", "在岗人数", width=10, importable=False, help="本辖区及以下的在岗任职"),
        Column("grid_members", "网格员人数", width=10, importable=False, help="本辖区及以下在岗的网格员"),
        Column("has_boundary", "边界", width=8, importable=False, help="已绘制 / 未绘制；边界可另行导出为 GeoJSON"),
    ),
    notes=(
        "本台账仅供导出查看，辖区不支持批量导入：区划代码由民政部门统一编制，名称、人口、边界等请在辖区页面逐个“编辑”，每次修改都会记入变更记录。",
        "统计数字均含下级辖区。",
    ),
)

_EXPORT_FIELDS = ("id", "code", "name", "level", "kind", "path", "parent_id", "population", "centroid_lng", "centroid_lat")

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Drawn(TypedDict):
        boundary_set: Any


def visible_nodes(root: Jurisdiction | None = None) -> QuerySet[Jurisdiction]:
    """Active nodes the user may see (the manager applies the scope), optionally below `root`."""
    nodes = Jurisdiction.objects.active()
    if root is not None:
        nodes = nodes.filter(path__within=root.path)
    return nodes.order_by("path")


def _ancestor_paths(path: str) -> Iterator[str]:
    """The path itself and every ancestor path: /a/b/c/ → /a/b/c/, /a/b/, /a/."""
    codes = [c for c in path.split(PATH_SEPARATOR) if c]
    for end in range(len(codes), 0, -1):
        yield PATH_SEPARATOR + PATH_SEPARATOR.join(codes[:end]) + PATH_SEPARATOR


def _rolled_up(rows: Any, path_key: str) -> Counter[str]:
    totals: Counter[str] = Counter()
    for row in rows:
        for path in _ancestor_paths(row[path_key]):
            totals[path] += row["n"]
    return totals


def tree_rows(root: Jurisdiction | None = None) -> Iterator[dict[str, Any]]:
    """Ledger rows for every visible node, with subtree counts from grouped queries."""
    nodes = visible_nodes(root)
    people = _rolled_up(
        Person.objects.active().filter(jurisdiction_path__in=nodes.values("path")).values("jurisdiction_path").annotate(n=Count("id")),
        "jurisdiction_path",
    )
    positions: Counter[str] = Counter()
    grid_members: Counter[str] = Counter()
    held = (
        Position.objects.current()
        .filter(jurisdiction_path__in=nodes.values("path"))
        .values("jurisdiction_path", "kind__code")
        .annotate(n=Count("id"))
    )
    for row in held:
        for path in _ancestor_paths(row["jurisdiction_path"]):
            positions[path] += row["n"]
            if row["kind__code"] == GRID_MEMBER:
                grid_members[path] += row["n"]
    children: Counter[int] = Counter()
    grids: Counter[str] = Counter()
    listed: list[WithAnnotations[Jurisdiction, _Drawn]] = []
    drawn = ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField())
    for node in nodes.only(*_EXPORT_FIELDS).annotate(boundary_set=drawn):
        listed.append(node)
        if node.parent_id:
            children[node.parent_id] += 1
        if node.level == Level.GRID:
            for path in _ancestor_paths(node.path):
                grids[path] += 1
    for node in listed:
        yield {
            "code": node.code,
            "name": node.name,
            "level": str(Level(node.level).label),
            "kind": str(Kind(node.kind).label),
            "parent_code": _parent_code(node),
            "population": node.population,
            "centroid_lng": node.centroid_lng,
            "centroid_lat": node.centroid_lat,
            "children": children[node.pk],
            "grids": grids[node.path] if node.level != Level.GRID else None,
            "people": people[node.path],
            "positions": positions[node.path],
            "grid_members": grid_members[node.path],
            "has_boundary": "已绘制" if node.boundary_set else "未绘制",
        }


def _parent_code(node: Jurisdiction) -> str:
    codes = [c for c in node.path.split(PATH_SEPARATOR) if c]
    return codes[-2] if len(codes) > 1 else ""


def feature(node: Jurisdiction) -> dict[str, Any]:
    """One node as a GeoJSON Feature (the map layer and the boundary download share it)."""
    return {
        "type": "Feature",
        "id": node.code,
        "geometry": node.boundary,
        "properties": {
            "code": node.code,
            "name": node.name,
            "level": node.level,
            "kind": node.kind,
            "parent_code": node.parent_code,
            "centroid": [node.centroid_lng, node.centroid_lat] if node.centroid_lng is not None else None,
        },
    }


def geojson_chunks(root: Jurisdiction | None = None) -> Iterator[bytes]:
    """A FeatureCollection of every visible node, written feature by feature (bounded memory)."""
    fields = ["code", "name", "level", "kind", "path", "parent_id", "boundary", "centroid_lng", "centroid_lat"]
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for node in visible_nodes(root).only(*fields).iterator(chunk_size=200):
        prefix = b"" if first else b","
        first = False
        yield prefix + json.dumps(feature(node), ensure_ascii=False, separators=(",", ":")).encode()
    yield b"]}"


def geojson_response(root: Jurisdiction | None) -> StreamingHttpResponse:
    """Boundaries as a GeoJSON download, streamed feature by feature (the middleware keeps the scope while streaming)."""
    stem = f"辖区边界-{root.name}" if root else "辖区边界"
    response = StreamingHttpResponse(geojson_chunks(root), content_type="application/geo+json")
    # Never None for an attachment with a file name.
    response["Content-Disposition"] = cast(str, content_disposition_header(True, dated_filename(stem, "geojson")))
    response["Cache-Control"] = "no-store"
    return response
