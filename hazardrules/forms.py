"""Forms of the rule-table page (county administrators fill in a draft edition)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hazardrules.choices import FireCategory, Verification


class LoadElementsForm(forms.Form):
    lines = forms.CharField(
        label=_("要素（每行一条）"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
        max_length=100_000,
        help_text=_(
            "格式：条款号 | 类型 | 章节 | 核验程度 | 条文。类型为 direct（直接）、composite（综合）或 exclusion（排除）；"
            "核验程度为 P、S、S-partial、S-weak、R 或 NF。例：5.1 | direct | 5 | S | ……"
        ),
    )


class RuleForm(forms.Form):
    label = forms.CharField(label=_("条目"), max_length=8, help_text=_("如 a、b"))
    categories = forms.MultipleChoiceField(
        label=_("适用场所类别"), choices=FireCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    counted = forms.CharField(
        label=_("计数的要素"),
        required=False,
        max_length=2000,
        help_text=_("条款号，以逗号或空格分隔；留空表示任意综合判定要素"),
    )
    threshold = forms.IntegerField(label=_("条数阈值（含本数）"), min_value=1, max_value=100)
    verification = forms.ChoiceField(label=_("核验程度"), choices=Verification.choices)
    text = forms.CharField(label=_("条文"), max_length=300, required=False)

    def action_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label": data["label"],
            "categories": list(data["categories"]),
            "counted": [c for c in re.split(r"[\s,，、]+", data["counted"] or "") if c],
            "threshold": data["threshold"],
            "text": data["text"] or "",
            "verification": data["verification"],
        }
