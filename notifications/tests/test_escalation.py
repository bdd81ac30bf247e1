"""Escalation: frozen policies, stored deadlines, acknowledgement stopping the chain, worker restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from demo.constants import TOWNSHIP_A
from jurisdictions.models import Jurisdiction
from notifications import actions
from notifications.choices import DeliveryState, EscalationState, NotificationState
from notifications.escalation import advance_due
from notifications.models import Delivery, Escalation, EscalationPolicy
from notifications.services import Recipient, acknowledge, cancel_notification, default_policy, start_notification
from people.models import Person, Position

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_outbox")]


def township() -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=TOWNSHIP_A)


def admin() -> User:
    return User.unscoped.get(username="township_admin")


def red_policy(**overrides: Any) -> EscalationPolicy:
    """网格员 sms → 村应急消防管理员 voice → 乡镇值班员 → 带班领导, then the superior chain."""
    fields: dict[str, Any] = {
        "name": "测试红色叫应",
        "topic": "warning",
        "severity": "red",
        "final_action": "none",
        "steps": [
            {"target_kind": "recipient", "channels": ["sms"], "wait_minutes": 10},
            {"target_kind": "position", "position_kind": "village_manager", "level": "village", "channels": ["voice"], "wait_minutes": 10},
            {"target_kind": "duty_officer", "channels": ["sms"], "wait_minutes": 5},
            {"target_kind": "duty_leader", "channels": ["voice"], "wait_minutes": 5},
        ],
    }
    fields.update(overrides)
    return actions.create_policy(by=admin(), jurisdiction=township(), **fields)


def village_manager_of(position: Position) -> Person:
    village = position.jurisdiction.parent
    return Position.unscoped.get(kind__code="village_manager", jurisdiction=village, end_date__isnull=True).person


@dataclass
class FakeDuty:
    person: Person
    role: str


@pytest.fixture
def on_duty(monkeypatch: pytest.MonkeyPatch) -> dict[str, Person]:
    """The township's duty officer and leader, through the `duty.services.on_duty` contract."""
    station = list(Person.unscoped.filter(jurisdiction=township()).order_by("id")[:2])
    roster = {"officer": station[0], "leader": station[1]}
    monkeypatch.setattr(
        "duty.services.on_duty", lambda jurisdiction, at=None: [FakeDuty(roster["officer"], "officer"), FakeDuty(roster["leader"], "leader")]
    )
    return roster


def start(positions: list[Position], policy: EscalationPolicy | None) -> Any:
    node = township()
    return start_notification(
        topic="warning",
        source=node,
        jurisdiction=node,
        title="暴雨红色预警",
        body="过去3小时降雨量将达100毫米以上。",
        recipients=[Recipient(person_id=p.person_id, position_id=p.pk, label=str(p.jurisdiction)) for p in positions],
        policy=policy,
    )


def people_notified(notification: Any) -> set[int]:
    return set(Delivery.unscoped.filter(notification=notification).values_list("recipient_person_id", flat=True))


def test_without_an_acknowledgement_the_chain_walks_the_steps_at_their_deadlines(grid_workers: list[Any], on_duty: Any) -> None:
    worker = grid_workers[0]
    notification = start([worker], red_policy())
    chain = Escalation.unscoped.get(notification=notification)
    assert chain.anchor_node == worker.jurisdiction and chain.position == 0
    assert people_notified(notification) == {worker.person_id}

    assert advance_due(worker_id="w1") == 0, "nothing happens before the deadline"
    t0 = timezone.now()
    with time_machine.travel(t0 + timedelta(minutes=11)):
        assert advance_due(worker_id="w1") == 1
    manager = village_manager_of(worker)
    assert manager.pk in people_notified(notification)
    voice = Delivery.unscoped.get(notification=notification, recipient_person=manager)
    assert voice.channel == "voice" and voice.step_index == 1

    with time_machine.travel(t0 + timedelta(minutes=22)):
        advance_due(worker_id="w1")
    assert on_duty["officer"].pk in people_notified(notification)
    with time_machine.travel(t0 + timedelta(minutes=28)):
        advance_due(worker_id="w1")
    assert on_duty["leader"].pk in people_notified(notification)
    with time_machine.travel(t0 + timedelta(minutes=34)):
        advance_due(worker_id="w1")
    chain.refresh_from_db()
    assert chain.state == EscalationState.EXHAUSTED
    notification.refresh_from_db()
    assert notification.state == NotificationState.COMPLETED


