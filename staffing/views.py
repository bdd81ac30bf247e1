"""Staffing check pages: the report at any node of the tree, and the standards."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import Capability
from jurisdictions.forms import add_action_errors
from jurisdictions.models import Jurisdiction
from jurisdictions.views import breadcrumb
from staffing import actions
from staffing.forms import StandardForm
from staffing.ledgers import STAFFING_LEDGER, export_rows
from staffing.models import StaffingStandard
from staffing.services import NoStandard, staffing_report
from yingji.http import AuthenticatedRequest
from yingji.ledgers import dated_filename, xlsx_response


@login_required
@require_GET
def report(request: AuthenticatedRequest) -> HttpResponse:
    node = Jurisdiction.objects.code_or_home(request.GET.get("code", "").strip())
    try:
        result = staffing_report(node)
    except NoStandard as exc:
        return render(request, "staffing/report.html", {"node": node, "problem": str(exc)}, status=409)
    return render(request, "staffing/report.html", {"node": node, "report": result, "crumbs": breadcrumb(request, node)})


@login_required
@require_GET
def export(request: AuthenticatedRequest) -> FileResponse:
    result = staffing_report(Jurisdiction.objects.code_or_home(request.GET.get("code", "").strip()))
    return xlsx_response(STAFFING_LEDGER, export_rows(result), dated_filename(f"人员配备核查-{result.total.node.name}"))


@login_required
def standards(request: AuthenticatedRequest) -> HttpResponse:
    may_edit = request.user.can(Capability.CONFIGURE_RULES)
    form = StandardForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if not may_edit or form is None:
            raise PermissionDenied(_("只有县级管理员可以设置人员配备标准。"))
        if form.is_valid():
            try:
                actions.create_standard(request.user, **form.action_values())
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("已新增一版人员配备标准。"))
                return redirect("staffing:standards")
    versions = StaffingStandard.objects.prefetch_related("counted_position_kinds")
    return render(request, "staffing/standards.html", {"versions": versions, "form": form})
