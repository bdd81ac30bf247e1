"""Creating accounts: shared by `create_user`, the demo seeder and the admin pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.roles import ROLE_LEVELS, Role
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction


@transaction.atomic
def create_account(
    *,
    username: str,
    role: str,
    jurisdiction: Jurisdiction,
    password: str,
    person: Any = None,
    check_password: bool = True,
) -> User:
    """Create a user scoped to `jurisdiction`, checking the role fits the node's level."""
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [f"未知角色“{role}”，可选：{', '.join(Role.values)}"]
    elif jurisdiction.level not in ROLE_LEVELS[role]:
        allowed = "、".join(sorted(str(Level(lv).label) for lv in ROLE_LEVELS[role]))
        errors["jurisdiction"] = [f"角色“{Role(role).label}”只能绑定到：{allowed}"]
    if User.unscoped.filter(username=username).exists():
        errors["username"] = [f"用户名“{username}”已存在"]
    user = User(username=username, role=role, jurisdiction=jurisdiction, person=person)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    return user
