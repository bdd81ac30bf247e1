"""The main navigation as data: groups of links, each shown only when its page exists and the role may use it.

Pages belong to many small apps; listing them here, rather than in `base.html`, keeps the
menu in one place and lets a link depend on a capability. A URL name that does not resolve
(an app switched off in a deployment) is left out instead of breaking every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import Capability


@dataclass(frozen=True)
class NavLink:
    label: str | Promise
    url_name: str
    capability: str | None = None
    # The link is current when the request's view is in one of these apps/namespaces,
    # or is exactly one of these view names.
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise
    links: tuple[NavLink, ...]


NAVIGATION: tuple[NavGroup, ...] = (
    NavGroup(_("首页"), (NavLink(_("首页"), "dashboard:home", sections=("dashboard:home",)),)),
    NavGroup(
        _("底数"),
        (
            NavLink(_("辖区"), "jurisdictions:index", sections=("jurisdictions:index", "jurisdictions:detail", "jurisdictions:edit")),
            NavLink(_("人员"), "people:list", sections=("people",)),
            NavLink(_("单位场所"), "places:list", sections=("places",)),
            NavLink(_("一张图"), "jurisdictions:map", sections=("jurisdictions:map",)),
        ),
    ),
    NavGroup(
        _("风险防控"),
        (
            NavLink(_("风险分级"), "risk:overview", sections=("risk",)),
            NavLink(_("责任状"), "letters:summary", sections=("letters",)),
            NavLink(_("人员配备"), "staffing:report", sections=("staffing",)),
        ),
    ),
    NavGroup(
        _("隐患排查"),
        (
            NavLink(_("隐患台账"), "hazards:list", sections=("hazards",)),
            NavLink(_("上报隐患"), "hazards:report", Capability.REPORT_HAZARD, sections=("hazards:report",)),
            NavLink(_("我的任务"), "hazards:my_tasks", sections=("hazards:my_tasks",)),
            NavLink(_("挂牌督办"), "hazards:supervision", sections=("hazards:supervision",)),
            NavLink(_("回头看"), "hazards:rechecks", sections=("hazards:recheck",)),
            NavLink(_("检查计划"), "inspectionplans:list", sections=("inspectionplans",)),
            NavLink(_("双随机抽取"), "inspectionplans:draws", sections=("inspectionplans:draw",)),
            NavLink(_("检查记录"), "inspections:list", sections=("inspections",)),
            NavLink(_("检查清单"), "checklists:list", sections=("checklists",)),
            NavLink(_("重大隐患判定"), "hazardrules:aid", sections=("hazardrules",)),
            NavLink(_("群众举报"), "publicreports:list", Capability.MANAGE_HAZARDS, sections=("publicreports",)),
            NavLink(_("期限规则"), "hazards:policies", Capability.MANAGE_HAZARDS, sections=("hazards:polic",)),
        ),
    ),
    NavGroup(
        _("预警叫应"),
        (
            NavLink(_("预警"), "earlywarning:list", sections=("earlywarning",)),
            NavLink(_("值班"), "duty:index", sections=("duty",)),
            NavLink(_("我的通知"), "notifications:inbox", sections=("notifications:inbox",)),
            NavLink(_("通知记录"), "notifications:list", Capability.VIEW_DELIVERIES, sections=("notifications:list", "notifications:board")),
            NavLink(_("升级策略"), "notifications:policies", Capability.MANAGE_ESCALATION, sections=("notifications:polic",)),
            NavLink(_("群组通道"), "notifications:groups", Capability.MANAGE_ESCALATION, sections=("notifications:group",)),
            NavLink(_("额度与免扰"), "notifications:quotas", Capability.VIEW_DELIVERIES, sections=("notifications:quota",)),
        ),
    ),
    NavGroup(
        _("应急准备"),
        (
            NavLink(_("救援队伍"), "teams:list", sections=("teams",)),
            NavLink(_("附近队伍"), "teams:nearest", sections=("teams:nearest",)),
            NavLink(_("装备物资"), "supplies:list", sections=("supplies",)),
            NavLink(_("村级标准装备"), "supplies:kits", sections=("supplies:kit",)),
            NavLink(_("避灾场所"), "shelters:list", sections=("shelters",)),
            NavLink(_("应急预案"), "plans:list", sections=("plans",)),
            NavLink(_("演练"), "plans:drills", sections=("plans:drill",)),
            NavLink(_("培训宣传"), "plans:trainings", sections=("plans:training",)),
        ),
    ),
    NavGroup(
        _("管理"),
        (
            NavLink(_("账号"), "accounts:user_list", Capability.MANAGE_USERS, sections=("accounts:user_",)),
            NavLink(_("审计"), "audit:changes", Capability.VIEW_AUDIT, sections=("audit",)),
        ),
    ),
)


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _match(link: NavLink, namespace: str, view_name: str) -> int:
    """How specifically a link claims the current view: 0 not at all, 1 by app, more by view-name prefix.

    A section is an app namespace ("teams") or a view-name prefix ("teams:nearest"); the most
    specific claim wins, so 附近队伍 is current on the nearest-teams page, 救援队伍 elsewhere in teams.
    """
    best = 0
    for section in link.sections:
        if ":" in section:
            if view_name.startswith(section):
                best = max(best, 1 + len(section))
        elif namespace == section:
            best = max(best, 1)
    return best


def build_navigation(request: Any) -> list[dict[str, Any]]:
    """The groups and links this user sees, with the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    namespace = getattr(match, "namespace", "") or ""
    view_name = getattr(match, "view_name", "") or ""
    groups: list[dict[str, Any]] = []
    for nav_group in NAVIGATION:
        links: list[dict[str, Any]] = []
        for link in nav_group.links:
            if link.capability and not user.can(link.capability):
                continue
            url = _url(link.url_name)
            if url is None:
                continue
            links.append({"label": link.label, "url": url, "score": _match(link, namespace, view_name), "current": False})
        if links:
            groups.append({"label": nav_group.label, "links": links, "current": False})
    best = max((entry["score"] for group in groups for entry in group["links"]), default=0)
    if best:  # exactly one link (the most specific claim) is current
        found_group, found_link = next((g, lk) for g in groups for lk in g["links"] if lk["score"] == best)
        found_link["current"] = found_group["current"] = True
    return groups
