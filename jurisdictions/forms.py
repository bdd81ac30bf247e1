"""Forms of the jurisdiction pages; saving goes through `update_jurisdiction`."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdictions.geometry import validate_geometry
from jurisdictions.models import Jurisdiction


class JurisdictionForm(forms.Form):
    """Name, population, note and boundary: the fields a county or township admin may correct."""

    name = forms.CharField(label=_("名称"), max_length=60)
    population = forms.IntegerField(label=_("常住人口"), min_value=0, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    boundary = forms.CharField(
        label=_("边界（GeoJSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "code", "spellcheck": "false"}),
        help_text=_("WGS-84 经纬度的 Polygon 或 MultiPolygon 几何对象；也可粘贴一个 Feature。留空表示没有边界。"),
    )

    @classmethod
    def for_node(cls, node: Jurisdiction, data: Any = None) -> JurisdictionForm:
        initial = {
            "name": node.name,
            "population": node.population,
            "note": node.note,
            "boundary": json.dumps(node.boundary, ensure_ascii=False) if node.boundary else "",
        }
        return cls(data=data, initial=initial)

    def clean_boundary(self) -> dict[str, Any] | None:
        text = self.cleaned_data["boundary"].strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("不是有效的 JSON（第 %(line)d 行第 %(col)d 列附近）：请检查括号和逗号。"),
                params={"line": exc.lineno, "col": exc.colno},
            ) from exc
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        try:
            validate_geometry(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value


def add_action_errors(form: forms.BaseForm, exc: Any) -> None:
    """Show a ValidationError raised by an action on the form: per field where the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            messages = [m for e in errors for m in e.messages]
            if field in form.fields:
                form.add_error(field, messages)
            else:
                form.add_error(None, messages)
    else:
        form.add_error(None, exc.messages)
