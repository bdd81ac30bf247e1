"""Pages of annual plans, inspection plans, 双随机 draws and the inspectors' task list.

Reads go through the scoped managers (outsiders get 404); changes through
`inspectionplans.actions`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from inspectionplans import actions, draws, services
from inspectionplans.choices import OPEN_TASK_STATES, AnnualPlanStatus, PlanKind, PlanStatus
from inspectionplans.forms import (
    AnnualPlanForm,
    AssignForm,
    DrawForm,
    DueForm,
    GenerateForm,
    PlanForm,
    ReasonForm,
    TaskFilterForm,
)
from inspectionplans.ledgers import DRAW_LEDGER, TASK_LEDGER, draw_rows, task_rows
from inspectionplans.models import AnnualPlan, InspectionPlan, InspectionTask, RandomDraw
from jurisdictions.forms import add_action_errors
from places.models import Place
from yingji.http import AuthenticatedRequest, query_without_page
from yingji.ledgers import dated_filename, xlsx_response

PAGE_SIZE = 25
TASK_PAGE_SIZE = 50


def _require(request: AuthenticatedRequest) -> None:
    if not request.user.can(Capability.PLAN_INSPECTIONS):
        raise PermissionDenied(_("当前角色无权制定检查计划"))


def task_url(task_id: int) -> str | None:
    """The inspections app's page for doing a task, if that app provides one."""
    try:
        return reverse("inspections:do", args=[task_id])
    except NoReverseMatch:
        return None


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- list and annual plans ---------------------------------------------------------------------


@login_required
def plan_list(request: AuthenticatedRequest) -> HttpResponse:
    year = timezone.localdate().year
    with contextlib.suppress(ValueError):
        year = min(max(int(request.GET.get("year") or year), 2000), 2100)
    annual = list(
        AnnualPlan.objects.filter(archived_at__isnull=True, year=year).select_related("jurisdiction", "approved_by")
    )
    plans = InspectionPlan.objects.filter(archived_at__isnull=True).select_related("jurisdiction")
    kind, status = request.GET.get("kind", ""), request.GET.get("status", "")
    if kind in PlanKind.values:
        plans = plans.filter(kind=kind)
    if status in PlanStatus.values:
        plans = plans.filter(status=status)
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    progress = services.plan_progress([p.pk for p in page.object_list])
    rows = [(p, progress[p.pk]) for p in page.object_list]
    context = {
        "annual": annual,
        "year": year,
        "page": page,
        "rows": rows,
        "query": query_without_page(request),
        "kinds": PlanKind.choices,
        "statuses": PlanStatus.choices,
        "kind": kind,
        "status": status,
        "overdue_count": services.overdue_tasks().count(),
    }
    return render(request, "inspectionplans/plan_list.html", context)


