"""Forms of the supplies pages. They only collect input; saving goes through supplies.actions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.forms import JurisdictionChoiceField, visible_nodes
from people.models import Person, Position
from supplies.choices import MovementKind, OwnerType, StoragePointKind
from supplies.models import StoragePoint, Supply, SupplyCategory

KEEPER_POSITION_KINDS = ("village_manager", "station_chief", "station_staff", "first_responsible", "deputy_responsible")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StoragePoint) -> str:
        return f"{obj.name}（{obj.jurisdiction.name}）"


def visible_points() -> Any:
    return (
        StoragePoint.objects.filter(archived_at__isnull=True)
        .select_related("jurisdiction")
        .only("id", "name", "jurisdiction__name", "jurisdiction__id", "jurisdiction_path")
        .order_by("jurisdiction_path", "name")
    )


class SupplyFilterForm(forms.Form):
    STATES = [
        ("", _("全部状态")),
        ("expired", _("已过期")),
        ("expiring7", _("7 天内到期")),
        ("expiring30", _("30 天内到期")),
        ("low", _("低库存")),
    ]

    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=SupplyCategory.objects.all(), required=False, empty_label=_("全部类别"), to_field_name="code"
    )
    state = forms.ChoiceField(label=_("状态"), choices=STATES, required=False)
    owner_type = forms.ChoiceField(label=_("储备方式"), choices=[("", _("全部")), *OwnerType.choices], required=False)
    jurisdiction = JurisdictionChoiceField(
        label=_("辖区"), queryset=Jurisdiction.objects.none(), required=False, to_field_name="code", empty_label=_("全部辖区")
    )
    storage_point = forms.IntegerField(required=False, widget=forms.HiddenInput)
    archived = forms.BooleanField(label=_("含已归档"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes(Level.VILLAGE)


class SupplyForm(forms.Form):
    storage_point = PointChoiceField(label=_("储备点"), queryset=StoragePoint.objects.none(), empty_label=_("请选择储备点"))
    name = forms.CharField(label=_("名称"), max_length=60)
    category = forms.ModelChoiceField(label=_("类别"), queryset=SupplyCategory.objects.all(), empty_label=_("请选择类别"))
    specification = forms.CharField(label=_("规格型号"), max_length=100, required=False)
    unit = forms.CharField(label=_("单位"), max_length=10, initial="个")
    batch = forms.CharField(label=_("批次"), max_length=40, required=False)
    production_date = forms.DateField(label=_("生产日期"), required=False, widget=DATE)
    shelf_life_days = forms.IntegerField(label=_("保质期（天）"), min_value=1, required=False)
    expiry_date = forms.DateField(label=_("有效期至"), required=False, widget=DATE, help_text=_("不填时按生产日期加保质期计算。"))
    owner_type = forms.ChoiceField(label=_("储备方式"), choices=OwnerType.choices, initial=OwnerType.GOVERNMENT)
    agreement_party = forms.CharField(label=_("协议单位"), max_length=100, required=False)
    agreement_end_date = forms.DateField(label=_("协议到期日"), required=False, widget=DATE)
    low_stock_threshold = forms.IntegerField(label=_("低库存阈值"), min_value=0, required=False)
    item_code = forms.SlugField(label=_("品目代码"), max_length=40, required=False, help_text=_("选填；与配备标准品目代码一致时按代码匹配。"))
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    initial_quantity = forms.IntegerField(
        label=_("期初库存"), min_value=0, initial=0, help_text=_("登记为一笔“入库”；以后的变化请登记出入库。")
    )

    def __init__(self, *args: Any, supply: Supply | None = None, **kwargs: Any) -> None:
        if supply is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(supply, name) for name in self.editable_names()}
        super().__init__(*args, **kwargs)
        if supply is None:
            cast(PointChoiceField, self.fields["storage_point"]).queryset = visible_points()
        else:
            del self.fields["storage_point"]
            del self.fields["initial_quantity"]

    @staticmethod
    def editable_names() -> list[str]:
        return [
            "name", "category", "specification", "unit", "batch", "production_date", "shelf_life_days", "expiry_date",
            "owner_type", "agreement_party", "agreement_end_date", "low_stock_threshold", "item_code", "note",
        ]  # fmt: skip

    def changes(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.editable_names()}
        return {k: ("" if v is None and k in {"specification", "batch", "agreement_party", "item_code", "note"} else v) for k, v in data.items()}


class MovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=MovementKind.choices, initial=MovementKind.OUT)
    quantity = forms.IntegerField(
        label=_("数量"),
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
        help_text=_("盘点时填写清点到的实际数量。"),
    )
    reason = forms.CharField(label=_("事由"), max_length=200, required=False, widget=forms.TextInput(attrs={"placeholder": _("用途、去向或原因")}))
    to_storage_point = PointChoiceField(
        label=_("调入储备点"), queryset=StoragePoint.objects.none(), required=False, empty_label=_("（调拨时选择）")
    )

    def __init__(self, *args: Any, supply: Supply, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(PointChoiceField, self.fields["to_storage_point"]).queryset = visible_points().exclude(pk=supply.storage_point_id)


class StoragePointForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=StoragePointKind.choices)
    jurisdiction = JurisdictionChoiceField(label=_("所属辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code")
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lng = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180, help_text=_("WGS-84，例如 121.87"))
    lat = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90, help_text=_("WGS-84，例如 29.47"))
    keeper = forms.ModelChoiceField(label=_("保管人"), queryset=Person.objects.none(), required=False, empty_label=_("（未指定）"))
    keeper_phone = forms.CharField(label=_("保管人电话"), max_length=20, required=False, help_text=_("不填时使用保管人的手机号。"))
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, point: StoragePoint | None = None, **kwargs: Any) -> None:
        if point is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": point.name, "kind": point.kind, "jurisdiction": point.jurisdiction.code, "address": point.address,
                "lng": point.lng, "lat": point.lat, "keeper": point.keeper_id, "keeper_phone": point.keeper_phone, "note": point.note,
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes(Level.VILLAGE)
        # Keepers are the cadres and station staff on record, not every resident of the county.
        holders = Position.objects.current().filter(kind__code__in=KEEPER_POSITION_KINDS).values("person_id")
        cast(forms.ModelChoiceField, self.fields["keeper"]).queryset = (
            Person.objects.filter(archived_at__isnull=True, pk__in=holders).only("id", "name").order_by("jurisdiction_path", "name")
        )

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in ("address", "keeper_phone", "note"):
            data[key] = data.get(key) or ""
        return data


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("归档原因"), max_length=200, required=False)
