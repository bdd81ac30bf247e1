"""Sending rules of paid channels: monthly SMS/voice quotas and quiet hours, per township.

Applied by the outbox just before a claimed delivery is sent (one place, whatever created
the delivery: a first message, an escalation step or a fall-through):

- **red** (一级) notifications ignore both rules: life safety first. The delivery records that
  it was sent although a rule would have held or diverted it;
- in the township's **quiet hours** a non-red SMS or call is put back in the queue until the
  quiet period ends (`next_attempt_at`), and the escalation deadlines it carries move with it;
- when the township's **quota** for the month is used up, a non-red SMS or call is not sent
  but moves on to the recipient's next channel (or fails, visibly, when none is left).

Usage is the month's delivery attempts on that channel in the township's subtree (every try
that a provider may bill: accepted, delivered or still unanswered). Several workers may each
count a batch before the other's sends land, so a quota can be overshot by at most one batch
per worker: it is a budget guard, not a hard cap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, F
from django.db.models.functions import Greatest
from django.utils import timezone

from notifications.choices import AttemptOutcome, EscalationState
from notifications.models import ChannelQuota, Delivery, DeliveryAttempt, Escalation, QuietHours

log = logging.getLogger(__name__)

RULED_CHANNELS = ("sms", "voice")
LIFE_SAFETY_SEVERITY = "red"
WARN_AT_PERCENT = 80
BILLABLE_OUTCOMES = (AttemptOutcome.SENT, AttemptOutcome.DELIVERED, AttemptOutcome.PENDING)


def ancestor_paths(path: str) -> list[str]:
    """`/a/b/c/` → `/a/`, `/a/b/`, `/a/b/c/` (nearest last)."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def month_key(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m")