@login_required
def annual_create(request: AuthenticatedRequest) -> HttpResponse:
    _require(request)
    form = AnnualPlanForm(request.POST or None, request.FILES or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = actions.create_annual_plan(
                by=request.user,
                jurisdiction=data["jurisdiction"],
                year=data["year"],
                title=data["title"],
                note=data["note"],
                targets=data["targets"],
                monthly_counts=form.monthly_counts(),
                attachment=data.get("attachment") or "",
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("年度执法计划已保存。"))
            return redirect("inspectionplans:annual", pk=plan.pk)
    return render(
        request, "inspectionplans/form.html", {"form": form, "title": _("编制年度执法计划"), "multipart": True}
    )


@login_required
def annual_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(AnnualPlan.objects.select_related("jurisdiction", "approved_by"), pk=pk)
    plans = InspectionPlan.objects.filter(annual_plan=plan, archived_at__isnull=True).select_related("jurisdiction")
    progress = services.plan_progress([p.pk for p in plans])
    done = sum(p["done"] for p in progress.values())
    context = {
        "plan": plan,
        "months": list(zip(range(1, 13), plan.monthly_counts or [0] * 12, strict=False)),
        "quarters": plan.quarterly_counts,
        "rows": [(p, progress[p.pk]) for p in plans],
        "done": done,
        "approved": plan.status == AnnualPlanStatus.APPROVED,
    }
    return render(request, "inspectionplans/annual_detail.html", context)


@login_required
def annual_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require(request)
    plan = get_object_or_404(AnnualPlan.objects, pk=pk)
    form = AnnualPlanForm(
        request.POST or None, request.FILES or None, editing=True, initial=AnnualPlanForm.initial_for(plan)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes: dict[str, Any] = {
            "title": data["title"],
            "note": data["note"],
            "targets": data["targets"],
            "monthly_counts": form.monthly_counts(),
        }
        if data.get("attachment"):
            changes["attachment"] = data["attachment"]
        try:
            actions.update_annual_plan(plan, by=request.user, **changes)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("年度执法计划已保存。"))
            return redirect("inspectionplans:annual", pk=plan.pk)
    return render(
        request,
        "inspectionplans/form.html",
        {"form": form, "title": _("修改年度执法计划"), "multipart": True, "annual": plan},
    )


@login_required
@require_POST
def annual_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require(request)
    plan = get_object_or_404(AnnualPlan.objects, pk=pk)
    try:
        if request.POST.get("do") == "reopen":
            actions.reopen_annual_plan(plan, by=request.user)
            messages.success(request, _("年度执法计划已退回草稿。"))
        else:
            actions.approve_annual_plan(plan, by=request.user)
            messages.success(request, _("年度执法计划已批准。"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("inspectionplans:annual", pk=plan.pk)


@login_required
def annual_attachment(request: AuthenticatedRequest, pk: int) -> FileResponse:
    plan = get_object_or_404(AnnualPlan.objects, pk=pk)
    if not plan.attachment:
        from django.http import Http404

        raise Http404(_("没有计划文件"))
    response = FileResponse(
        plan.attachment.open("rb"),
        as_attachment=True,
        filename=f"{plan.title}.{plan.attachment.name.rsplit('.', 1)[-1]}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- inspection plans --------------------------------------------------------------------------


@login_required
def plan_create(request: AuthenticatedRequest) -> HttpResponse:
    _require(request)
    form = PlanForm(request.POST or None, initial={"kind": request.GET.get("kind") or PlanKind.RANDOM_DRAW})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        node = data.pop("jurisdiction")
        try:
            plan = actions.create_plan(by=request.user, jurisdiction=node, **data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("检查计划已创建。"))
            if plan.kind == PlanKind.RANDOM_DRAW:
                return redirect("inspectionplans:draw_new", pk=plan.pk)
            return redirect("inspectionplans:detail", pk=plan.pk)
    return render(request, "inspectionplans/form.html", {"form": form, "title": _("新建检查计划")})


@login_required
def generate(request: AuthenticatedRequest) -> HttpResponse:
    _require(request)
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = actions.generate_periodic_plan(
                data["jurisdiction"],
                data["period_start"],
                data["period_end"],
                by=request.user,
                kinds=[k.code for k in data["kinds"]],
                title=data["title"],
                annual_plan=data["annual_plan"],
                unannounced=data["unannounced"],
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            count = InspectionTask.objects.filter(plan=plan).count()
            messages.success(request, _("已生成定期检查计划，共 %(n)s 个检查任务。") % {"n": count})
            return redirect("inspectionplans:detail", pk=plan.pk)
    help_text = _(
        "按风险分级的检查频次，列出在结束日期前到期（含已逾期）的场所，每个场所一个检查任务；已有未完成任务的场所不重复生成。"
    )
    return render(
        request, "inspectionplans/form.html", {"form": form, "title": _("生成定期检查计划"), "help": help_text}
    )


def _plan_or_404(pk: int) -> InspectionPlan:
    return get_object_or_404(InspectionPlan.objects.select_related("jurisdiction", "annual_plan"), pk=pk)


def _filtered_tasks(
    request: AuthenticatedRequest, plan: InspectionPlan
) -> tuple[TaskFilterForm, QuerySet[InspectionTask]]:
    form = TaskFilterForm(request.GET or None)
    tasks = services.visible_tasks(request.user).filter(plan=plan, archived_at__isnull=True)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("state"):
            tasks = tasks.filter(state=data["state"])
        if data.get("inspector"):
            tasks = tasks.filter(inspectors=data["inspector"])
        if data.get("overdue"):
            tasks = tasks.filter(state__in=OPEN_TASK_STATES, due_on__lt=timezone.localdate())
    return form, tasks.select_related("place", "jurisdiction", "lead_inspector").prefetch_related(
        "inspectors"
    ).order_by("due_on", "id")


@login_required
def plan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(pk)
    form, tasks = _filtered_tasks(request, plan)
    page = Paginator(tasks, TASK_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "plan": plan,
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "progress": services.progress(InspectionTask.objects.filter(plan=plan)),
        "draws": list(RandomDraw.objects.filter(plan=plan).select_related("drawn_by")),
        "today": timezone.localdate(),
    }
    if request.htmx and request.htmx.target == "task-results":
        return render(request, "inspectionplans/_task_results.html", context)
    return render(request, "inspectionplans/plan_detail.html", context)


@login_required
@require_POST
def plan_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _require(request)
    plan = _plan_or_404(pk)
    try:
        if request.POST.get("do") == "close":
            actions.close_plan(plan, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("计划已结束。"))
        else:
            actions.issue_plan(plan, by=request.user)
            messages.success(request, _("计划已下达。"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("inspectionplans:detail", pk=plan.pk)


@login_required
@require_GET
def plan_export(request: AuthenticatedRequest, pk: int) -> FileResponse:
    plan = _plan_or_404(pk)
    _form, tasks = _filtered_tasks(request, plan)
    return xlsx_response(TASK_LEDGER, task_rows(tasks), dated_filename(f"{plan.title}-任务清单"))


# --- tasks -------------------------------------------------------------------------------------


def _task_or_404(request: AuthenticatedRequest, pk: int) -> InspectionTask:
    return get_object_or_404(
        services.visible_tasks(request.user).select_related("place", "plan", "jurisdiction", "lead_inspector"), pk=pk
    )


@login_required
def task_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    team = list(task.inspectors.all())
    assign_form = AssignForm(initial={"inspectors": team, "lead_inspector": task.lead_inspector})
    due_form = DueForm(initial={"due_on": task.due_on})
    reason_form = ReasonForm()
    if request.method == "POST":
        _require(request)
        what = request.POST.get("do")
        try:
            if what == "assign":
                assign_form = AssignForm(request.POST)
                if assign_form.is_valid():
                    data = assign_form.cleaned_data
                    actions.assign_task(
                        task,
                        by=request.user,
                        inspectors=list(data["inspectors"]),
                        lead_inspector=data["lead_inspector"],
                    )
                    messages.success(request, _("检查人员已调整。"))
                    return redirect("inspectionplans:task", pk=task.pk)
            elif what == "due":
                due_form = DueForm(request.POST)
                if due_form.is_valid():
                    actions.set_due(task, by=request.user, due_on=due_form.cleaned_data["due_on"])
                    messages.success(request, _("完成期限已修改。"))
                    return redirect("inspectionplans:task", pk=task.pk)
            elif what == "cancel":
                reason_form = ReasonForm(request.POST)
                if reason_form.is_valid():
                    actions.cancel_task(task, by=request.user, reason=reason_form.cleaned_data["reason"])
                    messages.success(request, _("任务已取消。"))
                    return redirect("inspectionplans:task", pk=task.pk)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    context = {
        "task": task,
        "team": team,
        "assign_form": assign_form,
        "due_form": due_form,
        "reason_form": reason_form,
        "do_url": task_url(task.pk),
        "overdue": task.is_overdue(),
    }
    return render(request, "inspectionplans/task_detail.html", context)


@login_required
def my_tasks(request: AuthenticatedRequest) -> HttpResponse:
    """The inspector's phone list: open tasks soonest first, each opening the inspection form."""
    today = timezone.localdate()
    tasks = list(services.open_tasks_for(request.user).select_related("jurisdiction")[:200])
    rows = [
        {"task": t, "url": task_url(t.pk) or reverse("inspectionplans:task", args=[t.pk]), "overdue": t.due_on < today}
        for t in tasks
    ]
    return render(request, "inspectionplans/my_tasks.html", {"rows": rows, "today": today})


# --- draws -------------------------------------------------------------------------------------


@login_required
def draw_list(request: AuthenticatedRequest) -> HttpResponse:
    records = RandomDraw.objects.select_related("plan", "jurisdiction", "drawn_by")
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    draw_plans = InspectionPlan.objects.filter(kind=PlanKind.RANDOM_DRAW, archived_at__isnull=True).exclude(
        status=PlanStatus.CLOSED
    )
    return render(
        request,
        "inspectionplans/draw_list.html",
        {"page": page, "query": query_without_page(request), "draw_plans": draw_plans.select_related("jurisdiction")[:50]},
    )


def _pool_preview(plan: InspectionPlan, form: DrawForm) -> tuple[int | None, str]:
    try:
        criteria = draws.clean_criteria(form.criteria())
        return draws.pool_queryset(plan.jurisdiction, criteria).count(), ""
    except ValidationError as exc:
        return None, _error_text(exc)


@login_required
def draw_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Criteria form with a live pool count, then the draw (POST)."""
    plan = _plan_or_404(pk)
    _require(request)
    if request.htmx and request.method == "GET" and request.GET.get("preview"):
        form = DrawForm(request.GET)
        form.is_valid()
        count, error = _pool_preview(plan, form)
        return render(request, "inspectionplans/_pool_preview.html", {"count": count, "error": error})
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = actions.draw(
                plan,
                by=request.user,
                criteria=form.criteria(),
                sample_size=data["sample_size"],
                inspectors=list(data["inspectors"]),
                team_size=data["team_size"],
                seed=data["seed"] or None,
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("抽取完成，随机种子 %(seed)s 已记录。") % {"seed": record.seed})
            return redirect("inspectionplans:draw", pk=record.pk)
    count, error = _pool_preview(plan, form) if form.is_bound else (None, "")
    if not form.is_bound:
        count = draws.pool_queryset(plan.jurisdiction, {}).count()
    context = {"plan": plan, "form": form, "count": count, "error": error}
    return render(request, "inspectionplans/draw_new.html", context)


@login_required
def draw_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(RandomDraw.objects.select_related("plan", "jurisdiction", "drawn_by"), pk=pk)
    places = Place.unscoped.select_related("kind").in_bulk(record.place_ids)
    names = services.user_names([u for team in record.teams for u in team] + list(record.inspector_ids))
    tasks = {t.place_id: t for t in InspectionTask.objects.filter(draw=record)}
    rows = [
        {"number": n, "place": places.get(pid), "team": [names.get(u, str(u)) for u in team], "task": tasks.get(pid)}
        for n, (pid, team) in enumerate(zip(record.place_ids, record.teams, strict=True), start=1)
    ]
    context = {
        "record": record,
        "rows": rows,
        "inspectors": [names.get(u, str(u)) for u in record.inspector_ids],
        "criteria": _criteria_text(record.criteria),
    }
    return render(request, "inspectionplans/draw_detail.html", context)


def _criteria_text(criteria: dict[str, Any]) -> list[str]:
    lines = []
    if criteria.get("jurisdiction"):
        lines.append(_("抽取范围：%(c)s") % {"c": criteria["jurisdiction"]})
    if criteria.get("kinds"):
        lines.append(_("场所类型：%(k)s") % {"k": "、".join(criteria["kinds"])})
    if criteria.get("grades"):
        lines.append(_("风险等级：%(g)s") % {"g": "、".join(criteria["grades"])})
    if criteria.get("key_units_only"):
        lines.append(_("只抽消防安全重点单位"))
    if criteria.get("exclude_inspected_within_days"):
        lines.append(_("排除近 %(d)s 天内已监督检查的场所") % {"d": criteria["exclude_inspected_within_days"]})
    return lines or [_("计划辖区内全部在册场所")]


@login_required
@require_GET
def draw_verify(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(RandomDraw.objects, pk=pk)
    context = {"record": record, "matches": services.verify_draw(record), "checked_at": timezone.now()}
    return render(request, "inspectionplans/_verify.html", context)


@login_required
@require_GET
def draw_export(request: AuthenticatedRequest, pk: int) -> FileResponse:
    record = get_object_or_404(RandomDraw.objects, pk=pk)
    return xlsx_response(DRAW_LEDGER, draw_rows(record), dated_filename(f"双随机抽查结果-{record.pk}"))
