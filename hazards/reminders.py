"""Colour reminders of a hazard's deadline: who gets them and what they say.

The scan (`hazards.scan`) decides *when* a reminder is due and claims it; this module only
builds and starts the notification. The assignee gets 临期提醒 on the first yellow day and
逾期提醒 on the first red day through the notification core, whose `hazard.reminder` policy
escalates to their superiors when nobody acknowledges. A hazard red for longer than the
configured number of days is escalated explicitly to its station (乡镇/街道): the township's
administrators and staff and whoever is on duty there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings

from accounts.roles import Role
from duty.services import on_duty
from hazards.choices import ReminderLevel
from hazards.models import Hazard
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from notifications.models import EscalationPolicy, Notification
from notifications.services import Recipient, default_policy, start_notification
from yingji.scoping import path_codes

TOPIC = "hazard.reminder"
ESCALATION_TOPIC = "hazard.escalation"
SYSTEM_LABEL = "系统"
DEFAULT_ESCALATE_AFTER_RED_DAYS = 3

EVENT_ACTIONS = {
    ReminderLevel.YELLOW: "remind_yellow",
    ReminderLevel.RED: "remind_red",
    ReminderLevel.ESCALATED: "escalate",
}


def escalate_after_red_days() -> int:
    """Days a hazard may stay red before the station is told (setting `HAZARD_ESCALATE_AFTER_RED_DAYS`)."""
    return max(int(getattr(settings, "HAZARD_ESCALATE_AFTER_RED_DAYS", DEFAULT_ESCALATE_AFTER_RED_DAYS)), 0)


def days_overdue(deadline: date, today: date) -> int:
    """Whole days past the deadline: 1 on the first red day, 0 or less while not red."""
    return (today - deadline).days


def level_due(deadline: date | None, yellow_from: date | None, today: date, *, escalate_after: int) -> int:
    """The reminder level a hazard in rectification should have reached on `today`.

    Red is any day after the deadline (the deadline day itself is still yellow); escalation
    follows once the hazard has been red for more than `escalate_after` days.
    """
    if deadline is None:
        return ReminderLevel.NONE
    overdue = days_overdue(deadline, today)
    if overdue > escalate_after:
        return ReminderLevel.ESCALATED
    if overdue > 0:
        return ReminderLevel.RED
    if yellow_from is not None and today >= yellow_from:
        return ReminderLevel.YELLOW
    return ReminderLevel.NONE


def station_of(hazard: Hazard) -> Jurisdiction:
    """The township (乡镇/街道) responsible for the hazard; the county for county-level hazards."""
    codes = path_codes(hazard.jurisdiction_path)
    township = Jurisdiction.unscoped.filter(code__in=codes, level=Level.TOWNSHIP).defer("boundary").first()
    return township or hazard.jurisdiction


@dataclass
class StationCache:
    """Lookups shared by the hazards of one scan chunk (many share a township and a policy)."""

    recipients: dict[int, list[Recipient]] = field(default_factory=dict)
    stations: dict[str, Jurisdiction] = field(default_factory=dict)
    policies: dict[tuple[str, int], EscalationPolicy | None] = field(default_factory=dict)

    def for_station(self, station: Jurisdiction) -> list[Recipient]:
        if station.pk not in self.recipients:
            self.recipients[station.pk] = station_recipients(station)
        return self.recipients[station.pk]

    def station_of(self, hazard: Hazard) -> Jurisdiction:
        codes = path_codes(hazard.jurisdiction_path)
        key = codes[1] if len(codes) > 1 else hazard.jurisdiction_path
        if key not in self.stations:
            self.stations[key] = station_of(hazard)
        return self.stations[key]

    def policy(self, topic: str, jurisdiction: Jurisdiction) -> EscalationPolicy | None:
        key = (topic, jurisdiction.pk)
        if key not in self.policies:
            self.policies[key] = default_policy(topic, jurisdiction)
        return self.policies[key]


def station_recipients(station: Jurisdiction) -> list[Recipient]:
    """The station's administrators and staff (their accounts) and the people on duty there now."""
    from accounts.models import User

    result: list[Recipient] = []
    staff = (
        User.unscoped.filter(
            is_active=True, jurisdiction=station, role__in=[Role.TOWNSHIP_ADMIN, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN]
        )
        .order_by("id")
        .values_list("pk", "person_id")
    )
    for user_id, person_id in staff:
        result.append(Recipient(person_id=person_id, user_id=user_id, label=f"{station.name} 隐患治理"))
    for duty in on_duty(station):
        result.append(Recipient(person_id=duty.person.pk, label=f"{station.name} 值班"))
    return result


