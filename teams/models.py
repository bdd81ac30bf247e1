"""Rescue teams (救援队伍): the team ledger with members, certificates, vehicles and status history.

A team, its members, their certificates, its vehicles and its status changes are all
`Registry` rows bound to the team's jurisdiction, so the one scoping mechanism hides a
township's teams from another township everywhere (lists, the map, nearest-team search,
exports). Capabilities and per-kind standards are county configuration (`TimeStamped`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.models import Person
from teams.choices import (
    CERTIFICATE_WARNING_DAYS,
    KIND_COLOURS,
    STATUS_BADGES,
    STATUS_COLOURS,
    CertificateState,
    MemberRole,
    TeamKind,
    TeamStatus,
    VehicleKind,
    VehicleStatus,
)
from yingji.models import Registry, TimeStamped


class TeamCapability(TimeStamped):
    """A capability a team may have (救援能力), e.g. 灭火, 水域救援: a county vocabulary."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    audited = True

    class Meta:
        verbose_name = _("救援能力")
        verbose_name_plural = _("救援能力")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Team(Registry):
    """A rescue team (救援队伍): a fire brigade, micro fire station, village shock team, …"""

    name = models.CharField(_("队伍名称"), max_length=80)
    kind = models.CharField(_("队伍类型"), max_length=30, choices=TeamKind.choices, db_index=True)
    address = models.CharField(_("驻地地址"), max_length=200, blank=True)
    lng = models.FloatField(_("经度"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    lat = models.FloatField(_("纬度"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    leader = models.ForeignKey(
        Person, verbose_name=_("队长"), null=True, blank=True, on_delete=models.PROTECT, related_name="led_teams"
    )
    duty_phone = models.CharField(_("值班电话"), max_length=20, blank=True)
    capabilities = models.ManyToManyField(TeamCapability, verbose_name=_("救援能力"), blank=True, related_name="teams")
    status = models.CharField(
        _("状态"), max_length=20, choices=TeamStatus.choices, default=TeamStatus.AVAILABLE, db_index=True
    )
    status_reason = models.CharField(_("状态说明"), max_length=200, blank=True)
    status_until = models.DateTimeField(_("预计恢复时间"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("救援队伍")
        verbose_name_plural = _("救援队伍")
        ordering = ["jurisdiction_path", "kind", "name", "id"]
        indexes = [
            models.Index(fields=["jurisdiction_path", "kind"]),
            # The nearest-team search: available teams inside a lat/lng box.
            models.Index(fields=["status", "lat", "lng"], name="teams_team_status_lat_lng"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                condition=models.Q(archived_at__isnull=True),
                name="teams_team_unique_active_name",
                violation_error_message=_("本辖区已有同名的队伍"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_colour(self) -> str:
        return KIND_COLOURS.get(self.kind, "#555555")

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "#555555")

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.status, "badge-muted")

    @property
    def is_dispatchable(self) -> bool:
        return self.status == TeamStatus.AVAILABLE and self.archived_at is None


class TeamStatusChange(Registry):
    """One change of a team's status (状态记录): who, when, why, and until when."""

    team = models.ForeignKey(Team, verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=20, choices=TeamStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=TeamStatus.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    until = models.DateTimeField(_("预计恢复时间"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("变更时间"), default=timezone.now)

    class Meta:
        verbose_name = _("队伍状态记录")
        verbose_name_plural = _("队伍状态记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.from_status} → {self.to_status}"


class TeamMember(Registry):
    """A person serving in a team (队员), with role and on-duty flag; ended, never deleted."""

    team = models.ForeignKey(Team, verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="team_memberships")
    role = models.CharField(_("队内职务"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    on_duty = models.BooleanField(_("在岗值守"), default=False)
    joined_on = models.DateField(_("入队日期"), default=timezone.localdate)
    left_on = models.DateField(_("离队日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        ordering = ["team", "role", "id"]
        indexes = [models.Index(fields=["team", "left_on"])]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"

    @property
    def is_current(self) -> bool:
        return self.archived_at is None and (self.left_on is None or self.left_on > timezone.localdate())


class Certificate(Registry):
    """A qualification certificate of a team member (资格证书), with its expiry date."""

    member = models.ForeignKey(TeamMember, verbose_name=_("队员"), on_delete=models.PROTECT, related_name="certificates")
    name = models.CharField(_("证书名称"), max_length=60)
    number = models.CharField(_("证书编号"), max_length=60, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("资格证书")
        verbose_name_plural = _("资格证书")
        ordering = ["member", "name", "-expires_on", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.number}".strip()

    def state(self, today: date | None = None) -> str:
        """valid / expiring (within 30 days) / expired / no expiry."""
        if self.expires_on is None:
            return CertificateState.NO_EXPIRY
        today = today or timezone.localdate()
        if self.expires_on < today:
            return CertificateState.EXPIRED
        if self.expires_on <= today + timedelta(days=CERTIFICATE_WARNING_DAYS):
            return CertificateState.EXPIRING
        return CertificateState.VALID

    @property
    def state_label(self) -> str:
        return str(CertificateState(self.state()).label)

    @property
    def is_usable(self) -> bool:
        return self.archived_at is None and self.state() != CertificateState.EXPIRED


class Vehicle(Registry):
    """A vehicle or boat of a team (车辆装备): plate, type, capacity and status."""

    team = models.ForeignKey(Team, verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="vehicles")
    plate = models.CharField(_("号牌"), max_length=20)
    kind = models.CharField(_("车辆类型"), max_length=20, choices=VehicleKind.choices)
    capacity = models.CharField(_("载量/载员"), max_length=40, blank=True, help_text=_("如 5吨水、8人"))
    status = models.CharField(_("车辆状态"), max_length=20, choices=VehicleStatus.choices, default=VehicleStatus.READY)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        ordering = ["team", "kind", "plate", "id"]

    def __str__(self) -> str:
        return f"{self.plate} {self.get_kind_display()}"


class TeamStandard(TimeStamped):
    """The standard a kind of team is checked against (配备标准): staff, duty, skills, kit.

    Lists are JSON so a county can adapt them without a migration:
    - required_capabilities: ["灭火", …] (names of TeamCapability)
    - required_certificates: [{"name": "…", "count": n}] (valid certificates among current members)
    - required_vehicles: [{"kind": VehicleKind value, "count": n}] (vehicles not retired)
    - required_equipment: [{"name": "…", "quantity": n}] (matched in the supplies ledger when present)
    """

    kind = models.CharField(_("队伍类型"), max_length=30, choices=TeamKind.choices, unique=True)
    name = models.CharField(_("标准名称"), max_length=60)
    min_members = models.PositiveSmallIntegerField(_("最少队员数"), default=0)
    min_on_duty = models.PositiveSmallIntegerField(_("最少在岗人数"), default=0)
    required_capabilities = models.JSONField(_("必备能力"), default=list, blank=True)
    required_certificates = models.JSONField(_("必备证书"), default=list, blank=True)
    required_vehicles = models.JSONField(_("必备车辆"), default=list, blank=True)
    required_equipment = models.JSONField(_("必备器材"), default=list, blank=True)
    basis = models.TextField(_("依据"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    audited = True

    class Meta:
        verbose_name = _("队伍配备标准")
        verbose_name_plural = _("队伍配备标准")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "min_members": self.min_members,
            "min_on_duty": self.min_on_duty,
            "required_capabilities": list(self.required_capabilities),
            "required_certificates": list(self.required_certificates),
            "required_vehicles": list(self.required_vehicles),
            "required_equipment": list(self.required_equipment),
        }
