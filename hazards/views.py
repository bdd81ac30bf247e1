"""Pages of the hazard loop: the ledger, one hazard with its actions, the phone report form,
"my tasks", the county supervision board, the export and the place-page panel.

Reads go through the scoped managers (a hazard outside the user's subtree, or of a place an
enterprise user is not linked to, is a 404); every change goes through `hazards.actions`,
whose refusals (409 state, 403 role, 400 input) are shown on the page with the input kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.roles import Capability, Role
from hazards import actions
from hazards.choices import (
    OPEN_STATES,
    RECTIFICATION_STATES,
    Colour,
    ExtensionState,
    HazardSeverity,
    HazardSource,
    HazardState,
    PhotoStage,
    RecheckState,
)
from hazards.colours import colour_of, colour_q
from hazards.filters import FILTER_KEYS, filter_hazards
from hazards.forms import ACTION_FORMS, AssignForm, DecideExtensionForm, HazardFilterForm, ReportForm
from hazards.ledgers import HAZARD_IMPORT_LEDGER, HazardImporter, export_response, row_colour
from hazards.machine import STATE_LABELS, TransitionRefused
from hazards.models import DeadlineExtension, Hazard, Recheck
from hazards.services import EVENT_LABELS as TIMELINE_LABELS
from hazards.services import photo_url, timeline
from jurisdictions.forms import add_action_errors
from jurisdictions.models import Jurisdiction
from places.choices import PlaceCategory
from places.models import Place
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename
from yingji.ledgers.pages import LedgerImportPages
from yingji.paging import DeferredPage
from yingji.scoping import path_codes

PAGE_SIZE = 25
PLACE_CHOICES_LIMIT = 20
TASK_LIST_LIMIT = 50
# What the list's query string may carry: the shared filter keys, plus the industry (the
# place kind's category), which only the pages offer.
PAGE_KEYS = (*FILTER_KEYS, "industry")
COLOURS = (Colour.RED, Colour.YELLOW, Colour.GREEN)
# Filters always shown (also on a phone); the others fold under "更多筛选".
MAIN_FILTERS = ("open", "state", "colour", "severity")

# Words of the page for each action (the transition table's own labels are not translated).
ACTION_LABELS: dict[str, Any] = {
    "confirm": gettext_lazy("确认"),
    "reject": gettext_lazy("不予认定"),
    "assign": gettext_lazy("派单"),
    "start": gettext_lazy("开始整改"),
    "submit": gettext_lazy("提交整改"),
    "verify_pass": gettext_lazy("复核通过"),
    "verify_fail": gettext_lazy("复核不通过"),
    "close": gettext_lazy("核销"),
    "extend": gettext_lazy("申请延期"),
    "decide_extension": gettext_lazy("审批延期"),
    "supervise": gettext_lazy("挂牌督办"),
    "interim_measures": gettext_lazy("管控措施"),
    "photos": gettext_lazy("补充照片"),
}
# Timeline words of steps that are not actions of the page (the pages show them translated).
EVENT_LABELS: dict[str, Any] = {**TIMELINE_LABELS, **ACTION_LABELS}
ACTION_DONE: dict[str, Any] = {
    "confirm": gettext_lazy("已确认隐患。"),
    "reject": gettext_lazy("已不予认定。"),
    "assign": gettext_lazy("已派单。"),
    "start": gettext_lazy("已开始整改。"),
    "submit": gettext_lazy("已提交整改，等待复核。"),
    "verify_pass": gettext_lazy("复核通过，等待核销。"),
    "verify_fail": gettext_lazy("复核不通过，已退回整改。"),
    "close": gettext_lazy("已核销。"),
    "extend": gettext_lazy("已提交延期申请，等待审批。"),
    "decide_extension": gettext_lazy("已审批延期申请。"),
    "supervise": gettext_lazy("已挂牌督办。"),
    "interim_measures": gettext_lazy("已保存管控措施。"),
    "photos": gettext_lazy("已上传照片。"),
}


def _base() -> QuerySet[Hazard]:
    return Hazard.objects.filter(archived_at__isnull=True)


def _hazard_or_404(pk: int) -> Hazard:
    related = _base().select_related(
        "jurisdiction",
        "place",
        "place__kind",
        "reported_by",
        "assignee_user",
        "assigned_by",
        "rectified_by",
        "verified_by",
        "closed_by",
    )
    return get_object_or_404(related.defer("jurisdiction__boundary"), pk=pk)


def _params(query: QueryDict) -> dict[str, str]:
    return {key: str(query.get(key, "")).strip() for key in PAGE_KEYS if str(query.get(key, "")).strip()}


def _query(query: QueryDict, **change: str | None) -> str:
    """The current filters as a query string (no page), with `change` applied (None removes a key)."""
    params: dict[str, str] = _params(query)
    for key, value in change.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return urlencode(params)


def colour_counts(hazards: QuerySet[Hazard], today: date) -> dict[str, int]:
    """Open hazards by colour (one query)."""
    counts = hazards.order_by().aggregate(**{c.value: Count("id", filter=colour_q(c, today)) for c in COLOURS})
    return {key: int(value or 0) for key, value in counts.items()}


def _rows(hazards: Any, today: date) -> list[dict[str, Any]]:
    return [{"hazard": h, "colour": row_colour(h, today)} for h in hazards]


def _filtered(params: dict[str, str], today: date) -> tuple[QuerySet[Hazard], str]:
    """The scoped hazards narrowed by the filters, or none and the reason when a value is bad."""
    try:
        hazards = filter_hazards(_base(), params, today=today)
    except ValidationError as exc:
        return _base().none(), "；".join(exc.messages)
    industry = params.get("industry")
    if industry:
        if industry not in PlaceCategory.values:
            return _base().none(), _("行业取值“%(value)s”无效") % {"value": industry[:20]}
        hazards = hazards.filter(place__kind__category=industry)
    return hazards, ""


# --- the ledger --------------------------------------------------------------------------------


@login_required
@require_GET
def hazard_list(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    params = _params(request.GET)
    form = HazardFilterForm(request.GET or None)
    hazards, problem = _filtered(params, today)
    without_colour, _problem = _filtered({k: v for k, v in params.items() if k != "colour"}, today)
    counts = colour_counts(without_colour, today)
    chips = [
        {
            "value": c.value,
            "label": c.label,
            "count": counts[c.value],
            "active": params.get("colour") == c.value,
            "url": "?" + _query(request.GET, colour=None if params.get("colour") == c.value else c.value),
        }
        for c in COLOURS
    ]
    listed = hazards.select_related("jurisdiction", "place", "place__kind").defer(
        "jurisdiction__boundary", "determination"
    )
    page: Page[Hazard] = Paginator(DeferredPage(listed), PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    context = {
        "form": form,
        "page": page,
        "rows": _rows(page.object_list, today),
        "query": _query(request.GET),
        "chips": chips,
        "problem": problem,
        "today": today,
        "colour_filter": params.get("colour", ""),
        "main_fields": [form[name] for name in MAIN_FILTERS],
        "more_fields": [form[name] for name in form.fields if name not in ("q", *MAIN_FILTERS)],
        "more_filters": any(k not in ("q", *MAIN_FILTERS) for k in params),
    }
    if request.htmx and request.htmx.target == "hazard-results":
        return render(request, "hazards/_results.html", context)
    return render(request, "hazards/list.html", context)


def _export_root(params: dict[str, str]) -> Jurisdiction | None:
    code = params.get("jurisdiction")
    if code:
        return Jurisdiction.objects.active().filter(code=code).defer("boundary").first()
    roots = list(Jurisdiction.objects.visible_roots().defer("boundary")[:2])
    return roots[0] if len(roots) == 1 else None


@login_required
@require_GET
def hazard_export(request: AuthenticatedRequest) -> HttpResponseBase:
    """The filtered list as .xlsx with summaries by jurisdiction, category, industry and disaster type."""
    today = timezone.localdate()
    params = _params(request.GET)
    hazards, problem = _filtered(params, today)
    if problem:
        messages.error(request, problem)
        return redirect(reverse("hazards:list") + "?" + _query(request.GET))
    return export_response(hazards, _export_root(params), dated_filename("隐患台账"), today=today)


# --- one hazard --------------------------------------------------------------------------------


def _assignees(h: Hazard) -> list[User]:
    """Accounts a hazard can be dispatched to: the place's linked enterprise users, then the
    staff, cadres and grid workers of its township whose area holds the hazard (its own grid
    and the nodes above it), nearest first."""
    users = User.objects.filter(is_active=True).select_related("person")
    linked = list(users.filter(role=Role.ENTERPRISE_USER, place_links__place=h.place)) if h.place_id else []
    codes = path_codes(h.jurisdiction_path)
    ancestors = ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes) + 1)]
    roles = [Role.TOWNSHIP_STAFF, Role.TOWNSHIP_ADMIN, Role.VILLAGE_CADRE, Role.GRID_WORKER]
    staff = list(
        users.filter(role__in=roles, jurisdiction_path__in=ancestors).order_by("-jurisdiction_path", "role", "id")[:100]
    )
    return [*linked, *staff]


def _blank_form(action: str, h: Hazard, extension: DeadlineExtension | None) -> Form:
    if action == "assign":
        return AssignForm(assignees=_assignees(h), initial={"department": h.assignee_department})
    if action == "confirm":
        return ACTION_FORMS[action](initial={"severity": h.severity})
    if action == "decide_extension":
        return DecideExtensionForm(initial={"extension": extension.pk if extension else None, "approve": "1"})
    if action == "interim_measures":
        return ACTION_FORMS[action](initial={"text": h.interim_measures})
    if action == "photos":
        stage = PhotoStage.EVIDENCE if h.state in RECTIFICATION_STATES else PhotoStage.FOUND
        return ACTION_FORMS[action](initial={"stage": stage})
    return ACTION_FORMS[action]()


def _point(h: Hazard) -> tuple[float, float] | None:
    """Where to put the hazard on the small map: its own point, else its place's."""
    if h.lat is not None and h.lng is not None:
        return (h.lat, h.lng)
    if h.place is not None and h.place.lat is not None and h.place.lng is not None:
        return (h.place.lat, h.place.lng)
    return None


