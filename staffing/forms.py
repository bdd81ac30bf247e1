"""Form for a new version of the staffing standard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import PositionKind
from staffing.models import StaffingStandard


class StandardForm(forms.ModelForm):
    counted_position_kinds = forms.ModelMultipleChoiceField(
        label=_("计入配备的岗位"),
        queryset=PositionKind.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )

    class Meta:
        model = StaffingStandard
        fields = [
            "name",
            "effective_from",
            "industrial_per_staff",
            "commercial_per_staff",
            "rental_per_staff",
            "counted_position_kinds",
            "source",
        ]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}

    def action_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["counted_position_kinds"] = [kind.code for kind in data["counted_position_kinds"]]
        return data
