"""Every change an administrator makes to accounts (账号管理) goes through these functions.

Each one checks the MANAGE_USERS capability, that the account and any new jurisdiction
or person lie in the manager's own subtree (looked up through the scoped managers under
the manager's scope, so the rule holds in commands too, not only in requests), and that
the manager may grant the roles involved (`accounts.roles.GRANTABLE_ROLES`). Saves go
through `save(update_fields=...)`, so the change log records who changed what.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as reset_axes_attempts
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.roles import ROLE_LEVELS, Capability, Role, grantable_roles, may_manage
from accounts.services import create_account
from audit.choices import ChangeAction
from audit.tracking import record
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.models import Person
from yingji import actions
from yingji.scoping import scope_for_user, use_scope


def _require_manager_of(by: Any, user: User) -> None:
    """The account must be in `by`'s subtree and hold a role `by` may grant."""
    actions.require(by, Capability.MANAGE_USERS)
    with use_scope(scope_for_user(by)):
        visible = User.objects.filter(pk=user.pk).exists()
    if not visible:
        raise PermissionDenied("该账号不在您的辖区范围内")
    if not may_manage(by, user):
        raise PermissionDenied(f"您无权管理“{user.get_role_display() or '超级管理员'}”角色的账号")


def _check_grant(by: Any, role: str, jurisdiction: Jurisdiction | None) -> Jurisdiction:
    """Refuse a role `by` may not grant, a node outside their subtree, or a level the role does not fit."""
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色“{role}”"})
    if role not in grantable_roles(by):
        raise PermissionDenied(f"您无权授予“{Role(role).label}”角色")
    if jurisdiction is None:
        raise ValidationError({"jurisdiction": "请选择所属辖区"})
    with use_scope(scope_for_user(by)):
        node = Jurisdiction.objects.active().filter(pk=jurisdiction.pk).first()
    if node is None:
        raise ValidationError({"jurisdiction": f"辖区“{jurisdiction.name}”不存在或不在您的辖区范围内"})
    if node.level not in ROLE_LEVELS[role]:
        allowed = "、".join(str(Level(level).label) for level in Level if level in ROLE_LEVELS[role])
        raise ValidationError({"jurisdiction": f"角色“{Role(role).label}”只能绑定到：{allowed}"})
    return node


def _check_person(by: Any, person: Person | None, account: User | None) -> Person | None:
    """A person to link must be in `by`'s subtree, not archived, and not linked to another account."""
    if person is None:
        return None
    with use_scope(scope_for_user(by)):
        found = Person.objects.active().filter(pk=person.pk).first()
    if found is None:
        raise ValidationError({"person": "人员不存在、已归档或不在您的辖区范围内"})
    others = User.unscoped.filter(person=found)
    if account is not None and account.pk is not None:
        others = others.exclude(pk=account.pk)
    other = others.first()
    if other is not None:
        raise ValidationError({"person": f"{found.name} 已关联账号“{other.username}”"})
    return found


def _revoke_tokens(user: User) -> int:
    """Stop every API token of `user` (bookkeeping rows, not audited)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def create_account_for(
    by: Any,
    *,
    username: str,
    role: str,
    jurisdiction: Jurisdiction | None,
    password: str,
    person: Person | None = None,
) -> User:
    """Create an account in `by`'s subtree with a role `by` may grant."""
    actions.require(by, Capability.MANAGE_USERS)
    node = _check_grant(by, role, jurisdiction)
    person = _check_person(by, person, None)
    return create_account(username=username.strip(), role=role, jurisdiction=node, password=password, person=person)


@transaction.atomic
def change_role(by: Any, user: User, role: str, jurisdiction: Jurisdiction | None) -> User:
    """Give an account a new role and/or jurisdiction; nobody changes their own."""
    _require_manager_of(by, user)
    if user.pk == getattr(by, "pk", None):
        raise PermissionDenied("不能修改自己的角色或辖区，请联系上级管理员")
    node = _check_grant(by, role, jurisdiction)
    user = actions.locked(user)
    changed = actions.apply_changes(user, {"role": role, "jurisdiction": node})
    if not changed:
        return user
    if "jurisdiction" in changed:
        changed.append("jurisdiction_path")
    user.save(update_fields=changed)
    return user


@transaction.atomic
def deactivate_account(by: Any, user: User, reason: str = "") -> User:
    """Stop an account from signing in and revoke its API tokens; the account is kept."""
    _require_manager_of(by, user)
    if user.pk == getattr(by, "pk", None):
        raise PermissionDenied("不能停用自己的账号")
    user = actions.locked(user)
    if not user.is_active:
        return user
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.deactivation_reason = reason.strip()[:200]
    user.save(update_fields=["is_active", "deactivated_at", "deactivation_reason"])
    _revoke_tokens(user)
    return user


@transaction.atomic
def reactivate_account(by: Any, user: User) -> User:
    """Let a deactivated account sign in again (its old tokens stay revoked)."""
    _require_manager_of(by, user)
    user = actions.locked(user)
    if user.is_active:
        return user
    user.is_active = True
    user.deactivated_at = None
    user.deactivation_reason = ""
    user.save(update_fields=["is_active", "deactivated_at", "deactivation_reason"])
    return user


@transaction.atomic
def reset_password(by: Any, user: User, new_password: str) -> User:
    """Set a new password for someone who forgot theirs; signs them out everywhere.

    Changing the hash ends their sessions (Django checks the session hash) and we revoke
    their API tokens. The hash itself is never logged, so the reset is recorded as a
    change row of its own: who reset whose password, and when.
    """
    _require_manager_of(by, user)
    if user.pk == getattr(by, "pk", None):
        raise PermissionDenied("请在“我的账号”页面修改自己的密码")
    user = actions.locked(user)
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _revoke_tokens(user)
    record(user, ChangeAction.UPDATE, {}, {"password": "（已由管理员重置）"})
    return user


@transaction.atomic
def unlock_account(by: Any, user: User) -> int:
    """Clear the login lock-out (django-axes) of the account's username; returns rows cleared."""
    _require_manager_of(by, user)
    return reset_axes_attempts(username=user.username)


@transaction.atomic
def link_person(by: Any, user: User, person: Person | None) -> User:
    """Tie an account to the person (人员档案) who uses it, or untie it with None."""
    _require_manager_of(by, user)
    person = _check_person(by, person, user)
    user = actions.locked(user)
    changed = actions.apply_changes(user, {"person": person})
    if changed:
        user.save(update_fields=changed)
    return user
