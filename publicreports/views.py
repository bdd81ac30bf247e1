"""Pages of public reports: the open report form and outcome page, and the staff triage queue.

The public pages need no login and show nothing but the reporter's own outcome. The form
view is exempt from the CSRF middleware only so that it can refuse an oversized body by its
declared length *before* anything parses it (the middleware reads the whole multipart body
to find the token); it then runs the same CSRF check itself.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from hazards.machine import TransitionRefused
from hazards.models import Hazard
from places.models import Place
from publicreports import actions, services
from publicreports.api import ReportFilter, filter_reports, lookup_refused, report_for_receipt, staff_queryset
from publicreports.choices import ReportState, SubmittedVia
from publicreports.forms import (
    HONEYPOT,
    AcceptForm,
    DuplicateForm,
    ListFilterForm,
    LookupForm,
    PublicReportForm,
    RejectForm,
    RewardForm,
    check_form_token,
)
from publicreports.models import PublicReport
from yingji.actions import require
from yingji.http import AuthenticatedRequest
from yingji.middleware import client_ip

PAGE_SIZE = 30
NEARBY_DEGREES = 0.006  # about 600 m: the box in which places are offered as "nearby"
NEARBY_LIMIT = 30


# --- public pages ------------------------------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def _render_form(request: HttpRequest, form: PublicReportForm, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "form": form,
        "lookup": LookupForm(),
        "max_photos": actions.limits().max_photos,
        "max_photo_mb": actions.limits().max_photo_bytes // 1048576,
        **extra,
    }
    return _public(render(request, "publicreports/public_form.html", context, status=status))


def _csrf_refusal(request: HttpRequest) -> HttpResponseBase | None:
    def _unused(_request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    checker = CsrfViewMiddleware(_unused)
    checker.process_request(request)
    return checker.process_view(request, _unused, (), {})


@csrf_exempt
@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest) -> HttpResponseBase:
    """The report form (GET) and its submission (POST): a receipt on success, the form again on refusal."""
    if request.method == "GET":
        return _render_form(request, PublicReportForm())
    fingerprint = actions.fingerprint_of(client_ip(request))
    try:
        actions.check_body_size(request.META.get("CONTENT_LENGTH"))
        actions.check_not_recently_refused(fingerprint)
    except actions.SubmissionRefused as exc:
        return _render_form(request, PublicReportForm(), status=exc.status, refusal=exc.message)
    refused = _csrf_refusal(request)
    if refused is not None:
        return refused
    form = PublicReportForm(request.POST)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    data = form.cleaned_data
    trap = check_form_token(data["started"])
    if data[HONEYPOT]:
        trap = _("提交未通过校验：请不要填写隐藏的“网址”一栏，然后再次提交")
    if trap:
        # A fresh form (new time stamp, empty trap) keeps what was typed, so a person just sends again.
        kept = {k: v for k, v in data.items() if k not in (HONEYPOT, "started")}
        return _render_form(request, PublicReportForm(initial=kept), status=400, refusal=trap)
    try:
        report, created = actions.submit_report(
            description=data["description"],
            lng=data["lng"] if data["lng"] is not None and math.isfinite(data["lng"]) else None,
            lat=data["lat"] if data["lat"] is not None and math.isfinite(data["lat"]) else None,
            address=data["address"],
            township_code=data["township"],
            phone=data["phone"],
            anonymous=data["anonymous"],
            photos=request.FILES.getlist("photos"),
            fingerprint=fingerprint,
            via=SubmittedVia.PAGE,
        )
    except actions.SubmissionRefused as exc:
        return _render_form(request, form, status=exc.status, refusal=exc.message)
    except ValidationError as exc:
        photo_errors = _apply_errors(form, exc)
        return _render_form(request, form, status=400, photo_errors=photo_errors)
    target = reverse("public_report:outcome", args=[report.receipt])
    return redirect(f"{target}?new={1 if created else 2}")


def _apply_errors(form: PublicReportForm, exc: ValidationError) -> list[str]:
    """Put the action's errors on the form's fields; photo errors are returned for the photo block."""
    photo_errors: list[str] = []
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return photo_errors
    for field, messages_ in exc.message_dict.items():
        if field == "photos":
            photo_errors.extend(messages_)
        elif field in form.fields and field not in (HONEYPOT, "started"):
            form.add_error(field, messages_)
        else:
            form.add_error(None, messages_)
    return photo_errors


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """The receipt box on the form page: go to that receipt's page (unknown codes get the same 404)."""
    code = actions.normalise_receipt(request.GET.get("receipt", ""))
    return redirect(reverse("public_report:outcome", args=[code or "-"]))


