"""Escalation (升级): the frozen policy, resolving a step's targets, and advancing chains past their deadlines.

A notification's policy is copied into `Notification.policy_snapshot` when it starts. Each
recipient gets an `Escalation` row (叫应链) whose `position` walks the frozen steps: the
steps themselves, repeated `repeat` more times, then the superior chain. `next_step_at` is
the stored deadline; `advance_due` (run by the worker) claims chains whose deadline passed
without an acknowledgement and notifies the next step. Nothing lives in memory, so a
restarted worker carries on from the rows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jobs.claiming import claim_rows
from jurisdictions.choices import LEVEL_ORDER
from jurisdictions.models import Jurisdiction
from notifications.choices import SUPERIOR_CHAIN, EscalationState, FinalAction, NotificationState, TargetKind
from notifications.models import Escalation, EscalationPolicy, Notification
from yingji.scoping import path_codes

if TYPE_CHECKING:
    from notifications.services import Recipient

log = logging.getLogger("yingji.notifications")

ESCALATION_LEASE = timedelta(minutes=2)
# A chain skips steps that resolve to nobody; this bounds the skipping within one scan.
MAX_SKIPS_PER_SCAN = 50


# --- the frozen policy -----------------------------------------------------------------


def step_snapshot(step: Any) -> dict[str, Any]:
    return {
        "kind": step.target_kind,
        "person_id": step.person_id,
        "position_kind": step.position_kind.code if step.position_kind_id else "",
        "level": step.level,
        "team_id": step.team_id,
        "group_channel_id": step.group_channel_id,
        "channels": list(step.channels or []),
        "wait_minutes": step.wait_minutes,
        "label": describe_step(step),
    }


def describe_step(step: Any) -> str:
    """A one-line Chinese description of a step, kept in the snapshot for the board."""
    kind = TargetKind(step.target_kind)
    who = str(kind.label)
    if kind == TargetKind.POSITION and step.position_kind_id:
        who = step.position_kind.name
    elif kind == TargetKind.PERSON and step.person_id:
        who = step.person.name
    elif kind == TargetKind.GROUP_CHANNEL and step.group_channel_id:
        who = step.group_channel.name
    return who


def freeze_policy(policy: EscalationPolicy | None, *, channels: list[str] | None, explicit_recipients: bool) -> dict[str, Any]:
    """Copy a policy into plain JSON so later edits never change an escalation in flight.

    Explicit recipients replace the targets of the first step (its channels and wait still
    apply, unless `channels` is given). Without a policy, the recipients are notified once.
    """
    if policy is None:
        steps = [{"kind": TargetKind.RECIPIENT.value, "channels": list(channels or []), "wait_minutes": 0, "label": "通知对象"}]
        return {"policy_id": None, "policy_name": "", "repeat": 0, "steps": steps, "final_steps": [], "final_action": "none"}
    steps = [step_snapshot(step) for step in policy.steps.select_related("position_kind", "person", "group_channel").order_by("order", "id")]
    if not steps:
        steps = [{"kind": TargetKind.RECIPIENT.value, "channels": [], "wait_minutes": 10, "label": "通知对象"}]
    if explicit_recipients:
        steps[0] = {**steps[0], "kind": TargetKind.RECIPIENT.value, "replaced": steps[0].get("label", "")}
    if channels:
        steps[0] = {**steps[0], "channels": list(channels)}
    final_steps: list[dict[str, Any]] = []
    if policy.final_action == FinalAction.SUPERIOR_CHAIN:
        from people.models import PositionKind

        names = dict(PositionKind.objects.values_list("code", "name"))
        for kind_code, level in SUPERIOR_CHAIN:
            final_steps.append(
                {
                    "kind": TargetKind.POSITION.value,
                    "position_kind": kind_code,
                    "level": level,
                    "channels": list(policy.final_channels or []),
                    "wait_minutes": policy.final_wait_minutes,
                    "label": f"上级：{names.get(kind_code, kind_code)}",
                    "superior": True,
                }
            )
    return {
        "policy_id": policy.pk,
        "policy_name": policy.name,
        "repeat": policy.repeat_count,
        "steps": steps,
        "final_steps": final_steps,
        "final_action": policy.final_action,
    }


def total_positions(snapshot: dict[str, Any]) -> int:
    return len(snapshot["steps"]) * (int(snapshot.get("repeat", 0)) + 1) + len(snapshot.get("final_steps", []))


def step_at(snapshot: dict[str, Any], position: int) -> tuple[dict[str, Any], int]:
    """The frozen step at a chain position and the repeat round it belongs to."""
    steps = snapshot["steps"]
    repeated = len(steps) * (int(snapshot.get("repeat", 0)) + 1)
    if position < repeated:
        return steps[position % len(steps)], position // len(steps)
    return snapshot["final_steps"][position - repeated], int(snapshot.get("repeat", 0)) + 1


# --- resolving a step's targets --------------------------------------------------------


def node_at_level(anchor: Jurisdiction, level: str) -> Jurisdiction | None:
    """The anchor's ancestor (or itself) at `level`; None when the anchor is above that level."""
    if not level or anchor.level == level:
        return anchor
    if LEVEL_ORDER.index(anchor.level) < LEVEL_ORDER.index(level):  # type: ignore[arg-type]
        return None
    codes = path_codes(anchor.path)
    return Jurisdiction.unscoped.filter(code__in=codes, level=level).defer("boundary").first()


