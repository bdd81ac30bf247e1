"""Forms of the inspection-plan pages. They only collect input; the actions validate and save."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import ROLE_CAPABILITIES, Capability
from inspectionplans.choices import PlanKind, TaskState
from inspectionplans.models import AnnualPlan
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from places.choices import RiskGrade
from places.models import PlaceKind

DATE = forms.DateInput(attrs={"type": "date"})
MONTHS = [
    _("1月"),
    _("2月"),
    _("3月"),
    _("4月"),
    _("5月"),
    _("6月"),
    _("7月"),
    _("8月"),
    _("9月"),
    _("10月"),
    _("11月"),
    _("12月"),
]


def inspector_choices() -> QuerySet[User]:
    """Active accounts in the viewer's scope whose role may inspect."""
    roles = ROLE_CAPABILITIES[Capability.INSPECT] - {"enterprise_user"}
    return (
        User.objects.filter(is_active=True, role__in=roles)
        .select_related("person")
        .order_by("jurisdiction_path", "username")
    )


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class InspectorField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}（{obj.get_role_display()}）"


def township_choices() -> QuerySet[Jurisdiction]:
    return (
        Jurisdiction.objects.active()
        .filter(level__in=[Level.COUNTY, Level.TOWNSHIP])
        .defer("boundary")
        .order_by("path")
    )


class JurisdictionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class AnnualPlanForm(forms.Form):
    jurisdiction = JurisdictionChoice(label=_("辖区"), queryset=Jurisdiction.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("计划名称"), max_length=120)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    targets = forms.CharField(
        label=_("检查对象与目标"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一项：场所类型代码,风险等级,检查数；类型或等级可留空，如 ,major,12 或 restaurant,,30"),
    )
    attachment = forms.FileField(label=_("计划文件"), required=False, help_text=_("PDF、Word 或 Excel，不超过 10 MB"))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = township_choices()
        for month in range(12):
            self.fields[f"month_{month + 1}"] = forms.IntegerField(
                label=MONTHS[month], min_value=0, max_value=100000, initial=0
            )
        if editing:
            del self.fields["jurisdiction"], self.fields["year"]

    def clean_targets(self) -> list[dict[str, Any]]:
        rows = []
        for number, line in enumerate(str(self.cleaned_data.get("targets") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 3 or not parts[2].isdigit():
                raise forms.ValidationError(_("第 %(n)s 行应为“类型代码,风险等级,检查数”") % {"n": number})
            kind, grade, count = parts
            if kind and not PlaceKind.objects.filter(code=kind).exists():
                raise forms.ValidationError(_("第 %(n)s 行的场所类型代码 %(k)s 不存在") % {"n": number, "k": kind})
            if grade and grade not in RiskGrade.values:
                raise forms.ValidationError(
                    _("第 %(n)s 行的风险等级应为 %(g)s") % {"n": number, "g": ", ".join(RiskGrade.values)}
                )
            rows.append({"kind": kind, "grade": grade, "count": int(count)})
        return rows

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 10 MB"))
        if upload:
            head = upload.read(8)
            upload.seek(0)
            if not (head.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))):
                raise forms.ValidationError(_("请上传 PDF、Word 或 Excel 文件"))
        return upload

    def monthly_counts(self) -> list[int]:
        return [int(self.cleaned_data.get(f"month_{m}") or 0) for m in range(1, 13)]

    @staticmethod
    def initial_for(plan: AnnualPlan) -> dict[str, Any]:
        initial: dict[str, Any] = {"title": plan.title, "note": plan.note}
        initial["targets"] = "\n".join(
            f"{t.get('kind', '')},{t.get('grade', '')},{t.get('count', 0)}" for t in plan.targets
        )
        for number, count in enumerate(plan.monthly_counts or [0] * 12, start=1):
            initial[f"month_{number}"] = count
        return initial


class PlanForm(forms.Form):
    jurisdiction = JurisdictionChoice(label=_("辖区"), queryset=Jurisdiction.objects.none())
    title = forms.CharField(label=_("计划名称"), max_length=120)
    kind = forms.ChoiceField(
        label=_("计划类型"),
        choices=[(PlanKind.RANDOM_DRAW, PlanKind.RANDOM_DRAW.label), (PlanKind.SPECIAL, PlanKind.SPECIAL.label)],
    )
    period_start = forms.DateField(label=_("开始日期"), widget=DATE)
    period_end = forms.DateField(label=_("结束日期"), widget=DATE)
    annual_plan = forms.ModelChoiceField(label=_("所属年度计划"), queryset=AnnualPlan.objects.none(), required=False)
    unannounced = forms.BooleanField(
        label=_("四不两直（不发通知、不打招呼、不听汇报、不用陪同接待，直奔基层、直插现场）"), required=False
    )
    joint = forms.BooleanField(label=_("联合检查（多部门）"), required=False)
    departments = forms.CharField(
        label=_("参与部门"),
        max_length=300,
        required=False,
        help_text=_("用顿号或逗号分隔，如 应急管理、消防救援、市场监管"),
    )
    note = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("jurisdiction", township_choices()),
            ("annual_plan", AnnualPlan.objects.filter(archived_at__isnull=True)),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        today = timezone.localdate()
        self.fields["period_start"].initial = today
        self.fields["period_end"].initial = today + timedelta(days=30)


class GenerateForm(forms.Form):
    jurisdiction = JurisdictionChoice(label=_("辖区"), queryset=Jurisdiction.objects.none())
    period_start = forms.DateField(label=_("开始日期"), widget=DATE)
    period_end = forms.DateField(label=_("结束日期"), widget=DATE)
    kinds = forms.ModelMultipleChoiceField(
        label=_("场所类型"),
        queryset=PlaceKind.objects.filter(active=True).order_by("sort_order", "code"),
        required=False,
        to_field_name="code",
        help_text=_("不选则为全部类型"),
    )
    title = forms.CharField(label=_("计划名称"), max_length=120, required=False, help_text=_("留空自动命名"))
    annual_plan = forms.ModelChoiceField(label=_("所属年度计划"), queryset=AnnualPlan.objects.none(), required=False)
    unannounced = forms.BooleanField(label=_("四不两直"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("jurisdiction", township_choices()),
            ("annual_plan", AnnualPlan.objects.filter(archived_at__isnull=True)),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        today = timezone.localdate()
        self.fields["period_start"].initial = today
        self.fields["period_end"].initial = today + timedelta(days=30)


class DrawForm(forms.Form):
    jurisdiction = forms.CharField(
        label=_("抽取范围（辖区代码）"), max_length=20, required=False, help_text=_("留空为计划辖区全部")
    )
    kinds = forms.ModelMultipleChoiceField(
        label=_("场所类型"),
        queryset=PlaceKind.objects.filter(active=True).order_by("sort_order", "code"),
        required=False,
        to_field_name="code",
    )
    grades = forms.MultipleChoiceField(
        label=_("风险等级"), choices=RiskGrade.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    key_units_only = forms.BooleanField(label=_("只抽消防安全重点单位"), required=False)
    exclude_inspected_within_days = forms.IntegerField(
        label=_("排除近 N 天内已监督检查的场所"), min_value=0, max_value=3650, required=False
    )
    sample_size = forms.IntegerField(label=_("抽取数量"), min_value=1, max_value=10000)
    inspectors = InspectorField(
        label=_("检查人员库"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    team_size = forms.IntegerField(label=_("每组人数"), min_value=2, max_value=10, initial=2)
    seed = forms.CharField(
        label=_("随机种子"),
        max_length=64,
        required=False,
        help_text=_("留空由系统生成；公开抽取时可当场确定（如现场摇号数字）"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["inspectors"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = inspector_choices()

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "jurisdiction": data.get("jurisdiction") or "",
            "kinds": [k.code for k in data.get("kinds") or []],
            "grades": list(data.get("grades") or []),
            "key_units_only": bool(data.get("key_units_only")),
            "exclude_inspected_within_days": data.get("exclude_inspected_within_days") or None,
        }


class TaskFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *TaskState.choices], required=False)
    inspector = UserChoice(label=_("检查人员"), queryset=User.objects.none(), required=False)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["inspector"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = inspector_choices()


class AssignForm(forms.Form):
    inspectors = InspectorField(label=_("检查人员"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple)
    lead_inspector = UserChoice(label=_("主检人员"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("inspectors", "lead_inspector"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = inspector_choices()


class DueForm(forms.Form):
    due_on = forms.DateField(label=_("完成期限"), widget=DATE)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)