def assignee_recipients(hazard: Hazard) -> list[Recipient]:
    if hazard.assignee_person_id is None and hazard.assignee_user_id is None:
        return []
    return [
        Recipient(
            person_id=hazard.assignee_person_id,
            user_id=hazard.assignee_user_id,
            label=f"整改责任人 {hazard.assignee_name}".strip(),
        )
    ]


def _where(hazard: Hazard) -> str:
    place = hazard.place.name if hazard.place_id and hazard.place is not None else hazard.address
    return place or hazard.jurisdiction.name


def message(hazard: Hazard, level: int, today: date) -> tuple[str, str]:
    """Title and body of the reminder for `level` (texts are Chinese: they go out by SMS)."""
    where = _where(hazard)
    summary = hazard.description[:60]
    if level == ReminderLevel.YELLOW:
        assert hazard.deadline is not None
        left = (hazard.deadline - today).days
        title = f"隐患整改临期提醒：{hazard.number}"
        body = f"{where}：{summary}。整改期限 {hazard.deadline:%Y-%m-%d}（还剩 {left} 天），请按期完成整改并提交。"
    elif level == ReminderLevel.RED:
        assert hazard.deadline is not None
        title = f"隐患整改逾期提醒：{hazard.number}"
        body = (
            f"{where}：{summary}。整改期限 {hazard.deadline:%Y-%m-%d} 已过（逾期 {days_overdue(hazard.deadline, today)} 天），"
            "请立即整改，确有困难请申请延期。"
        )
    else:
        assert hazard.deadline is not None
        who = hazard.assignee_name or hazard.assignee_department or "责任人"
        title = f"隐患逾期升级：{hazard.number}"
        body = (
            f"{where}：{summary}。整改期限 {hazard.deadline:%Y-%m-%d}，已逾期 {days_overdue(hazard.deadline, today)} 天"
            f"仍未整改（责任人：{who}），请督促落实。"
        )
    return title, body


def send(hazard: Hazard, level: int, today: date, *, stations: StationCache) -> Notification | None:
    """Start the notification for one claimed reminder level; returns it (None: nobody to tell).

    Runs inside the scan's chunk transaction, so a crash before commit undoes the claim and
    the notification together.
    """
    title, body = message(hazard, level, today)
    if level == ReminderLevel.ESCALATED:
        recipients = stations.for_station(stations.station_of(hazard))
        topic = ESCALATION_TOPIC
    else:
        recipients = assignee_recipients(hazard)
        topic = TOPIC
        if not recipients:
            # Assigned to a department or to someone without an account: the station chases it.
            recipients = stations.for_station(stations.station_of(hazard))
    if not recipients:
        return None
    severity = "major" if hazard.severity == "major" else ""
    return start_notification(
        topic=topic,
        source=hazard,
        jurisdiction=hazard.jurisdiction,
        title=title,
        body=body,
        recipients=recipients,
        policy=stations.policy(topic, hazard.jurisdiction),
        severity=severity,
    )


def event_note(level: int, notification: Notification | None, recipients_label: str = "") -> str:
    labels = {
        ReminderLevel.YELLOW: "临期提醒已发送给整改责任人",
        ReminderLevel.RED: "逾期提醒已发送给整改责任人",
        ReminderLevel.ESCALATED: "逾期未整改，已升级通知乡镇（街道）值班和隐患治理人员",
    }
    note = labels[ReminderLevel(level)]
    if notification is None:
        note += "（没有可通知的人员：请为责任人或乡镇配置账号、值班）"
    return note + recipients_label


def event_data(level: int, notification: Notification | None, hazard: Hazard, today: date) -> dict[str, Any]:
    return {
        "level": int(level),
        "notification_id": notification.pk if notification is not None else None,
        "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
        "scan_date": today.isoformat(),
    }
