"""Forms of the warning pages. They only collect input; saving goes through earlywarning.actions."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from earlywarning.choices import Level
from earlywarning.models import WarningKind
from jurisdictions.choices import Level as NodeLevel
from jurisdictions.models import Jurisdiction
from people.models import PositionKind

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AreaField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Jurisdiction) -> str:
        return f"{'　' * obj.depth}{obj.name}"


def level_choices(kind: WarningKind | None) -> list[tuple[str, str]]:
    allowed = kind.allowed_levels() if kind is not None else Level.values
    return [(value, str(label)) for value, label in Level.choices if value in allowed]


def place_kind_choices() -> list[tuple[str, str]]:
    if not apps.is_installed("places"):
        return []
    model = apps.get_model("places", "PlaceKind")
    return list(model.objects.filter(active=True).order_by("sort_order", "code").values_list("code", "name"))


class WarningForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("预警类别"), queryset=WarningKind.objects.none(), to_field_name="code")
    level = forms.ChoiceField(label=_("预警级别"), choices=level_choices(None))
    title = forms.CharField(label=_("标题"), max_length=120)
    area = AreaField(
        label=_("影响区域（辖区）"),
        queryset=Jurisdiction.objects.none(),
        to_field_name="code",
        required=False,
        help_text=_("可多选；也可以在下方地图上绘制区域"),
    )
    area_polygon = forms.CharField(widget=forms.HiddenInput, required=False)
    area_description = forms.CharField(label=_("可能影响的范围（文字）"), max_length=300, required=False, help_text=_("留空则用所选辖区名称"))
    starts_at = forms.DateTimeField(label=_("起始时间"), widget=DATETIME_WIDGET, required=False)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME_WIDGET, required=False)
    watch_for = forms.CharField(label=_("警示事项"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    measures = forms.CharField(label=_("应当采取的措施"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    issuing_unit = forms.CharField(label=_("发布单位"), max_length=100, required=False, help_text=_("留空则为本单位名称"))
    place_kinds = forms.MultipleChoiceField(
        label=_("同时通知这些场所的负责人"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, kind: WarningKind | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = WarningKind.objects.filter(active=True)  # type: ignore[attr-defined]
        self.fields["kind"].widget.attrs.update(
            {"hx-get": reverse("earlywarning:levels"), "hx-target": "#id_level", "hx-swap": "outerHTML", "hx-trigger": "change"}
        )
        chosen = kind
        code = self.data.get("kind") if self.is_bound else None
        if code:
            chosen = WarningKind.objects.filter(code=code).first()
        self.fields["level"].choices = level_choices(chosen)  # type: ignore[attr-defined]
        nodes = Jurisdiction.objects.filter(archived_at__isnull=True).exclude(level=NodeLevel.GRID)
        self.fields["area"].queryset = nodes.only("id", "code", "name", "depth", "path").order_by("path")  # type: ignore[attr-defined]
        self.fields["area"].widget.attrs["size"] = 8
        self.fields["place_kinds"].choices = place_kind_choices()  # type: ignore[attr-defined]

    def clean_area_polygon(self) -> dict[str, Any] | None:
        raw = (self.cleaned_data.get("area_polygon") or "").strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise ValidationError(_("绘制的区域数据有误，请清除后重新绘制")) from exc
        return value if isinstance(value, dict) else None



class UpdateForm(forms.Form):
    level = forms.ChoiceField(label=_("预警级别"), choices=())
    title = forms.CharField(label=_("标题"), max_length=120)
    watch_for = forms.CharField(label=_("警示事项"), widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label=_("应当采取的措施"), widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("变更说明"), max_length=500, required=False)

    def __init__(self, *args: Any, kind: WarningKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = level_choices(kind)  # type: ignore[attr-defined]


class ExtendForm(forms.Form):
    ends_at = forms.DateTimeField(label=_("延长至"), widget=DATETIME_WIDGET)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("解除说明"), max_length=500, required=False)


class CapImportForm(forms.Form):
    cap_xml = forms.CharField(
        label=_("CAP 1.2 报文"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        max_length=512 * 1024,
        help_text=_("粘贴上游（如气象台）发布的 CAP 1.2 XML；将按其中的类别、级别、时间和区域预填一份草稿"),
    )


class KindRecipientsForm(forms.Form):
    position_kinds = forms.ModelMultipleChoiceField(
        label=_("接收岗位"), queryset=PositionKind.objects.all(), to_field_name="code", required=False, widget=forms.CheckboxSelectMultiple
    )


class LevelPolicyForm(forms.Form):
    policy_code = forms.CharField(label=_("升级策略代码"), max_length=60, help_text=_("与通知升级策略的“适用级别”对应"))
