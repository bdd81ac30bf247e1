"""Place pages: list (with map), place page with panels, forms, kinds, photos and the Excel ledger.

Reads go through the scoped `Place.objects` (outsiders get 404, enterprise users see their
linked places only); every change goes through `places.actions`. A PermissionDenied from
an action becomes the 403 page; a ValidationError becomes form errors.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.roles import Capability
from jurisdictions.forms import add_action_errors
from places import actions
from places.choices import RiskGrade
from places.filters import PlaceFilters, filter_places
from places.forms import ArchiveForm, KindForm, LinkAccountForm, OccupancyForm, PhotoForm, PlaceFilterForm, PlaceForm
from places.history import place_history
from places.ledgers import PLACES_LEDGER, PlacesImporter, export_rows
from places.models import Place, PlaceAccount, PlaceKind
from places.panels import render_panels
from places.profiles import notes_for
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

PAGE_SIZE = 25
HISTORY_LIMIT = 40
LEDGER_KEY = "places"


def require_capability(request: AuthenticatedRequest, capability: str, message: str) -> None:
    if not request.user.can(capability):
        raise PermissionDenied(message)


def _filtered(request: AuthenticatedRequest) -> tuple[PlaceFilterForm, Any]:
    form = PlaceFilterForm(request.GET or None)
    return form, filter_places(PlaceFilters.from_mapping(form.filter_values()))


@login_required
def place_list(request: AuthenticatedRequest) -> HttpResponse:
    form, places = _filtered(request)
    page = Paginator(places, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "grades": RiskGrade}
    if request.htmx and request.htmx.target == "place-results":
        return render(request, "places/_results.html", context)
    return render(request, "places/list.html", context)


@login_required
def place_map(request: AuthenticatedRequest) -> HttpResponse:
    form = PlaceFilterForm(request.GET or None)
    context = {
        "form": form,
        "layer_url": reverse("api:places_geojson"),
        "boundary_url": reverse("api:jurisdiction_layer"),
        "detail_url_template": reverse("places:detail", args=[0]),
        "grades": [{"value": g.value, "label": str(g.label), "colour": g.colour} for g in RiskGrade],
        "map_text": {
            "loading": _("正在加载场所…"), "failed": _("加载失败，请刷新重试"), "count": _("个场所"),
            "ungraded": _("未定级"), "detail": _("查看场所"), "legend": _("风险等级"),
        },
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(request, "places/map.html", context)


def place_or_404(pk: int) -> Place:
    return get_object_or_404(Place.objects.for_lists().select_related("archived_by"), pk=pk)


@login_required
def place_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = place_or_404(pk)
    editable = actions.editable_fields(request.user, place)
    links = list(PlaceAccount.objects.filter(place=place).select_related("user"))
    context = {
        "place": place,
        "notes": notes_for(place),
        "photos": list(place.photos.all()),
        "history": place_history(place)[:HISTORY_LIMIT],
        "panels": render_panels(request, place),
        "may_edit": bool(editable),
        "may_edit_all": request.user.can(Capability.EDIT_REGISTRY),
        "links": links,
        "archive_form": ArchiveForm(),
        "occupancy_form": OccupancyForm(initial={"status": place.occupancy_status}),
        "photo_form": PhotoForm(),
        "link_form": LinkAccountForm(),
        "map_tile_url": settings.MAP_TILE_URL,
        "responsible": [
            (_("法定代表人/主要负责人"), place.legal_rep_name, place.legal_rep_mobile),
            (_("消防安全责任人"), place.fire_responsible_name, place.fire_responsible_mobile),
            (_("消防安全管理人"), place.fire_manager_name, place.fire_manager_mobile),
        ],
    }
    return render(request, "places/detail.html", context)


@login_required
def place_create(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权登记场所"))
    form = PlaceForm(request.POST or None, initial={"coord_system": "wgs84", "jurisdiction": request.GET.get("jurisdiction", "")})
    if request.method == "POST" and form.is_valid():
        try:
            place = actions.create_place(by=request.user, **form.changes())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已登记场所“%(name)s”，落格到 %(node)s。") % {"name": place.name, "node": place.jurisdiction.name})
            return redirect("places:detail", pk=place.pk)
    return render(request, "places/form.html", {"form": form, "place": None})


@login_required
def place_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = place_or_404(pk)
    editable = actions.editable_fields(request.user, place)
    if not editable:
        raise PermissionDenied(_("当前角色无权修改场所信息"))
    limited = None if request.user.can(Capability.EDIT_REGISTRY) else editable
    form = PlaceForm(request.POST or None, place=place, editable=limited)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_place(place, by=request.user, **form.changes())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的修改。") % {"name": place.name})
            return redirect("places:detail", pk=place.pk)
    context = {"form": form, "place": place, "limited": limited is not None, "notes": notes_for(place)}
    return render(request, "places/form.html", context)


@login_required
@require_POST
def place_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = place_or_404(pk)
    form = ArchiveForm(request.POST)
    try:
        actions.archive_place(place, by=request.user, reason=form.data.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已归档“%(name)s”。") % {"name": place.name})
    return redirect("places:detail", pk=place.pk)


@login_required
@require_POST
def place_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = place_or_404(pk)
    try:
        actions.restore_place(place, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已恢复“%(name)s”。") % {"name": place.name})
    return redirect("places:detail", pk=place.pk)


@login_required
@require_POST
def place_occupancy(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = place_or_404(pk)
    form = OccupancyForm(request.POST)
    if form.is_valid():
        actions.set_occupancy_status(place, by=request.user, status=form.cleaned_data["status"])
        messages.success(request, _("已更新经营状态。"))
    return redirect("places:detail", pk=place.pk)


@login_required
@require_POST
def photo_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = place_or_404(pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的照片。"))
    else:
        try:
            actions.add_photo(place, by=request.user, upload=form.cleaned_data["image"], caption=form.cleaned_data["caption"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("照片已上传。"))
    return redirect(reverse("places:detail", args=[place.pk]) + "#photos")


@login_required
@require_POST
def photo_remove(request: AuthenticatedRequest, pk: int, photo_pk: int) -> HttpResponse:
    place = place_or_404(pk)
    actions.remove_photo(get_object_or_404(place.photos, pk=photo_pk), by=request.user)
    messages.success(request, _("照片已删除。"))
    return redirect(reverse("places:detail", args=[place.pk]) + "#photos")


@login_required
@require_GET
def photo_file(request: AuthenticatedRequest, pk: int, photo_pk: int) -> FileResponse:
    """Photos are served only to those who may see the place (never from a public media URL)."""
    place = get_object_or_404(Place.objects.only("id"), pk=pk)
    photo = get_object_or_404(place.photos, pk=photo_pk)
    try:
        handle = photo.image.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def account_link(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = place_or_404(pk)
    form = LinkAccountForm(request.POST)
    user = User.objects.filter(username=form.data.get("username", "").strip()).first()
    try:
        if user is None:
            raise ValidationError(_("账号不存在或不在您的辖区范围内"))
        actions.link_account(place, by=request.user, user=user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已关联账号 %(u)s。") % {"u": user.get_username()})
    return redirect("places:detail", pk=place.pk)


@login_required
@require_POST
def account_unlink(request: AuthenticatedRequest, pk: int, user_pk: int) -> HttpResponse:
    place = place_or_404(pk)
    user = get_object_or_404(User.objects, pk=user_pk)
    actions.unlink_account(place, by=request.user, user=user)
    messages.success(request, _("已取消关联账号 %(u)s。") % {"u": user.get_username()})
    return redirect("places:detail", pk=place.pk)


# --- kinds ------------------------------------------------------------------------------


@login_required
def kind_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "places/kinds.html", {"kinds": PlaceKind.objects.all()})


@login_required
def kind_create(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.CONFIGURE_RULES, _("只有县级管理员可以维护场所类型"))
    form = KindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = actions.create_kind(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已新增场所类型“%(name)s”。") % {"name": kind.name})
            return redirect("places:kinds")
    return render(request, "places/kind_form.html", {"form": form, "kind": None, "history": []})


@login_required
def kind_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    kind = get_object_or_404(PlaceKind.objects, pk=pk)
    require_capability(request, Capability.CONFIGURE_RULES, _("只有县级管理员可以维护场所类型"))
    form = KindForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_kind(kind, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": kind.name})
            return redirect("places:kinds")
    from audit.tracking import history_of

    return render(request, "places/kind_form.html", {"form": form, "kind": kind, "history": history_of(kind)[:20]})


# --- ledger (台账): Excel export and import -------------------------------------------------


@login_required
@require_GET
def place_export(request: AuthenticatedRequest) -> FileResponse:
    _form, places = _filtered(request)
    return xlsx_response(PLACES_LEDGER, export_rows(places, request.user), dated_filename("场所台账"))


IMPORT_PAGES = LedgerImportPages(
    ledger=PLACES_LEDGER,
    key=LEDGER_KEY,
    importer=PlacesImporter,
    capability=Capability.EDIT_REGISTRY,
    refusal=_lazy("当前角色无权导入场所台账"),
    title=_lazy("导入场所台账"),
    template_name="场所台账",
    namespace="places",
    list_url_name="places:list",
    list_title=_lazy("单位场所"),
    noun=pgettext_lazy("导入计数", "处场所"),
    notes=(_lazy("有统一社会信用代码的按代码、没有的按名称+地址识别同一场所，已登记的会被更新而不是重复登记。"),),
    record_type="places.place",
)