@require_GET
def outcome(request: HttpRequest, receipt: str) -> HttpResponse:
    if lookup_refused(request):
        return _public(
            render(request, "publicreports/outcome.html", {"error": _("查询过于频繁，请一分钟后再试。")}, status=429)
        )
    report = report_for_receipt(receipt)
    if report is None:
        context = {
            "error": _("未找到该回执码，请核对后重试（回执码为 10 位字母和数字，不区分大小写）。"),
            "lookup": LookupForm(),
        }
        return _public(render(request, "publicreports/outcome.html", context, status=404))
    context = {
        "result": services.public_outcome(report),
        "receipt_display": actions.format_receipt(report.receipt),
        "new": request.GET.get("new", ""),
        "photo_count": report.photos.count(),
        "lookup": LookupForm(),
    }
    return _public(render(request, "publicreports/outcome.html", context))


# --- staff pages ---------------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_HAZARDS)
    form = ListFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    flagged = {"1": True, "0": False}.get(data.get("flagged") or "")
    params = ReportFilter(
        state=data.get("state") or None, jurisdiction=data.get("code") or None, flagged=flagged, q=data.get("q") or None
    )
    try:
        rows = filter_reports(staff_queryset(), params)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        rows = staff_queryset()
    counts = dict(PublicReport.objects.values_list("state").annotate(n=Count("id")).order_by())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "counts": [(value, label, counts.get(value, 0)) for value, label in ReportState.choices],
        "flagged_count": PublicReport.objects.filter(state=ReportState.RECEIVED, flood_flagged=True).count(),
        "public_url": request.build_absolute_uri(reverse("public_report:form")),
    }
    return render(request, "publicreports/list.html", context)


def _nearby_places(report: PublicReport) -> list[tuple[int, str]]:
    """Places (in the user's scope) offered for "which place is this": by distance, else in the report's area."""
    places = Place.objects.filter(archived_at__isnull=True)
    if report.lng is not None and report.lat is not None:
        near = list(
            places.filter(
                lng__range=(report.lng - NEARBY_DEGREES, report.lng + NEARBY_DEGREES),
                lat__range=(report.lat - NEARBY_DEGREES, report.lat + NEARBY_DEGREES),
            ).only("id", "name", "address", "lng", "lat")[:500]
        )
        lng, lat = report.lng, report.lat
        near.sort(key=lambda p: (p.lng - lng) ** 2 * math.cos(math.radians(lat)) ** 2 + (p.lat - lat) ** 2)  # type: ignore[operator]
        found = near[:NEARBY_LIMIT]
    else:
        found = list(
            places.filter(jurisdiction_path__within=report.jurisdiction_path)
            .only("id", "name", "address")
            .order_by("name")[:NEARBY_LIMIT]
        )
    return [(p.pk, f"{p.name}（{p.address}）") for p in found]


def _report_or_404(pk: int) -> PublicReport:
    return get_object_or_404(staff_queryset(), pk=pk)


@login_required
@require_GET
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_HAZARDS)
    report = _report_or_404(pk)
    return _detail_page(request, report)


