"""Forms of the duty pages. They only collect input; saving goes through duty.actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duty.models import DutyAssignment
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.forms import JurisdictionChoiceField
from people.models import Person

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def roster_nodes() -> QuerySet[Jurisdiction]:
    """Nodes that keep rosters: the county and townships in scope (villages optionally)."""
    return (
        Jurisdiction.objects.filter(archived_at__isnull=True, level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE])
        .only("id", "code", "name", "depth", "path", "level")
        .order_by("path")
    )


def duty_people() -> QuerySet[Person]:
    """People who may stand duty: those registered at county, township or village level in scope."""
    return (
        Person.objects.filter(archived_at__isnull=True, jurisdiction__level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE])
        .select_related("jurisdiction")
        .only("id", "name", "title", "jurisdiction__name")
        .order_by("jurisdiction_path", "name")
    )


class PersonChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.jurisdiction.name}{' ' + obj.title if obj.title else ''}）"


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.jurisdiction.name}{' ' + obj.title if obj.title else ''}）"


class ShiftForm(forms.Form):
    jurisdiction = JurisdictionChoiceField(label=_("辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code")
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME_WIDGET)
    officers = PersonChoices(label=_("值班员"), queryset=Person.objects.none(), help_text=_("可多选"))
    leader = PersonChoice(label=_("带班领导"), queryset=Person.objects.none(), required=False)
    duty_phone = forms.CharField(label=_("值班电话"), max_length=20, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = roster_nodes()  # type: ignore[attr-defined]
        self.fields["officers"].queryset = duty_people()  # type: ignore[attr-defined]
        self.fields["leader"].queryset = duty_people()  # type: ignore[attr-defined]


class GenerateForm(forms.Form):
    jurisdiction = JurisdictionChoiceField(label=_("辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code")
    month = forms.DateField(label=_("月份"), widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"), input_formats=["%Y-%m"])
    officers = PersonChoices(label=_("轮流值班人员"), queryset=Person.objects.none(), help_text=_("按列表顺序轮换，每班一人"))
    leaders = PersonChoices(label=_("轮流带班领导"), queryset=Person.objects.none(), required=False, help_text=_("每天一人"))
    start = forms.TimeField(label=_("交接班时间"), initial="08:30", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    hours = forms.TypedChoiceField(label=_("每班时长"), coerce=int, choices=[(24, _("24 小时")), (12, _("12 小时")), (8, _("8 小时"))])
    duty_phone = forms.CharField(label=_("值班电话"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = roster_nodes()  # type: ignore[attr-defined]
        self.fields["officers"].queryset = duty_people()  # type: ignore[attr-defined]
        self.fields["leaders"].queryset = duty_people()  # type: ignore[attr-defined]


class OverrideForm(forms.Form):
    person = PersonChoice(label=_("替班人员"), queryset=Person.objects.none())
    reason = forms.CharField(label=_("原因"), max_length=200)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False, help_text=_("留空则用其手机号"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = duty_people()  # type: ignore[attr-defined]


class SwapForm(forms.Form):
    other: forms.ModelChoiceField[DutyAssignment] = forms.ModelChoiceField(
        label=_("与哪个班次的安排交换"), queryset=DutyAssignment.objects.none()
    )
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["other"]
        field.queryset = candidates  # type: ignore[attr-defined]
        field.label_from_instance = lambda a: f"{timezone.localtime(a.shift.starts_at):%m-%d %H:%M} {a.person.name}"  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)