def _render_detail(
    request: AuthenticatedRequest,
    h: Hazard,
    *,
    bound: dict[str, Form] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    today = timezone.localdate()
    extensions = list(h.extensions.select_related("requested_by", "decided_by"))
    pending = next((e for e in extensions if e.state == ExtensionState.PENDING), None)
    allowed = [a for a in actions.allowed_actions(h, request.user) if a in ACTION_FORMS]
    names = [*allowed, *(a for a in bound if a not in allowed)]  # a refused action keeps its form and input
    forms = [
        {
            "action": a,
            "label": ACTION_LABELS.get(a, a),
            "form": bound.get(a) or _blank_form(a, h, pending),
            "open": a in bound,
            "multipart": a in ("submit", "verify_pass", "photos"),
            "danger": a in ("reject", "verify_fail"),
        }
        for a in names
    ]
    photos: list[dict[str, Any]] = [{"photo": p, "url": photo_url(p)} for p in h.photos.all()]
    stages = [
        {"label": label, "photos": [p for p in photos if p["photo"].stage == value]}
        for value, label in PhotoStage.choices
    ]
    context = {
        "hazard": h,
        "colour": row_colour(h, today),
        "today": today,
        "forms": forms,
        "error": error,
        "events": [
            {
                **e,
                "label": EVENT_LABELS.get(e["action"], e["label"]),
                "from_label": STATE_LABELS.get(e["from_state"], e["from_state"]),
                "to_label": STATE_LABELS.get(e["to_state"], e["to_state"]),
            }
            for e in timeline(h)
        ],
        "point": _point(h),
        "extensions": extensions,
        "pending_extension": pending,
        "stages": [s for s in stages if s["photos"]],
        "photo_count": len(photos),
        "overdue_days": (today - h.deadline).days
        if h.deadline and h.deadline < today and h.state in OPEN_STATES
        else 0,
        "is_major": h.severity == HazardSeverity.MAJOR,
    }
    return render(request, "hazards/detail.html", context, status=status)


@login_required
@require_GET
def hazard_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _hazard_or_404(pk))


