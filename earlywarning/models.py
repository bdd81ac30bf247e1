"""预警 (warnings): the signal catalogue, recipient rules and the warnings themselves.

Catalogue tables are data (migrations load the national set; a county edits them):
- `WarningKind`: a kind of warning (暴雨 signal, 地质灾害, …) and the position kinds it reaches;
- `SignalColourRule`: which colours a kind allows, valid over a date range, so a revision
  (霾 gained 红色 in 2013) is a new row rather than an edit of history;
- `LevelPolicy`: warning level → escalation policy code of the notification core.

`EarlyWarning` is a warning with its 第六十四条 content, area (nodes and/or a polygon) and
state; every message sent about it (`WarningMessage`) and everyone it reached
(`WarningRecipient`, frozen at issue so update/extend/lift go to the same people) are rows.
The class is not called `Warning` because that is a Python built-in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from earlywarning.choices import ACTIVE_STATES, KindGroup, Level, MessageType, RecipientSource, State
from yingji.models import Registry, TimeStamped


class WarningKind(TimeStamped):
    """A kind of warning (预警类别), e.g. 暴雨 (a weather signal) or 地质灾害."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    group = models.CharField(_("大类"), max_length=20, choices=KindGroup.choices)
    cma_code = models.CharField(_("气象信号代码"), max_length=4, blank=True, help_text=_("中国气象局预警信号类型代码，如 02 暴雨"))
    cap_category = models.CharField(_("CAP 类别"), max_length=10, default="Met")
    position_kinds = models.ManyToManyField(
        "people.PositionKind", verbose_name=_("接收岗位"), blank=True, related_name="warning_kinds"
    )
    default_watch_for = models.TextField(_("默认警示事项"), blank=True)
    default_measures = models.TextField(_("默认防御措施"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    audited = True

    class Meta:
        verbose_name = _("预警类别")
        verbose_name_plural = _("预警类别")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_weather_signal(self) -> bool:
        return self.group == KindGroup.WEATHER

    def allowed_levels(self, on: date | None = None, rules: list[SignalColourRule] | None = None) -> list[str]:
        """The colours this kind allows on a date, highest level first (from the catalogue rows)."""
        on = on or timezone.localdate()
        rows = rules if rules is not None else list(self.colour_rules.all())
        for rule in rows:
            if rule.covers(on):
                return [level for level in Level.values if level in rule.levels]
        return []


class SignalColourRule(TimeStamped):
    """The colours a warning kind allows from `valid_from` until `valid_until` (exclusive)."""

    kind = models.ForeignKey(WarningKind, verbose_name=_("预警类别"), on_delete=models.CASCADE, related_name="colour_rules")
    levels = models.JSONField(_("允许的颜色"), default=list, help_text=_('如 ["yellow", "orange", "red"]'))
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)

    audited = True

    class Meta:
        verbose_name = _("预警信号颜色规则")
        verbose_name_plural = _("预警信号颜色规则")
        ordering = ["kind", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.kind} {self.valid_from}"

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on < self.valid_until)


class LevelPolicy(TimeStamped):
    """Which escalation policy (notifications.EscalationPolicy code) a warning level uses."""

    level = models.CharField(_("预警级别"), max_length=10, choices=Level.choices, unique=True)
    policy_code = models.CharField(_("升级策略代码"), max_length=60)

    audited = True

    class Meta:
        verbose_name = _("预警级别升级策略")
        verbose_name_plural = _("预警级别升级策略")
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} → {self.policy_code}"


class EarlyWarning(Registry):
    """A warning (预警) issued by a township or county to the responsible people of an area.

    `jurisdiction` is the issuing unit's node; the area is `area_nodes` (within the
    issuer's scope) and/or `area_polygon` (GeoJSON Polygon, WGS-84).
    """

    kind = models.ForeignKey(WarningKind, verbose_name=_("预警类别"), on_delete=models.PROTECT, related_name="warnings")
    level = models.CharField(_("预警级别"), max_length=10, choices=Level.choices)
    title = models.CharField(_("标题"), max_length=120)
    area_nodes = models.ManyToManyField(
        "jurisdictions.Jurisdiction", verbose_name=_("影响区域"), blank=True, related_name="+"
    )
    area_polygon = models.JSONField(_("影响区域（多边形）"), null=True, blank=True)
    area_description = models.CharField(_("可能影响的范围"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("起始时间"), null=True, blank=True)
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True, db_index=True)
    watch_for = models.TextField(_("警示事项"), blank=True)
    measures = models.TextField(_("应当采取的措施"), blank=True)
    issuing_unit = models.CharField(_("发布单位"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place_kinds = models.JSONField(_("通知场所类型"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    policy_code = models.CharField(_("升级策略"), max_length=60, blank=True, editable=False)
    sequence = models.PositiveIntegerField(_("消息序号"), default=0, editable=False)

    # The message counter moves with every message; the messages themselves are the record.
    audit_exclude = frozenset({"sequence"})

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-issued_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction_path", "state"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_draft(self) -> bool:
        return self.state == State.DRAFT

    @property
    def colour_name(self) -> str:
        from earlywarning.choices import LEVEL_COLOUR_NAMES

        return LEVEL_COLOUR_NAMES[Level(self.level)]

    def signal_name(self) -> str:
        """The name shown to people, e.g. 暴雨蓝色预警."""
        return f"{self.kind.name}{self.colour_name}预警"


class WarningMessage(TimeStamped):
    """One message sent about a warning: the first alert, each update/extension, the lifting."""

    warning = models.ForeignKey(EarlyWarning, verbose_name=_("预警"), on_delete=models.CASCADE, related_name="messages")
    sequence = models.PositiveIntegerField(_("序号"))
    msg_type = models.CharField(_("类型"), max_length=10, choices=MessageType.choices)
    summary = models.TextField(_("内容摘要"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发送人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notification_id = models.BigIntegerField(_("通知编号"), null=True, blank=True)
    cap_xml = models.TextField(_("CAP 报文"), blank=True)

    class Meta:
        verbose_name = _("预警消息")
        verbose_name_plural = _("预警消息")
        ordering = ["warning", "sequence"]
        constraints = [models.UniqueConstraint(fields=["warning", "sequence"], name="earlywarning_message_sequence")]

    def __str__(self) -> str:
        return f"{self.warning} #{self.sequence} {self.get_msg_type_display()}"


class WarningRecipient(models.Model):
    """A person (or village group channel) a warning reached, frozen when it was issued.

    Place contacts who are not registered as people keep their name and mobile here, so
    the board can show them as unreachable instead of dropping them.
    """

    warning = models.ForeignKey(EarlyWarning, verbose_name=_("预警"), on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    position_id = models.BigIntegerField(null=True, blank=True, help_text="people.Position that put them on the list")
    group_channel_id = models.BigIntegerField(null=True, blank=True)
    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=10, choices=RecipientSource.choices)
    label = models.CharField(_("说明"), max_length=120, blank=True)
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    mobile = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("预警接收人")
        verbose_name_plural = _("预警接收人")
        ordering = ["warning", "jurisdiction_id", "id"]
        indexes = [models.Index(fields=["warning", "jurisdiction"])]

    def __str__(self) -> str:
        return self.name or self.label

    @property
    def reachable(self) -> bool:
        return self.person_id is not None or self.group_channel_id is not None


def message_context(warning: EarlyWarning) -> dict[str, Any]:
    """What message templates and CAP need, in one place."""
    return {"warning": warning, "signal": warning.signal_name()}
