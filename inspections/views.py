"""Inspection pages, phone first: the list, starting (task, place, self-inspection), the walk, the record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from inspectionplans.models import InspectionTask
from inspections import actions, services
from inspections.choices import (
    OUTCOME_BADGE,
    RESULT_BADGE,
    InspectionKind,
    InspectionResult,
    InspectionState,
    ItemOutcome,
)
from inspections.filters import FILTER_KEYS, filter_inspections
from inspections.ledgers import INSPECTION_LEDGER, export_rows, with_counts
from inspections.models import Inspection, ItemPhoto
from places.models import Place
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response

PAGE_SIZE = 30


def _messages_of(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _filtered(request: AuthenticatedRequest) -> tuple[Any, dict[str, str], str]:
    params = {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}
    try:
        queryset = filter_inspections(services.list_queryset(), params)
        error = ""
    except ValidationError as exc:
        queryset, error = services.list_queryset().none(), _messages_of(exc)
    return queryset, params, error


@login_required
@require_GET
def inspection_list(request: AuthenticatedRequest) -> HttpResponse:
    queryset, params, error = _filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in params.items() if v})
    place = None
    if params["place"].isdigit():
        place = Place.objects.filter(pk=int(params["place"])).first()
    context = {
        "page": page,
        "params": params,
        "query": query,
        "error": error,
        "place": place,
        "kinds": InspectionKind.choices,
        "results": InspectionResult.choices,
        "result_badge": RESULT_BADGE,
        "self_places": _self_places(request.user),
    }
    template = "inspections/_results.html" if request.htmx else "inspections/list.html"
    return render(request, template, context)


@login_required
@require_GET
def export(request: AuthenticatedRequest) -> FileResponse:
    queryset, _params, _error = _filtered(request)
    rows = export_rows(with_counts(queryset).prefetch_related("inspectors__person").iterator(chunk_size=500))
    return xlsx_response(INSPECTION_LEDGER, rows, dated_filename("检查台账"))


def _self_places(user: Any) -> list[Place]:
    """An enterprise user's own places, where they may start a self-inspection."""
    if not actions.is_enterprise(user) or not user.can(Capability.INSPECT):
        return []
    return list(Place.objects.filter(archived_at__isnull=True, account_links__user=user).order_by("name")[:50])


# --- starting --------------------------------------------------------------------------------


@login_required
@require_GET
def self_inspection(request: AuthenticatedRequest) -> HttpResponse:
    """单位自查 entry point: an enterprise user picks one of their places (or goes straight in)."""
    places = _self_places(request.user)
    if len(places) == 1:
        return redirect(f"{reverse('inspections:start')}?place={places[0].pk}&kind={InspectionKind.SELF_INSPECTION}")
    return render(request, "inspections/self.html", {"places": places})


@login_required
@require_http_methods(["GET", "POST"])
def start(request: AuthenticatedRequest) -> HttpResponse:
    """Start an ad-hoc inspection of a place: a patrol, a supervision visit or a self-inspection."""
    raw = request.POST.get("place") or request.GET.get("place") or ""
    if not raw.isdigit():
        messages.error(request, _("请从场所页面开始检查"))
        return redirect("inspections:list")
    place = get_object_or_404(Place.objects.filter(archived_at__isnull=True), pk=int(raw))
    kinds = [(value, label) for value, label in InspectionKind.choices if value in actions.allowed_kinds(request.user)]
    if not kinds:
        raise PermissionDenied(_("当前角色无权开展检查"))
    kind = request.POST.get("kind") or request.GET.get("kind") or kinds[0][0]
    if request.method == "POST":
        try:
            inspection = actions.begin(place, by=request.user, kind=kind)
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
        else:
            return redirect("inspections:walk", inspection.pk)
    drafts = Inspection.objects.filter(place=place, state=InspectionState.DRAFT, inspectors=request.user)
    return render(request, "inspections/start.html", {"place": place, "kinds": kinds, "kind": kind, "drafts": drafts})