def resolve_targets(step: dict[str, Any], *, anchor: Jurisdiction, own: Recipient | None, at: datetime) -> list[Recipient]:
    """Whom one frozen step notifies for a chain anchored at `anchor` (system lookup, unscoped)."""
    from notifications.services import Recipient

    kind = step["kind"]
    if kind == TargetKind.RECIPIENT:
        return [own] if own is not None else []
    if kind == TargetKind.PERSON:
        return [Recipient(person_id=step["person_id"], label=step.get("label", ""))] if step.get("person_id") else []
    if kind == TargetKind.GROUP_CHANNEL:
        return [Recipient(group_channel_id=step["group_channel_id"], label=step.get("label", ""))] if step.get("group_channel_id") else []
    if kind == TargetKind.POSITION:
        # Below the anchor only for an area-wide chain (no recipient of its own): a recipient's
        # superiors are above them, never their whole subtree.
        return position_holders(step.get("position_kind", ""), step.get("level", ""), anchor, downward=own is None and not step.get("superior"))
    if kind in (TargetKind.DUTY_OFFICER, TargetKind.DUTY_LEADER):
        return duty_recipients(anchor, leader=kind == TargetKind.DUTY_LEADER, at=at)
    if kind == TargetKind.TEAM:
        return team_recipients(step.get("team_id"))
    return []


def position_holders(kind_code: str, level: str, anchor: Jurisdiction, *, downward: bool) -> list[Recipient]:
    """Current holders of a position kind at the anchor's node of `level`.

    When `level` lies below the anchor, an area-wide chain (`downward`: a township-wide
    notification asking for 网格员) notifies every holder in the subtree at that level; a
    recipient's chain skips the step (their superiors are above them).
    """
    from notifications.services import Recipient
    from people.models import Position

    today = timezone.localdate()
    positions = Position.unscoped.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=today),
        archived_at__isnull=True,
        kind__code=kind_code,
        person__archived_at__isnull=True,
    )
    node = node_at_level(anchor, level)
    if node is not None:
        positions = positions.filter(jurisdiction=node)
    elif downward:
        positions = positions.filter(jurisdiction_path__within=anchor.path, jurisdiction__level=level)
    else:
        return []
    rows = positions.select_related("kind", "jurisdiction").only(
        "id", "person_id", "kind__name", "jurisdiction__name", "jurisdiction__level", "jurisdiction__path"
    )
    return [
        Recipient(person_id=p.person_id, position_id=p.pk, label=f"{p.jurisdiction.name} {p.kind.name}")
        for p in rows.order_by("jurisdiction_path", "id")
    ]


def duty_recipients(anchor: Jurisdiction, *, leader: bool, at: datetime) -> list[Recipient]:
    """The duty officer(s) or the leading official on duty for the anchor's roster (`duty.services.on_duty`)."""
    from duty.services import on_duty  # lazy: the duty app is optional for the core
    from notifications.services import Recipient

    wanted = "leader" if leader else "officer"
    label = "带班领导" if leader else "值班员"
    return [
        Recipient(person_id=entry.person.pk, label=f"{label} {entry.person.name}")
        for entry in on_duty(anchor, at=at)
        if str(entry.role) == wanted
    ]


