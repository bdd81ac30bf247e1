"""Pages of the decision aid: 重大隐患判定 (the aid) and the rule tables (规则表)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from hazardrules import actions, engine, mapping
from hazardrules.choices import ElementKind, FireCategory, Industry
from hazardrules.forms import LoadElementsForm, RuleForm
from hazardrules.models import RuleElement, RuleTable
from jurisdictions.forms import add_action_errors
from places.models import Place
from yingji.http import AuthenticatedRequest

FLAGS = ("dust", "ammonia", "confined_space")
_FIELD = {"direct": "direct", "composite": "composite", "exclusion": "exclusions"}


def record_determination_func() -> Callable[..., Any] | None:
    """`hazards.actions.record_determination` once the hazards-core helper provides it."""
    try:
        module = importlib.import_module("hazards.actions")
    except ImportError:
        return None
    func = getattr(module, "record_determination", None)
    return func if callable(func) else None


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _parse_date(value: str, default: date) -> tuple[date, str]:
    if not value:
        return default, ""
    try:
        return date.fromisoformat(value), ""
    except ValueError:
        return default, _("日期“%(value)s”格式有误，应为 YYYY-MM-DD；已改用 %(day)s。") % {
            "value": value,
            "day": default.isoformat(),
        }


def _subject(params: QueryDict) -> tuple[Any, Place | None]:
    """The hazard and/or place the aid was opened for, through the scoped managers (404 outside)."""
    from hazards.models import Hazard

    hazard = None
    place: Place | None = None
    hazard_id = params.get("hazard", "").strip()
    place_id = params.get("place", "").strip()
    if hazard_id:
        if not hazard_id.isdigit():
            raise ValidationError(_("隐患编号有误。"))
        hazard = get_object_or_404(Hazard.objects.select_related("place__kind"), pk=int(hazard_id))
        place = hazard.place
    elif place_id:
        if not place_id.isdigit():
            raise ValidationError(_("场所编号有误。"))
        place = get_object_or_404(Place.objects.select_related("kind"), pk=int(place_id))
    return hazard, place


def aid_context(request: AuthenticatedRequest, params: QueryDict) -> dict[str, Any]:
    """Everything the aid shows for the given parameters; errors become messages, not 500s."""
    try:
        hazard, place = _subject(params)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from exc
    suggestion = mapping.suggest(place.kind if place is not None else None)
    default_day = engine.local_today()
    if hazard is not None and hazard.found_at:
        default_day = timezone.localtime(hazard.found_at).date()
    on, date_problem = _parse_date(params.get("date", "").strip(), default_day)
    category = params.get("category") or suggestion.category
    if category not in FireCategory.values:
        category = suggestion.category
    chosen = {k: [c for c in params.getlist(k) if c] for k in ("direct", "composite", "exclusions")}

    ctx: dict[str, Any] = {
        "hazard": hazard,
        "place": place,
        "suggestion": suggestion,
        "on": on,
        "date_problem": date_problem,
        "category": category,
        "categories": FireCategory.choices,
        "chosen": chosen,
        "table": None,
        "table_problem": "",
        "groups": [],
        "result": None,
        "result_problems": [],
    }
    try:
        table = engine.table_for(on)
    except ValidationError as exc:
        ctx["table_problem"] = " ".join(_messages_of(exc))
    else:
        ctx["table"] = table
        elements = list(RuleElement.objects.filter(table=table).order_by("order", "id"))
        counted = _counted_for(table, category)
        ctx["groups"] = [
            {
                "kind": kind,
                "group": group,
                "title": rows[0].group_title,
                "field": _FIELD[kind],
                "rows": [
                    {"e": e, "counted": e.code in counted, "checked": e.code in chosen[_FIELD[kind]]} for e in rows
                ],
            }
            for (kind, group), it in groupby(elements, key=lambda e: (e.kind, e.group))
            for rows in [list(it)]
        ]
        ctx["rules"] = list(table.rules.order_by("order", "id"))
        try:
            ctx["result"] = engine.determine_fire(
                on, category, chosen["direct"], chosen["composite"], chosen["exclusions"]
            )
        except ValidationError as exc:
            ctx["result_problems"] = _messages_of(exc)

    industry = params.get("industry", suggestion.industry)
    flags = {f: params.get(f) == "1" for f in FLAGS}
    if not any(f in params for f in FLAGS) and "industry" not in params:
        flags["dust"], flags["ammonia"] = suggestion.dust, suggestion.ammonia
    ctx.update(
        {
            "industry": industry,
            "industries": Industry.choices,
            "flags": flags,
            "items": [],
            "ticked": [c for c in params.getlist("items") if c],
            "industry_result": None,
            "industry_problems": [],
        }
    )
    if industry:
        try:
            ctx["items"] = engine.industry_items(industry, on, **flags)
            ctx["industry_result"] = engine.determine_industry(industry, ctx["ticked"], on, **flags)
        except ValidationError as exc:
            ctx["industry_problems"] = _messages_of(exc)

    may_save = hazard is not None and request.user.can(Capability.MANAGE_HAZARDS)
    ctx["may_save"] = may_save
    ctx["save_available"] = record_determination_func() is not None
    ctx["state"] = [(k, v) for k, values in params.lists() for v in values if k != "csrfmiddlewaretoken"]
    return ctx


def _counted_for(table: RuleTable, category: str) -> set[str]:
    """Codes of the specific counted sets (rules a/b) for the category, highlighted on the page."""
    out: set[str] = set()
    for rule in table.rules.all():
        if category in rule.categories and rule.counted:
            out.update(rule.counted)
    return out


@login_required
@require_GET
def aid(request: AuthenticatedRequest) -> HttpResponse:
    ctx = aid_context(request, request.GET)
    if request.htmx and request.htmx.target == "aid-result":
        return render(request, "hazardrules/_result.html", ctx)
    return render(request, "hazardrules/aid.html", ctx)


@login_required
@require_POST
def save(request: AuthenticatedRequest) -> HttpResponse:
    """Store the determination on the hazard through the hazards action (it checks MANAGE_HAZARDS)."""
    ctx = aid_context(request, request.POST)
    hazard = ctx["hazard"]
    if hazard is None:
        raise PermissionDenied(_("只能为某条隐患保存判定结果。"))
    if not request.user.can(Capability.MANAGE_HAZARDS):
        raise PermissionDenied(_("当前角色无权保存判定结果（需要“确认、派单、复核和核销隐患”权限）。"))
    record = record_determination_func()
    back = f"{reverse('hazardrules:aid')}?{_without_token(request.POST)}"
    if record is None:
        messages.error(request, _("隐患模块尚未提供保存判定结果的功能，请稍后再试。"))
        return redirect(back)
    fire = ctx["result"]
    if fire is None:
        messages.error(
            request, _("判定未完成，不能保存：") + "；".join(ctx["result_problems"] or [ctx["table_problem"]])
        )
        return redirect(back)
    result = result_document(ctx)
    from hazards.machine import TransitionRefused

    try:
        record(hazard, by=request.user, result=result, major=result["major"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(
        request,
        _("已保存判定结果：%(outcome)s。") % {"outcome": _("重大隐患") if result["major"] else _("不构成重大隐患")},
    )
    try:
        return redirect(reverse("hazards:detail", args=[hazard.pk]))
    except NoReverseMatch:
        return redirect(back)


def _without_token(params: QueryDict) -> str:
    copy = params.copy()
    copy.pop("csrfmiddlewaretoken", None)
    return copy.urlencode()


def result_document(ctx: dict[str, Any]) -> dict[str, Any]:
    """What is stored on the hazard: inputs, outcome and the codes it rests on."""
    fire = ctx["result"]
    doc: dict[str, Any] = {
        "standard": "GB 35181",
        "date": ctx["on"].isoformat(),
        "category": ctx["category"],
        "direct": ctx["chosen"]["direct"],
        "composite": ctx["chosen"]["composite"],
        "exclusions": ctx["chosen"]["exclusions"],
        "rule_version": fire.rule_version,
        "major_fire": fire.major,
        "basis": fire.basis,
        "explanation": fire.explanation,
    }
    industry = ctx.get("industry_result")
    if industry is not None and ctx["ticked"]:
        doc["industry"] = {
            "regulation": industry.regulation,
            "industry": ctx["industry"],
            "items": industry.basis,
            "major": industry.major,
            "explanation": industry.explanation,
        }
    doc["major"] = bool(fire.major or (industry is not None and industry.major and ctx["ticked"]))
    return doc


@login_required
def tables(request: AuthenticatedRequest) -> HttpResponse:
    """The rule tables by version; county administrators fill in and publish drafts here."""
    may_edit = request.user.can(Capability.CONFIGURE_RULES)
    load_form = LoadElementsForm(prefix="load")
    rule_form = RuleForm(prefix="rule")
    target = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("只有县级管理员可以维护判定规则表。"))
        target = get_object_or_404(RuleTable, code=request.POST.get("table", ""))
        what = request.POST.get("what", "")
        try:
            if what == "load":
                load_form = LoadElementsForm(request.POST, prefix="load")
                if load_form.is_valid():
                    n = actions.load_elements(request.user, target, load_form.cleaned_data["lines"])
                    messages.success(request, _("已录入 %(n)s 条要素。") % {"n": n})
                    return redirect(f"{reverse('hazardrules:tables')}#t-{target.code}")
            elif what == "rule":
                rule_form = RuleForm(request.POST, prefix="rule")
                if rule_form.is_valid():
                    actions.add_rule(request.user, target, **rule_form.action_values())
                    messages.success(request, _("已录入综合判定规则。"))
                    return redirect(f"{reverse('hazardrules:tables')}#t-{target.code}")
            elif what == "publish":
                actions.publish_table(request.user, target)
                messages.success(request, _("%(code)s 已发布，自施行日期起用于判定。") % {"code": target.code})
                return redirect(f"{reverse('hazardrules:tables')}#t-{target.code}")
        except ValidationError as exc:
            form = load_form if what == "load" else rule_form
            add_action_errors(form, exc)
            if what == "publish":
                messages.error(request, "；".join(exc.messages))
    data = engine.fire_tables()
    return render(
        request,
        "hazardrules/tables.html",
        {
            "tables": data,
            "may_edit": may_edit,
            "load_form": load_form,
            "rule_form": rule_form,
            "target": target.code if target else "",
            "kinds": dict(ElementKind.choices),
        },
        status=400 if target and (load_form.errors or rule_form.errors) else 200,
    )


def place_panel_context(request: Any, place: Place) -> dict[str, Any] | None:
    """The place page's link to the aid, with what the place kind suggests."""
    suggestion = mapping.suggest(place.kind)
    return {"aid_suggestion": suggestion, "aid_category_label": FireCategory(suggestion.category).label}