@login_required
@require_http_methods(["GET", "POST"])
def do_task(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    """ "Open the task" from my tasks: its draft if one is under way, else a page to begin it."""
    task = get_object_or_404(InspectionTask.objects.select_related("place", "checklist"), pk=task_id)
    draft = Inspection.objects.filter(task=task, state=InspectionState.DRAFT, archived_at__isnull=True).first()
    if request.method == "POST" or (draft is not None and actions.may_work_on(draft, request.user)):
        try:
            with transaction.atomic():
                inspection = actions.begin(task, by=request.user, kind=request.POST.get("kind") or None)
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
        else:
            return redirect("inspections:walk", inspection.pk)
    done = Inspection.objects.filter(pk=task.inspection_id).first() if task.inspection_id else None
    kinds = [(v, label) for v, label in InspectionKind.choices if v != InspectionKind.SELF_INSPECTION]
    return render(request, "inspections/do.html", {"task": task, "done": done, "kinds": kinds})


# --- the walk --------------------------------------------------------------------------------


def _draft_for(request: AuthenticatedRequest, inspection_id: int) -> Inspection:
    inspection = get_object_or_404(
        Inspection.objects.filter(archived_at__isnull=True).select_related("place", "checklist", "task"),
        pk=inspection_id,
    )
    return inspection


def _walk_context(request: AuthenticatedRequest, inspection: Inspection, **extra: Any) -> dict[str, Any]:
    rows = services.item_rows(inspection)
    return {
        "inspection": inspection,
        "rows": rows,
        "answered": sum(1 for row in rows if row.result is not None),
        "far_threshold": actions.far_threshold_m(),
        "outcomes": ItemOutcome.choices,
        "outcome_badge": OUTCOME_BADGE,
        "may_report": request.user.can(Capability.REPORT_HAZARD),
        "needs_signature": inspection.kind == InspectionKind.SUPERVISION,
        "needs_check_in": inspection.kind != InspectionKind.SELF_INSPECTION,
        **extra,
    }


@login_required
@require_GET
def walk(request: AuthenticatedRequest, inspection_id: int) -> HttpResponse:
    inspection = _draft_for(request, inspection_id)
    if not inspection.is_draft or not actions.may_work_on(inspection, request.user):
        return redirect("inspections:detail", inspection.pk)
    return render(request, "inspections/walk.html", _walk_context(request, inspection))


@login_required
@require_POST
def check_in(request: AuthenticatedRequest, inspection_id: int) -> HttpResponse:
    inspection = _draft_for(request, inspection_id)
    if not inspection.is_draft:
        messages.error(request, _("检查已完成提交，不能再修改"))
        return redirect("inspections:detail", inspection.pk)
    values = {key: request.POST.get(key, "").strip() for key in ("lat", "lng", "accuracy", "far_reason")}
    try:
        lat: float | None = None
        lng: float | None = None
        accuracy: float | None = None
        if values["lat"] or values["lng"]:
            try:
                lat, lng = float(values["lat"]), float(values["lng"])
                accuracy = float(values["accuracy"]) if values["accuracy"] else None
            except ValueError:
                raise ValidationError({"lat": _("定位坐标无效，请重新定位")}) from None
        actions.check_in(
            inspection, by=request.user, lat=lat, lng=lng, accuracy=accuracy, far_reason=values["far_reason"]
        )
    except ValidationError as exc:
        inspection.refresh_from_db()
        context = _walk_context(request, inspection, check_in_error=_messages_of(exc), pending=values)
        if hasattr(exc, "error_dict") and "far_reason" in exc.error_dict:
            context["needs_reason"] = True
        return render(request, "inspections/walk.html", context)  # re-shown like any form with errors
    messages.success(request, _("已签到"))
    return redirect(reverse("inspections:walk", args=[inspection.pk]) + "#check-in")


@login_required
@require_POST
def record_item(request: AuthenticatedRequest, inspection_id: int, item_id: int) -> HttpResponse:
    """Save one item; with `make_hazard` the failed item also becomes a hazard in the same tap."""
    inspection = _draft_for(request, inspection_id)
    error = ""
    hazard = None
    try:
        with transaction.atomic():
            result = actions.record_item(
                inspection,
                item_id,
                by=request.user,
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
                photos=request.FILES.getlist("photos"),
            )
            if request.POST.get("make_hazard"):
                hazard = actions.fail_item_as_hazard(inspection, result, by=request.user)
    except ValidationError as exc:
        error = _messages_of(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif hazard is not None:
            messages.success(request, _("已生成隐患 %(number)s") % {"number": hazard.number})
        return redirect(reverse("inspections:walk", args=[inspection.pk]) + f"#item-{item_id}")
    inspection.refresh_from_db()
    row = next((row for row in services.item_rows(inspection) if row.item.pk == item_id), None)
    if row is None:
        return HttpResponse(status=404)
    context = _walk_context(request, inspection, row=row, item_error=error, posted=request.POST if error else None)
    return render(request, "inspections/_item.html", context)


@login_required
@require_POST
def sign(request: AuthenticatedRequest, inspection_id: int) -> HttpResponse:
    inspection = _draft_for(request, inspection_id)
    try:
        actions.sign(
            inspection,
            by=request.user,
            representative=request.POST.get("representative", ""),
            signature_png=request.POST.get("signature", ""),
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("已保存签名"))
    return redirect(reverse("inspections:walk", args=[inspection.pk]) + "#sign")


@login_required
@require_POST
def finish(request: AuthenticatedRequest, inspection_id: int) -> HttpResponse:
    inspection = _draft_for(request, inspection_id)
    try:
        inspection = actions.finish(inspection, by=request.user, summary=request.POST.get("summary", ""))
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        return redirect(reverse("inspections:walk", args=[inspection.pk]) + "#finish")
    messages.success(request, _("检查已提交：%(result)s") % {"result": inspection.get_result_display()})
    return redirect("inspections:detail", inspection.pk)


# --- the record ------------------------------------------------------------------------------


@login_required
@require_GET
def detail(request: AuthenticatedRequest, inspection_id: int) -> HttpResponse:
    inspection = get_object_or_404(
        services.list_queryset().select_related("task").prefetch_related("inspectors__person"), pk=inspection_id
    )
    context = {
        "inspection": inspection,
        "rows": services.item_rows(inspection),
        "hazards": services.hazards_of(inspection),
        "outcome_badge": OUTCOME_BADGE,
        "result_badge": RESULT_BADGE,
        "may_continue": inspection.is_draft and actions.may_work_on(inspection, request.user),
        "far_threshold": actions.far_threshold_m(),
    }
    return render(request, "inspections/detail.html", context)


def file_response(field: Any, content_type: str) -> FileResponse:
    """A stored photo or signature, private to those who may see its inspection."""
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def photo(request: AuthenticatedRequest, photo_id: int) -> FileResponse:
    """A photo, only when its inspection is in the viewer's scope."""
    item_photo = get_object_or_404(
        ItemPhoto.objects.filter(result__inspection__in=Inspection.objects.all()), pk=photo_id
    )
    return file_response(item_photo.image, item_photo.content_type)


@login_required
@require_GET
def signature(request: AuthenticatedRequest, inspection_id: int) -> FileResponse:
    inspection = get_object_or_404(Inspection.objects.exclude(signature=""), pk=inspection_id)
    return file_response(inspection.signature, "image/png")


# --- the place page ----------------------------------------------------------------------------


def place_panel_context(request: HttpRequest, place: Place) -> dict[str, Any] | None:
    """The place page's section: recent inspections and a start button for those who may inspect."""
    user: Any = getattr(request, "user", None)
    recent = list(
        Inspection.objects.filter(place=place, archived_at__isnull=True)
        .select_related("checklist")
        .order_by("-started_at", "-id")[:5]
    )
    kinds = actions.allowed_kinds(user) if user is not None and user.is_authenticated else []
    may_start = bool(kinds) and not place.is_archived
    if not recent and not may_start:
        return None
    return {
        "recent_inspections": recent,
        "inspection_start_kinds": [(v, label) for v, label in InspectionKind.choices if v in kinds],
        "may_start_inspection": may_start,
        "self_only": kinds == [InspectionKind.SELF_INSPECTION],
        "result_badge": RESULT_BADGE,
    }
