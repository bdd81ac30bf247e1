"""Forms of the place pages. They only collect input; saving goes through places.actions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.forms import JurisdictionChoiceField, visible_nodes
from places.actions import ENTERPRISE_EDITABLE
from places.choices import OccupancyStatus, PlaceCategory, RiskGrade, StaffingGroup
from places.coords import CoordSystem
from places.models import Place, PlaceKind

TEL = {"inputmode": "numeric", "autocomplete": "off", "type": "tel"}
DECIMAL = {"inputmode": "decimal"}


class PlaceFilterForm(forms.Form):
    """The list's search and filters; every field optional so an empty GET lists every place."""

    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ModelChoiceField(
        label=_("场所类型"), queryset=PlaceKind.objects.all(), required=False, empty_label=_("全部类型"), to_field_name="code"
    )
    category = forms.ChoiceField(label=_("大类"), choices=[("", _("全部大类")), *PlaceCategory.choices], required=False)
    risk_grade = forms.ChoiceField(
        label=_("风险等级"), choices=[("", _("全部等级")), *RiskGrade.choices, ("none", _("未定级"))], required=False
    )
    occupancy_status = forms.ChoiceField(
        label=_("经营状态"), choices=[("", _("全部状态")), *OccupancyStatus.choices], required=False
    )
    jurisdiction = JurisdictionChoiceField(
        label=_("辖区"), queryset=Jurisdiction.objects.none(), required=False, empty_label=_("全部辖区"), to_field_name="code"
    )
    tag = forms.CharField(label=_("标签"), required=False, max_length=20)
    has_location = forms.NullBooleanField(
        label=_("坐标"),
        required=False,
        widget=forms.Select(choices=[("", _("不限")), ("true", _("有坐标")), ("false", _("无坐标"))]),
    )
    is_key_unit = forms.BooleanField(label=_("只看重点单位"), required=False)
    overdue = forms.BooleanField(label=_("只看检查逾期"), required=False)
    include_archived = forms.BooleanField(label=_("含已归档"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(JurisdictionChoiceField, self.fields["jurisdiction"])
        field.queryset = visible_nodes()
        # Grids are many: the drop-down offers the levels above them; a grid code in the URL still works.
        field.widget.choices = [
            ("", field.empty_label),
            *((node.code, field.label_from_instance(node)) for node in visible_nodes(max_level=Level.VILLAGE)),
        ]

    def filter_values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        values = {key: value for key, value in data.items() if value not in (None, "", False)}
        if values.get("kind") is not None:
            values["kind"] = values["kind"].code
        if values.get("jurisdiction") is not None:
            values["jurisdiction"] = values["jurisdiction"].code
        if data.get("has_location") is not None:
            values["has_location"] = data["has_location"]
        return values


class PlaceForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ModelChoiceField(label=_("场所类型"), queryset=PlaceKind.objects.filter(active=True), empty_label=_("请选择类型"))
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=22, required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
    address = forms.CharField(label=_("地址"), max_length=200)
    lng = forms.FloatField(label=_("经度"), required=False, widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}))
    lat = forms.FloatField(label=_("纬度"), required=False, widget=forms.NumberInput(attrs={"step": "any", **DECIMAL}))
    coord_system = forms.ChoiceField(label=_("坐标系"), choices=CoordSystem.choices, initial=CoordSystem.WGS84)
    jurisdiction = JurisdictionChoiceField(
        label=_("所属辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code", required=False, empty_label=_("按坐标自动落格")
    )
    override_reason = forms.CharField(label=_("人工落格原因"), max_length=200, required=False)
    legal_rep_name = forms.CharField(label=_("法定代表人/主要负责人"), max_length=40, required=False)
    legal_rep_mobile = forms.CharField(label=_("法定代表人手机号"), max_length=11, required=False, widget=forms.TextInput(attrs=TEL))
    fire_responsible_name = forms.CharField(label=_("消防安全责任人"), max_length=40, required=False)
    fire_responsible_mobile = forms.CharField(label=_("消防安全责任人手机号"), max_length=11, required=False, widget=forms.TextInput(attrs=TEL))
    fire_manager_name = forms.CharField(label=_("消防安全管理人"), max_length=40, required=False)
    fire_manager_mobile = forms.CharField(label=_("消防安全管理人手机号"), max_length=11, required=False, widget=forms.TextInput(attrs=TEL))
    floor_area = forms.DecimalField(label=_("建筑面积（㎡）"), min_value=0, max_digits=10, decimal_places=1, required=False)
    floors = forms.IntegerField(label=_("层数"), min_value=0, max_value=300, required=False)
    building_height = forms.DecimalField(label=_("建筑高度（m）"), min_value=0, max_digits=6, decimal_places=1, required=False)
    employees = forms.IntegerField(label=_("从业人数"), min_value=0, required=False)
    beds = forms.IntegerField(label=_("床位数"), min_value=0, required=False)
    rooms = forms.IntegerField(label=_("房间数"), min_value=0, required=False)
    seats = forms.IntegerField(label=_("座位/餐位数"), min_value=0, required=False)
    has_dormitory = forms.BooleanField(label=_("设有员工宿舍"), required=False)
    stores_hazardous_goods = forms.BooleanField(label=_("涉及危险化学品/易燃易爆物品"), required=False)
    is_key_unit = forms.BooleanField(label=_("消防安全重点单位"), required=False)
    tags = forms.CharField(label=_("标签"), max_length=400, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    LOCATION_FIELDS = ("lng", "lat", "coord_system", "jurisdiction", "override_reason")
    SECTIONS = (
        (_("基本信息"), ("name", "kind", "credit_code", "address")),
        (_("位置与落格"), ("lng", "lat", "coord_system", "jurisdiction", "override_reason")),
        (_("责任人"), ("legal_rep_name", "legal_rep_mobile", "fire_responsible_name", "fire_responsible_mobile",
                       "fire_manager_name", "fire_manager_mobile")),
        (_("规模与人员"), ("floor_area", "floors", "building_height", "employees", "beds", "rooms", "seats", "has_dormitory")),
        (_("其他"), ("stores_hazardous_goods", "is_key_unit", "tags", "note")),
    )

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields grouped as a station's paper form groups them."""
        return [(str(title), [self[name] for name in names]) for title, names in self.SECTIONS]

    def __init__(self, *args: Any, place: Place | None = None, editable: frozenset[str] | None = None, **kwargs: Any) -> None:
        self.place = place
        if place is not None and "initial" not in kwargs:
            initial = {name: getattr(place, name) for name in self.base_fields if hasattr(place, name)}
            initial.update(
                kind=place.kind_id,
                jurisdiction=place.jurisdiction.code if place.location_source != "auto" else "",
                override_reason=place.location_override_reason,
                coord_system=CoordSystem.WGS84,
                tags="、".join(place.tags or []),
            )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes()
        self.fields["credit_code"].help_text = _("18 位，最后一位为校验位；个体户和出租房可留空。")
        self.fields["lng"].help_text = _("十进制度数，如 121.8723。手机地图取点请选对坐标系。")
        self.fields["lng"].widget.attrs["data-locate-here"] = "lng"
        self.fields["lat"].widget.attrs["data-locate-here"] = "lat"
        self.fields["jurisdiction"].help_text = _("有坐标时按坐标自动落格，可留空；没有坐标或需人工指定时选择。")
        self.fields["override_reason"].help_text = _("填写后按所选辖区登记，不再按坐标自动落格；清空则恢复自动落格。")
        self.fields["tags"].help_text = _("多个标签用逗号或顿号分隔。")
        if place is not None and place.kind not in self.fields["kind"].queryset:  # type: ignore[attr-defined]
            self.fields["kind"].queryset = PlaceKind.objects.filter(active=True) | PlaceKind.objects.filter(pk=place.kind_id)  # type: ignore[attr-defined]
        self.editable = editable
        if editable is not None:
            for name, field in self.fields.items():
                if name not in editable:
                    field.disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("credit_code"):
            data["credit_code"] = data["credit_code"].strip()
        return data

    def changes(self) -> dict[str, Any]:
        """What to pass to the actions: the fields this user may change (location included only for editors).

        With a point and no override reason the point decides; a jurisdiction chosen as well
        is only a cross-check (an auto-located place's form starts with it empty).
        """
        data = dict(self.cleaned_data)
        if self.editable is not None:
            data = {k: v for k, v in data.items() if k in self.editable}
        return data


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("归档原因"), max_length=200)


class OccupancyForm(forms.Form):
    status = forms.ChoiceField(label=_("经营状态"), choices=OccupancyStatus.choices)


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("照片"), widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"})
    )
    caption = forms.CharField(label=_("说明"), max_length=100, required=False)


