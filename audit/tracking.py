"""Record every save of an audited model as an `ObjectChange`.

A model opts in with ``audited = True`` (every `Registry` does) and may list fields to
leave out in ``audit_exclude``. The previous row is read just before saving, so the log
holds the true before/after even when the instance was loaded long ago. Bulk operations
(`bulk_create`, `update()`) bypass this: they are reserved for seeding and migrations.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save

from audit.choices import ChangeAction
from yingji.context import current_actor

ALWAYS_EXCLUDED = {"updated_at", "created_at", "jurisdiction_path", "path", "depth"}


def is_audited(model: type[models.Model]) -> bool:
    return bool(getattr(model, "audited", False)) and not model._meta.abstract


def _fields(model: type[models.Model]) -> list[models.Field]:
    excluded = ALWAYS_EXCLUDED | set(getattr(model, "audit_exclude", ()))
    return [f for f in model._meta.concrete_fields if f.attname not in excluded and f.name not in excluded]


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, FieldFile):  # an attachment is recorded by its stored name
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.attname: _plain(getattr(instance, f.attname)) for f in _fields(type(instance))}


def _before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not is_audited(sender) or kwargs.get("raw"):
        return
    instance._audit_before = None  # type: ignore[attr-defined]
    if instance.pk is not None and not instance._state.adding:
        names = [f.attname for f in _fields(sender)]
        instance._audit_before = sender._base_manager.filter(pk=instance.pk).values(*names).first()  # type: ignore[attr-defined]
        if instance._audit_before is not None:  # type: ignore[attr-defined]
            instance._audit_before = {k: _plain(v) for k, v in instance._audit_before.items()}  # type: ignore[attr-defined]


def _after(sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any) -> None:
    if not is_audited(sender) or kwargs.get("raw"):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record(instance, ChangeAction.CREATE, {}, after)
        return
    changed = {k for k in after if before.get(k) != after[k]}
    if not changed:
        return
    action = ChangeAction.UPDATE
    if "archived_at" in changed:
        action = ChangeAction.ARCHIVE if after["archived_at"] else ChangeAction.RESTORE
    record(instance, action, {k: before.get(k) for k in changed}, {k: after[k] for k in changed})


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if is_audited(sender):
        record(instance, ChangeAction.DELETE, snapshot(instance), {})


def record(instance: models.Model, action: str, before: dict[str, Any], after: dict[str, Any]) -> Any:
    from audit.models import ObjectChange

    actor = current_actor()
    user = actor.resolved_user() if actor else None
    if user is not None and getattr(user, "pk", None) is None:
        user = None
    name = ""
    if user is not None:
        name = user.get_username()
    elif actor is not None and actor.system_name:
        name = f"系统：{actor.system_name}"
    return ObjectChange.unscoped.create(
        user=user,
        user_name=name,
        request_id=actor.request_id if actor and actor.request is not None else None,
        remote_addr=actor.remote_addr if actor else None,
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        jurisdiction_path=getattr(instance, "jurisdiction_path", "") or "",
        before=before,
        after=after,
    )


def history_of(*instances: models.Model) -> models.QuerySet:
    """The change log of one or more records, newest first, e.g. a person and their positions.

    The caller has already been allowed to see these records (they were fetched through a
    scoped manager), so the log is read without a second scope check.
    """
    from audit.models import ObjectChange

    ids_by_type: dict[int, list[str]] = {}
    for instance in instances:
        content_type = ContentType.objects.get_for_model(type(instance))
        ids_by_type.setdefault(content_type.pk, []).append(str(instance.pk))
    condition = models.Q(pk__in=[])
    for type_id, ids in ids_by_type.items():
        condition |= models.Q(content_type_id=type_id, object_id__in=ids)
    return ObjectChange.unscoped.filter(condition).select_related("user", "content_type").order_by("-time", "-id")


def connect() -> None:
    pre_save.connect(_before, dispatch_uid="audit_before")
    post_save.connect(_after, dispatch_uid="audit_after")
    post_delete.connect(_deleted, dispatch_uid="audit_deleted")
