"""Shelter pages: list with map, detail with the occupancy board, forms, routes, roll-up, ledger.

Reads go through the scoped managers (outsiders get 404); changes go through
`shelters.actions`. The occupancy board posts with htmx and swaps only the board, so an
on-site manager on a phone taps +/- without reloading the page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from jurisdictions.forms import add_action_errors
from jurisdictions.models import Jurisdiction
from shelters import actions
from shelters.choices import STATUS_COLOURS, ShelterStatus
from shelters.forms import ArchiveForm, OccupancyForm, RouteForm, ShelterFilterForm, ShelterForm, StatusForm
from shelters.ledgers import SHELTER_LEDGER, ShelterImporter, export_rows
from shelters.models import EvacuationRoute, Shelter, ShelterEvent
from shelters.queries import filter_shelters
from shelters.rollup import capacity_rollup
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

PAGE_SIZE = 25
EVENT_LIMIT = 30


def _require(request: AuthenticatedRequest) -> None:
    if not request.user.can(Capability.EDIT_REGISTRY):
        raise PermissionDenied(_("当前角色无权修改避灾安置场所"))


def _base() -> Any:
    return Shelter.objects.select_related("jurisdiction").defer("jurisdiction__boundary")


def _filtered(request: AuthenticatedRequest) -> tuple[ShelterFilterForm, Any]:
    form = ShelterFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    node = data.get("jurisdiction")
    shelters = filter_shelters(
        _base(), jurisdiction=node.code if node else None, q=data.get("q"), kind=data.get("kind"), status=data.get("status")
    )
    return form, shelters


@login_required
def shelter_list(request: AuthenticatedRequest) -> HttpResponse:
    form, shelters = _filtered(request)
    page = Paginator(shelters, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    legend = [{"value": s.value, "label": str(s.label), "colour": STATUS_COLOURS[s]} for s in ShelterStatus]
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "layer_url": reverse("api:shelters_layer") + "?" + urlencode({k: v for k, v in query.items() if v}),
        "layer_base": reverse("api:shelters_layer"),
        "detail_url_template": reverse("shelters:detail", kwargs={"pk": 0}),
        "legend": legend,
        "map_text": {"routes": _("转移路线"), "occupancy": _("安置"), "capacity": _("夜间容量"), "none": _("没有可显示的场所坐标")},
    }
    if request.htmx and request.htmx.target == "shelter-results":
        return render(request, "shelters/_results.html", context)
    return render(request, "shelters/list.html", context)


def _detail_context(request: AuthenticatedRequest, shelter: Shelter, **extra: Any) -> dict[str, Any]:
    return {
        "shelter": shelter,
        "routes": EvacuationRoute.objects.active().filter(shelter=shelter),
        "events": ShelterEvent.objects.filter(shelter=shelter).select_related("by")[:EVENT_LIMIT],
        "occupancy_form": extra.pop("occupancy_form", None) or OccupancyForm(initial={"count": 1}),
        "status_form": StatusForm(),
        "archive_form": ArchiveForm(),
        "history": history_of(shelter)[:EVENT_LIMIT],
        "layer_url": reverse("api:shelters_layer") + "?" + urlencode({"q": shelter.name, "jurisdiction": shelter.jurisdiction.code}),
        **extra,
    }


@login_required
def shelter_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shelter = get_object_or_404(_base(), pk=pk)
    return render(request, "shelters/detail.html", _detail_context(request, shelter))


@login_required
@require_POST
def occupancy(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Check people in or out; htmx swaps the board, a plain post redirects back."""
    shelter = get_object_or_404(_base(), pk=pk)
    _require(request)
    form = OccupancyForm(request.POST)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "check_in":
                shelter = actions.check_in(shelter, by=request.user, count=data["count"],
                                           confirm_over_capacity=data["confirm_over_capacity"], note=data["note"])
            else:
                shelter = actions.check_out(shelter, by=request.user, count=data["count"], note=data["note"])
        except ValidationError as exc:
            error = "；".join(exc.messages)
    else:
        error = _("请填写正确的人数（1～10000）。")
    shelter = get_object_or_404(_base(), pk=pk)
    if request.htmx:
        context = _detail_context(request, shelter, board_error=error, occupancy_form=OccupancyForm(initial={"count": 1}))
        return render(request, "shelters/_board.html", context, status=200)
    if error:
        messages.error(request, error)
    return redirect("shelters:detail", pk=pk)


