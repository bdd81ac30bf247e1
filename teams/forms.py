"""Forms of the teams pages. They only collect input; saving goes through teams.actions."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.forms import JurisdictionChoiceField, LedgerUploadForm, visible_nodes
from people.models import Person
from teams.choices import MemberRole, TeamKind, TeamStatus, VehicleKind, VehicleStatus
from teams.models import Team, TeamCapability, TeamStandard

__all__ = ["LedgerUploadForm"]


def _village_and_above() -> list[tuple[str, str]]:
    return [(n.code, f"{'　' * n.depth}{n.name}") for n in visible_nodes(max_level=Level.VILLAGE)]


class PersonByMobileField(forms.CharField):
    """A person the user can see, picked by 11-digit mobile (or id) — the directory is large."""

    def clean(self, value: Any) -> Person | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        people = Person.objects.filter(archived_at__isnull=True)
        matches = list(people.filter(mobile=text)[:2]) if re.fullmatch(r"1\d{10}", text) else list(people.filter(name=text)[:2])
        if not matches:
            raise ValidationError(_("没有找到手机号或姓名为“%(text)s”的人员（或不在您的辖区范围内）；请先在人员名录中登记") % {"text": text})
        if len(matches) > 1:
            raise ValidationError(_("有多人姓名为“%(text)s”，请改填手机号") % {"text": text})
        return matches[0]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("队伍名称"), max_length=80)
    kind = forms.ChoiceField(label=_("队伍类型"), choices=TeamKind.choices)
    jurisdiction = JurisdictionChoiceField(label=_("所属辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code")
    address = forms.CharField(label=_("驻地地址"), max_length=200, required=False)
    lng = forms.FloatField(label=_("经度"), min_value=-180, max_value=180, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    coord_system = forms.ChoiceField(
        label=_("坐标系"),
        choices=[("wgs84", _("WGS-84（GPS、天地图）")), ("gcj02", _("GCJ-02（高德、腾讯地图）")), ("bd09", _("BD-09（百度地图）"))],
        initial="wgs84",
        help_text=_("从高德或百度地图上取的坐标请选对应的坐标系，保存时自动换算为 WGS-84。"),
    )
    leader = PersonByMobileField(label=_("队长（手机号或姓名）"), required=False, max_length=40)
    duty_phone = forms.CharField(label=_("值班电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    capabilities = forms.ModelMultipleChoiceField(
        label=_("救援能力"), queryset=TeamCapability.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        if team is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": team.name,
                "kind": team.kind,
                "jurisdiction": team.jurisdiction.code,
                "address": team.address,
                "lng": team.lng,
                "lat": team.lat,
                "leader": team.leader.mobile if team.leader else "",
                "duty_phone": team.duty_phone,
                "capabilities": list(team.capabilities.all()),
                "note": team.note,
            }
        super().__init__(*args, **kwargs)
        field = cast(JurisdictionChoiceField, self.fields["jurisdiction"])
        field.queryset = visible_nodes()
        field.widget.choices = _village_and_above()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=TeamStatus.choices)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)
    until = forms.DateTimeField(
        label=_("预计恢复时间"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("归档原因"), max_length=200, required=False)


class MemberForm(forms.Form):
    person = PersonByMobileField(label=_("人员（手机号或姓名）"), max_length=40, help_text=_("须已在人员名录中登记。"))
    role = forms.ChoiceField(label=_("队内职务"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    on_duty = forms.BooleanField(label=_("在岗值守"), required=False)
    joined_on = forms.DateField(label=_("入队日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class CertificateForm(forms.Form):
    name = forms.CharField(label=_("证书名称"), max_length=60)
    number = forms.CharField(label=_("证书编号"), max_length=60, required=False)
    issued_on = forms.DateField(label=_("发证日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=_("长期有效的留空。"))


class RenewForm(forms.Form):
    number = forms.CharField(label=_("新证书编号"), max_length=60, required=False, help_text=_("不换号留空。"))
    issued_on = forms.DateField(label=_("发证日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("新的有效期至"), widget=forms.DateInput(attrs={"type": "date"}))


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("号牌"), max_length=20)
    kind = forms.ChoiceField(label=_("车辆类型"), choices=VehicleKind.choices)
    capacity = forms.CharField(label=_("载量/载员"), max_length=40, required=False)
    status = forms.ChoiceField(label=_("车辆状态"), choices=VehicleStatus.choices, initial=VehicleStatus.READY)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class TeamFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部类型")), *TeamKind.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *TeamStatus.choices], required=False)
    capability = forms.ModelChoiceField(
        label=_("能力"), queryset=TeamCapability.objects.all(), required=False, empty_label=_("全部能力"), to_field_name="code"
    )
    jurisdiction = JurisdictionChoiceField(
        label=_("辖区"), queryset=Jurisdiction.objects.none(), required=False, empty_label=_("全部辖区"), to_field_name="code"
    )
    archived = forms.BooleanField(label=_("含已归档"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(JurisdictionChoiceField, self.fields["jurisdiction"])
        field.queryset = visible_nodes()
        field.widget.choices = [("", field.empty_label), *_village_and_above()]


def _lines_to_items(text: str, key: str, count_key: str) -> list[dict[str, Any]]:
    """“名称 数量” per line (数量 defaults to 1) → [{key: 名称, count_key: 数量}]."""
    items: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"(.+?)[\s×xX*：:]+(\d+)", line)
        name, count = (match.group(1).strip(), int(match.group(2))) if match else (line, 1)
        if count < 1:
            raise ValidationError(_("第 %(n)d 行的数量应至少为 1") % {"n": number})
        items.append({key: name, count_key: count})
    return items


def items_to_lines(items: list[dict[str, Any]], key: str, count_key: str, labels: dict[str, str] | None = None) -> str:
    return "\n".join(f"{(labels or {}).get(i[key], i[key])} {i[count_key]}" for i in items)


class StandardForm(forms.Form):
    name = forms.CharField(label=_("标准名称"), max_length=60)
    min_members = forms.IntegerField(label=_("最少队员数"), min_value=0, max_value=1000)
    min_on_duty = forms.IntegerField(label=_("最少在岗人数"), min_value=0, max_value=1000)
    required_capabilities = forms.ModelMultipleChoiceField(
        label=_("必备能力"), queryset=TeamCapability.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, to_field_name="name"
    )
    required_certificates = forms.CharField(
        label=_("必备有效证书"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一项：证书名称 人数，如“消防员职业资格证书 3”。")
    )
    required_vehicles = forms.CharField(
        label=_("必备车辆"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一项：车辆类型 数量，如“水罐消防车 1”。")
    )
    required_equipment = forms.CharField(
        label=_("必备器材"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一项：器材名称 数量，如“灭火器 10”。按物资台账中队伍驻地储备点的物资名称或类别核对。"),
    )
    basis = forms.CharField(label=_("依据"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    is_active = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args: Any, standard: TeamStandard | None = None, **kwargs: Any) -> None:
        if standard is not None and "initial" not in kwargs:
            vehicle_labels = {k.value: str(k.label) for k in VehicleKind}
            kwargs["initial"] = {
                "name": standard.name,
                "min_members": standard.min_members,
                "min_on_duty": standard.min_on_duty,
                "required_capabilities": list(TeamCapability.objects.filter(name__in=standard.required_capabilities)),
                "required_certificates": items_to_lines(standard.required_certificates, "name", "count"),
                "required_vehicles": items_to_lines(standard.required_vehicles, "kind", "count", vehicle_labels),
                "required_equipment": items_to_lines(standard.required_equipment, "name", "quantity"),
                "basis": standard.basis,
                "is_active": standard.is_active,
            }
        super().__init__(*args, **kwargs)

    def clean_required_capabilities(self) -> list[str]:
        return [c.name for c in self.cleaned_data["required_capabilities"]]

    def clean_required_certificates(self) -> list[dict[str, Any]]:
        return _lines_to_items(self.cleaned_data["required_certificates"], "name", "count")

    def clean_required_vehicles(self) -> list[dict[str, Any]]:
        return _lines_to_items(self.cleaned_data["required_vehicles"], "kind", "count")

    def clean_required_equipment(self) -> list[dict[str, Any]]:
        return _lines_to_items(self.cleaned_data["required_equipment"], "name", "quantity")