def _detail_page(
    request: AuthenticatedRequest, report: PublicReport, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    context = {
        "report": report,
        "receipt_display": actions.format_receipt(report.receipt),
        "phone": services.phone_for(report, request.user),
        "photos": list(report.photos.all()),
        "outcome": services.public_outcome(report),
        "accept_form": forms_.get("accept_form") or AcceptForm(places=_nearby_places(report))
        if report.state == ReportState.RECEIVED
        else None,
        "reject_form": forms_.get("reject_form") or RejectForm(),
        "duplicate_form": forms_.get("duplicate_form") or DuplicateForm(),
        "reward_form": forms_.get("reward_form")
        or RewardForm(
            initial={"amount": report.reward_amount, "note": report.reward_note} if report.reward_amount else None
        ),
        "hazard_url": _hazard_url(report.hazard_id),
        "duplicates": list(PublicReport.objects.filter(duplicate_of=report).only("id", "receipt", "created_at")),
    }
    return render(request, "publicreports/detail.html", context, status=status)


def _hazard_url(hazard_id: int | None) -> str:
    """The hazard page, when the hazards pages are installed (they are written alongside this app)."""
    if hazard_id is None:
        return ""
    try:
        return reverse("hazards:detail", args=[hazard_id])
    except NoReverseMatch:
        return ""


def _run(
    request: AuthenticatedRequest, report: PublicReport, form_name: str, form: Any, action: Any, done: str
) -> HttpResponse:
    if not form.is_valid():
        return _detail_page(request, report, status=400, **{form_name: form})
    try:
        action(form.cleaned_data)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
            form.add_error(field if field in form.fields else None, errors)
        return _detail_page(request, report, status=400, **{form_name: form})
    else:
        messages.success(request, done)
    return redirect("publicreports:detail", pk=report.pk)


@login_required
@require_POST
def accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_HAZARDS)
    report = _report_or_404(pk)
    form = AcceptForm(request.POST, places=_nearby_places(report))

    def run(data: dict[str, Any]) -> None:
        place = get_object_or_404(Place.objects, pk=data["place"]) if data["place"] else None
        actions.accept(
            report,
            by=request.user,
            place=place,
            category=data["category"],
            hazard_type=data["hazard_type"],
            severity=data["severity"],
            description=data["description"],
            interim_measures=data["interim_measures"],
        )

    return _run(request, report, "accept_form", form, run, _("已受理为隐患，请在隐患台账中确认和派单。"))


@login_required
@require_POST
def reject(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_HAZARDS)
    report = _report_or_404(pk)
    return _run(
        request,
        report,
        "reject_form",
        RejectForm(request.POST),
        lambda data: actions.reject(report, by=request.user, reason=data["reason"]),
        _("已不予受理，举报人凭回执码可以看到原因。"),
    )


@login_required
@require_POST
def duplicate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_HAZARDS)
    report = _report_or_404(pk)

    def run(data: dict[str, Any]) -> None:
        of_report = of_hazard = None
        if data["of_receipt"]:
            code = actions.normalise_receipt(data["of_receipt"])
            of_report = PublicReport.objects.filter(receipt=code).first() if code else None
            if of_report is None:
                raise ValidationError({"of_receipt": _("没有找到该回执码的举报（或不在您的辖区范围内）")})
        if data["of_hazard"]:
            of_hazard = Hazard.objects.filter(number=data["of_hazard"].strip()).first()
            if of_hazard is None:
                raise ValidationError({"of_hazard": _("没有找到该编号的隐患（或不在您的辖区范围内）")})
        actions.mark_duplicate(report, by=request.user, of_report=of_report, of_hazard=of_hazard, note=data["note"])

    return _run(request, report, "duplicate_form", DuplicateForm(request.POST), run, _("已标记为重复举报。"))


@login_required
@require_POST
def reward(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_HAZARDS)
    report = _report_or_404(pk)
    return _run(
        request,
        report,
        "reward_form",
        RewardForm(request.POST),
        lambda data: actions.record_reward(report, by=request.user, amount=data["amount"], note=data["note"]),
        _("奖励已登记。"),
    )


@login_required
@require_GET
def photo(request: AuthenticatedRequest, pk: int, photo_pk: int) -> FileResponse:
    """Report photos are shown only to staff who may see the report (never from a public media URL)."""
    require(request.user, Capability.MANAGE_HAZARDS)
    report = get_object_or_404(PublicReport.objects.only("id"), pk=pk)
    item = get_object_or_404(report.photos, pk=photo_pk)
    try:
        handle = item.image.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
