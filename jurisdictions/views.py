"""Pages of the jurisdiction tree: browser, node page, edit form and the map (一张图).

Every query goes through `Jurisdiction.objects` (scoped to the user's subtree), so a node
outside it answers 404. Counts below a node are grouped in the database by the path
prefix of each child, so a page costs the same number of queries for 5 or 5,000 nodes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import Capability
from audit.tracking import history_of
from jurisdictions.actions import update_jurisdiction
from jurisdictions.choices import CHILD_LEVEL, CODE_LENGTH, Level
from jurisdictions.forms import JurisdictionForm, add_action_errors
from jurisdictions.ledgers import JURISDICTION_LEDGER, geojson_response, tree_rows
from jurisdictions.models import Jurisdiction
from people.models import Person, Position
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response

# Staffing gaps: nodes of a level that should have a current holder of a position kind.
STAFFING_RULES: list[tuple[str, str]] = [
    (Level.TOWNSHIP, "station_chief"),
    (Level.VILLAGE, "village_manager"),
    (Level.GRID, "grid_member"),
]
HISTORY_LIMIT = 30


def active_nodes() -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(archived_at__isnull=True)


def counts_by_level(node: Jurisdiction) -> dict[str, int]:
    """How many townships/villages/grids lie below a node (one grouped query)."""
    rows = active_nodes().filter(path__within=node.path).exclude(pk=node.pk).values("level").annotate(n=Count("id"))
    return {row["level"]: row["n"] for row in rows}


def unstaffed(node: Jurisdiction, level: str, kind_code: str) -> QuerySet[Jurisdiction]:
    """Nodes of `level` in the subtree of `node` with no current holder of `kind_code`."""
    holders = Position.objects.current().filter(kind__code=kind_code).values("jurisdiction_id")
    return active_nodes().filter(path__within=node.path, level=level).exclude(pk__in=holders)


def staffing_gaps(node: Jurisdiction, sample: int = 8) -> list[dict[str, Any]]:
    """For each staffing rule that applies below `node`: how many nodes lack the position, and a few of them."""
    from people.models import PositionKind

    kinds = {k.code: k for k in PositionKind.objects.filter(code__in=[code for _level, code in STAFFING_RULES])}
    gaps = []
    node_rank = list(Level).index(Level(node.level))
    for level, kind_code in STAFFING_RULES:
        if list(Level).index(Level(level)) < node_rank or kind_code not in kinds:
            continue
        missing = unstaffed(node, level, kind_code)
        count = missing.count()
        gaps.append(
            {
                "level": Level(level),
                "kind": kinds[kind_code],
                "count": count,
                "examples": list(missing.order_by("path")[:sample]) if count else [],
            }
        )
    return gaps


def child_counts(node: Jurisdiction) -> dict[str, dict[str, int]]:
    """Per child path: nodes below it by level, people and current positions (three grouped queries).

    Child codes have a fixed length per level, so the first characters of any path below
    the node name its child; the database groups on that prefix.
    """
    child_level = CHILD_LEVEL.get(Level(node.level))
    result: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if child_level is None:
        return result
    width = len(node.path) + CODE_LENGTH[child_level] + 1
    below = (
        active_nodes()
        .filter(path__within=node.path, depth__gt=node.depth + 1)
        .annotate(head=Substr("path", 1, width))
        .values("head", "level")
        .annotate(n=Count("id"))
    )
    for row in below:
        result[row["head"]][row["level"]] += row["n"]
    people = (
        Person.objects.active()
        .filter(jurisdiction_path__within=node.path)
        .annotate(head=Substr("jurisdiction_path", 1, width))
        .values("head")
        .annotate(n=Count("id"))
    )
    for row in people:
        result[row["head"]]["people"] += row["n"]
    positions = (
        Position.objects.current()
        .filter(jurisdiction_path__within=node.path)
        .annotate(head=Substr("jurisdiction_path", 1, width))
        .values("head")
        .annotate(n=Count("id"))
    )
    for row in positions:
        result[row["head"]]["positions"] += row["n"]
    return result


def breadcrumb(request: AuthenticatedRequest, node: Jurisdiction) -> list[tuple[Jurisdiction, bool]]:
    """Ancestors root first, each with whether the user may open it (nodes above their scope are text)."""
    scope = request.jurisdiction_scope  # type: ignore[attr-defined]
    return [(a, scope.allows_path(a.path)) for a in node.ancestors()]


@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    """The visible top node(s); with a single one (the usual case) go straight to it."""
    roots = list(Jurisdiction.objects.visible_roots().order_by("path"))
    if len(roots) == 1:
        return redirect("jurisdictions:detail", code=roots[0].code)
    return render(request, "jurisdictions/index.html", {"roots": roots})


@login_required
def detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    node = get_object_or_404(Jurisdiction.objects.select_related("parent"), code=code)
    children = list(active_nodes().filter(parent=node).order_by("sort_order", "code"))
    counts = child_counts(node)
    rows = [(child, counts.get(child.path, {})) for child in children]
    positions = (
        Position.objects.current()
        .filter(jurisdiction=node)
        .select_related("person", "kind")
        .order_by("kind__sort_order", "person__name")
    )
    people_in_subtree = Person.objects.active().filter(jurisdiction_path__within=node.path).count()
    context = {
        "node": node,
        "crumbs": breadcrumb(request, node),
        "rows": rows,
        "child_level": Level(node.child_level) if node.child_level else None,
        "positions": positions,
        "people_count": people_in_subtree,
        "history": history_of(node)[:HISTORY_LIMIT],
        "people_url": f"{reverse('people:list')}?jurisdiction={node.code}",
    }
    return render(request, "jurisdictions/detail.html", context)


@login_required
def edit(request: AuthenticatedRequest, code: str) -> HttpResponse:
    node = get_object_or_404(Jurisdiction.objects, code=code)
    if not request.user.can(Capability.EDIT_JURISDICTION):
        raise PermissionDenied(_("当前角色无权编辑辖区信息"))
    form = JurisdictionForm.for_node(node, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            update_jurisdiction(node, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的修改。") % {"name": form.cleaned_data["name"]})
            return redirect("jurisdictions:detail", code=node.code)
    return render(request, "jurisdictions/edit.html", {"node": node, "form": form, "crumbs": breadcrumb(request, node)})


@login_required
def map_page(request: AuthenticatedRequest) -> HttpResponse:
    """The map (一张图): boundaries come from the GeoJSON API, no tile server needed.

    Overlays (places, teams, supplies, shelters, warnings) are offered only when their API
    route resolves here, so an app switched off simply has no layer (`dashboard.overlays`).
    """
    from dashboard.overlays import available_overlays

    levels = [{"value": level.value, "label": str(level.label)} for level in Level]
    return render(
        request,
        "jurisdictions/map.html",
        {
            "overlays": available_overlays(),
            "overlay_text": {
                "layers": _("图层"),
                "loading": _("正在加载图层…"),
                "failed": _("加载失败"),
                "truncated": _("数量过多，只显示了一部分，请放大地图查看全部"),
                "dense": _("点数较多，点击区域或放大后可逐个查看"),
                "open": _("查看"),
                "grade": _("风险等级"),
                "status": _("状态"),
                "occupancy": _("安置人数"),
                "capacity": _("夜间容量"),
                "supplies": _("物资品种"),
                "expired": _("过期"),
                "route": _("转移路线"),
                "length": _("长度（米）"),
                "ungraded": _("未定级"),
                "more": _("等共 {n} 条"),
            },
            "layer_url": reverse("api:jurisdiction_layer"),
            "detail_url_template": reverse("jurisdictions:detail", kwargs={"code": "000000"}),
            "levels": levels,
            "map_text": {
                "all": _("全部辖区"),
                "loading": _("正在加载边界…"),
                "failed": _("边界加载失败，请刷新重试。"),
                "empty": _("没有可显示的边界。"),
                "noBoundary": _("以下辖区尚未绘制边界："),
                "regions": _("个区域"),
                "detail": _("查看详情"),
                "drill": _("查看下级"),
                "legend": _("图例"),
                "current": _("当前辖区"),
            },
        },
    )


def _export_root(request: AuthenticatedRequest) -> Jurisdiction | None:
    """`?code=` limits an export to that node's subtree; a code outside the scope is a 404."""
    code = request.GET.get("code", "").strip()
    return get_object_or_404(Jurisdiction.objects, code=code) if code else None


@login_required
@require_GET
def export_xlsx(request: AuthenticatedRequest) -> FileResponse:
    """The visible tree (or one node's subtree) as the jurisdiction ledger, with counts."""
    root = _export_root(request)
    stem = f"辖区台账-{root.name}" if root else "辖区台账"
    return xlsx_response(JURISDICTION_LEDGER, tree_rows(root), dated_filename(stem))


@login_required
@require_GET
def export_geojson(request: AuthenticatedRequest) -> StreamingHttpResponse:
    return geojson_response(_export_root(request))