def _payload(action: str, data: dict[str, Any]) -> dict[str, Any]:
    """The form's cleaned data as the dispatcher's payload (the same keys as the API's bodies)."""
    payload = dict(data)
    if action == "assign":
        assignee = payload.pop("assignee", "")
        payload["assignee_id"] = int(assignee) if assignee else None
    if action == "decide_extension":
        payload["extension_id"] = payload.pop("extension")
    return {k: v for k, v in payload.items() if v not in (None, "") or k in ("approve",)}


@login_required
@require_POST
def hazard_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """Run one action from the hazard page; a refusal re-renders the page with the input and the reason."""
    h = _hazard_or_404(pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404(_("没有这个操作"))
    form: Form = (
        AssignForm(request.POST, assignees=_assignees(h))
        if form_class is AssignForm
        else form_class(request.POST, request.FILES)
    )
    if not form.is_valid():
        return _render_detail(request, h, bound={action: form}, error=_("请按提示修改后再提交。"), status=400)
    try:
        if action == "photos":  # not a step of the loop: the dispatcher leaves it to its own function
            actions.add_photos(h, by=request.user, files=form.cleaned_data["photos"], stage=form.cleaned_data["stage"])
        else:
            actions.perform(h, action, by=request.user, payload=_payload(action, form.cleaned_data))
    except TransitionRefused as exc:
        return _render_detail(request, _hazard_or_404(pk), bound={action: form}, error=str(exc), status=409)
    except PermissionDenied as exc:
        message = str(exc) or _("当前账号无权执行此操作")
        return _render_detail(request, _hazard_or_404(pk), bound={action: form}, error=message, status=403)
    except ValidationError as exc:
        add_action_errors(form, exc)
        return _render_detail(
            request, _hazard_or_404(pk), bound={action: form}, error="；".join(exc.messages), status=400
        )
    messages.success(request, str(ACTION_DONE.get(action) or _("已完成。")))
    return redirect("hazards:detail", pk=pk)


# --- the phone report form --------------------------------------------------------------------------


def _default_source(user: User) -> str:
    if user.role == Role.ENTERPRISE_USER:
        return HazardSource.SELF_INSPECTION
    if user.role in (Role.GRID_WORKER, Role.VILLAGE_CADRE):
        return HazardSource.PATROL
    return HazardSource.INSPECTION


def _places() -> QuerySet[Place]:
    return (
        Place.objects.filter(archived_at__isnull=True)
        .select_related("kind")
        .only("id", "name", "address", "kind__name", "jurisdiction_path", "lat", "lng")
    )


def place_choices(q: str) -> list[Place]:
    """Places in scope whose name or address contains `q` (the report form's search)."""
    q = q.strip()
    if not q:
        return []
    return list(
        _places().filter(Q(name__icontains=q) | Q(address__icontains=q)).order_by("name", "id")[:PLACE_CHOICES_LIMIT]
    )


def _place_or_none(value: Any) -> Place | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return _places().filter(pk=pk).first()


@login_required
def hazard_report(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.can(Capability.REPORT_HAZARD):
        raise PermissionDenied(_("当前角色无权上报隐患"))
    initial: dict[str, Any] = {"source": _default_source(request.user)}
    if request.user.jurisdiction:
        initial["jurisdiction"] = request.user.jurisdiction.code
    place = _place_or_none(request.POST.get("place") if request.method == "POST" else request.GET.get("place"))
    if place is not None:
        initial["place"] = place.pk
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data.get("place") and place is None:
            form.add_error(None, _("所选场所不存在或不在您的辖区范围内，请重新选择。"))
        else:
            try:
                hazard = actions.report_hazard(
                    by=request.user,
                    place=place,
                    jurisdiction=None if place else data["jurisdiction"],
                    category=data["category"],
                    hazard_type=data["hazard_type"],
                    severity=data["severity"],
                    description=data["description"],
                    source=data["source"],
                    lat=data.get("lat"),
                    lng=data.get("lng"),
                    address=data.get("address", ""),
                    photos=data.get("photos") or (),
                    interim_measures=data.get("interim_measures", ""),
                )
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("已上报隐患 %(number)s。") % {"number": hazard.number})
                return redirect("hazards:detail", pk=hazard.pk)
    q = request.GET.get("place_q", "")
    context = {"form": form, "place": place, "place_q": q, "place_options": place_choices(q)}
    return render(request, "hazards/report.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def place_search(request: AuthenticatedRequest) -> HttpResponse:
    """The report form's place search (htmx partial)."""
    q = request.GET.get("place_q", "")
    return render(request, "hazards/_place_options.html", {"place_options": place_choices(q), "place_q": q})


# --- my tasks ---------------------------------------------------------------------------------------


def _list(hazards: QuerySet[Hazard], today: date) -> list[dict[str, Any]]:
    chosen = hazards.select_related("place", "jurisdiction").defer("jurisdiction__boundary", "determination")
    return _rows(chosen[:TASK_LIST_LIMIT], today)


def inspection_tasks(user: User) -> list[Any]:
    from inspectionplans.services import open_tasks_for

    return list(open_tasks_for(user)[:TASK_LIST_LIMIT])


@login_required
@require_GET
def my_tasks(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    live = _base()
    sections: list[dict[str, Any]] = []

    def add(key: str, title: str, hazards: QuerySet[Hazard], hint: str) -> None:
        rows = _list(hazards, today)
        sections.append({"key": key, "title": title, "rows": rows, "hint": hint})

    rectify = live.filter(assignee_user=user, state__in=[s.value for s in RECTIFICATION_STATES]).order_by(
        "deadline", "id"
    )
    add("rectify", _("待我整改"), rectify, _("整改完成后上传照片并提交复核；确有困难可申请延期。"))
    if user.can(Capability.MANAGE_HAZARDS):
        add(
            "confirm",
            _("待确认"),
            live.filter(state=HazardState.REPORTED).order_by("found_at", "id"),
            _("核实后确认或不予认定。"),
        )
        add(
            "assign",
            _("待派单"),
            live.filter(state=HazardState.CONFIRMED).order_by("found_at", "id"),
            _("指定整改责任人和期限。"),
        )
        to_verify = live.filter(state=HazardState.SUBMITTED).exclude(rectified_by=user).order_by("submitted_at", "id")
        add("verify", _("待复核"), to_verify, _("现场复核整改情况；整改提交人本人不能复核。"))
        to_close = live.filter(state=HazardState.VERIFIED)
        if not user.can(Capability.SUPERVISE_HAZARDS):
            to_close = to_close.exclude(severity=HazardSeverity.MAJOR)  # only the county closes a major hazard
        add("close", _("待核销"), to_close.order_by("verified_at", "id"), _("复核通过的隐患，核销后闭环。"))
    if user.can(Capability.SUPERVISE_HAZARDS):
        awaiting = live.filter(
            severity=HazardSeverity.MAJOR, supervised=False, state__in=[s.value for s in OPEN_STATES]
        ).exclude(state=HazardState.REPORTED)
        add("supervise", _("重大隐患待挂牌督办"), awaiting.order_by("found_at", "id"), _("设定督办期限和责任领导。"))
    mine = (
        live.filter(reported_by=user, state__in=[s.value for s in OPEN_STATES])
        .exclude(assignee_user=user)
        .order_by("-found_at", "-id")
    )
    add("reported", _("我上报的在办隐患"), mine, _("跟踪处理进度。"))

    extensions: list[DeadlineExtension] = []
    if user.can(Capability.MANAGE_HAZARDS):
        extensions = list(
            DeadlineExtension.objects.filter(state=ExtensionState.PENDING, hazard__in=live.values("id"))
            .select_related("hazard", "requested_by")
            .order_by("created_at")[:TASK_LIST_LIMIT]
        )
    rechecks: list[Recheck] = []
    if user.can(Capability.MANAGE_HAZARDS):
        rechecks = list(
            Recheck.objects.filter(state=RecheckState.DUE, hazard__in=_base().values("id"))
            .select_related("hazard")
            .order_by("due_on", "id")[:TASK_LIST_LIMIT]
        )
    context = {
        "sections": sections,
        "extensions": extensions,
        "rechecks": rechecks,
        "tasks": inspection_tasks(user),
        "today": today,
        "waiting": sum(len(s["rows"]) for s in sections if s["key"] != "reported") + len(extensions),
    }
    return render(request, "hazards/my_tasks.html", context)


# --- county supervision board ------------------------------------------------------------------


@login_required
@require_GET
def supervision(request: AuthenticatedRequest) -> HttpResponse:
    """Open major hazards: those under county supervision (挂牌督办), then those still waiting for it."""
    today = timezone.localdate()
    major = _base().filter(severity=HazardSeverity.MAJOR, state__in=[s.value for s in OPEN_STATES])
    related = major.select_related("place", "jurisdiction").defer("jurisdiction__boundary", "determination")
    supervised = _rows(related.filter(supervised=True).order_by("supervision_deadline", "id"), today)
    waiting = _rows(related.filter(supervised=False).order_by("found_at", "id"), today)
    context = {
        "supervised": supervised,
        "waiting": waiting,
        "today": today,
        "may_supervise": request.user.can(Capability.SUPERVISE_HAZARDS),
        "overdue": sum(
            1 for r in supervised if r["hazard"].supervision_deadline and r["hazard"].supervision_deadline < today
        ),
    }
    return render(request, "hazards/supervision.html", context)


# --- the place-page panel ----------------------------------------------------------------------


def place_panel_context(request: HttpRequest, place: Place) -> dict[str, Any] | None:
    """Open hazards of the place, with their colours, and a link to report one here."""
    today = timezone.localdate()
    open_hazards = (
        _base().filter(place=place, state__in=[s.value for s in OPEN_STATES]).order_by("deadline", "-found_at")
    )
    rows = _rows(
        open_hazards.only(
            "id",
            "number",
            "description",
            "state",
            "deadline",
            "yellow_from",
            "submitted_at",
            "severity",
            "supervised",
            "place_id",
            "jurisdiction_path",
        )[:20],
        today,
    )
    closed = _base().filter(place=place, state=HazardState.CLOSED).count()
    user = request.user
    return {
        "hazard_rows": rows,
        "closed_count": closed,
        "open_count": open_hazards.count() if len(rows) == 20 else len(rows),
        "may_report": bool(getattr(user, "can", None) and user.can(Capability.REPORT_HAZARD) and not place.is_archived),  # type: ignore[union-attr]
        "list_url": reverse("hazards:list") + "?" + urlencode({"place": place.pk}),
    }


# --- the one-map layer ---------------------------------------------------------------------------

GEOJSON_LIMIT = 3000


def _bbox(raw: str) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        min_lng, min_lat, max_lng, max_lat = (float(v) for v in raw.split(","))
    except ValueError as exc:
        raise ValidationError(_("bbox 应为 最小经度,最小纬度,最大经度,最大纬度，例如 121.8,29.4,121.9,29.5")) from exc
    return min_lng, min_lat, max_lng, max_lat


@login_required
@require_GET
def hazard_geojson(request: AuthenticatedRequest) -> HttpResponse:
    """Open hazards as GeoJSON points (their own location, else their place's), coloured by deadline.

    Filters as the ledger (`jurisdiction`, `colour`, …) and `bbox` like the places layer, so a
    county view asks only for what is on screen; at most GEOJSON_LIMIT features.
    """
    today = timezone.localdate()
    params = _params(request.GET)
    params.setdefault("open", "1")
    hazards, problem = _filtered(params, today)
    try:
        box = _bbox(request.GET.get("bbox", ""))
    except ValidationError as exc:
        problem = "；".join(exc.messages)
    if problem:
        return JsonResponse({"detail": problem}, status=400, json_dumps_params={"ensure_ascii": False})
    own = Q(lng__isnull=False, lat__isnull=False)
    by_place = Q(lng__isnull=True, place__lng__isnull=False, place__lat__isnull=False)
    if box is not None:
        min_lng, min_lat, max_lng, max_lat = box
        own &= Q(lng__gte=min_lng, lng__lte=max_lng, lat__gte=min_lat, lat__lte=max_lat)
        by_place &= Q(
            place__lng__gte=min_lng, place__lng__lte=max_lng, place__lat__gte=min_lat, place__lat__lte=max_lat
        )
    rows = (
        hazards.filter(own | by_place)
        .order_by("-found_at", "-id")
        .values_list(
            "id",
            "number",
            "description",
            "state",
            "severity",
            "deadline",
            "yellow_from",
            "submitted_at",
            "lng",
            "lat",
            "place__lng",
            "place__lat",
            "place__name",
        )[:GEOJSON_LIMIT]
    )
    features = []
    for pk, number, text, state, severity, deadline, yellow, submitted, lng, lat, p_lng, p_lat, place_name in rows:
        submitted_on = timezone.localdate(submitted) if submitted else None
        colour = colour_of(state, deadline, yellow, today, submitted_on=submitted_on)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [lng if lng is not None else p_lng, lat if lat is not None else p_lat],
                },
                "properties": {
                    "id": pk,
                    "name": number,
                    "number": number,
                    "description": text[:60],
                    "place_name": place_name or "",
                    "state": state,
                    "state_label": str(STATE_LABELS.get(state, state)),
                    "severity": severity,
                    "colour": colour or "",
                    "deadline": deadline.isoformat() if deadline else "",
                },
            }
        )
    response = JsonResponse(
        {"type": "FeatureCollection", "features": features},
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    response["Content-Type"] = "application/geo+json"
    return response


# A station's existing Excel ledger of hazards comes in through the shared import flow.
IMPORT_PAGES = LedgerImportPages(
    ledger=HAZARD_IMPORT_LEDGER,
    key="hazards",
    importer=HazardImporter,
    capability=Capability.REPORT_HAZARD,
    refusal=gettext_lazy("当前角色无权导入隐患台账"),
    title=gettext_lazy("导入隐患台账"),
    template_name="隐患台账",
    namespace="hazards",
    list_url_name="hazards:list",
    list_title=gettext_lazy("隐患台账"),
    noun=pgettext_lazy("导入计数", "条隐患"),
    notes=(
        gettext_lazy("场所按统一社会信用代码或名称识别，须已在场所台账登记；场所外的隐患填写所属辖区代码和具体位置。"),
        gettext_lazy("隐患类别、灾种、等级和来源可填中文名称或接口代码。"),
        gettext_lazy("相同场所、相同描述、相同发现日期的隐患已存在时跳过，不重复登记。"),
        gettext_lazy("有确认、派单权限时，填了整改期限的隐患导入后即确认并派单。"),
    ),
    record_type="hazards.hazard",
)
