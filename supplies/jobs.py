"""Daily expiry and low-stock scan: flags supplies and reminds each storage point keeper once.

A reminder row (`SupplyReminder`) is written per threshold crossing — 临期 (first window,
30 days by default), 即将过期 (second window, 7 days), 已过期, 低库存 — and a unique
constraint makes a crossing remind once, however many workers run the scan or how often.
If the notification core is present the keeper gets a notification through it
(`notifications.services.start_notification`); otherwise the reminder stays recorded and
listed on the 临期/过期/低库存 page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.registry import periodic
from supplies.choices import ExpiryState, ReminderKind
from supplies.models import Supply, SupplyReminder, warning_days
from yingji.context import acting_as_system
from yingji.scoping import unscoped

log = logging.getLogger("yingji.supplies")

STATE_TO_REMINDER: dict[str, str] = {
    ExpiryState.EXPIRING: ReminderKind.EXPIRING,
    ExpiryState.EXPIRING_SOON: ReminderKind.EXPIRING_SOON,
    ExpiryState.EXPIRED: ReminderKind.EXPIRED,
}
NOTIFICATION_TOPIC = "supplies"


@dataclass
class ScanResult:
    flagged: dict[str, int] = field(default_factory=dict)
    reminded: int = 0
    notified: int = 0
    resolved: int = 0


def _notify(reminder: SupplyReminder, supply: Supply) -> str:
    """Start a notification to the keeper; the notification id, or "" if it cannot be sent."""
    point = supply.storage_point
    if point.keeper_id is None:
        return ""
    try:
        from notifications.services import Recipient, start_notification
    except ImportError:  # the notification core is not installed
        return ""
    when = f"（有效期至 {supply.expiry_date:%Y-%m-%d}）" if supply.expiry_date else ""
    title = f"{reminder.get_kind_display()}：{point.name} {supply}"
    body = (
        f"{point.name}的“{supply}”批次 {supply.batch or '—'} 现有 {supply.quantity}{supply.unit}{when}，"
        f"状态：{reminder.get_kind_display()}。请核查并及时更换、补充或报废，登记出入库。"
    )
    if reminder.kind == ReminderKind.LOW_STOCK:
        body = (
            f"{point.name}的“{supply}”现有 {supply.quantity}{supply.unit}，低于低库存阈值 "
            f"{supply.low_stock_threshold}{supply.unit}。请及时补充并登记入库。"
        )
    notification = start_notification(
        topic=NOTIFICATION_TOPIC,
        source=supply,
        jurisdiction=point.jurisdiction,
        title=title,
        body=body,
        recipients=[Recipient(person_id=point.keeper_id, label=f"{point.name} 保管人")],
    )
    return str(notification.pk)


def _remind(supply: Supply, kind: str, expiry: date | None, result: ScanResult) -> None:
    try:
        with transaction.atomic():
            reminder = SupplyReminder.objects.create(supply=supply, kind=kind, expiry_date=expiry)
    except IntegrityError:  # another worker recorded this crossing first
        return
    result.reminded += 1
    try:
        with transaction.atomic():
            reference = _notify(reminder, supply)
    except ValidationError as exc:  # e.g. the keeper has no reachable contact: stays listed on the page
        log.warning("supplies reminder %s not sent: %s", reminder.pk, "；".join(exc.messages))
        return
    if reference:
        reminder.notified = True
        reminder.notification_ref = reference[:60]
        reminder.save(update_fields=["notified", "notification_ref"])
        result.notified += 1


def scan_supplies(today: date | None = None) -> ScanResult:
    """Flag expiring, expired and low stock and remind once per crossing (system work: unscoped)."""
    today = today or timezone.localdate()
    first, _second = warning_days()
    result = ScanResult()
    with unscoped(), acting_as_system("supplies.expiry_scan"):
        candidates = (
            Supply.objects.filter(archived_at__isnull=True, quantity__gt=0)
            .filter(
                Q(expiry_date__lte=today + timedelta(days=first))
                | Q(low_stock_threshold__isnull=False, quantity__lt=F("low_stock_threshold"))
            )
            .select_related("storage_point__jurisdiction", "jurisdiction")
        )
        supplies = list(candidates)
        done = set(
            SupplyReminder.objects.filter(supply__in=supplies, expiry_date__isnull=False).values_list(
                "supply_id", "kind", "expiry_date"
            )
        )
        open_low = set(
            SupplyReminder.objects.filter(kind=ReminderKind.LOW_STOCK, resolved_at__isnull=True).values_list(
                "supply_id", flat=True
            )
        )
        for supply in supplies:
            state = supply.expiry_state(today)
            kind = STATE_TO_REMINDER.get(state)
            if kind is not None:
                result.flagged[kind] = result.flagged.get(kind, 0) + 1
                if (supply.pk, kind, supply.expiry_date) not in done:
                    _remind(supply, kind, supply.expiry_date, result)
            if supply.is_low:
                result.flagged[ReminderKind.LOW_STOCK] = result.flagged.get(ReminderKind.LOW_STOCK, 0) + 1
                if supply.pk not in open_low:
                    _remind(supply, ReminderKind.LOW_STOCK, None, result)
        # A shortage that is over closes its reminder, so the next one is reminded again.
        still_low = {s.pk for s in supplies if s.is_low}
        result.resolved = SupplyReminder.objects.filter(
            kind=ReminderKind.LOW_STOCK, resolved_at__isnull=True
        ).exclude(supply_id__in=still_low).update(resolved_at=timezone.now())
    return result


@periodic("supplies.expiry_scan", every=timedelta(hours=24))
def daily_expiry_scan() -> Any:
    result = scan_supplies()
    log.info(
        "supplies scan: flagged %s, %d reminders (%d notified), %d low-stock reminders resolved",
        result.flagged,
        result.reminded,
        result.notified,
        result.resolved,
    )
    return result.reminded