def team_recipients(team_id: int | None) -> list[Recipient]:
    """A team's contacts, through `teams.services.team_contacts` when the teams app provides it."""
    from notifications.services import Recipient

    if not team_id:
        return []
    try:
        from teams.services import team_contacts
    except ImportError:
        log.warning("teams.services.team_contacts is not available; team step %s notifies nobody", team_id)
        return []
    return [Recipient(person_id=person.pk, label=f"队伍 {person.name}") for person in team_contacts(team_id)]


# --- advancing chains ------------------------------------------------------------------


def run_position(chain: Escalation, notification: Notification, *, at: datetime, own: Recipient | None) -> bool:
    """Notify the targets of the chain's current position; True when anyone was notified.

    When a target already acknowledged this notification the chain is acknowledged at
    once (someone is handling it).
    """
    from notifications.services import acknowledged_keys, materialise, recipient_key

    step, round_ = step_at(notification.policy_snapshot, chain.position)
    targets = resolve_targets(step, anchor=chain.anchor_node, own=own, at=at)
    done = acknowledged_keys(notification, [recipient_key(t) for t in targets])
    if done:
        chain.state = EscalationState.ACKNOWLEDGED
        chain.acknowledged_at = at
        chain.next_step_at = None
        chain.log = [*chain.log, {"position": chain.position, "at": at.isoformat(), "note": "已有人叫应", "count": 0}]
        return True
    created = materialise(notification, [(chain, targets, step)], round_=round_, step_index=chain.position, at=at)
    count = created.get(chain.pk, 0)
    chain.log = [
        *chain.log,
        {"position": chain.position, "at": at.isoformat(), "label": step.get("label", ""), "count": count, "round": round_},
    ]
    chain.next_step_at = at + timedelta(minutes=int(step.get("wait_minutes", 0)))
    return count > 0


def _own_recipient(chain: Escalation) -> Recipient | None:
    from notifications.services import recipient_from_key

    return recipient_from_key(chain.recipient_key, label=chain.label) if chain.recipient_key else None


def advance_chain(chain: Escalation, *, at: datetime) -> None:
    """Move one chain past its elapsed deadline: next step, repeat, superior chain, or exhausted."""
    notification = chain.notification
    if notification.state != NotificationState.ACTIVE:
        chain.state = EscalationState.CANCELLED
        chain.next_step_at = None
        return
    total = total_positions(notification.policy_snapshot)
    own = _own_recipient(chain)
    for _ in range(MAX_SKIPS_PER_SCAN):
        if chain.position + 1 >= total:
            chain.state = EscalationState.EXHAUSTED
            chain.next_step_at = None
            chain.log = [*chain.log, {"position": chain.position, "at": at.isoformat(), "note": "升级步骤已用尽，无人叫应"}]
            return
        chain.position += 1
        if run_position(chain, notification, at=at, own=own):
            return
    chain.next_step_at = at  # many empty steps in a row: carry on at the next scan


def advance_due(*, worker_id: str, now: datetime | None = None, limit: int = 100) -> int:
    """Advance every running chain whose deadline passed; safe with any number of workers."""
    now = now or timezone.now()
    due = Escalation.unscoped.filter(state=EscalationState.RUNNING, next_step_at__lte=now)
    advanced = 0
    for claimed in claim_rows(due, worker_id=worker_id, lease=ESCALATION_LEASE, limit=limit, now=now):
        with transaction.atomic():
            chain = (
                Escalation.unscoped.select_for_update(of=("self",))
                .select_related("notification", "anchor_node")
                .defer("anchor_node__boundary")
                .get(pk=claimed.pk)
            )
            if chain.locked_by != worker_id or chain.state != EscalationState.RUNNING:
                continue
            advance_chain(chain, at=now)
            chain.locked_by = ""
            chain.locked_until = None
            chain.save(update_fields=["position", "state", "next_step_at", "acknowledged_at", "log", "locked_by", "locked_until", "updated_at"])
            advanced += 1
    complete_finished(now)
    return advanced


def complete_finished(now: datetime) -> int:
    """Mark active notifications whose chains have all finished as completed."""
    from django.db.models import Exists, OuterRef

    running = Escalation.unscoped.filter(notification=OuterRef("pk"), state=EscalationState.RUNNING)
    finished = Notification.unscoped.filter(state=NotificationState.ACTIVE).exclude(Exists(running))
    count = 0
    for notification in finished.only("id", "state", "jurisdiction_id", "jurisdiction_path")[:200]:
        notification.state = NotificationState.COMPLETED
        notification.completed_at = now
        notification.save(update_fields=["state", "completed_at", "updated_at"])
        count += 1
    return count
