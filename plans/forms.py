"""Forms of the plan, drill and training pages; saving goes through plans.actions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.forms import JurisdictionChoiceField, visible_nodes
from people.models import PositionKind
from plans.choices import Audience, DrillKind, DrillRating, PlanKind, PlanStatus, TrainingKind
from plans.models import Drill, Plan, PositionCard, Training

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _jurisdiction_field(label: Any = None) -> JurisdictionChoiceField:
    return JurisdictionChoiceField(label=label or _("所属辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code")


class _WithJurisdiction(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(JurisdictionChoiceField, self.fields["jurisdiction"]).queryset = visible_nodes(max_level=Level.VILLAGE)


class PlanForm(_WithJurisdiction):
    title = forms.CharField(label=_("预案名称"), max_length=120)
    kind = forms.ChoiceField(label=_("预案类型"), choices=PlanKind.choices)
    jurisdiction = _jurisdiction_field(_("编制辖区"))
    version = forms.CharField(label=_("版本"), max_length=20, initial="1.0")
    compiled_on = forms.DateField(label=_("编制日期"), required=False, widget=DATE)
    approved_on = forms.DateField(label=_("批准日期"), required=False, widget=DATE)
    filed_on = forms.DateField(label=_("备案日期"), required=False, widget=DATE)
    revision_due = forms.DateField(label=_("修订期限"), required=False, widget=DATE, help_text=_("留空则为批准日期加 3 年。"))
    summary = forms.CharField(label=_("摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def initial_of(cls, plan: Plan) -> dict[str, Any]:
        return {
            "title": plan.title, "kind": plan.kind, "jurisdiction": plan.jurisdiction.code, "version": plan.version,
            "compiled_on": plan.compiled_on, "approved_on": plan.approved_on, "filed_on": plan.filed_on,
            "revision_due": plan.revision_due, "summary": plan.summary,
        }


class PlanFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部类型")), *PlanKind.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *PlanStatus.choices], required=False)
    overdue = forms.BooleanField(label=_("只看修订逾期"), required=False)


class SectionsForm(forms.Form):
    """Sections as one text: a line starting with “# ” begins a section (simple for phones and paste)."""

    text = forms.CharField(
        label=_("预案正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text=_("每节以“# 标题”开头，下一行起为正文，例如：# 总则"),
    )

    @staticmethod
    def as_text(sections: Any) -> str:
        return "\n\n".join(f"# {s.heading}\n{s.body}" for s in sections)

    def sections(self) -> list[tuple[str, str]]:
        result: list[tuple[str, str]] = []
        heading, lines = "", list[str]()
        for line in self.cleaned_data["text"].splitlines():
            if line.startswith("#"):
                if heading or lines:
                    result.append((heading, "\n".join(lines)))
                heading, lines = line.lstrip("#").strip(), []
            else:
                lines.append(line)
        if heading or any(x.strip() for x in lines):
            result.append((heading, "\n".join(lines)))
        return result


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.doc,.xlsx,.jpg,.jpeg,.png,.webp"}),
                           help_text=_("PDF、Word、Excel 或图片，不超过 20 MB。"))