def test_the_scan_is_idempotent_and_survives_a_worker_restart(grid_workers: list[Any], on_duty: Any) -> None:
    notification = start(grid_workers[:2], red_policy())
    later = timezone.now() + timedelta(minutes=11)
    with time_machine.travel(later):
        assert advance_due(worker_id="old-worker") == 2
        assert advance_due(worker_id="old-worker") == 0, "a second scan at the same moment changes nothing"
    count = Delivery.unscoped.filter(notification=notification).count()
    # The old worker dies holding a claim on one chain; a new worker takes it over after the lease.
    chain = Escalation.unscoped.filter(notification=notification).first()
    Escalation.unscoped.filter(pk=chain.pk).update(locked_by="old-worker", locked_until=later + timedelta(minutes=20))
    with time_machine.travel(later + timedelta(minutes=11)):
        assert advance_due(worker_id="new-worker") == 1
    with time_machine.travel(later + timedelta(minutes=21)):
        assert advance_due(worker_id="new-worker") >= 1
    chain.refresh_from_db()
    assert chain.position == 2 and chain.locked_by == ""
    assert Delivery.unscoped.filter(notification=notification).count() > count


def test_acknowledging_by_link_stops_the_chain_for_that_person(grid_workers: list[Any], on_duty: Any) -> None:
    first, second = grid_workers[:2]
    notification = start([first, second], red_policy())
    sms = Delivery.unscoped.get(notification=notification, recipient_person_id=first.person_id)
    acknowledge(sms.reply_token, via="link")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        advance_due(worker_id="w1")
    chains = {c.recipient_key: c for c in Escalation.unscoped.filter(notification=notification)}
    assert chains[f"p:{first.person_id}"].state == EscalationState.ACKNOWLEDGED
    assert chains[f"p:{second.person_id}"].position == 1, "the other recipient's chain escalated"


def test_an_acknowledgement_by_the_escalated_role_stops_the_step(grid_workers: list[Any], on_duty: Any) -> None:
    worker = grid_workers[0]
    notification = start([worker], red_policy())
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        advance_due(worker_id="w1")
    manager_delivery = Delivery.unscoped.get(notification=notification, step_index=1)
    acknowledge(manager_delivery, via="app")
    chain = Escalation.unscoped.get(notification=notification)
    assert chain.state == EscalationState.ACKNOWLEDGED
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        advance_due(worker_id="w1")
    assert on_duty["officer"].pk not in people_notified(notification)


def test_later_policy_edits_do_not_change_escalations_in_flight(grid_workers: list[Any], on_duty: Any) -> None:
    policy = red_policy()
    notification = start(grid_workers[:1], policy)
    actions.update_policy(policy, by=admin(), steps=[{"target_kind": "recipient", "channels": ["sms"], "wait_minutes": 1}])
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        advance_due(worker_id="w1")
    manager = village_manager_of(grid_workers[0])
    assert manager.pk in people_notified(notification), "the frozen second step still runs"
    assert len(notification.policy_snapshot["steps"]) == 4


def test_repeats_renotify_the_recipient_before_the_superior_chain(grid_workers: list[Any]) -> None:
    worker = grid_workers[0]
    policy = red_policy(
        repeat_count=1,
        final_action="superior_chain",
        final_wait_minutes=10,
        steps=[{"target_kind": "recipient", "channels": ["sms"], "wait_minutes": 10}],
    )
    notification = start([worker], policy)
    Delivery.unscoped.filter(notification=notification).update(state=DeliveryState.SENT)
    t0 = timezone.now()
    with time_machine.travel(t0 + timedelta(minutes=11)):
        advance_due(worker_id="w1")
    assert Delivery.unscoped.filter(notification=notification, recipient_person_id=worker.person_id).count() == 2
    with time_machine.travel(t0 + timedelta(minutes=22)):
        advance_due(worker_id="w1")
    assert village_manager_of(worker).pk in people_notified(notification), "the superior chain starts at the village"
    for minutes in (33, 44, 55):
        with time_machine.travel(t0 + timedelta(minutes=minutes)):
            advance_due(worker_id="w1")
    station_chief = Position.unscoped.filter(kind__code="station_chief", jurisdiction=township(), end_date__isnull=True).first()
    if station_chief is not None:
        assert station_chief.person_id in people_notified(notification)


