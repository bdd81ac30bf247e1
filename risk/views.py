"""Risk pages: overview with overdue roll-ups, the drill-down list, a place's risk page,
the model and policy editor, and the small record forms of the place panel.

Reads go through the scoped managers (outsiders get 404); every change goes through
`risk.actions`, which checks the role. PermissionDenied becomes the 403 page.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from places.choices import RiskGrade
from places.models import Place, PlaceKind
from risk import actions
from risk.choices import DueStatus
from risk.forms import InspectionForm, PolicyForm, SignalForm, ThresholdsForm
from risk.models import InspectionPolicy, PlaceSignal, RiskModel
from risk.panel import grade_badge, place_panel_context
from risk.rollup import due_condition, rollup, supervised_places, totals
from yingji.http import AuthenticatedRequest

PAGE_SIZE = 25


def place_url(place_id: int) -> str:
    """The place page of the places app when it exists, else this app's risk page of the place."""
    try:
        return reverse("places:detail", args=[place_id])
    except NoReverseMatch:
        return reverse("risk:place", args=[place_id])


def _back(request: AuthenticatedRequest, place_id: int) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(place_url(place_id))


def _node(request: AuthenticatedRequest) -> Jurisdiction:
    """The node asked for (?jurisdiction=CODE, scoped: 404 outside), else the user's own or the top one."""
    code = request.GET.get("jurisdiction", "").strip()
    nodes = Jurisdiction.objects.filter(archived_at__isnull=True).defer("boundary")
    if code:
        return get_object_or_404(nodes, code=code)
    if request.user.jurisdiction_id:
        return get_object_or_404(nodes, pk=request.user.jurisdiction_id)
    root = Jurisdiction.objects.visible_roots().defer("boundary").order_by("path").first()
    if root is None:
        raise PermissionDenied(_("当前账号没有所属辖区"))
    return root


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    node = _node(request)
    today = timezone.localdate()
    summary = totals(node, today)
    rows = rollup(node, today)
    grades = [{**grade_badge(g.value), "count": summary.get(g.value, 0)} for g in RiskGrade]
    chart = {
        "labels": [g["label"] for g in grades],
        "values": [g["count"] for g in grades],
        "colours": [g["colour"] for g in grades],
    }
    context = {
        "node": node,
        "ancestors": node.ancestors(),
        "summary": summary,
        "grades": grades,
        "rows": rows,
        "chart": chart,
        "today": today,
        "may_configure": request.user.can(Capability.CONFIGURE_RULES),
    }
    return render(request, "risk/overview.html", context)


def filtered_places(request: AuthenticatedRequest, node: Jurisdiction) -> tuple[QuerySet[Place], dict[str, str]]:
    today = timezone.localdate()
    places = (
        supervised_places()
        .filter(jurisdiction_path__within=node.path)
        .select_related("kind", "jurisdiction")
        .defer("jurisdiction__boundary")
    )
    applied = {}
    grade = request.GET.get("grade", "")
    if grade in RiskGrade.values:
        places = places.filter(risk_grade=grade)
        applied["grade"] = grade
    status = request.GET.get("status", "")
    if status in DueStatus.values:
        places = places.filter(due_condition(status, today))
        applied["status"] = status
    return places.order_by("next_supervision_due", "jurisdiction_path", "name", "id"), applied


@login_required
def place_list(request: AuthenticatedRequest) -> HttpResponse:
    node = _node(request)
    places, applied = filtered_places(request, node)
    page = Paginator(places, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "node": node,
        "page": page,
        "query": query.urlencode(),
        "grade": applied.get("grade", ""),
        "status": applied.get("status", ""),
        "grade_label": grade_badge(applied.get("grade", ""))["label"] if applied.get("grade") else "",
        "status_label": DueStatus(applied["status"]).label if applied.get("status") else "",
        "grade_choices": RiskGrade.choices,
        "status_choices": DueStatus.choices,
        "today": timezone.localdate(),
        "rows": [(place, grade_badge(place.risk_grade), place_url(place.pk)) for place in page.object_list],
    }
    if request.htmx and request.htmx.target == "risk-results":
        return render(request, "risk/_place_results.html", context)
    return render(request, "risk/place_list.html", context)


