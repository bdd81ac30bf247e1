"""Forms for signing responsibility letters: one place, or many at once."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from letters.choices import LetterKind


def _this_year() -> int:
    return timezone.localdate().year


class SummaryFilterForm(forms.Form):
    code = forms.CharField(required=False, widget=forms.HiddenInput)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)


class UnsignedFilterForm(SummaryFilterForm):
    kind = forms.ChoiceField(label=_("责任状类型"), choices=LetterKind.choices, required=False)


class SignForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, initial=_this_year)
    kind = forms.ChoiceField(label=_("责任状类型"), choices=LetterKind.choices)
    signed_on = forms.DateField(label=_("签订日期"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    signatory = forms.CharField(label=_("签订人（单位方）"), max_length=40, required=False, help_text=_("留空时取场所登记的负责人"))
    countersigned_by = forms.CharField(label=_("签订人（属地方）"), max_length=40, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    attachment = forms.FileField(label=_("扫描件"), required=False, help_text=_("PDF、JPG 或 PNG，不超过 10 MB"))


class SignManyForm(forms.Form):
    signed_on = forms.DateField(label=_("签订日期"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    countersigned_by = forms.CharField(label=_("签订人（属地方）"), max_length=40, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)
