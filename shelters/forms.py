"""Forms of the shelter pages; they only collect input, saving goes through shelters.actions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdictions.models import Jurisdiction
from people.forms import JurisdictionChoiceField, visible_nodes
from places.coords import CoordSystem
from shelters.choices import Facility, ShelterKind, ShelterStatus
from shelters.models import Shelter


class ShelterForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=ShelterKind.choices)
    jurisdiction = JurisdictionChoiceField(label=_("所属辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code")
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lng = forms.FloatField(label=_("经度"), required=False, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    lat = forms.FloatField(label=_("纬度"), required=False, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    coord_system = forms.ChoiceField(label=_("坐标系"), choices=CoordSystem.choices, initial=CoordSystem.WGS84,
                                     help_text=_("经纬度取自哪种地图；保存时换算为 WGS-84。"))
    capacity_day = forms.IntegerField(label=_("白天容量（人）"), min_value=0, initial=0)
    capacity_night = forms.IntegerField(label=_("夜间容量（人）"), min_value=0, initial=0)
    area_m2 = forms.DecimalField(label=_("面积（㎡）"), required=False, min_value=0, decimal_places=1, max_digits=10)
    facilities = forms.MultipleChoiceField(label=_("配套设施"), choices=Facility.choices, required=False, widget=forms.CheckboxSelectMultiple)
    responsible_name = forms.CharField(label=_("负责人"), max_length=40, required=False)
    responsible_phone = forms.CharField(label=_("负责人电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, shelter: Shelter | None = None, **kwargs: Any) -> None:
        if shelter is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": shelter.name, "kind": shelter.kind, "jurisdiction": shelter.jurisdiction.code, "address": shelter.address,
                "lng": shelter.lng, "lat": shelter.lat, "capacity_day": shelter.capacity_day, "capacity_night": shelter.capacity_night,
                "area_m2": shelter.area_m2, "facilities": shelter.facilities, "responsible_name": shelter.responsible_name,
                "responsible_phone": shelter.responsible_phone, "note": shelter.note,
            }
        super().__init__(*args, **kwargs)
        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes()


class ShelterFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部类型")), *ShelterKind.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *ShelterStatus.choices], required=False)
    jurisdiction = JurisdictionChoiceField(label=_("辖区"), queryset=Jurisdiction.objects.none(), required=False,
                                           empty_label=_("全部辖区"), to_field_name="code")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from jurisdictions.choices import Level

        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes(max_level=Level.VILLAGE)


class OccupancyForm(forms.Form):
    kind = forms.ChoiceField(choices=[("check_in", _("入住")), ("check_out", _("离开"))])
    count = forms.IntegerField(label=_("人数"), min_value=1, max_value=10_000)
    confirm_over_capacity = forms.BooleanField(label=_("确认超员"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, label) for s, label in ShelterStatus.choices if s != ShelterStatus.FULL])
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class RouteForm(forms.Form):
    name = forms.CharField(label=_("路线名称"), max_length=100)
    geometry = forms.CharField(
        label=_("路线（GeoJSON）"), required=False, widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("在地图上依次点击绘制，或粘贴 GeoJSON LineString；也可上传 .geojson 文件。"),
    )
    file = forms.FileField(label=_("GeoJSON 文件"), required=False, widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}))
    coord_system = forms.ChoiceField(label=_("坐标系"), choices=CoordSystem.choices, initial=CoordSystem.WGS84)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > 2 * 1024 * 1024:
                raise forms.ValidationError(_("GeoJSON 文件不超过 2 MB"))
            try:
                data["geometry"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("GeoJSON 文件应为 UTF-8 文本")) from exc
        if not data.get("geometry"):
            raise forms.ValidationError(_("请在地图上绘制路线、粘贴 GeoJSON 或上传文件"))
        return data


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("归档原因"), max_length=200, required=False)
