"""Roles and what each may do. Scope (which records) is separate: see yingji.scoping."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from jurisdictions.choices import Level


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级管理员")
    TOWNSHIP_ADMIN = "township_admin", _("乡镇管理员")
    TOWNSHIP_STAFF = "township_staff", _("乡镇工作人员")
    VILLAGE_CADRE = "village_cadre", _("村社干部")
    GRID_WORKER = "grid_worker", _("网格员")
    ENTERPRISE_USER = "enterprise_user", _("企业用户")
    LEADER = "leader", _("领导（只读）")
    AUDITOR = "auditor", _("审计员")


# Jurisdiction levels a role may be attached to.
ROLE_LEVELS: dict[str, set[str]] = {
    Role.COUNTY_ADMIN: {Level.COUNTY},
    Role.TOWNSHIP_ADMIN: {Level.TOWNSHIP},
    Role.TOWNSHIP_STAFF: {Level.TOWNSHIP},
    Role.VILLAGE_CADRE: {Level.VILLAGE},
    Role.GRID_WORKER: {Level.GRID, Level.VILLAGE},
    Role.ENTERPRISE_USER: {Level.TOWNSHIP, Level.VILLAGE, Level.GRID},
    Role.LEADER: {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE},
    Role.AUDITOR: {Level.COUNTY, Level.TOWNSHIP},
}


class Capability(models.TextChoices):
    """Named permissions checked by write actions, pages and API handlers."""

    EDIT_REGISTRY = "registry.edit", _("编辑台账")
    MANAGE_POSITIONS = "people.positions", _("任免岗位")
    SEE_MOBILE = "people.see_mobile", _("查看完整手机号")
    MANAGE_USERS = "accounts.manage", _("管理账号")
    VIEW_AUDIT = "audit.view", _("查看审计日志")
    EDIT_JURISDICTION = "jurisdictions.edit", _("编辑辖区")
    MANAGE_VOCABULARY = "vocabulary.manage", _("维护岗位类型和责任清单")
    CONFIGURE_RULES = "rules.configure", _("维护规则参数（场所分类、风险模型、检查频次、配备标准、装备模板）")
    ISSUE_WARNING = "warnings.issue", _("发布、变更和解除预警")
    MANAGE_DUTY = "duty.manage", _("排班和调班")
    MANAGE_ESCALATION = "notifications.policies", _("维护通知升级策略")
    VIEW_DELIVERIES = "notifications.view", _("查看通知送达和叫应记录")
    REPORT_HAZARD = "hazards.report", _("上报隐患")
    MANAGE_HAZARDS = "hazards.manage", _("确认、派单、复核和核销隐患")
    SUPERVISE_HAZARDS = "hazards.supervise", _("重大隐患挂牌督办和核销")
    INSPECT = "inspections.conduct", _("开展检查巡查")
    PLAN_INSPECTIONS = "inspections.plan", _("制定检查计划和双随机抽取")
    EDIT_CHECKLISTS = "checklists.edit", _("维护检查清单")


_ALL_WRITERS: set[str] = {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN, Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE}

ROLE_CAPABILITIES: dict[str, set[str]] = {
    Capability.EDIT_REGISTRY: _ALL_WRITERS,
    Capability.MANAGE_POSITIONS: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN, Role.TOWNSHIP_STAFF},
    Capability.SEE_MOBILE: _ALL_WRITERS | {Role.LEADER},
    Capability.MANAGE_USERS: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN},
    Capability.VIEW_AUDIT: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN, Role.AUDITOR},
    Capability.EDIT_JURISDICTION: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN},
    Capability.MANAGE_VOCABULARY: {Role.COUNTY_ADMIN},
    Capability.CONFIGURE_RULES: {Role.COUNTY_ADMIN},
    Capability.ISSUE_WARNING: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN, Role.TOWNSHIP_STAFF},
    Capability.MANAGE_DUTY: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN, Role.TOWNSHIP_STAFF},
    Capability.MANAGE_ESCALATION: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN},
    Capability.VIEW_DELIVERIES: _ALL_WRITERS | {Role.LEADER, Role.AUDITOR},
    # Grid workers find hazards on patrol; enterprise users report what their self-inspection finds.
    Capability.REPORT_HAZARD: _ALL_WRITERS | {Role.GRID_WORKER, Role.ENTERPRISE_USER},
    # Seed 000: general hazards are closed by the township (街道), major ones by the county.
    Capability.MANAGE_HAZARDS: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN, Role.TOWNSHIP_STAFF},
    Capability.SUPERVISE_HAZARDS: {Role.COUNTY_ADMIN},
    Capability.INSPECT: _ALL_WRITERS | {Role.GRID_WORKER, Role.ENTERPRISE_USER},
    Capability.PLAN_INSPECTIONS: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN, Role.TOWNSHIP_STAFF},
    Capability.EDIT_CHECKLISTS: {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN},
}


def has_capability(user: Any, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.role in ROLE_CAPABILITIES.get(capability, set())


# Who may hand out which role (账号授权). A manager may create an account with, move an
# account to, or otherwise manage an account holding, only the roles listed for their
# own role; everything else (and every superuser account) needs someone higher up.
#
# - A county admin sits at the root of the tree and nobody in the system is above them,
#   so they may grant every role, including county admin: a county can hand over its
#   administration without waiting for a superuser.
# - A township admin runs the township's own people: staff, village cadres, grid
#   workers, enterprise users, and a read-only leader or auditor for the township. They
#   may not grant township admin (no admin appoints or unseats a peer, which would let one
#   admin take over a colleague's account by resetting its password) nor county admin.
# - Every other role manages no accounts.
#
# Roles are not a single line (a leader reads everything but edits nothing, an auditor
# only reads the log), so the rank is written as explicit sets rather than numbers.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset(Role.values),
    Role.TOWNSHIP_ADMIN: frozenset(
        {
            Role.TOWNSHIP_STAFF,
            Role.VILLAGE_CADRE,
            Role.GRID_WORKER,
            Role.ENTERPRISE_USER,
            Role.LEADER,
            Role.AUDITOR,
        }
    ),
}


def grantable_roles(user: Any) -> frozenset[str]:
    """The roles `user` may give to an account (none without the MANAGE_USERS capability)."""
    if not has_capability(user, Capability.MANAGE_USERS):
        return frozenset()
    if user.is_superuser:
        return frozenset(Role.values)
    return GRANTABLE_ROLES.get(user.role, frozenset())


def may_manage(manager: Any, account: Any) -> bool:
    """Whether `manager` may change `account` at all: its current role must be one they grant.

    Accounts without a role carry no capabilities, so any manager may take them over;
    superuser accounts are managed only by superusers. Scope (is the account in the
    manager's subtree?) is checked separately, by the scoped managers.
    """
    if not has_capability(manager, Capability.MANAGE_USERS):
        return False
    if manager.is_superuser:
        return True
    if account.is_superuser:
        return False
    return not account.role or account.role in grantable_roles(manager)
