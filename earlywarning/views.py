"""Warning pages: list (active first), draft form, warning page with preview, actions, board and map.

Reads use `readable_warnings()` (the issuer's subtree plus everyone in the area); changes
and the acknowledgement board use the scoped manager; every change goes through
`earlywarning.actions`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from earlywarning import actions
from earlywarning.board import build_board
from earlywarning.cap import CapError
from earlywarning.choices import ACTIVE_STATES, Level, State
from earlywarning.forms import (
    CapImportForm,
    ExtendForm,
    KindRecipientsForm,
    LevelPolicyForm,
    LiftForm,
    UpdateForm,
    WarningForm,
    level_choices,
)
from earlywarning.importing import draft_from_cap
from earlywarning.ledgers import BOARD_LEDGER, board_rows
from earlywarning.models import EarlyWarning, LevelPolicy, WarningKind
from earlywarning.recipients import resolve
from earlywarning.visibility import is_manageable, readable_warnings
from jurisdictions.forms import add_action_errors
from jurisdictions.models import Jurisdiction
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response

PAGE_SIZE = 20
PREVIEW_NAMES = 60


def require_issue(request: AuthenticatedRequest) -> None:
    if not request.user.can(Capability.ISSUE_WARNING):
        raise PermissionDenied(_("当前角色无权发布预警（需要“发布、变更和解除预警”权限）"))


@login_required
def warning_list(request: AuthenticatedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    warnings = readable_warnings().filter(archived_at__isnull=True).select_related("kind", "jurisdiction").defer("jurisdiction__boundary")
    if state == "active":
        warnings = warnings.filter(state__in=ACTIVE_STATES)
    elif state in State.values:
        warnings = warnings.filter(state=state)
    active_first = Case(When(state__in=ACTIVE_STATES, then=Value(0)), default=Value(1), output_field=IntegerField())
    warnings = warnings.prefetch_related(Prefetch("area_nodes", queryset=Jurisdiction.objects.only("id", "name", "path").order_by("path")))
    page = Paginator(warnings.order_by(active_first, "-issued_at", "-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "earlywarning/list.html", {"page": page, "state": state, "states": State.choices})


def _draft_fields(form: WarningForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("area")
    return data


@login_required
def warning_create(request: AuthenticatedRequest) -> HttpResponse:
    require_issue(request)
    issuer = request.user.jurisdiction or Jurisdiction.objects.visible_roots().order_by("path").first()
    if issuer is None:
        raise PermissionDenied(_("账号没有所属辖区，无法确定发布单位"))
    kind = WarningKind.objects.filter(code=request.GET.get("kind", "")).first()
    initial: dict[str, Any] = {}
    if kind is not None:
        initial = {"kind": kind.code, "watch_for": kind.default_watch_for, "measures": kind.default_measures}
    form = WarningForm(request.POST or None, initial=initial, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            warning = actions.create_draft(by=request.user, jurisdiction=issuer, area_nodes=list(form.cleaned_data["area"]), **_draft_fields(form))
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存草稿，请核对接收人后发布。"))
            return redirect("earlywarning:detail", pk=warning.pk)
    return render(request, "earlywarning/form.html", {"form": form, "warning": None, "issuer": issuer})


@login_required
def warning_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_issue(request)
    warning = get_object_or_404(EarlyWarning.objects.select_related("kind", "jurisdiction"), pk=pk)
    if warning.state != State.DRAFT:
        messages.error(request, _("预警已发布，请使用“变更”“延长”或“解除”。"))
        return redirect("earlywarning:detail", pk=pk)
    initial = {
        "kind": warning.kind.code,
        "level": warning.level,
        "title": warning.title,
        "area": [n.code for n in warning.area_nodes.all()],
        "area_polygon": _json(warning.area_polygon),
        "area_description": warning.area_description,
        "starts_at": timezone.localtime(warning.starts_at) if warning.starts_at else None,
        "ends_at": timezone.localtime(warning.ends_at) if warning.ends_at else None,
        "watch_for": warning.watch_for,
        "measures": warning.measures,
        "issuing_unit": warning.issuing_unit,
        "place_kinds": warning.place_kinds,
    }
    form = WarningForm(request.POST or None, initial=initial, kind=warning.kind)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_draft(warning, by=request.user, area_nodes=list(form.cleaned_data["area"]), **_draft_fields(form))
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存草稿。"))
            return redirect("earlywarning:detail", pk=pk)
    return render(request, "earlywarning/form.html", {"form": form, "warning": warning, "issuer": warning.jurisdiction})


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False) if value else ""


@login_required
def rules(request: AuthenticatedRequest) -> HttpResponse:
    """The catalogue: kinds with their colours over time and receiving positions; level → policy."""
    kinds = list(WarningKind.objects.prefetch_related("colour_rules", "position_kinds").order_by("sort_order", "code"))
    rows = [
        {
            "kind": kind,
            "allowed": [Level(code).label for code in kind.allowed_levels(rules=list(kind.colour_rules.all()))],
            "form": KindRecipientsForm(initial={"position_kinds": [p.code for p in kind.position_kinds.all()]}, prefix=kind.code),
        }
        for kind in kinds
    ]
    policies = [(row, LevelPolicyForm(initial={"policy_code": row.policy_code}, prefix=row.level)) for row in LevelPolicy.objects.order_by("level")]
    return render(request, "earlywarning/rules.html", {"rows": rows, "policies": policies})


@login_required
@require_POST
def rules_kind(request: AuthenticatedRequest, code: str) -> HttpResponse:
    kind = get_object_or_404(WarningKind.objects, code=code)
    form = KindRecipientsForm(request.POST, prefix=kind.code)
    if form.is_valid():
        actions.set_kind_recipients(kind, by=request.user, position_kinds=list(form.cleaned_data["position_kinds"]))
        messages.success(request, _("已保存“%(name)s”的接收岗位。") % {"name": kind.name})
    return redirect("earlywarning:rules")


@login_required
@require_POST
def rules_level(request: AuthenticatedRequest, level: str) -> HttpResponse:
    row = get_object_or_404(LevelPolicy.objects, level=level)
    form = LevelPolicyForm(request.POST, prefix=level)
    if form.is_valid():
        actions.set_level_policy(row, by=request.user, policy_code=form.cleaned_data["policy_code"].strip())
        messages.success(request, _("已保存升级策略。"))
    else:
        messages.error(request, _("请填写升级策略代码。"))
    return redirect("earlywarning:rules")


@login_required
def warning_from_cap(request: AuthenticatedRequest) -> HttpResponse:
    """Paste an upstream CAP alert (e.g. the meteorological station's signal) to pre-fill a draft."""
    require_issue(request)
    issuer = request.user.jurisdiction or Jurisdiction.objects.visible_roots().order_by("path").first()
    if issuer is None:
        raise PermissionDenied(_("账号没有所属辖区，无法确定发布单位"))
    form = CapImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warning = draft_from_cap(form.cleaned_data["cap_xml"], by=request.user, issuer=issuer)
        except CapError as exc:
            form.add_error("cap_xml", str(exc))
        except ValidationError as exc:
            form.add_error("cap_xml", "；".join(exc.messages))
        else:
            messages.success(request, _("已按 CAP 报文预填草稿，请核对内容和影响区域后发布。"))
            return redirect("earlywarning:detail", pk=warning.pk)
    return render(request, "earlywarning/from_cap.html", {"form": form})


@login_required
@require_GET
def levels(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the level <select> holding only the colours the chosen kind allows."""
    kind = WarningKind.objects.filter(code=request.GET.get("kind", "")).first()
    return render(request, "earlywarning/_levels.html", {"choices": level_choices(kind), "selected": request.GET.get("level", "")})


def _map_features(warning: EarlyWarning, nodes: list[Jurisdiction]) -> dict[str, Any]:
    features = [
        {"type": "Feature", "properties": {"name": node.name, "kind": "node"}, "geometry": node.boundary}
        for node in nodes
        if node.boundary
    ]
    if warning.area_polygon:
        features.append({"type": "Feature", "properties": {"name": _("绘制区域"), "kind": "polygon"}, "geometry": warning.area_polygon})
    return {"type": "FeatureCollection", "features": features}


@login_required
def warning_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(readable_warnings().select_related("kind", "jurisdiction", "issued_by"), pk=pk)
    nodes = list(warning.area_nodes.order_by("path"))
    manageable = is_manageable(warning)
    may_issue = manageable and request.user.can(Capability.ISSUE_WARNING)
    context: dict[str, Any] = {
        "warning": warning,
        "area_nodes": nodes,
        "manageable": manageable,
        "may_issue": may_issue,
        "map_data": _map_features(warning, nodes),
        "messages_sent": list(warning.messages.select_related("sent_by").order_by("-sequence")),
        "history": history_of(warning)[:30] if manageable else [],
        "show_board": manageable and warning.state != State.DRAFT and request.user.can(Capability.VIEW_DELIVERIES),
    }
    if warning.state == State.DRAFT and manageable:
        resolution = resolve(warning, nodes)
        names = dict(Jurisdiction.objects.filter(pk__in={r.jurisdiction_id for r in resolution.rows}).values_list("pk", "name"))
        context["preview"] = {
            "count": resolution.count,
            "unreachable": resolution.unreachable,
            "by_jurisdiction": resolution.by_jurisdiction(names),
            "rows": resolution.rows[:PREVIEW_NAMES],
            "missing": actions.missing_content(warning, has_area=bool(nodes or warning.area_polygon)),
        }
    if may_issue and warning.is_active:
        context["update_form"] = UpdateForm(
            kind=warning.kind,
            initial={"level": warning.level, "title": warning.title, "watch_for": warning.watch_for, "measures": warning.measures},
        )
        context["extend_form"] = ExtendForm()
        context["lift_form"] = LiftForm()
    return render(request, "earlywarning/detail.html", context)


def _manageable_or_404(pk: int) -> EarlyWarning:
    return get_object_or_404(EarlyWarning.objects.select_related("kind", "jurisdiction"), pk=pk)


def _run(request: AuthenticatedRequest, pk: int, run: Any, success: str) -> HttpResponse:
    require_issue(request)
    warning = _manageable_or_404(pk)
    try:
        run(warning)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("earlywarning:detail", pk=pk)


@login_required
@require_POST
def warning_issue(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _run(request, pk, lambda w: actions.issue(w, by=request.user), _("预警已发布，正在通知接收人。"))


@login_required
@require_POST
def warning_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    warning = _manageable_or_404(pk)
    form = UpdateForm(request.POST, kind=warning.kind)
    if not form.is_valid():
        messages.error(request, _("变更内容有误：") + "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("earlywarning:detail", pk=pk)
    data = dict(form.cleaned_data)
    note = data.pop("note")
    changes = {k: v for k, v in data.items() if getattr(warning, k) != v}
    return _run(request, pk, lambda w: actions.update_issued(w, by=request.user, note=note, **changes), _("已发送变更消息。"))


@login_required
@require_POST
def warning_extend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写延长后的结束时间。"))
        return redirect("earlywarning:detail", pk=pk)
    data = form.cleaned_data
    return _run(request, pk, lambda w: actions.extend(w, by=request.user, ends_at=data["ends_at"], note=data["note"]), _("已延长并通知接收人。"))


@login_required
@require_POST
def warning_lift(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    form = LiftForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _run(request, pk, lambda w: actions.lift(w, by=request.user, reason=reason), _("预警已解除，已通知接收人。"))


def _board_warning(request: AuthenticatedRequest, pk: int) -> EarlyWarning:
    if not request.user.can(Capability.VIEW_DELIVERIES):
        raise PermissionDenied(_("当前角色无权查看叫应情况"))
    return _manageable_or_404(pk)


@login_required
def warning_board(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """htmx partial, polled: who acknowledged and who has not, per village/grid."""
    warning = _board_warning(request, pk)
    board = build_board(warning)
    return render(request, "earlywarning/_board.html", {"warning": warning, "board": board, "totals": board.totals()})


@login_required
def warning_board_export(request: AuthenticatedRequest, pk: int) -> FileResponse:
    warning = _board_warning(request, pk)
    return xlsx_response(BOARD_LEDGER, board_rows(warning, build_board(warning)), dated_filename(f"叫应记录-{warning.pk}"))


@login_required
def warning_cap(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    from earlywarning.cap import build_cap

    warning = get_object_or_404(readable_warnings().select_related("kind", "jurisdiction"), pk=pk)
    latest = warning.messages.order_by("-sequence").first()
    xml = latest.cap_xml if latest is not None else build_cap(warning, sequence=0)
    return HttpResponse(xml, content_type="application/cap+xml; charset=utf-8")