@login_required
@require_POST
def status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shelter = get_object_or_404(_base(), pk=pk)
    _require(request)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            actions.change_status(shelter, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("状态已更新。"))
    return redirect("shelters:detail", pk=pk)


def _save_form(request: AuthenticatedRequest, form: ShelterForm, shelter: Shelter | None) -> Shelter | None:
    data = dict(form.cleaned_data)
    try:
        if shelter is None:
            return actions.create_shelter(by=request.user, **data)
        return actions.update_shelter(shelter, by=request.user, **data)
    except ValidationError as exc:
        add_action_errors(form, exc)
        return None


@login_required
def shelter_create(request: AuthenticatedRequest) -> HttpResponse:
    _require(request)
    initial = {"jurisdiction": request.user.jurisdiction.code} if request.user.jurisdiction else {}
    form = ShelterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        shelter = _save_form(request, form, None)
        if shelter is not None:
            messages.success(request, _("已登记“%(name)s”。") % {"name": shelter.name})
            return redirect("shelters:detail", pk=shelter.pk)
    return render(request, "shelters/form.html", {"form": form})


@login_required
def shelter_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shelter = get_object_or_404(_base(), pk=pk)
    _require(request)
    form = ShelterForm(request.POST or None, shelter=shelter)
    if request.method == "POST" and form.is_valid() and _save_form(request, form, shelter) is not None:
        messages.success(request, _("已保存。"))
        return redirect("shelters:detail", pk=pk)
    return render(request, "shelters/form.html", {"form": form, "shelter": shelter})


@login_required
def route_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shelter = get_object_or_404(_base(), pk=pk)
    _require(request)
    form = RouteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_route(shelter, by=request.user, name=data["name"], geometry=data["geometry"],
                              coord_system=data["coord_system"], note=data["note"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已添加转移路线。"))
            return redirect("shelters:detail", pk=pk)
    return render(request, "shelters/route_form.html", {"form": form, "shelter": shelter})


@login_required
@require_POST
def route_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    route = get_object_or_404(EvacuationRoute.objects, pk=pk)
    _require(request)
    actions.archive_route(route, by=request.user)
    messages.success(request, _("已删除路线“%(name)s”（归档保留）。") % {"name": route.name})
    return redirect("shelters:detail", pk=route.shelter_id)


@login_required
@require_POST
def shelter_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shelter = get_object_or_404(_base(), pk=pk)
    _require(request)
    form = ArchiveForm(request.POST)
    try:
        actions.archive_shelter(shelter, by=request.user, reason=form.data.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已归档。"))
    return redirect("shelters:detail", pk=pk)


@login_required
@require_POST
def shelter_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shelter = get_object_or_404(_base(), pk=pk)
    _require(request)
    actions.restore_shelter(shelter, by=request.user)
    messages.success(request, _("已恢复。"))
    return redirect("shelters:detail", pk=pk)


@login_required
def capacity(request: AuthenticatedRequest) -> HttpResponse:
    code = request.GET.get("code")
    root = get_object_or_404(Jurisdiction.objects.defer("boundary"), code=code) if code else None
    rows = capacity_rollup(root)
    totals = {
        "population": sum(r.population for r in rows),
        "shelters": sum(r.shelters for r in rows),
        "capacity_night": sum(r.capacity_night for r in rows),
        "occupancy": sum(r.occupancy for r in rows),
    }
    return render(request, "shelters/capacity.html", {"rows": rows, "root": root, "totals": totals})


# --- ledger ----------------------------------------------------------------------------

IMPORT_PAGES = LedgerImportPages(
    ledger=SHELTER_LEDGER,
    key="shelters",
    importer=ShelterImporter,
    capability=Capability.EDIT_REGISTRY,
    refusal=_lazy("当前角色无权导入避灾安置场所台账"),
    title=_lazy("导入避灾安置场所台账"),
    template_name="避灾安置场所台账",
    namespace="shelters",
    list_url_name="shelters:list",
    list_title=_lazy("避灾安置场所"),
    noun=pgettext_lazy("导入计数", "处安置场所"),
    notes=tuple(_lazy(note) for note in SHELTER_LEDGER.notes),  # the ledger's own notes, in English from this catalogue
    record_type="shelters.shelter",
)


@login_required
@require_GET
def shelter_export(request: AuthenticatedRequest) -> FileResponse:
    _form, shelters = _filtered(request)
    return xlsx_response(SHELTER_LEDGER, export_rows(shelters, request.user), dated_filename("避灾安置场所台账"))
