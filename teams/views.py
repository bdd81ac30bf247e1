"""Team pages: list with map, team page, forms, one-tap status, nearest teams, ledgers, standards.

Reads go through the scoped managers (outsiders get 404); every change goes through
`teams.actions`. A PermissionDenied from an action becomes the 403 page; a
ValidationError becomes form errors or an error message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Capability
from audit.tracking import history_of
from jurisdictions.forms import add_action_errors
from jurisdictions.models import Jurisdiction
from teams import actions, compliance
from teams.api import TeamFilter, filter_teams, team_detail_queryset
from teams.choices import KIND_COLOURS, STATUS_COLOURS, TeamKind, TeamStatus
from teams.forms import (
    ArchiveForm,
    CertificateForm,
    MemberForm,
    RenewForm,
    StandardForm,
    StatusForm,
    TeamFilterForm,
    TeamForm,
    VehicleForm,
)
from teams.ledgers import MEMBERS_LEDGER, TEAMS_LEDGER, MembersImporter, TeamsImporter, member_rows, team_rows
from teams.models import Certificate, Team, TeamCapability, TeamMember, TeamStandard, TeamStatusChange, Vehicle
from yingji.http import AuthenticatedRequest
from yingji.ledgers import Ledger, dated_filename, xlsx_response
from yingji.ledgers.pages import LedgerImportPages

PAGE_SIZE = 25
HISTORY_LIMIT = 40


def require_capability(request: AuthenticatedRequest, capability: str, message: str) -> None:
    if not request.user.can(capability):
        raise PermissionDenied(message)


def _filters(form: TeamFilterForm) -> TeamFilter:
    data = form.cleaned_data if form.is_valid() else {}
    node = data.get("jurisdiction")
    capability = data.get("capability")
    return TeamFilter(
        q=data.get("q") or None,
        kind=data.get("kind") or None,
        status=data.get("status") or None,
        capability=capability.code if capability else None,
        jurisdiction=node.code if node else None,
        include_archived=bool(data.get("archived")),
    )


def _legend() -> dict[str, Any]:
    return {
        "kinds": [{"value": k.value, "label": str(k.label), "colour": KIND_COLOURS[k.value]} for k in TeamKind],
        "statuses": [{"value": s.value, "label": str(s.label), "colour": STATUS_COLOURS[s.value]} for s in TeamStatus],
    }


@login_required
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    form = TeamFilterForm(request.GET or None)
    paginator = Paginator(filter_teams(_filters(form)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "legend": _legend()}
    if request.htmx and request.htmx.target == "team-results":
        return render(request, "teams/_results.html", context)
    return render(request, "teams/list.html", context)


def team_or_404(pk: int) -> Team:
    return get_object_or_404(team_detail_queryset().select_related("archived_by"), pk=pk)


@login_required
def team_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = team_or_404(pk)
    members: list[TeamMember] = list(team.current_members)  # type: ignore[attr-defined]
    vehicles: list[Vehicle] = list(team.active_vehicles)  # type: ignore[attr-defined]
    certificates = [c for m in members for c in m.certificates.all()]
    status_history = list(
        TeamStatusChange.objects.filter(team=team).select_related("changed_by").order_by("-changed_at", "-id")[:HISTORY_LIMIT]
    )
    context = {
        "team": team,
        "members": members,
        "vehicles": vehicles,
        "compliance": compliance.check_team(team),
        "status_history": status_history,
        "history": history_of(team, *members, *vehicles, *certificates)[:HISTORY_LIMIT],
        "status_form": StatusForm(initial={"status": team.status}),
        "archive_form": ArchiveForm(),
        "statuses": TeamStatus,
    }
    return render(request, "teams/detail.html", context)


def _form_kwargs(form: TeamForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["capabilities"] = list(data.get("capabilities") or [])
    return data


@login_required
def team_create(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权登记队伍"))
    initial: dict[str, Any] = {"coord_system": "wgs84"}
    node = request.user.jurisdiction
    if node is not None:
        initial.update(jurisdiction=node.code, lng=node.centroid_lng, lat=node.centroid_lat)
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(by=request.user, **_form_kwargs(form))
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已登记队伍“%(name)s”。") % {"name": team.name})
            return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/form.html", {"form": form, "team": None})


@login_required
def team_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = team_or_404(pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权修改队伍"))
    form = TeamForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_team(team, by=request.user, **_form_kwargs(form))
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的修改。") % {"name": form.cleaned_data["name"]})
            return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/form.html", {"form": form, "team": team})


@login_required
@require_POST
def team_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = team_or_404(pk)
    form = ArchiveForm(request.POST)
    actions.archive_team(team, by=request.user, reason=form.cleaned_data["reason"] if form.is_valid() else "")
    messages.success(request, _("已归档“%(name)s”。") % {"name": team.name})
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_POST
def team_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = team_or_404(pk)
    try:
        actions.restore_team(team, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已恢复“%(name)s”。") % {"name": team.name})
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_POST
def team_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One-tap status change from the team page (a phone at the scene)."""
    team = get_object_or_404(Team.objects, pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择状态。"))
        return redirect("teams:detail", pk=pk)
    try:
        actions.change_status(team, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        team.refresh_from_db()
        messages.success(request, _("“%(name)s”状态已改为：%(status)s。") % {"name": team.name, "status": team.get_status_display()})
    return redirect("teams:detail", pk=pk)


# --- members, certificates, vehicles -------------------------------------------------------


def _simple_form(request: AuthenticatedRequest, form: Any, title: str, back: str, context: dict[str, Any] | None = None) -> HttpResponse:
    return render(request, "teams/simple_form.html", {"form": form, "title": title, "back": back, **(context or {})})


@login_required
def member_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team.objects, pk=pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权管理队员"))
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.add_member(team, by=request.user, **{k: v for k, v in form.cleaned_data.items() if v is not None})
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("%(person)s 已加入%(team)s。") % {"person": member.person.name, "team": team.name})
            return redirect("teams:detail", pk=team.pk)
    back = reverse("teams:detail", args=[team.pk])
    return _simple_form(request, form, _("添加队员：%(team)s") % {"team": team.name}, back, {"team": team})


def member_or_404(pk: int) -> TeamMember:
    return get_object_or_404(TeamMember.objects.select_related("team", "person"), pk=pk)


@login_required
@require_POST
def member_end(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    member = member_or_404(pk)
    try:
        actions.end_member(member, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("%(person)s 已离队。") % {"person": member.person.name})
    return redirect("teams:detail", pk=member.team_id)


@login_required
@require_POST
def member_duty(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Toggle a member's on-duty flag (在岗/不在岗) with one tap."""
    member = member_or_404(pk)
    try:
        actions.update_member(member, by=request.user, on_duty=not member.on_duty)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(reverse("teams:detail", args=[member.team_id]) + "#members")


@login_required
def certificate_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    member = member_or_404(pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权登记证书"))
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_certificate(member, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已为 %(person)s 登记证书。") % {"person": member.person.name})
            return redirect(reverse("teams:detail", args=[member.team_id]) + "#members")
    back = reverse("teams:detail", args=[member.team_id])
    return _simple_form(request, form, _("登记证书：%(person)s") % {"person": member.person.name}, back, {"team": member.team})


@login_required
def certificate_renew(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("member__team", "member__person"), pk=pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权修改证书"))
    form = RenewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.renew_certificate(
                certificate, by=request.user, expires_on=data["expires_on"], issued_on=data["issued_on"], number=data["number"] or None
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("证书“%(name)s”已续期。") % {"name": certificate.name})
            return redirect(reverse("teams:detail", args=[certificate.member.team_id]) + "#members")
    back = reverse("teams:detail", args=[certificate.member.team_id])
    title = _("证书续期：%(person)s · %(name)s") % {"person": certificate.member.person.name, "name": certificate.name}
    return _simple_form(request, form, title, back, {"team": certificate.member.team})


@login_required
def vehicle_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team.objects, pk=pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权登记车辆"))
    form = VehicleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_vehicle(team, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已登记车辆。"))
            return redirect(reverse("teams:detail", args=[team.pk]) + "#vehicles")
    back = reverse("teams:detail", args=[team.pk])
    return _simple_form(request, form, _("登记车辆：%(team)s") % {"team": team.name}, back, {"team": team})


@login_required
def vehicle_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.select_related("team"), pk=pk)
    require_capability(request, Capability.EDIT_REGISTRY, _("当前角色无权修改车辆"))
    initial = {k: getattr(vehicle, k) for k in ("plate", "kind", "capacity", "status", "note")}
    form = VehicleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_vehicle(vehicle, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存车辆 %(plate)s。") % {"plate": vehicle.plate})
            return redirect(reverse("teams:detail", args=[vehicle.team_id]) + "#vehicles")
    back = reverse("teams:detail", args=[vehicle.team_id])
    return _simple_form(request, form, _("修改车辆：%(plate)s") % {"plate": vehicle.plate}, back, {"team": vehicle.team, "vehicle": vehicle})


@login_required
@require_POST
def vehicle_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects, pk=pk)
    actions.archive_vehicle(vehicle, by=request.user, reason=request.POST.get("reason", "")[:200])
    messages.success(request, _("车辆 %(plate)s 已归档。") % {"plate": vehicle.plate})
    return redirect(reverse("teams:detail", args=[vehicle.team_id]) + "#vehicles")


# --- nearest, compliance, standards --------------------------------------------------------


@login_required
def nearest(request: AuthenticatedRequest) -> HttpResponse:
    """Pick a point (or use the phone's location) → nearest available teams, tap to call."""
    node = request.user.jurisdiction
    centre = [node.centroid_lng or 121.87, node.centroid_lat or 29.47] if node is not None else [121.87, 29.47]
    text = {
        "none": _("附近没有可调派的队伍。"),
        "loading": _("正在查找…"),
        "failed": _("查询失败，请稍后重试。"),
        "call": _("拨打"),
        "point": _("选定地点"),
        "located": _("已定位到本机位置"),
        "no_geo": _("无法获取本机位置，请在地图上点选。"),
        "found": _("按直线距离找到 %(n)s 支可调派队伍"),
        "km": _("公里"),
        "m": _("米"),
    }
    return render(
        request,
        "teams/nearest.html",
        {"centre": centre, "legend": _legend(), "text": text, "capabilities": TeamCapability.objects.all()},
    )


@login_required
def compliance_view(request: AuthenticatedRequest) -> HttpResponse:
    code = request.GET.get("jurisdiction")
    node = get_object_or_404(Jurisdiction.objects, code=code) if code else Jurisdiction.objects.visible_roots().first()
    if node is None:
        raise PermissionDenied(_("没有可查看的辖区"))
    total, rows = compliance.rollup(node, Team.objects.all())
    direct = list(filter_teams(TeamFilter(q=None, kind=None, status=None, capability=None, jurisdiction=node.code, include_archived=False)).filter(jurisdiction=node)) if node.level != "county" else []
    checks = compliance.check_teams(direct)
    kinds = dict(TeamKind.choices)
    return render(
        request,
        "teams/compliance.html",
        {
            "node": node,
            "total": total,
            "rows": rows,
            "kinds": kinds,
            "direct": [(t, checks[t.pk]) for t in direct],
            "top_missing": total.missing.most_common(8),
        },
    )


@login_required
def standard_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "teams/standards.html", {"standards": TeamStandard.objects.all()})


@login_required
def standard_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = get_object_or_404(TeamStandard.objects, pk=pk)
    require_capability(request, Capability.CONFIGURE_RULES, _("只有县级管理员可以修改配备标准"))
    form = StandardForm(request.POST or None, standard=standard)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_standard(standard, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": standard.name})
            return redirect("teams:standards")
    return render(request, "teams/standard_form.html", {"form": form, "standard": standard, "history": history_of(standard)[:10]})


# --- ledgers (台账): Excel export and import ------------------------------------------------

@login_required
@require_GET
def team_export(request: AuthenticatedRequest) -> FileResponse:
    teams = filter_teams(_filters(TeamFilterForm(request.GET or None)))
    return xlsx_response(TEAMS_LEDGER, team_rows(teams, request.user), dated_filename("救援队伍台账"))


@login_required
@require_GET
def member_export(request: AuthenticatedRequest) -> FileResponse:
    from django.db.models import Q

    teams = filter_teams(_filters(TeamFilterForm(request.GET or None)))
    today = timezone.localdate()
    members = (
        TeamMember.objects.filter(team__in=teams.values("pk"), archived_at__isnull=True)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .order_by("jurisdiction_path", "team__name", "role", "id")
    )
    return xlsx_response(MEMBERS_LEDGER, member_rows(members, request.user), dated_filename("队员台账"))


def _import_pages(key: str, ledger: Ledger, importer: Any, name: str, title: Any, noun: Any, other: tuple[Any, str]) -> LedgerImportPages:
    return LedgerImportPages(
        ledger=ledger,
        key=f"teams-{key}",
        importer=importer,
        capability=Capability.EDIT_REGISTRY,
        refusal=_lazy("当前角色无权导入队伍台账"),
        title=title,
        template_name=name,
        namespace="teams",
        url_args=(key,),
        list_url_name="teams:list",
        list_title=_lazy("救援队伍"),
        noun=noun,
        notes=ledger.notes,
        record_type=f"teams.{'team' if key == 'teams' else 'teammember'}",
        links=((other[0], "teams:import", (other[1],)),),
    )


# Two ledgers behind import/<ledger>/ (see urls.py): the teams, and their members.
IMPORT_PAGES = {
    "teams": _import_pages("teams", TEAMS_LEDGER, TeamsImporter, "救援队伍台账", _lazy("导入救援队伍台账"), pgettext_lazy("导入计数", "支队伍"), (_lazy("改为导入队员台账"), "members")),
    "members": _import_pages("members", MEMBERS_LEDGER, MembersImporter, "队员台账", _lazy("导入队员台账"), pgettext_lazy("导入计数", "名队员"), (_lazy("改为导入队伍台账"), "teams")),
}
