"""Duty pages: today's roster (who is on duty now, today and this week), the roster editor, Excel.

Reads go through the scoped managers; every change goes through `duty.actions`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from duty import actions
from duty.actions import RosterPlan, Standing
from duty.choices import DutyRole
from duty.forms import CancelForm, GenerateForm, OverrideForm, ShiftForm, SwapForm, roster_nodes
from duty.ledgers import DUTY_LEDGER, DutyImporter, shift_rows
from duty.models import DutyAssignment, DutyShift
from duty.services import on_duty
from jurisdictions.choices import Level
from jurisdictions.forms import add_action_errors
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

WEEK_DAYS = 7


def require_manage(request: AuthenticatedRequest) -> None:
    if not request.user.can(Capability.MANAGE_DUTY):
        raise PermissionDenied(_("当前角色无权排班（需要“排班和调班”权限）"))


def _standing_prefetch() -> Prefetch:
    standing = DutyAssignment.objects.standing().select_related("person").order_by("role", "id")
    return Prefetch("assignments", queryset=standing, to_attr="standing")


@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    """Who is on duty now, today and this week, per jurisdiction in scope (phone-friendly)."""
    now = timezone.now()
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    week_start = datetime.combine(today, time.min, tzinfo=tz)
    week_end = week_start + timedelta(days=WEEK_DAYS)
    shifts = list(
        DutyShift.objects.overlapping(min(now, week_start), week_end)
        .select_related("jurisdiction")
        .defer("jurisdiction__boundary")
        .prefetch_related(_standing_prefetch())
        .order_by("jurisdiction_path", "starts_at")
    )
    by_node: dict[int, list[DutyShift]] = defaultdict(list)
    for shift in shifts:
        by_node[shift.jurisdiction_id].append(shift)
    nodes = [n for n in roster_nodes() if n.level != "village" or n.pk in by_node]
    sections = []
    for node in nodes:
        own = by_node.get(node.pk, [])
        sections.append(
            {
                "node": node,
                "now": next((s for s in own if s.starts_at <= now < s.ends_at), None),
                "today": [s for s in own if timezone.localtime(s.starts_at).date() <= today <= timezone.localtime(s.ends_at - timedelta(seconds=1)).date()],
                "week": own,
            }
        )
    # Village and grid users: the roster that answers for their node (their own or one above).
    home = request.user.jurisdiction
    upward = on_duty(home, now) if home is not None and home.level in (Level.VILLAGE, Level.GRID) else []
    context = {"sections": sections, "now": now, "home": home, "upward": upward, "upward_shift": upward[0].shift if upward else None}
    return render(request, "duty/index.html", context)


@login_required
def shift_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(DutyShift.objects.select_related("jurisdiction", "archived_by"), pk=pk)
    assignments = list(shift.assignments.select_related("person", "replaces__person").order_by("role", "id"))
    standing = [a for a in assignments if a.is_standing]
    window = (shift.starts_at - timedelta(days=31), shift.starts_at + timedelta(days=31))
    candidates = (
        DutyAssignment.objects.standing()
        .filter(shift__jurisdiction=shift.jurisdiction, shift__starts_at__range=window, shift__archived_at__isnull=True)
        .exclude(shift=shift)
        .select_related("shift", "person")
        .order_by("shift__starts_at")
    )
    context = {
        "shift": shift,
        "assignments": assignments,
        "standing": standing,
        "override_form": OverrideForm(),
        "swap_form": SwapForm(candidates=candidates),
        "cancel_form": CancelForm(),
        "history": history_of(shift, *assignments)[:40],
    }
    return render(request, "duty/shift.html", context)


@login_required
def shift_create(request: AuthenticatedRequest) -> HttpResponse:
    require_manage(request)
    initial: dict[str, Any] = {}
    if request.user.jurisdiction is not None:
        initial["jurisdiction"] = request.user.jurisdiction.code
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        standing = [Standing(p) for p in data["officers"]]
        if data["leader"] is not None:
            standing.append(Standing(data["leader"], DutyRole.LEADER))
        try:
            shift = actions.create_shift(
                by=request.user,
                jurisdiction=data["jurisdiction"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                standing=standing,
                duty_phone=data["duty_phone"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已新增班次。"))
            return redirect("duty:shift", pk=shift.pk)
    return render(request, "duty/form.html", {"form": form, "title": _("新增班次")})


@login_required
def generate(request: AuthenticatedRequest) -> HttpResponse:
    require_manage(request)
    initial: dict[str, Any] = {"hours": 24}
    if request.user.jurisdiction is not None:
        initial["jurisdiction"] = request.user.jurisdiction.code
    form = GenerateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = RosterPlan(
            jurisdiction=data["jurisdiction"],
            month=data["month"],
            officers=list(data["officers"]),
            leaders=list(data["leaders"]),
            start=data["start"],
            hours=data["hours"],
            duty_phone=data["duty_phone"],
        )
        try:
            shifts = actions.generate_roster(by=request.user, plan=plan)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已生成 %(n)d 个班次。") % {"n": len(shifts)})
            return redirect("duty:index")
    return render(request, "duty/form.html", {"form": form, "title": _("按轮换生成月值班表")})


@login_required
@require_POST
def override(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_manage(request)
    assignment = get_object_or_404(DutyAssignment.objects, pk=pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            actions.override_assignment(
                assignment, by=request.user, person=form.cleaned_data["person"], reason=form.cleaned_data["reason"], phone=form.cleaned_data["phone"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已替班，原安排保留在记录中。"))
    else:
        messages.error(request, _("请选择替班人员并填写原因。"))
    return redirect("duty:shift", pk=assignment.shift_id)


@login_required
@require_POST
def swap(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_manage(request)
    assignment = get_object_or_404(DutyAssignment.objects, pk=pk)
    form = SwapForm(request.POST, candidates=DutyAssignment.objects.standing())
    if form.is_valid():
        try:
            actions.swap_assignments(assignment, form.cleaned_data["other"], by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已换班，原安排保留在记录中。"))
    else:
        messages.error(request, _("请选择要交换的班次并填写原因。"))
    return redirect("duty:shift", pk=assignment.shift_id)


@login_required
@require_POST
def cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_manage(request)
    shift = get_object_or_404(DutyShift.objects, pk=pk)
    form = CancelForm(request.POST)
    try:
        actions.cancel_shift(shift, by=request.user, reason=form.data.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已取消班次。"))
    return redirect("duty:shift", pk=shift.pk)


@login_required
def export(request: AuthenticatedRequest) -> FileResponse:
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.combine(today.replace(day=1), time.min, tzinfo=tz)
    end = start + timedelta(days=62)
    shifts = DutyShift.objects.overlapping(start, end).order_by("starts_at", "jurisdiction_path", "id")
    return xlsx_response(DUTY_LEDGER, shift_rows(shifts, request.user), dated_filename("值班表"))


IMPORT_PAGES = LedgerImportPages(
    ledger=DUTY_LEDGER,
    key="duty",
    importer=DutyImporter,
    capability=Capability.MANAGE_DUTY,
    refusal=_lazy("当前角色无权导入值班表（需要“排班和调班”权限）"),
    title=_lazy("导入值班表"),
    template_name="值班表导入模板",
    namespace="duty",
    list_url_name="duty:index",
    list_title=_lazy("今日值班"),
    noun=pgettext_lazy("导入计数", "个班次"),
    notes=tuple(_lazy(note) for note in DUTY_LEDGER.notes),  # the ledger's own notes, in English from this catalogue
    record_type="duty.dutyshift",
)