class LinkAccountForm(forms.Form):
    username = forms.CharField(label=_("企业用户账号"), max_length=150)


class KindForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=40, help_text=_("小写字母、数字和下划线；创建后不可修改。"))
    name = forms.CharField(label=_("名称"), max_length=60)
    category = forms.ChoiceField(label=_("大类"), choices=PlaceCategory.choices)
    industry = forms.CharField(label=_("行业"), max_length=40, required=False)
    staffing_group = forms.ChoiceField(label=_("配备核查计入"), choices=StaffingGroup.choices, required=False)
    is_small_place = forms.BooleanField(label=_("属九小场所"), required=False)
    is_crowded = forms.BooleanField(label=_("属人员密集场所"), required=False)
    is_public_gathering = forms.BooleanField(label=_("属公众聚集场所"), required=False)
    thresholds = forms.JSONField(
        label=_("界定阈值（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}),
        help_text=_("small_place：九小场所上限；key_unit：重点单位界定标准。inclusive 表示是否含本数。"),
    )
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=1000)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, kind: PlaceKind | None = None, **kwargs: Any) -> None:
        if kind is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(kind, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)
        if kind is not None:
            self.fields["code"].disabled = True

    def clean_thresholds(self) -> dict[str, Any]:
        value = self.cleaned_data.get("thresholds") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("界定阈值应为 JSON 对象，例如 {\"small_place\": {…}}"))
        return value


ENTERPRISE_FIELDS = ENTERPRISE_EDITABLE