@login_required
def place_risk(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A place's risk page: the same panel the place page shows, on its own."""
    place = get_object_or_404(Place.objects.select_related("kind", "jurisdiction").defer("jurisdiction__boundary"), pk=pk)
    context = {"place": place, "place_page": place_url(place.pk), **(place_panel_context(request, place) or {})}
    return render(request, "risk/place.html", context)


def _place_for_write(request: AuthenticatedRequest, pk: int) -> Place:
    place = get_object_or_404(Place.objects.select_related("jurisdiction"), pk=pk)
    if not request.user.can(Capability.EDIT_REGISTRY):
        raise PermissionDenied(_("当前角色无权登记动态信号或检查"))
    return place


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _form_errors(form: Any) -> str:
    return "；".join(str(message) for messages_ in form.errors.values() for message in messages_)


@login_required
@require_POST
def record_signal(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = _place_for_write(request, pk)
    form = SignalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("动态信号未登记：") + _form_errors(form))
        return _back(request, place.pk)
    data = form.cleaned_data
    occurred = timezone.make_aware(datetime.combine(data["occurred_on"], time(12)))
    occurred = min(occurred, timezone.now())
    try:
        actions.record_signal(
            place, data["kind"], by=request.user, occurred_at=occurred, severity=data["severity"], note=data["note"]
        )
    except ValidationError as exc:
        messages.error(request, _("动态信号未登记：") + _errors(exc))
    else:
        messages.success(request, _("已登记动态信号，并已重新定级。"))
    return _back(request, place.pk)


@login_required
@require_POST
def record_inspection(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = _place_for_write(request, pk)
    form = InspectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("检查未登记：") + _form_errors(form))
        return _back(request, place.pk)
    data = form.cleaned_data
    try:
        actions.record_inspection(place, data["kind"], data["on"], data["passed"], by=request.user, note=data["note"])
    except ValidationError as exc:
        messages.error(request, _("检查未登记：") + _errors(exc))
    else:
        messages.success(request, _("已登记检查，并已重新计算下次检查日期。"))
    return _back(request, place.pk)


@login_required
@require_POST
def resolve_signal(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    signal = get_object_or_404(PlaceSignal.objects.select_related("place"), pk=pk)
    if not request.user.can(Capability.EDIT_REGISTRY):
        raise PermissionDenied(_("当前角色无权消除动态信号"))
    actions.resolve_signal(signal, by=request.user)
    messages.success(request, _("已标记为消除，并已重新定级。"))
    return _back(request, signal.place_id)


@login_required
@require_POST
def regrade(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    place = _place_for_write(request, pk)
    actions.regrade_now(place, by=request.user)
    messages.success(request, _("已重新定级。"))
    return _back(request, place.pk)


# --- model and policy editor ----------------------------------------------------------------


def _current_model() -> RiskModel:
    model = RiskModel.objects.order_by("-version").first()
    if model is None:
        raise PermissionDenied(_("尚未配置风险评分模型"))
    return model


def _factor_changes(post: Any, factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply the editor's per-factor inputs (points, cap, floor, active) to the current factors."""
    changed = []
    for factor in factors:
        code = factor["code"]
        updated = dict(factor)
        raw_points = post.get(f"points_{code}", "")
        try:
            updated["points"] = Decimal(raw_points) if raw_points != "" else factor["points"]
        except InvalidOperation as exc:
            raise ValidationError({"factors": _("因子“%(name)s”的分值应为数字") % {"name": factor["name"]}}) from exc
        raw_cap = post.get(f"max_points_{code}", None)
        if raw_cap is not None:
            updated["max_points"] = raw_cap or None
        grade = post.get(f"min_grade_{code}", None)
        if grade is not None:
            updated["min_grade"] = grade
        updated["active"] = post.get(f"active_{code}") == "on"
        changed.append(updated)
    return changed


@login_required
def model_editor(request: AuthenticatedRequest) -> HttpResponse:
    model = _current_model()
    may_configure = request.user.can(Capability.CONFIGURE_RULES)
    factors = actions.model_as_dicts(model)
    form = ThresholdsForm(
        request.POST or None,
        initial={"major_min": model.major_min, "large_min": model.large_min, "general_min": model.general_min},
    )
    if request.method == "POST":
        if not may_configure:
            raise PermissionDenied(_("只有县级管理员可以修改风险评分模型"))
        if form.is_valid():
            try:
                new = actions.save_model(
                    by=request.user,
                    major_min=form.cleaned_data["major_min"],
                    large_min=form.cleaned_data["large_min"],
                    general_min=form.cleaned_data["general_min"],
                    factors=_factor_changes(request.POST, factors),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(
                    request, _("已保存为 v%(version)d，后台将按新模型重新定级全部场所。") % {"version": new.version}
                )
                return redirect("risk:model")
    policies = list(InspectionPolicy.objects.select_related("kind").order_by("kind__name", "grade"))
    context = {
        "model": model,
        "versions": RiskModel.objects.order_by("-version").select_related("created_by")[:10],
        "factors": [(f, grade_badge(f["min_grade"]) if f["min_grade"] else None) for f in factors],
        "form": form,
        "may_configure": may_configure,
        "grade_choices": RiskGrade.choices,
        "general_policies": [(p, grade_badge(p.grade)) for p in policies if p.kind_id is None],
        "kind_policies": [(p, grade_badge(p.grade)) for p in policies if p.kind_id is not None],
        "policy_form": PolicyForm() if may_configure else None,
    }
    return render(request, "risk/model.html", context)


@login_required
@require_POST
def policy_save(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.can(Capability.CONFIGURE_RULES):
        raise PermissionDenied(_("只有县级管理员可以修改检查频次"))
    form = PolicyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("检查频次未保存：") + _form_errors(form))
        return redirect("risk:model")
    data = form.cleaned_data
    kind = None
    if data["kind"]:
        kind = PlaceKind.objects.filter(code=data["kind"]).first()
        if kind is None:
            messages.error(request, _("检查频次未保存：场所类型代码 %(code)s 不存在") % {"code": data["kind"]})
            return redirect("risk:model")
    try:
        actions.set_policy(
            by=request.user,
            grade=data["grade"],
            kind=kind,
            self_interval_days=data["self_interval_days"],
            supervision_interval_days=data["supervision_interval_days"],
            source=data["source"],
        )
    except ValidationError as exc:
        messages.error(request, _("检查频次未保存：") + _errors(exc))
    else:
        messages.success(request, _("已保存检查频次，后台将重新计算各场所的下次检查日期。"))
    return redirect("risk:model")


@login_required
@require_POST
def policy_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(InspectionPolicy, pk=pk)
    try:
        actions.delete_policy(policy, by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已删除该类型的专门频次，改按等级通用频次执行。"))
    return redirect("risk:model")
