"""Forms of the notification pages: escalation policies with their steps, group channels, phone acknowledgements."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from notifications.choices import ChannelChoice, FinalAction, TargetKind
from notifications.models import EscalationPolicy, GroupChannel
from people.models import PositionKind

PERSONAL_CHANNEL_CHOICES = [(c.value, c.label) for c in ChannelChoice if c not in (ChannelChoice.WEBHOOK, ChannelChoice.BROADCAST)]
GROUP_CHANNEL_CHOICES = [(c.value, c.label) for c in ChannelChoice if c in (ChannelChoice.DINGTALK, ChannelChoice.WECOM, ChannelChoice.WEBHOOK, ChannelChoice.BROADCAST)]


class JurisdictionCodeField(forms.CharField):
    """A jurisdiction typed as its code; resolved through the scoped manager (outsiders: unknown)."""

    def clean(self, value: Any) -> Jurisdiction:
        code = super().clean(value)
        node = Jurisdiction.objects.active().filter(code=code).first()
        if node is None:
            raise forms.ValidationError(_("辖区代码不存在或不在您的辖区范围内"))
        return node


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    jurisdiction = JurisdictionCodeField(label=_("所属辖区代码"), max_length=20)
    topic = forms.CharField(label=_("适用类别"), max_length=40, required=False, help_text=_("如 warning（预警）、hazard.reminder；留空表示通用"))
    severity = forms.CharField(label=_("适用级别"), max_length=20, required=False, help_text=_("如 red、orange；留空表示各级"))
    repeat_count = forms.IntegerField(label=_("重复轮数"), min_value=0, max_value=5, initial=0)
    final_action = forms.ChoiceField(label=_("最终动作"), choices=FinalAction.choices, initial=FinalAction.SUPERIOR_CHAIN)
    final_wait_minutes = forms.IntegerField(label=_("逐级上报间隔（分钟）"), min_value=0, max_value=1440, initial=10)
    final_channels = forms.MultipleChoiceField(
        label=_("逐级上报渠道"), choices=PERSONAL_CHANNEL_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    @classmethod
    def initial_for(cls, policy: EscalationPolicy) -> dict[str, Any]:
        return {
            "name": policy.name,
            "jurisdiction": policy.jurisdiction.code,
            "topic": policy.topic,
            "severity": policy.severity,
            "repeat_count": policy.repeat_count,
            "final_action": policy.final_action,
            "final_wait_minutes": policy.final_wait_minutes,
            "final_channels": policy.final_channels,
            "is_active": policy.is_active,
            "note": policy.note,
        }


class StepForm(forms.Form):
    target_kind = forms.ChoiceField(label=_("通知对象"), choices=[("", "—"), *TargetKind.choices], required=False)
    position_kind = forms.ModelChoiceField(
        label=_("岗位"), queryset=PositionKind.objects.all(), to_field_name="code", required=False
    )
    level = forms.ChoiceField(label=_("层级"), choices=[("", "—"), *Level.choices], required=False)
    person_id = forms.IntegerField(label=_("人员编号"), required=False, min_value=1)
    group_channel_id = forms.IntegerField(label=_("群组通道编号"), required=False, min_value=1)
    team_id = forms.IntegerField(label=_("队伍编号"), required=False, min_value=1)
    channels = forms.MultipleChoiceField(
        label=_("渠道"), choices=PERSONAL_CHANNEL_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    wait_minutes = forms.IntegerField(label=_("等待（分钟）"), min_value=0, max_value=1440, initial=10, required=False)

    def as_step(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("target_kind"):
            return None
        kind = data.get("position_kind")
        return {
            "target_kind": data["target_kind"],
            "position_kind": kind.code if kind is not None else "",
            "level": data.get("level") or "",
            "person_id": data.get("person_id"),
            "group_channel_id": data.get("group_channel_id"),
            "team_id": data.get("team_id"),
            "channels": data.get("channels") or [],
            "wait_minutes": data.get("wait_minutes") if data.get("wait_minutes") is not None else 10,
        }


StepFormSet = forms.formset_factory(StepForm, extra=2, max_num=12)


def step_initial(policy: EscalationPolicy) -> list[dict[str, Any]]:
    return [
        {
            "target_kind": step.target_kind,
            "position_kind": step.position_kind.code if step.position_kind is not None else None,
            "level": step.level,
            "person_id": step.person_id,
            "group_channel_id": step.group_channel_id,
            "team_id": step.team_id,
            "channels": step.channels,
            "wait_minutes": step.wait_minutes,
        }
        for step in policy.steps.select_related("position_kind").order_by("order", "id")
    ]


class GroupChannelForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    jurisdiction = JurisdictionCodeField(label=_("所属辖区代码"), max_length=20)
    channel = forms.ChoiceField(label=_("渠道"), choices=GROUP_CHANNEL_CHOICES)
    url = forms.URLField(label=_("地址"), max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label=_("密钥"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("只写：保存后不再显示；留空表示不修改"),
    )
    clear_secret = forms.BooleanField(label=_("清除已保存的密钥"), required=False)
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    @classmethod
    def initial_for(cls, group: GroupChannel) -> dict[str, Any]:
        return {"name": group.name, "jurisdiction": group.jurisdiction.code, "channel": group.channel, "url": group.url, "enabled": group.enabled, "note": group.note}


class PhoneAckForm(forms.Form):
    note = forms.CharField(label=_("备注"), max_length=200, required=False, help_text=_("如：已电话联系，本人正在处置"))


class QuotaSettingsForm(forms.Form):
    """One township's monthly SMS/voice quotas and quiet hours (empty: no limit / no quiet hours)."""

    sms_limit = forms.IntegerField(label=_("短信月度额度（条）"), required=False, min_value=1, max_value=10_000_000)
    voice_limit = forms.IntegerField(label=_("语音外呼月度额度（次）"), required=False, min_value=1, max_value=10_000_000)
    quiet_start = forms.TimeField(label=_("静默时段开始"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label=_("静默时段结束"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_enabled = forms.BooleanField(label=_("启用静默时段"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise forms.ValidationError(_("请同时填写静默时段的开始和结束时间，或都留空"))
        return data
