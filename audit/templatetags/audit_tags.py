"""Template helpers that turn a change record's raw before/after into readable rows."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from audit.models import ObjectChange

register = template.Library()

# Fields whose stored value is a large structure: show a note rather than the whole thing.
BULKY_FIELDS = {"boundary"}


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if name in (field.attname, field.name):
            return field
    try:
        return model._meta.get_field(name)  # type: ignore[return-value]
    except FieldDoesNotExist:
        return None


def _display(field: models.Field | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        labels = {str(k): v for k, v in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and field.name in BULKY_FIELDS:
        kind = value.get("type", "") if isinstance(value, dict) else ""
        return _("（%(kind)s 边界数据）") % {"kind": kind} if kind else _("（边界数据）")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if field is not None and field.is_relation:
        return f"#{value}"
    return str(value)


@register.filter
def change_rows(change: ObjectChange) -> list[dict[str, str]]:
    """(label, before, after) for each changed field, with choice labels instead of codes."""
    model = change.content_type.model_class() if change.content_type_id else None
    rows = []
    for name, before, after in change.changed_fields:
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name
        rows.append({"label": label, "before": _display(field, before), "after": _display(field, after)})
    return rows


@register.filter
def record_type(change: ObjectChange) -> str:
    model = change.content_type.model_class() if change.content_type_id else None
    return str(model._meta.verbose_name) if model is not None else change.content_type.model
