"""Filters of the audit pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from audit.choices import ChangeAction
from audit.tracking import is_audited


def audited_types() -> list[tuple[str, str]]:
    """(app_label.model, verbose name) of every model that writes to the change log."""
    models = [m for m in apps.get_models() if is_audited(m)]
    return sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in models), key=lambda item: item[1])


class ChangeFilterForm(forms.Form):
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.CharField(label=_("操作人"), required=False, max_length=150)
    record_type = forms.ChoiceField(label=_("记录类型"), required=False)
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部操作")), *ChangeAction.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["record_type"]).choices = [("", _("全部类型")), *audited_types()]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data

    def content_type(self) -> ContentType | None:
        label = self.cleaned_data.get("record_type")
        if not label:
            return None
        app_label, model = label.split(".", 1)
        return ContentType.objects.get_by_natural_key(app_label, model)


class LoginFilterForm(forms.Form):
    RESULTS = [("success", _("登录成功")), ("failed", _("登录失败"))]

    result = forms.ChoiceField(label=_("结果"), choices=RESULTS, required=False)
    username = forms.CharField(label=_("用户名"), required=False, max_length=150)