class CardForm(forms.Form):
    position_kind = forms.ModelChoiceField(label=_("岗位"), queryset=PositionKind.objects.all(), empty_label=_("请选择岗位"))
    title = forms.CharField(label=_("卡片名称"), max_length=80, required=False, help_text=_("留空为“岗位名称+应急处置卡”。"))
    steps = forms.CharField(label=_("处置步骤"), widget=forms.Textarea(attrs={"rows": 8}), help_text=_("每行一步，按先后顺序。"))
    report_to = forms.CharField(label=_("报告对象"), max_length=100, required=False)
    report_what = forms.CharField(label=_("报告内容"), max_length=200, required=False)
    report_within_minutes = forms.IntegerField(label=_("报告时限（分钟）"), min_value=1, max_value=1440, required=False)
    contacts = forms.CharField(label=_("联系人"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一位：姓名/单位 电话。当前任职人员会自动列出。"))

    @classmethod
    def initial_of(cls, card: PositionCard) -> dict[str, Any]:
        return {"position_kind": card.position_kind_id, "title": card.title, "steps": "\n".join(card.steps), "report_to": card.report_to,
                "report_what": card.report_what, "report_within_minutes": card.report_within_minutes, "contacts": card.contacts}


class DrillForm(_WithJurisdiction):
    title = forms.CharField(label=_("演练名称"), max_length=120)
    kind = forms.ChoiceField(label=_("演练形式"), choices=DrillKind.choices)
    jurisdiction = _jurisdiction_field()
    plan = forms.ModelChoiceField(label=_("演练预案"), queryset=Plan.objects.none(), required=False, empty_label=_("（不针对具体预案）"))
    planned_on = forms.DateField(label=_("计划日期"), required=False, widget=DATE)
    conducted_on = forms.DateField(label=_("实施日期"), required=False, widget=DATE, help_text=_("尚未实施请留空。"))
    organiser = forms.CharField(label=_("组织单位"), max_length=100, required=False)
    participants = forms.IntegerField(label=_("参演人数"), min_value=0, max_value=100_000, initial=0)
    participant_units = forms.CharField(label=_("参演单位"), max_length=300, required=False)
    scenario = forms.CharField(label=_("演练情景"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evaluation = forms.CharField(label=_("评估意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rating = forms.ChoiceField(label=_("评估等级"), choices=[("", _("未评估")), *DrillRating.choices], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = Plan.objects.active().exclude(status=PlanStatus.DRAFT).select_related("jurisdiction").only("id", "title", "jurisdiction__name")
        field = cast(forms.ModelChoiceField, self.fields["plan"])
        field.queryset = plans.order_by("jurisdiction_path", "title")

    @classmethod
    def initial_of(cls, drill: Drill) -> dict[str, Any]:
        return {
            "title": drill.title, "kind": drill.kind, "jurisdiction": drill.jurisdiction.code, "plan": drill.plan_id,
            "planned_on": drill.planned_on, "conducted_on": drill.conducted_on, "organiser": drill.organiser,
            "participants": drill.participants, "participant_units": drill.participant_units, "scenario": drill.scenario,
            "evaluation": drill.evaluation, "rating": drill.rating,
        }


class DrillActionForm(forms.Form):
    description = forms.CharField(label=_("整改事项"), max_length=300)
    owner = forms.CharField(label=_("责任人/单位"), max_length=60, required=False)
    deadline = forms.DateField(label=_("完成期限"), required=False, widget=DATE)
    becomes_hazard = forms.BooleanField(label=_("转为隐患"), required=False, help_text=_("隐患模块上线后将据此登记隐患；请在下面写明隐患情况。"))
    hazard_note = forms.CharField(label=_("隐患说明"), max_length=300, required=False)


class TrainingForm(_WithJurisdiction):
    held_on = forms.DateField(label=_("日期"), widget=DATE)
    kind = forms.ChoiceField(label=_("活动类型"), choices=TrainingKind.choices)
    audience = forms.ChoiceField(label=_("对象"), choices=Audience.choices)
    topic = forms.CharField(label=_("主题"), max_length=120)
    jurisdiction = _jurisdiction_field()
    attendance = forms.IntegerField(label=_("参加人数"), min_value=0, max_value=1_000_000, initial=0)
    organiser = forms.CharField(label=_("组织单位"), max_length=100, required=False)
    location = forms.CharField(label=_("地点"), max_length=120, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def initial_of(cls, t: Training) -> dict[str, Any]:
        return {"held_on": t.held_on, "kind": t.kind, "audience": t.audience, "topic": t.topic, "jurisdiction": t.jurisdiction.code,
                "attendance": t.attendance, "organiser": t.organiser, "location": t.location, "note": t.note}


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    code = forms.CharField(required=False)
