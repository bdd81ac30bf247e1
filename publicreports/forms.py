"""Forms of the public report page and of triage.

The public form carries two bot traps that cost a person nothing: a honeypot field that
is hidden from people (a bot that fills every input fills it), and a signed time stamp
from when the page was served (a person needs more than a few seconds to describe a hazard).
"""

from __future__ import annotations

import time
from typing import Any, cast

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from hazards.choices import HazardCategory, HazardSeverity, HazardType
from publicreports.actions import DESCRIPTION_MAX, DESCRIPTION_MIN, limits, townships
from publicreports.choices import ReportState

FORM_SALT = "publicreports.form-started"
HONEYPOT = "website"


def form_token(at: float | None = None) -> str:
    """A signed stamp of when the form was served (tests pass `at` to simulate a slow human)."""
    return signing.dumps(int(at if at is not None else time.time()), salt=FORM_SALT)


def check_form_token(token: str) -> str:
    """ "" if the form was filled like a person would, else the message to show."""
    rules = limits()
    try:
        started = int(signing.loads(token or "", salt=FORM_SALT, max_age=rules.max_form_age_seconds))
    except (signing.BadSignature, TypeError, ValueError):
        return str(_("页面已过期或不完整，请检查内容后再次提交"))
    if time.time() - started < rules.min_fill_seconds:
        return str(_("提交太快了，请确认内容后再次提交"))
    return ""


class PublicReportForm(forms.Form):
    description = forms.CharField(
        label=_("发现了什么隐患"),
        min_length=DESCRIPTION_MIN,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("例如：某某路菜市场东门消防通道被三轮车和杂物堵死，已有两周")}
        ),
        help_text=_("写清楚地点和情况，10–1000 字"),
    )
    address = forms.CharField(
        label=_("具体位置"), required=False, max_length=200, help_text=_("路名、门牌、建筑物或附近标志")
    )
    township = forms.ChoiceField(label=_("所在乡镇（街道）"), required=False, help_text=_("已获取定位时可不选"))
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    phone = forms.CharField(
        label=_("手机号（选填）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("便于工作人员向您核实情况；不会公开"),
    )
    anonymous = forms.BooleanField(label=_("匿名举报（不留手机号）"), required=False)
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["township"]).choices = [("", _("— 请选择 —"))] + [
            (t.code, t.name) for t in townships()
        ]
        if not self.is_bound:
            self.initial["started"] = form_token()


class LookupForm(forms.Form):
    receipt = forms.CharField(
        label=_("回执码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "placeholder": "ABCDE-FGHJK"}
        ),
    )


class ListFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *list(ReportState.choices)])
    code = forms.CharField(label=_("辖区代码"), required=False, max_length=20)
    flagged = forms.ChoiceField(
        label=_("集中涌入"), required=False, choices=[("", _("全部")), ("1", _("仅集中涌入时提交")), ("0", _("排除"))]
    )
    q = forms.CharField(label=_("回执码或关键词"), required=False, max_length=50)


class AcceptForm(forms.Form):
    place = forms.TypedChoiceField(label=_("对应场所"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(
        label=_("隐患类别"), choices=HazardCategory.choices, initial=HazardCategory.UNSAFE_CONDITION
    )
    hazard_type = forms.ChoiceField(label=_("灾种/专业"), choices=HazardType.choices, initial=HazardType.FIRE)
    severity = forms.ChoiceField(label=_("隐患等级"), choices=HazardSeverity.choices, initial=HazardSeverity.GENERAL)
    description = forms.CharField(
        label=_("隐患描述"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("留空则沿用举报内容"),
    )
    interim_measures = forms.CharField(
        label=_("管控措施"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, places: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["place"]).choices = [
            ("", _("不对应具体场所（按举报所在辖区）")),
            *list(places or []),
        ]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("不予受理原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("举报人凭回执码可以看到，请写清楚、写客气"),
    )


class DuplicateForm(forms.Form):
    of_receipt = forms.CharField(label=_("重复于举报（回执码）"), required=False, max_length=20)
    of_hazard = forms.CharField(label=_("或重复于隐患（隐患编号）"), required=False, max_length=32)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class RewardForm(forms.Form):
    amount = forms.DecimalField(label=_("奖励金额（元）"), min_value=0.01, max_value=1000000, decimal_places=2)
    note = forms.CharField(
        label=_("奖励说明"), required=False, max_length=200, help_text=_("如：依据县隐患举报奖励办法，现场核实属实")
    )
