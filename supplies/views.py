"""Supplies pages: the stock ledger, a supply's page with its movements, storage points and
their map, the expiry/low-stock page, village kit compliance, and the Excel ledger.

Reads go through the scoped managers (outsiders get 404); every change goes through
`supplies.actions`, which checks the role and leaves the audit trail.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from jurisdictions.choices import Level
from jurisdictions.forms import add_action_errors
from jurisdictions.models import Jurisdiction
from supplies import actions
from supplies.choices import EXPIRY_BADGE, KIT_STATUS_BADGE, ExpiryState, StoragePointKind
from supplies.forms import ArchiveForm, MovementForm, StoragePointForm, SupplyFilterForm, SupplyForm
from supplies.kits import compliance_for
from supplies.ledgers import (
    MOVEMENT_LEDGER,
    POINT_LEDGER,
    SUPPLY_LEDGER,
    StoragePointImporter,
    SupplyImporter,
    export_rows,
    movement_rows,
    point_rows,
)
from supplies.models import StockMovement, StoragePoint, Supply, SupplyReminder, warning_days
from supplies.queries import (
    SupplyFilters,
    alert_supplies,
    filter_supplies,
    movements_of,
    point_filter,
    points_queryset,
    supplies_queryset,
    with_stock_counts,
)
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

PAGE_SIZE = 25
MOVEMENT_LIMIT = 50
HISTORY_LIMIT = 30
LEDGER_KEY = "supplies"


def require_capability(request: AuthenticatedRequest, capability: str, message: str) -> None:
    if not request.user.can(capability):
        raise PermissionDenied(message)


def _filters(form: SupplyFilterForm) -> SupplyFilters:
    data = form.cleaned_data if form.is_valid() else {}
    first, second = warning_days()
    state = data.get("state") or ""
    node = data.get("jurisdiction")
    category = data.get("category")
    return SupplyFilters(
        q=data.get("q") or None,
        category=category.code if category else None,
        owner_type=data.get("owner_type") or None,
        jurisdiction=node.code if node else None,
        storage_point=data.get("storage_point") or None,
        include_archived=bool(data.get("archived")),
        expired=state == "expired",
        expiring_within={"expiring7": second, "expiring30": first}.get(state),
        low_stock=state == "low",
    )


def decorate(supplies: list[Supply]) -> list[Supply]:
    """Attach the expiry state and its badge for the templates (no extra queries)."""
    today = timezone.localdate()
    for supply in supplies:
        state = supply.expiry_state(today)
        supply.state = state  # type: ignore[attr-defined]
        supply.state_label = ExpiryState(state).label  # type: ignore[attr-defined]
        supply.state_badge = EXPIRY_BADGE[ExpiryState(state)]  # type: ignore[attr-defined]
    return supplies


@login_required
def supply_list(request: AuthenticatedRequest) -> HttpResponse:
    form = SupplyFilterForm(request.GET or None)
    paginator = Paginator(filter_supplies(_filters(form)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    decorate(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.htmx and request.htmx.target == "supply-results":
        return render(request, "supplies/_results.html", context)
    return render(request, "supplies/list.html", context)


def supply_or_404(pk: int) -> Supply:
    return get_object_or_404(supplies_queryset().select_related("archived_by"), pk=pk)


def _detail_context(supply: Supply, form: MovementForm) -> dict[str, Any]:
    decorate([supply])
    movements = list(movements_of(supply)[:MOVEMENT_LIMIT])
    return {
        "supply": supply,
        "movement_form": form,
        "movements": movements,
        "history": history_of(supply)[:HISTORY_LIMIT],
        "archive_form": ArchiveForm(),
    }


@login_required
def supply_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    supply = supply_or_404(pk)
    return render(request, "supplies/detail.html", _detail_context(supply, MovementForm(supply=supply)))


@login_required
@require_POST
def supply_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record a movement from the supply's page (the phone form a village cadre uses in the field)."""
    supply = supply_or_404(pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权登记出入库"))
    form = MovementForm(request.POST, supply=supply)
    if form.is_valid():
        try:
            movement = actions.record_movement(supply, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request,
                _("已登记%(kind)s %(quantity)s%(unit)s，现有库存 %(balance)s%(unit)s。")
                % {"kind": movement.get_kind_display(), "quantity": movement.quantity, "unit": supply.unit, "balance": movement.balance_after},
            )
            return redirect("supplies:detail", pk=supply.pk)
    return render(request, "supplies/detail.html", _detail_context(supply, form))


@login_required
def supply_create(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权登记物资"))
    initial: dict[str, Any] = {"unit": "个", "initial_quantity": 0}
    if request.GET.get("storage_point", "").isdigit():
        initial["storage_point"] = int(request.GET["storage_point"])
    form = SupplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            supply = actions.create_supply(
                by=request.user,
                storage_point=form.cleaned_data["storage_point"],
                initial_quantity=form.cleaned_data["initial_quantity"],
                **form.changes(),
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已登记物资“%(name)s”。") % {"name": supply.name})
            return redirect("supplies:detail", pk=supply.pk)
    return render(request, "supplies/form.html", {"form": form, "supply": None})


@login_required
def supply_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    supply = supply_or_404(pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权修改物资信息"))
    form = SupplyForm(request.POST or None, supply=supply)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_supply(supply, by=request.user, **form.changes())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的修改。") % {"name": form.cleaned_data["name"]})
            return redirect("supplies:detail", pk=supply.pk)
    return render(request, "supplies/form.html", {"form": form, "supply": supply})


@login_required
@require_POST
def supply_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    supply = supply_or_404(pk)
    form = ArchiveForm(request.POST)
    try:
        actions.archive_supply(supply, by=request.user, reason=form.cleaned_data["reason"] if form.is_valid() else "")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已归档“%(name)s”。") % {"name": supply.name})
    return redirect("supplies:detail", pk=supply.pk)


@login_required
@require_POST
def supply_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    supply = supply_or_404(pk)
    actions.restore_supply(supply, by=request.user)
    messages.success(request, _("已恢复“%(name)s”。") % {"name": supply.name})
    return redirect("supplies:detail", pk=supply.pk)


# --- 临期/过期/低库存 ------------------------------------------------------------------------


@login_required
def alerts(request: AuthenticatedRequest) -> HttpResponse:
    """Everything that needs attention, grouped: expired, urgent, expiring, low stock."""
    first, second = warning_days()
    today = timezone.localdate()
    groups: dict[str, list[Supply]] = {"expired": [], "soon": [], "expiring": [], "low": []}
    rows = decorate(list(alert_supplies()))
    for supply in rows:
        state = supply.state  # type: ignore[attr-defined]
        if state == ExpiryState.EXPIRED:
            groups["expired"].append(supply)
        elif state == ExpiryState.EXPIRING_SOON:
            groups["soon"].append(supply)
        elif state == ExpiryState.EXPIRING:
            groups["expiring"].append(supply)
        if supply.is_low:
            groups["low"].append(supply)
    reminders = (
        SupplyReminder.objects.filter(supply__in=Supply.objects.all(), created_at__gte=timezone.now() - timedelta(days=30))
        .select_related("supply", "supply__storage_point")
        .order_by("-created_at")[:20]
    )
    context = {
        "groups": groups,
        "first": first,
        "second": second,
        "today": today,
        "reminders": reminders,
    }
    return render(request, "supplies/alerts.html", context)


# --- storage points -----------------------------------------------------------------------


@login_required
def point_list(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    q = request.GET.get("q") or None
    points = with_stock_counts(point_filter(points_queryset(), jurisdiction=None, kind=kind, q=q, include_archived=False))
    paginator = Paginator(points, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    layer = reverse("api:storage_points_geojson")
    context = {
        "page": page,
        "query": query.urlencode(),
        "kinds": StoragePointKind.choices,
        "kind": kind or "",
        "q": q or "",
        "layer_url": layer + (f"?kind={kind}" if kind else ""),
        "boundary_url": reverse("api:jurisdiction_layer"),
        "detail_url_template": reverse("supplies:point_detail", args=[0]),
    }
    if request.htmx and request.htmx.target == "point-results":
        return render(request, "supplies/_points.html", context)
    return render(request, "supplies/points.html", context)


def point_or_404(pk: int) -> StoragePoint:
    return get_object_or_404(points_queryset(), pk=pk)


@login_required
def point_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    point = point_or_404(pk)
    supplies = decorate(list(supplies_queryset().filter(storage_point=point, archived_at__isnull=True).order_by("name", "batch")))
    context = {"point": point, "supplies": supplies, "history": history_of(point)[:HISTORY_LIMIT], "archive_form": ArchiveForm()}
    return render(request, "supplies/point_detail.html", context)


@login_required
def point_create(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权登记储备点"))
    initial = {"jurisdiction": request.user.jurisdiction.code} if request.user.jurisdiction else {}
    form = StoragePointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            point = actions.create_storage_point(by=request.user, **form.values())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已登记储备点“%(name)s”。") % {"name": point.name})
            return redirect("supplies:point_detail", pk=point.pk)
    return render(request, "supplies/point_form.html", {"form": form, "point": None})


@login_required
def point_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    point = point_or_404(pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权修改储备点"))
    form = StoragePointForm(request.POST or None, point=point)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_storage_point(point, by=request.user, **form.values())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的修改。") % {"name": form.cleaned_data["name"]})
            return redirect("supplies:point_detail", pk=point.pk)
    return render(request, "supplies/point_form.html", {"form": form, "point": point})


@login_required
@require_POST
def point_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    point = point_or_404(pk)
    form = ArchiveForm(request.POST)
    try:
        actions.archive_storage_point(point, by=request.user, reason=form.cleaned_data["reason"] if form.is_valid() else "")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已归档储备点“%(name)s”。") % {"name": point.name})
    return redirect("supplies:point_detail", pk=point.pk)


# --- kit compliance -----------------------------------------------------------------------


def _kit_root(request: AuthenticatedRequest, code: str | None) -> Jurisdiction:
    if code:
        return get_object_or_404(Jurisdiction.objects.defer("boundary"), code=code)
    if request.user.jurisdiction is not None:
        return request.user.jurisdiction
    root = Jurisdiction.objects.visible_roots().defer("boundary").first()
    if root is None:
        raise Http404
    return root


@login_required
def kits(request: AuthenticatedRequest) -> HttpResponse:
    """Compliance tables per township (villages × kit items) and a bar chart of compliance rates."""
    root = _kit_root(request, request.GET.get("jurisdiction"))
    if root.level == Level.GRID:
        # Village stock lies outside a grid account's scope: say so rather than show an empty kit.
        return render(request, "supplies/kits_grid.html", {"root": root})
    if root.level == Level.VILLAGE:
        return redirect("supplies:kit_village", code=root.code)
    result = compliance_for(root)
    chart = {
        "labels": [r.township.name for r in result.townships()],
        "compliant": [r.compliant for r in result.townships()],
        "missing": [r.total - r.compliant for r in result.townships()],
        "text": {"compliant": _("达标村数"), "missing": _("未达标村数")},
    }
    context = {"result": result, "root": root, "chart": chart, "badges": KIT_STATUS_BADGE}
    return render(request, "supplies/kits.html", context)


@login_required
def kit_village(request: AuthenticatedRequest, code: str) -> HttpResponse:
    village = get_object_or_404(Jurisdiction.objects.defer("boundary").select_related("parent"), code=code)
    if village.level != Level.VILLAGE:
        return redirect(f"{reverse('supplies:kits')}?jurisdiction={village.code}")
    result = compliance_for(village)
    supplies = decorate(
        list(
            supplies_queryset()
            .filter(jurisdiction_path__within=village.path, archived_at__isnull=True)
            .order_by("storage_point__name", "name", "batch")
        )
    )
    context = {"village": village, "result": result.villages[0] if result.villages else None, "supplies": supplies, "badges": KIT_STATUS_BADGE, "template": result.template}
    return render(request, "supplies/kit_village.html", context)


# --- ledgers (台账) -------------------------------------------------------------------------


@login_required
@require_GET
def supply_export(request: AuthenticatedRequest) -> FileResponse:
    supplies = filter_supplies(_filters(SupplyFilterForm(request.GET or None)))
    return xlsx_response(SUPPLY_LEDGER, export_rows(supplies), dated_filename("物资台账"))


@login_required
@require_GET
def point_export(request: AuthenticatedRequest) -> FileResponse:
    points = point_filter(points_queryset(), jurisdiction=None, kind=request.GET.get("kind") or None, q=request.GET.get("q") or None, include_archived=False)
    return xlsx_response(POINT_LEDGER, point_rows(points, request.user), dated_filename("储备点台账"))


@login_required
@require_GET
def movement_export(request: AuthenticatedRequest) -> FileResponse:
    movements = StockMovement.objects.order_by("-at", "-id")
    if request.GET.get("supply", "").isdigit():
        movements = movements.filter(supply=supply_or_404(int(request.GET["supply"])))
    return xlsx_response(MOVEMENT_LEDGER, movement_rows(movements), dated_filename("出入库记录"))


SUPPLY_PAGES = LedgerImportPages(
    ledger=SUPPLY_LEDGER,
    key=LEDGER_KEY,
    importer=SupplyImporter,
    capability=Capability.EDIT_REGISTRY,
    refusal=gettext_lazy("当前角色无权导入物资台账"),
    title=gettext_lazy("导入物资台账"),
    template_name="物资台账",
    namespace="supplies",
    list_url_name="supplies:list",
    list_title=gettext_lazy("物资台账"),
    noun=pgettext_lazy("导入计数", "种物资"),
    notes=(
        gettext_lazy("物资台账中的储备点须先登记。"),
        gettext_lazy("库存数量不会被直接改写：新物资记为“期初入库”，已有物资数量不同记为一笔“盘点”，出入库记录完整可查。"),
    ),
    record_type="supplies.supply",
)
POINT_PAGES = LedgerImportPages(
    ledger=POINT_LEDGER,
    key="storage_points",
    importer=StoragePointImporter,
    capability=Capability.EDIT_REGISTRY,
    refusal=gettext_lazy("当前角色无权导入储备点台账"),
    title=gettext_lazy("导入储备点台账"),
    template_name="储备点台账",
    namespace="supplies",
    list_url_name="supplies:points",
    list_title=gettext_lazy("储备点"),
    noun=pgettext_lazy("导入计数", "个储备点"),
    notes=(gettext_lazy("同一辖区内名称相同的储备点视为同一个；保管人按已登记人员的手机号查找。"),),
    record_type="supplies.storagepoint",
    names={"import": "points_import", "confirm": "points_import_confirm", "template": "points_import_template", "job": "points_import_job"},
)
