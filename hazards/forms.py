"""Forms of the hazard pages: the ledger filters, the phone report form and one form per action.

Forms only shape input; every rule (dates in the past, who may verify, photo checks) lives
in `hazards.actions`, whose errors are put back on the form so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from hazards.choices import (
    Colour,
    HazardCategory,
    HazardSeverity,
    HazardSource,
    HazardState,
    HazardType,
    PhotoStage,
)
from jurisdictions.models import Jurisdiction
from people.forms import JurisdictionChoiceField, visible_nodes
from places.choices import PlaceCategory
from places.models import PlaceKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHOTO_ACCEPT = "image/*"
MAX_PHOTOS = 9


class MultiplePhotoInput(forms.ClearableFileInput):
    """A file input that takes several photos at once and opens the camera on a phone."""

    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {"accept": PHOTO_ACCEPT, "capture": "environment", "multiple": True}
        super().__init__({**base, **(attrs or {})})


class MultiplePhotoField(forms.FileField):
    """Zero or more uploaded photos; the action checks each one is a real image of sane size."""

    widget = MultiplePhotoInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files: Sequence[Any] = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultiplePhotoField, self).clean(item, initial) for item in files]
        result = [f for f in cleaned if f]
        if self.required and not result:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(result) > MAX_PHOTOS:
            raise forms.ValidationError(_("一次最多上传 %(n)d 张照片") % {"n": MAX_PHOTOS})
        return result


def _with_empty(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class HazardFilterForm(forms.Form):
    """The ledger's filters; the values are handed as they are to `hazards.filters.filter_hazards`."""

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("编号、描述、场所、地址")}),
    )
    open = forms.ChoiceField(
        label=_("办理情况"), required=False, choices=[("", _("不限")), ("1", _("在办")), ("0", _("已办结"))]
    )
    state = forms.ChoiceField(label=_("状态"), required=False, choices=_with_empty(HazardState.choices, _("全部状态")))
    colour = forms.ChoiceField(label=_("期限颜色"), required=False, choices=_with_empty(Colour.choices, _("全部颜色")))
    severity = forms.ChoiceField(
        label=_("等级"), required=False, choices=_with_empty(HazardSeverity.choices, _("全部等级"))
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=_with_empty(HazardCategory.choices, _("全部类别"))
    )
    hazard_type = forms.ChoiceField(
        label=_("灾种"), required=False, choices=_with_empty(HazardType.choices, _("全部灾种"))
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=_with_empty(HazardSource.choices, _("全部来源"))
    )
    jurisdiction = forms.ChoiceField(label=_("辖区"), required=False)
    industry = forms.ChoiceField(
        label=_("行业"), required=False, choices=_with_empty(PlaceCategory.choices, _("全部行业"))
    )
    kind = forms.ChoiceField(label=_("场所类型"), required=False)
    supervised = forms.ChoiceField(
        label=_("挂牌督办"), required=False, choices=[("", _("不限")), ("1", _("仅挂牌督办")), ("0", _("未挂牌"))]
    )
    found_from = forms.DateField(label=_("发现日期从"), required=False, widget=DATE)
    found_to = forms.DateField(label=_("至"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nodes = visible_nodes().exclude(level="grid")
        cast(forms.ChoiceField, self.fields["jurisdiction"]).choices = [("", _("全部辖区"))] + [
            (n.code, f"{'　' * n.depth}{n.name}") for n in nodes
        ]
        kinds = list(PlaceKind.objects.order_by("category", "name").only("code", "name", "category"))
        grouped: list[tuple[Any, Any]] = [("", _("全部类型"))]
        for category in PlaceCategory:
            members = [(k.code, k.name) for k in kinds if k.category == category.value]
            if members:
                grouped.append((category.label, members))
        cast(forms.ChoiceField, self.fields["kind"]).choices = grouped


class ReportForm(forms.Form):
    """The phone report form (上报隐患): a place in scope, or a jurisdiction and an address."""

    place = forms.IntegerField(label=_("场所"), required=False, widget=forms.HiddenInput)
    jurisdiction = JurisdictionChoiceField(
        label=_("所在辖区"),
        queryset=Jurisdiction.objects.none(),
        to_field_name="code",
        required=False,
        help_text=_("不属于已登记场所时填写辖区和具体位置。"),
    )
    address = forms.CharField(label=_("具体位置"), max_length=200, required=False)
    category = forms.ChoiceField(
        label=_("隐患类别"), choices=HazardCategory.choices, initial=HazardCategory.UNSAFE_CONDITION
    )
    hazard_type = forms.ChoiceField(label=_("灾种/专业"), choices=HazardType.choices, initial=HazardType.FIRE)
    severity = forms.ChoiceField(
        label=_("隐患等级"), choices=HazardSeverity.choices, initial=HazardSeverity.GENERAL, widget=forms.RadioSelect
    )
    source = forms.ChoiceField(label=_("来源"), choices=HazardSource.choices, initial=HazardSource.PATROL)
    description = forms.CharField(
        label=_("隐患描述"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("什么位置、什么问题，例如：二楼疏散通道堆放纸箱，堵塞安全出口")}
        ),
    )
    interim_measures = forms.CharField(
        label=_("管控措施"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("已采取的临时措施，例如：已现场清理一半，设置警示")}),
    )
    photos = MultiplePhotoField(label=_("现场照片"), help_text=_("可拍照或从相册选择，最多 9 张，每张不超过 10 MB。"))
    lat = forms.FloatField(
        label=_("纬度"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lng = forms.FloatField(
        label=_("经度"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes()

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if not data.get("place") and not data.get("jurisdiction"):
            self.add_error("jurisdiction", _("请选择场所，或者选择隐患所在的辖区并填写具体位置。"))
        if (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error("lng", _("经度和纬度要同时填写（或都不填）。"))
        return data


# --- one form per action -------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    severity = forms.ChoiceField(label=_("隐患等级"), choices=HazardSeverity.choices)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予认定原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    deadline = forms.DateField(
        label=_("整改期限"), required=False, widget=DATE, help_text=_("留空按隐患等级的默认期限。")
    )
    assignee = forms.ChoiceField(
        label=_("整改责任人账号"), required=False, help_text=_("留空则派给场所的消防安全管理人。")
    )
    department = forms.CharField(label=_("责任部门"), max_length=60, required=False)
    note = forms.CharField(label=_("派单说明"), max_length=500, required=False)

    def __init__(self, *args: Any, assignees: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [("", _("（场所消防安全管理人）"))] + [
            (str(u.pk), f"{u.display_name}（{u.get_role_display()}）") for u in assignees
        ]


class SubmitForm(forms.Form):
    note = forms.CharField(label=_("整改情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultiplePhotoField(label=_("整改后照片"))


class VerifyPassForm(forms.Form):
    note = forms.CharField(label=_("复核意见"), max_length=500, required=False)
    photos = MultiplePhotoField(label=_("复核照片"))


class VerifyFailForm(forms.Form):
    reason = forms.CharField(label=_("不通过原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("核销说明"), max_length=500, required=False)


class StartForm(forms.Form):
    pass


class ExtendForm(forms.Form):
    deadline = forms.DateField(label=_("申请延至"), widget=DATE)
    reason = forms.CharField(label=_("延期理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class DecideExtensionForm(forms.Form):
    extension = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("批准")), ("0", _("不批准"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)


class SuperviseForm(forms.Form):
    deadline = forms.DateField(label=_("督办期限"), widget=DATE)
    leader = forms.CharField(label=_("督办责任领导"), max_length=60)
    unit = forms.CharField(label=_("督办单位"), max_length=60, required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class InterimForm(forms.Form):
    text = forms.CharField(label=_("管控措施"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class PhotosForm(forms.Form):
    stage = forms.ChoiceField(label=_("阶段"), choices=PhotoStage.choices)
    photos = MultiplePhotoField(label=_("照片"), required=True)


# The form of each action the detail page can offer, in the order the page shows them.
ACTION_FORMS: dict[str, type[forms.Form]] = {
    "confirm": ConfirmForm,
    "reject": RejectForm,
    "assign": AssignForm,
    "start": StartForm,
    "submit": SubmitForm,
    "verify_pass": VerifyPassForm,
    "verify_fail": VerifyFailForm,
    "close": CloseForm,
    "extend": ExtendForm,
    "decide_extension": DecideExtensionForm,
    "supervise": SuperviseForm,
    "interim_measures": InterimForm,
    "photos": PhotosForm,
}
