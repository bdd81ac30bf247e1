"""Helpers shared by the action functions of every app.

An action is the one function through which a state change happens: it checks the
actor's capability, locks the row, validates, saves only the changed fields, and lets
the audit trail record who did what. Views, the API, commands and the worker all call
the same action.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from accounts.roles import Capability, has_capability


def require(user: Any, capability: str) -> None:
    """Raise PermissionDenied with a message the user can act on."""
    if not has_capability(user, capability):
        raise PermissionDenied(f"当前角色无权执行此操作（需要“{Capability(capability).label}”权限）")


def apply_changes(instance: models.Model, changes: dict[str, Any]) -> list[str]:
    """Set the given fields and return the names of those whose value really changed.

    An explicit null for a text column that cannot hold NULL means "empty": Django's
    validation skips blank values, so without this the database would refuse the row.
    """
    changed = []
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        if value is None and isinstance(field, (models.CharField, models.TextField)) and not field.null:
            value = ""
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def locked(instance: models.Model) -> Any:
    """Re-read the row under a lock (no-op on SQLite, whose writes are serialized)."""
    return type(instance)._base_manager.select_for_update().get(pk=instance.pk)


def archive(instance: Any, *, by: Any, reason: str = "") -> Any:
    if instance.archived_at is not None:
        return instance
    instance.archived_at = timezone.now()
    instance.archived_by = by if getattr(by, "pk", None) else None
    instance.archive_reason = reason[:200]
    instance.save(update_fields=["archived_at", "archived_by", "archive_reason", "updated_at"])
    return instance


def restore(instance: Any, *, by: Any) -> Any:
    if instance.archived_at is None:
        return instance
    instance.archived_at = None
    instance.archived_by = None
    instance.archive_reason = ""
    instance.save(update_fields=["archived_at", "archived_by", "archive_reason", "updated_at"])
    return instance
