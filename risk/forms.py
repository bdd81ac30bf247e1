"""Forms of the risk pages; they only parse input, the actions validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from places.choices import RiskGrade
from risk.choices import InspectionKind, SignalKind, SignalSeverity


class SignalForm(forms.Form):
    """Record a dynamic signal by hand (e.g. an accident the station learnt of by phone)."""

    kind = forms.ChoiceField(label=_("类型"), choices=SignalKind.choices)
    severity = forms.ChoiceField(label=_("严重程度"), choices=SignalSeverity.choices, initial=SignalSeverity.GENERAL)
    occurred_on = forms.DateField(label=_("发生日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class InspectionForm(forms.Form):
    """Record the date (and result) of an inspection until the inspections app exists."""

    kind = forms.ChoiceField(label=_("检查类型"), choices=InspectionKind.choices)
    on = forms.DateField(label=_("检查日期"), widget=forms.DateInput(attrs={"type": "date"}))
    passed = forms.TypedChoiceField(
        label=_("结果"),
        choices=[("1", _("合格")), ("0", _("不合格"))],
        coerce=lambda value: value == "1",
        initial="1",
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ThresholdsForm(forms.Form):
    major_min = forms.DecimalField(label=_("重大风险起点分"), max_digits=7, decimal_places=2)
    large_min = forms.DecimalField(label=_("较大风险起点分"), max_digits=7, decimal_places=2)
    general_min = forms.DecimalField(label=_("一般风险起点分"), max_digits=7, decimal_places=2)
    note = forms.CharField(label=_("变更说明"), max_length=200, required=False)


class PolicyForm(forms.Form):
    grade = forms.ChoiceField(label=_("风险等级"), choices=RiskGrade.choices)
    kind = forms.CharField(label=_("场所类型代码（留空为通用）"), required=False, max_length=40)
    self_interval_days = forms.IntegerField(label=_("单位自查间隔（天）"), min_value=1, max_value=3660)
    supervision_interval_days = forms.IntegerField(label=_("监督检查间隔（天）"), min_value=1, max_value=3660)
    source = forms.CharField(label=_("依据"), max_length=200, required=False)
