"""Forms of the checklist pages; they only collect input, the actions validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from checklists.models import Checklist, ChecklistItem, ChecklistLevel, ChecklistStatus, Department
from hazards.choices import HazardCategory, HazardType
from jurisdictions.models import Jurisdiction
from places.choices import PlaceCategory
from places.models import PlaceKind


def _kind_choices() -> list[tuple[str, str]]:
    return [
        (k.code, f"{k.name}（{k.code}）") for k in PlaceKind.objects.filter(active=True).order_by("sort_order", "code")
    ]


class ChecklistFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("清单名称或检查事项")}),
    )
    kind = forms.ChoiceField(label=_("场所类型"), required=False)
    category = forms.ChoiceField(label=_("场所大类"), required=False, choices=[("", _("全部")), *PlaceCategory.choices])
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("生效和草稿")), ("all", _("全部版本")), *ChecklistStatus.choices],
    )
    archived = forms.BooleanField(label=_("含已归档"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部")), *_kind_choices()]  # type: ignore[attr-defined]


class ChecklistForm(forms.Form):
    name = forms.CharField(label=_("清单名称"), max_length=100)
    place_kinds = forms.MultipleChoiceField(
        label=_("适用场所类型"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选；优先于大类匹配"),
    )
    place_category = forms.ChoiceField(
        label=_("适用场所大类"), required=False, choices=[("", "—"), *PlaceCategory.choices]
    )
    industry = forms.CharField(
        label=_("适用行业"), required=False, max_length=40, help_text=_("与场所类型的行业一致，如 纺织、化工")
    )
    is_generic = forms.BooleanField(label=_("通用清单"), required=False, help_text=_("没有更具体的清单时使用"))
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    source_note = forms.CharField(label=_("依据说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place_kinds"].choices = _kind_choices()  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, checklist: Checklist) -> dict[str, Any]:
        return {
            "name": checklist.name,
            "place_kinds": checklist.place_kinds,
            "place_category": checklist.place_category,
            "industry": checklist.industry,
            "is_generic": checklist.is_generic,
            "effective_from": checklist.effective_from,
            "source_note": checklist.source_note,
        }


class NewChecklistForm(ChecklistForm):
    jurisdiction = forms.ChoiceField(label=_("适用辖区"), required=False, help_text=_("留空为全县通用（县级管理员）"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nodes = Jurisdiction.objects.active().filter(level__in=("county", "township")).order_by("path")
        choices: list[tuple[str, Any]] = [(n.code, n.name) for n in nodes]
        path = getattr(user, "jurisdiction_path", "") or ""
        if getattr(user, "is_superuser", False) or path.count("/") == 2:
            choices = [("", _("全县通用")), *choices]
        self.fields["jurisdiction"].choices = choices  # type: ignore[attr-defined]
        county_wide_allowed = bool(choices) and choices[0][0] == ""
        self.fields["jurisdiction"].required = not county_wide_allowed
        if not county_wide_allowed:
            self.fields["jurisdiction"].help_text = _("乡镇只能为本辖区制定本地清单；全县通用清单由县级管理员维护")


def _refs_text(refs: list[dict[str, str]]) -> str:
    return "\n".join(f"{r.get('code', '')} {r.get('label', '')}".strip() for r in refs)


class ItemForm(forms.Form):
    matter = forms.CharField(label=_("检查事项"), max_length=100)
    content = forms.CharField(label=_("检查内容"), widget=forms.Textarea(attrs={"rows": 3}))
    department = forms.ChoiceField(label=_("管理部门"), choices=Department.choices, initial=Department.FIRE)
    level = forms.ChoiceField(label=_("检查层级"), choices=ChecklistLevel.choices, initial=ChecklistLevel.TOWNSHIP)
    frequency = forms.CharField(label=_("检查频次"), required=False, max_length=40, help_text=_("如 每季度一次"))
    frequency_days = forms.IntegerField(label=_("频次（天）"), required=False, min_value=1, max_value=3660)
    rule_refs = forms.CharField(
        label=_("依据条款"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一条：条款代码 空格 说明，如 GB35181-2017:6.6 未设置自动喷水灭火系统"),
    )
    hazard_type = forms.ChoiceField(label=_("默认隐患灾种"), choices=HazardType.choices, initial=HazardType.FIRE)
    category = forms.ChoiceField(
        label=_("默认隐患类别"), choices=HazardCategory.choices, initial=HazardCategory.UNSAFE_CONDITION
    )
    major_if_failed = forms.BooleanField(label=_("不合格可能构成重大隐患"), required=False)
    requires_photo = forms.BooleanField(label=_("须拍照"), required=False)

    def clean_rule_refs(self) -> list[dict[str, str]]:
        from checklists.ledgers import parse_refs
        from yingji.ledgers import CellError

        raw = self.cleaned_data.get("rule_refs") or ""
        try:
            return parse_refs(raw)
        except CellError as exc:
            raise forms.ValidationError(str(exc)) from exc

    @classmethod
    def initial_for(cls, item: ChecklistItem) -> dict[str, Any]:
        return {
            "matter": item.matter,
            "content": item.content,
            "department": item.department,
            "level": item.level,
            "frequency": item.frequency,
            "frequency_days": item.frequency_days,
            "rule_refs": _refs_text(item.rule_refs or []),
            "hazard_type": item.hazard_type,
            "category": item.category,
            "major_if_failed": item.major_if_failed,
            "requires_photo": item.requires_photo,
        }


class PublishForm(forms.Form):
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("归档原因"), max_length=200)