def month_start(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def usage_of(quota: ChannelQuota, *, at: datetime | None = None) -> int:
    """Billable attempts of this month on the quota's channel in its township's subtree."""
    return usage_by_quota([quota], at=at).get(quota.pk, 0)


def usage_by_quota(quotas: list[ChannelQuota], *, at: datetime | None = None) -> dict[int, int]:
    """Usage of several quotas, one query per channel and township set (used by lists and pages)."""
    at = at or timezone.now()
    usage: dict[int, int] = {}
    for quota in quotas:
        usage[quota.pk] = 0
    by_channel: dict[str, list[ChannelQuota]] = {}
    for quota in quotas:
        by_channel.setdefault(quota.channel, []).append(quota)
    for channel, rows in by_channel.items():
        attempts = DeliveryAttempt.objects.filter(channel=channel, started_at__gte=month_start(at), outcome__in=BILLABLE_OUTCOMES)
        counts = attempts.values("delivery__jurisdiction_path").annotate(n=Count("id"))
        for row in counts:
            path = str(row["delivery__jurisdiction_path"])
            for quota in rows:
                if path.startswith(quota.jurisdiction_path):
                    usage[quota.pk] += int(row["n"])
    return usage


def is_quiet(moment: time, start: time, end: time) -> bool:
    """Whether a local time of day falls in [start, end), wrapping past midnight (22:00–07:00)."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def quiet_until(at: datetime, start: time, end: time) -> datetime | None:
    """The end of the quiet period `at` is in, or None when `at` is not quiet."""
    local = timezone.localtime(at)
    if not is_quiet(local.time(), start, end):
        return None
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate


@dataclass
class Verdict:
    """What to do with one claimed delivery: send it, hold it until `until`, or divert it."""

    action: str  # "send" | "hold" | "divert"
    note: str = ""
    until: datetime | None = None


@dataclass
class RuleBook:
    """The rules of the townships touched by one batch, and the usage counted so far."""

    now: datetime
    _quotas: dict[str, list[ChannelQuota]] = field(default_factory=dict)
    _quiet: dict[str, QuietHours | None] = field(default_factory=dict)
    _usage: dict[int, int] = field(default_factory=dict)

    def quota_for(self, path: str, channel: str) -> ChannelQuota | None:
        if path not in self._quotas:
            rows = ChannelQuota.unscoped.filter(jurisdiction_path__in=ancestor_paths(path)).select_related("jurisdiction")
            self._quotas[path] = sorted(rows, key=lambda q: len(q.jurisdiction_path), reverse=True)
        return next((q for q in self._quotas[path] if q.channel == channel), None)

    def quiet_for(self, path: str) -> QuietHours | None:
        if path not in self._quiet:
            rows = QuietHours.unscoped.filter(jurisdiction_path__in=ancestor_paths(path), enabled=True)
            self._quiet[path] = max(rows, key=lambda q: len(q.jurisdiction_path), default=None)
        return self._quiet[path]

    def used(self, quota: ChannelQuota) -> int:
        if quota.pk not in self._usage:
            self._usage[quota.pk] = usage_of(quota, at=self.now)
        return self._usage[quota.pk]

    def verdict(self, delivery: Delivery) -> Verdict:
        if delivery.channel not in RULED_CHANNELS:
            return Verdict("send")
        path = delivery.jurisdiction_path
        red = delivery.notification.severity == LIFE_SAFETY_SEVERITY
        quiet = self.quiet_for(path)
        until = quiet_until(self.now, quiet.start, quiet.end) if quiet is not None else None
        quota = self.quota_for(path, delivery.channel)
        exhausted = quota is not None and self.used(quota) >= quota.monthly_limit
        label = delivery.get_channel_display()
        if red:
            if until is not None or exhausted:
                return Verdict("send", note="红色预警：不受静默时段和月度额度限制，照常发送")
            return Verdict("send")
        if until is not None:
            return Verdict("hold", note=f"静默时段：{label}顺延至 {timezone.localtime(until):%m-%d %H:%M} 发送", until=until)
        if exhausted:
            assert quota is not None
            return Verdict("divert", note=f"本月{label}额度（{quota.monthly_limit}）已用完，改用下一渠道")
        return Verdict("send")

    def count_sent(self, delivery: Delivery) -> None:
        if delivery.channel not in RULED_CHANNELS:
            return
        quota = self.quota_for(delivery.jurisdiction_path, delivery.channel)
        if quota is not None:
            self._usage[quota.pk] = self.used(quota) + 1

    def touched(self) -> list[tuple[ChannelQuota, int]]:
        quotas = {q.pk: q for rows in self._quotas.values() for q in rows}
        return [(quotas[pk], used) for pk, used in self._usage.items() if pk in quotas]


def hold(delivery: Delivery, verdict: Verdict, *, worker_id: str) -> int:
    """Put a claimed delivery back until the quiet period ends; move its escalation deadlines along."""
    from notifications.choices import DeliveryState

    assert verdict.until is not None
    wait = (delivery.ack_deadline - delivery.created_at) if delivery.ack_deadline else timedelta(minutes=10)
    wait = max(wait, timedelta(0))
    updated = Delivery.unscoped.filter(pk=delivery.pk, locked_by=worker_id, state=DeliveryState.SENDING).update(
        state=DeliveryState.QUEUED,
        attempt_count=Greatest(F("attempt_count") - 1, 0),
        next_attempt_at=verdict.until,
        ack_deadline=verdict.until + wait,
        rule_note=verdict.note[:200],
        locked_by="",
        locked_until=None,
    )
    if updated:
        Escalation.unscoped.filter(deliveries=delivery, state=EscalationState.RUNNING, next_step_at__lt=verdict.until + wait).update(
            next_step_at=verdict.until + wait
        )
    return updated


# --- warnings at 80 % and 100 % ----------------------------------------------------------


def warn_thresholds(book: RuleBook) -> None:
    """Tell the township's admins once a month at 80 % and once at 100 % (conditional updates: once only)."""
    month = month_key(book.now)
    for quota, used in book.touched():
        if quota.monthly_limit <= 0:
            continue
        percent = used * 100 // quota.monthly_limit
        try:
            if percent >= 100:
                first = ChannelQuota.unscoped.filter(pk=quota.pk).exclude(warned_100_month=month).update(
                    warned_100_month=month, warned_80_month=month
                )
                if first:
                    _tell_admins(quota, used, full=True)
            elif percent >= WARN_AT_PERCENT:
                first = ChannelQuota.unscoped.filter(pk=quota.pk).exclude(warned_80_month=month).update(warned_80_month=month)
                if first:
                    _tell_admins(quota, used, full=False)
        except Exception:  # a warning that cannot be sent must not stop the outbox
            log.exception("could not warn about quota %s", quota.pk)


def admins_of(quota: ChannelQuota) -> list[Any]:
    """The township's admins; the county's when the township has none."""
    from accounts.models import User
    from accounts.roles import Role

    users = list(User.unscoped.filter(role=Role.TOWNSHIP_ADMIN, jurisdiction_id=quota.jurisdiction_id, is_active=True))
    if not users:
        above = ancestor_paths(quota.jurisdiction_path)[:-1]
        users = list(User.unscoped.filter(role=Role.COUNTY_ADMIN, jurisdiction__path__in=above, is_active=True))
    return users


def _tell_admins(quota: ChannelQuota, used: int, *, full: bool) -> None:
    from notifications.services import Recipient, start_notification

    users = admins_of(quota)
    if not users:
        log.warning("quota %s reached %s%% but nobody administers %s", quota.pk, 100 if full else WARN_AT_PERCENT, quota.jurisdiction)
        return
    label = quota.get_channel_display()
    township = quota.jurisdiction.name
    if full:
        title = f"{township}本月{label}额度已用完"
        body = (
            f"{township}本月{label}已发送 {used} 条（额度 {quota.monthly_limit}）。"
            f"此后非红色预警的{label}将改用接收人的下一渠道；红色预警照常发送。如需调整额度，请到“发送额度与静默时段”页面。"
        )
    else:
        title = f"{township}本月{label}额度已用 {WARN_AT_PERCENT}%"
        body = f"{township}本月{label}已发送 {used} 条，额度 {quota.monthly_limit}。用完后非红色预警的{label}将改用下一渠道。"
    start_notification(
        topic="quota",
        source=quota,
        jurisdiction=quota.jurisdiction,
        title=title,
        body=body,
        recipients=[Recipient(user_id=user.pk, label=user.get_full_name() or user.username) for user in users],
        channels=["inapp"],
    )


# --- what the settings page, the API and the banner show ---------------------------------


@dataclass
class QuotaUse:
    channel: str
    channel_label: str
    monthly_limit: int | None
    used: int

    @property
    def percent(self) -> int | None:
        if not self.monthly_limit:
            return None
        return self.used * 100 // self.monthly_limit

    @property
    def level(self) -> str:
        """ok / warn (≥ 80 %) / full (≥ 100 %): the banner's and the bar's colour."""
        percent = self.percent
        if percent is None or percent < WARN_AT_PERCENT:
            return "ok"
        return "full" if percent >= 100 else "warn"


@dataclass
class TownshipRules:
    township: Any
    quotas: list[QuotaUse]
    quiet_hours: QuietHours | None


def overview(townships: list[Any], *, at: datetime | None = None) -> list[TownshipRules]:
    """Quotas with this month's usage and quiet hours of the given townships (a few queries in all)."""
    at = at or timezone.now()
    ids = [t.pk for t in townships]
    quotas = list(ChannelQuota.unscoped.filter(jurisdiction_id__in=ids))
    quiet = {q.jurisdiction_id: q for q in QuietHours.unscoped.filter(jurisdiction_id__in=ids)}
    used = usage_by_quota(quotas, at=at)
    by_key = {(q.jurisdiction_id, q.channel): q for q in quotas}
    labels = dict(ChannelQuota._meta.get_field("channel").choices or [])
    result = []
    for township in townships:
        uses = []
        for channel in RULED_CHANNELS:
            quota = by_key.get((township.pk, channel))
            uses.append(QuotaUse(channel, str(labels.get(channel, channel)), quota.monthly_limit if quota else None, used.get(quota.pk, 0) if quota else 0))
        result.append(TownshipRules(township, uses, quiet.get(township.pk)))
    return result


def alerts(quotas: list[ChannelQuota], *, at: datetime | None = None) -> list[tuple[ChannelQuota, QuotaUse]]:
    """Quotas at or above 80 % this month (the notification pages' banner)."""
    used = usage_by_quota(quotas, at=at)
    labels = dict(ChannelQuota._meta.get_field("channel").choices or [])
    rows = [(q, QuotaUse(q.channel, str(labels.get(q.channel, q.channel)), q.monthly_limit, used.get(q.pk, 0))) for q in quotas]
    return [(q, use) for q, use in rows if use.level != "ok"]
