"""Deadline policies (隐患期限规则): reading the one that applies, and editing them.

One global row ships by default; a county or township may override it for its subtree.
The most specific row on the path from a node to the root applies. Who may edit: the
county administrator (the global default and any node in scope), a township
administrator (the override of their own township only). Edits are saved through the
model, so the audit log records who changed which number and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.roles import Capability, Role
from hazards.models import DeadlinePolicy
from jurisdictions.models import Jurisdiction
from yingji import actions
from yingji.scoping import path_codes

FIELDS = ("general_days", "major_days", "yellow_days", "yellow_percent", "recheck_percent", "recheck_after_days")

# (field, minimum, maximum, label): the bounds say what a sensible number is.
BOUNDS: dict[str, tuple[int, int, str]] = {
    "general_days": (1, 365, "一般隐患整改期限"),
    "major_days": (1, 730, "重大隐患整改期限"),
    "yellow_days": (0, 60, "临期天数"),
    "yellow_percent": (0, 100, "临期比例"),
    "recheck_percent": (0, 100, "回头看抽取比例"),
    "recheck_after_days": (1, 365, "回头看间隔"),
}


@dataclass(frozen=True)
class PolicyTable:
    """Every policy row, resolved by path in memory (a scan or a draw reads it once)."""

    by_code: dict[str, DeadlinePolicy]
    default: DeadlinePolicy

    @classmethod
    def load(cls) -> PolicyTable:
        by_code: dict[str, DeadlinePolicy] = {}
        default: DeadlinePolicy | None = None
        for policy in DeadlinePolicy.objects.select_related("jurisdiction").defer("jurisdiction__boundary"):
            if policy.jurisdiction_id is None:
                default = policy
            else:
                assert policy.jurisdiction is not None
                by_code[policy.jurisdiction.code] = policy
        return cls(by_code, default or global_default())

    def for_path(self, path: str) -> DeadlinePolicy:
        for code in reversed(path_codes(path)):
            if code in self.by_code:
                return self.by_code[code]
        return self.default


def global_default() -> DeadlinePolicy:
    """The global row (re-created with our defaults if someone removed it from the database)."""
    policy, _ = DeadlinePolicy.objects.get_or_create(jurisdiction=None)
    return policy


def policy_for(jurisdiction: Jurisdiction | None) -> DeadlinePolicy:
    """The policy that applies to a node: its own row, else the nearest ancestor's, else the default."""
    if jurisdiction is None:
        return global_default()
    return PolicyTable.load().for_path(jurisdiction.path)


def can_edit(user: Any, jurisdiction: Jurisdiction | None) -> bool:
    """County administrators edit the default and any node they see; township administrators their own node."""
    if not getattr(user, "is_authenticated", False) or not user.can(Capability.MANAGE_HAZARDS):
        return False
    if user.role == Role.COUNTY_ADMIN:
        return jurisdiction is None or jurisdiction.path.startswith(user.jurisdiction_path or "\0")
    if user.role == Role.TOWNSHIP_ADMIN:
        return jurisdiction is not None and jurisdiction.pk == user.jurisdiction_id
    return False


def clean_values(data: dict[str, Any]) -> dict[str, int]:
    """Check the numbers; raise ValidationError naming each field and its allowed range."""
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for name in FIELDS:
        low, high, label = BOUNDS[name]
        raw = data.get(name)
        if raw is None or raw == "":
            errors[name] = f"请填写{label}"
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[name] = f"{label}应为整数"
            continue
        if isinstance(raw, float) and raw != value:
            errors[name] = f"{label}应为整数"
        elif not low <= value <= high:
            errors[name] = f"{label}应在 {low} 到 {high} 之间"
        else:
            values[name] = value
    if not errors and values["major_days"] < values["general_days"]:
        errors["major_days"] = "重大隐患整改期限不应短于一般隐患"
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def save_policy(*, by: Any, jurisdiction: Jurisdiction | None, data: dict[str, Any]) -> DeadlinePolicy:
    """Create or update the policy row of `jurisdiction` (None: the global default).

    Saves only when a number changes, so the audit log holds real edits only. New deadlines
    use the new numbers; deadlines already set keep theirs (their yellow day is fixed).
    """
    actions.require(by, Capability.MANAGE_HAZARDS)
    if not can_edit(by, jurisdiction):
        if jurisdiction is None:
            raise PermissionDenied("只有县级管理员可以修改全局默认期限规则")
        raise PermissionDenied("只能修改本级辖区的期限规则（县级管理员可修改下级）")
    values = clean_values(data)
    policy = DeadlinePolicy.objects.select_for_update().filter(jurisdiction=jurisdiction).first()
    if policy is None:
        policy = DeadlinePolicy(jurisdiction=jurisdiction, **values)
        policy.save()
        return policy
    changed = actions.apply_changes(policy, values)
    if changed:
        policy.save(update_fields=[*changed, "updated_at"])
    return policy


def visible_policies(user: Any) -> list[DeadlinePolicy]:
    """The default and the overrides for nodes in the user's scope (and for their ancestors, which apply to them)."""
    rows = list(DeadlinePolicy.objects.select_related("jurisdiction").defer("jurisdiction__boundary"))
    home = getattr(user, "jurisdiction_path", "") or ""
    result = []
    for policy in rows:
        if policy.jurisdiction is None:
            result.append(policy)
            continue
        path = policy.jurisdiction.path
        if home.startswith(path) or Jurisdiction.objects.filter(code=policy.jurisdiction.code).exists():
            result.append(policy)
    result.sort(key=lambda p: p.jurisdiction.path if p.jurisdiction else "")
    return result


def as_dict(policy: DeadlinePolicy) -> dict[str, Any]:
    node = policy.jurisdiction
    return {
        "jurisdiction_code": node.code if node is not None else None,
        "jurisdiction_name": node.name if node is not None else "全局默认",
        **{name: getattr(policy, name) for name in FIELDS},
        "updated_at": policy.updated_at,
    }
