"""Forms of the people pages. They only collect input; saving goes through people.actions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.choices import Gender
from people.models import Person, PositionKind
from people.validators import validate_id_number, validate_mobile


class JurisdictionChoiceField(forms.ModelChoiceField):
    """A node of the user's subtree, chosen by code and shown indented by depth."""

    def label_from_instance(self, obj: Jurisdiction) -> str:
        return f"{'　' * obj.depth}{obj.name}"


def visible_nodes(max_level: str | None = None) -> QuerySet[Jurisdiction]:
    """Active nodes of the user's subtree in tree order (the scope is applied by the manager)."""
    nodes = Jurisdiction.objects.filter(archived_at__isnull=True).only("id", "code", "name", "depth", "path", "level")
    if max_level == Level.VILLAGE:
        nodes = nodes.exclude(level=Level.GRID)
    return nodes.order_by("path")


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", _("未填写")), *Gender.choices], required=False)
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=11,
        validators=[validate_mobile],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "type": "tel"}),
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    jurisdiction = JurisdictionChoiceField(
        label=_("所属辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code"
    )
    organization = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, person: Person | None = None, **kwargs: Any) -> None:
        self.person = person
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": person.name,
                "gender": person.gender,
                "mobile": person.mobile,
                "jurisdiction": person.jurisdiction.code,
                "organization": person.organization,
                "title": person.title,
                "note": person.note,
            }
        super().__init__(*args, **kwargs)
        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes()
        if person is not None and person.id_number_masked:
            self.fields["id_number"].help_text = _("已登记：%(masked)s。留空则不修改。") % {
                "masked": person.id_number_masked
            }
        else:
            self.fields["id_number"].help_text = _("18 位，最后一位可为 X；选填。")

    def clean_id_number(self) -> str | None:
        value = self.cleaned_data["id_number"].strip().upper()
        if not value:
            return None if self.person is not None else ""
        validate_id_number(value)
        return value


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("归档原因"), max_length=200, required=False)


class AppointForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("岗位"), queryset=PositionKind.objects.all(), empty_label=_("请选择岗位"))
    jurisdiction = JurisdictionChoiceField(
        label=_("任职辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code"
    )
    start_date = forms.DateField(label=_("任职日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    is_primary = forms.BooleanField(label=_("主要岗位"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes()
        self.fields["start_date"].help_text = _("留空为今天。")


class ResponsibilitiesForm(forms.Form):
    responsibilities = forms.CharField(
        label=_("责任清单"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("每行一条，或用中文分号“；”分隔。"),
    )


class PeopleFilterForm(forms.Form):
    """The directory's search and filters; every field optional so an empty GET lists everyone."""

    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ModelChoiceField(
        label=_("岗位"),
        queryset=PositionKind.objects.all(),
        required=False,
        empty_label=_("全部岗位"),
        to_field_name="code",
    )
    jurisdiction = JurisdictionChoiceField(
        label=_("辖区"),
        queryset=Jurisdiction.objects.none(),
        required=False,
        empty_label=_("全部辖区"),
        to_field_name="code",
    )
    has_position = forms.BooleanField(label=_("只看在岗"), required=False)
    archived = forms.BooleanField(label=_("含已归档"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Grids are many (2,000 in a county): the list offers the levels above them, while
        # a grid code in the URL (a link from a grid's page) is still accepted.
        field = cast(JurisdictionChoiceField, self.fields["jurisdiction"])
        field.queryset = visible_nodes()
        field.widget.choices = [
            ("", field.empty_label),
            *((node.code, field.label_from_instance(node)) for node in visible_nodes(max_level=Level.VILLAGE)),
        ]


class LedgerUploadForm(forms.Form):
    """The file of a ledger import; what is in it is checked by the ledger toolkit, not here."""

    file = forms.FileField(
        label=_("台账文件"),
        help_text=_("Excel 工作簿（.xlsx）或 CSV（UTF-8 或 GBK 编码均可）。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"}),
    )