def test_cancelling_stops_sending_and_escalating(grid_workers: list[Any], on_duty: Any) -> None:
    notification = start(grid_workers[:2], red_policy())
    cancel_notification(notification, reason="预警已解除")
    assert set(Delivery.unscoped.filter(notification=notification).values_list("state", flat=True)) == {DeliveryState.CANCELLED}
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert advance_due(worker_id="w1") == 0
    assert set(Escalation.unscoped.filter(notification=notification).values_list("state", flat=True)) == {EscalationState.CANCELLED}


def test_a_person_escalated_to_by_several_chains_is_called_once_per_step(grid_workers: list[Any], on_duty: Any) -> None:
    same_village = [p for p in grid_workers if p.jurisdiction.parent_id == grid_workers[0].jurisdiction.parent_id][:3]
    assert len(same_village) >= 2
    notification = start(same_village, red_policy())
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        advance_due(worker_id="w1")
    manager = village_manager_of(same_village[0])
    calls = Delivery.unscoped.filter(notification=notification, recipient_person=manager)
    assert calls.count() == 1 and calls.get().escalations.count() == len(same_village)
    acknowledge(calls.get(), via="sms_reply")
    assert not Escalation.unscoped.filter(notification=notification, state=EscalationState.RUNNING).exists()


def test_without_recipients_the_first_step_chooses_them_in_the_area(grid_workers: list[Any]) -> None:
    policy = red_policy(steps=[{"target_kind": "position", "position_kind": "grid_member", "level": "grid", "wait_minutes": 10}])
    node = township()
    notification = start_notification(topic="warning", source=node, jurisdiction=node, title="台风", body="…", recipients=[], policy=policy)
    assert people_notified(notification) == {p.person_id for p in grid_workers}


def test_the_nearest_policy_for_a_topic_and_severity_is_the_default(grid_workers: list[Any]) -> None:
    policy = red_policy()
    assert default_policy("warning", grid_workers[0].jurisdiction, severity="red") == policy
    assert default_policy("warning", grid_workers[0].jurisdiction, severity="blue") != policy


def test_bad_policy_steps_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError) as excinfo:
        red_policy(steps=[{"target_kind": "position", "position_kind": "no_such_kind"}])
    assert "岗位类型" in str(excinfo.value)
    with pytest.raises(ValidationError):
        red_policy(steps=[{"target_kind": "recipient", "channels": ["pigeon"]}])
    assert not EscalationPolicy.unscoped.filter(name="测试红色叫应").exists()


def test_only_escalation_managers_may_edit_policies() -> None:
    from django.core.exceptions import PermissionDenied

    staff = User.unscoped.get(username="township_staff")
    with pytest.raises(PermissionDenied):
        actions.create_policy(by=staff, jurisdiction=township(), name="x", steps=[{"target_kind": "recipient"}])


def test_a_team_step_notifies_the_teams_contacts(grid_workers: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    leader = Person.unscoped.filter(jurisdiction=township()).order_by("-id").first()
    monkeypatch.setattr("teams.services.team_contacts", lambda team_id: [leader] if team_id == 7 else [])
    policy = red_policy(steps=[{"target_kind": "recipient", "wait_minutes": 5}, {"target_kind": "team", "team_id": 7, "channels": ["voice"], "wait_minutes": 5}])
    notification = start(grid_workers[:1], policy)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        advance_due(worker_id="w1")
    assert Delivery.unscoped.get(notification=notification, recipient_person=leader).channel == "voice"


def test_a_step_that_finds_nobody_is_skipped(grid_workers: list[Any], on_duty: Any) -> None:
    node = township()
    station_person = Person.unscoped.filter(jurisdiction=node).order_by("id").last()
    policy = red_policy()
    notification = start_notification(
        topic="warning", source=node, jurisdiction=node, title="测试", body="…", recipients=[Recipient(person_id=station_person.pk)], policy=policy
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        advance_due(worker_id="w1")
    chain = Escalation.unscoped.get(notification=notification)
    assert chain.position == 2, "a township recipient has no village above: straight to the duty officer"
    assert on_duty["officer"].pk in people_notified(notification)
