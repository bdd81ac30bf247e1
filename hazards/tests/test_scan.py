"""The daily colour scan: colour boundaries, one reminder per level, concurrency, re-arming, escalation."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from demo.constants import TOWNSHIP_A, VILLAGE_A

D = date(2031, 3, 20)  # a deadline far from the demo data's dates


def make_hazard(
    *,
    deadline: date,
    yellow: date,
    assignee: Any = None,
    place: Any = None,
    level: int = 0,
    state: str = "rectifying",
    code: str = VILLAGE_A,
) -> Any:
    from hazards.models import Hazard
    from jurisdictions.models import Jurisdiction

    node = place.jurisdiction if place is not None else Jurisdiction.unscoped.get(code=code)
    return Hazard.unscoped.create(
        number=f"T{uuid.uuid4().hex[:20]}",
        jurisdiction=node,
        place=place,
        category="unsafe_condition",
        hazard_type="fire",
        description="疏散通道堆放杂物（测试）",
        source="patrol",
        state=state,
        found_at=timezone.now() - timedelta(days=40),
        deadline=deadline,
        original_deadline=deadline,
        yellow_from=yellow,
        reminder_level=level,
        assignee_user=assignee,
        assignee_person=assignee.person if assignee is not None else None,
        assignee_name="测试责任人",
    )


def events_of(hazard: Any) -> list[str]:
    from hazards.models import HazardEvent

    return list(HazardEvent.objects.filter(hazard=hazard).order_by("id").values_list("action", flat=True))


def notifications_of(hazard: Any) -> list[str]:
    from django.contrib.contenttypes.models import ContentType

    from notifications.models import Notification

    kind = ContentType.objects.get_for_model(type(hazard))
    return list(
        Notification.objects.filter(source_type=kind, source_id=str(hazard.pk))
        .order_by("id")
        .values_list("topic", flat=True)
    )


def scan(today: date, **kwargs: Any) -> Any:
    from hazards.scan import run_scan

    return run_scan(today, **kwargs)


@pytest.fixture(autouse=True)
def _quiet_demo(request: pytest.FixtureRequest) -> None:
    """Mark the demo's own hazards fully reminded, so scans on far-off dates only touch this test's rows."""
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    if "committed_hazards" in request.fixturenames:
        return
    request.getfixturevalue("db")
    from hazards.models import Hazard

    Hazard.unscoped.update(reminder_level=3)


@pytest.fixture
def assignee(demo_user: Any) -> Any:
    user = demo_user("grid_worker")
    assert user.person_id is not None
    return user


# --- colours ----------------------------------------------------------------------------------


def test_yellow_day_is_the_earlier_of_the_day_rule_and_the_share_rule() -> None:
    from hazards.colours import yellow_from

    # 30-day period: the last 20% is 6 days, earlier than "3 days before".
    assert yellow_from(D - timedelta(days=30), D, days=3, percent=20) == D - timedelta(days=6)
    # 10-day period: 20% is 2 days, so "3 days before" comes first.
    assert yellow_from(D - timedelta(days=10), D, days=3, percent=20) == D - timedelta(days=3)
    # 11 days: 20% = 2.2, rounded up to 3 days: both rules agree.
    assert yellow_from(D - timedelta(days=11), D, days=3, percent=20) == D - timedelta(days=3)
    # Never before the assignment itself.
    assert yellow_from(D - timedelta(days=1), D, days=3, percent=20) == D - timedelta(days=1)


def test_colour_boundaries_day_before_yellow_first_yellow_deadline_day_and_day_after() -> None:
    from hazards.colours import colour_of

    yellow = D - timedelta(days=6)
    assert colour_of("rectifying", D, yellow, yellow - timedelta(days=1)) == "green"
    assert colour_of("rectifying", D, yellow, yellow) == "yellow"
    assert colour_of("rectifying", D, yellow, D) == "yellow"
    assert colour_of("rectifying", D, yellow, D + timedelta(days=1)) == "red"


@pytest.mark.django_db
def test_colour_filter_agrees_with_colour_of_on_each_boundary(assignee: Any) -> None:
    from hazards.colours import colour_q
    from hazards.models import Hazard

    yellow = D - timedelta(days=6)
    h = make_hazard(deadline=D, yellow=yellow, assignee=assignee)
    for day, expected in [
        (yellow - timedelta(days=1), "green"),
        (yellow, "yellow"),
        (D, "yellow"),
        (D + timedelta(days=1), "red"),
    ]:
        found = [c for c in ("green", "yellow", "red") if Hazard.unscoped.filter(colour_q(c, day), pk=h.pk).exists()]
        assert found == [expected], day


@pytest.mark.django_db
def test_a_submitted_hazard_keeps_the_colour_of_its_local_submission_date(assignee: Any) -> None:
    """The clock stops at submission; 23:30 in Beijing on the deadline day is still on time."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from hazards.colours import colour_of, colour_q
    from hazards.models import Hazard

    yellow = D - timedelta(days=6)
    beijing = ZoneInfo("Asia/Shanghai")
    for submitted, expected in [
        (datetime.combine(D - timedelta(days=7), time(9), beijing), "green"),
        (datetime.combine(D, time(23, 30), beijing), "yellow"),  # 15:30 UTC, same local day
        (datetime.combine(D + timedelta(days=1), time(0, 30), beijing), "red"),  # still D in UTC
    ]:
        h = make_hazard(deadline=D, yellow=yellow, assignee=assignee, state="submitted")
        h.submitted_at = submitted
        h.save(update_fields=["submitted_at"])
        h.refresh_from_db()
        assert h.submitted_on == submitted.date()
        later = D + timedelta(days=30)  # long after the deadline: the frozen colour does not move
        assert colour_of(h.state, h.deadline, h.yellow_from, later, submitted_on=h.submitted_on) == expected
        found = [c for c in ("green", "yellow", "red") if Hazard.unscoped.filter(colour_q(c, later), pk=h.pk).exists()]
        assert found == [expected], submitted


# --- reminders ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_follow_the_boundaries_and_go_out_once_per_level(assignee: Any) -> None:
    from hazards.choices import ReminderLevel

    yellow = D - timedelta(days=6)
    h = make_hazard(deadline=D, yellow=yellow, assignee=assignee)

    scan(yellow - timedelta(days=1))
    h.refresh_from_db()
    assert h.reminder_level == ReminderLevel.NONE and events_of(h) == []

    scan(yellow)
    h.refresh_from_db()
    assert h.reminder_level == ReminderLevel.YELLOW
    assert events_of(h) == ["remind_yellow"]
    assert notifications_of(h) == ["hazard.reminder"]

    for day in (yellow, yellow + timedelta(days=1), D):  # still yellow, including the deadline day
        scan(day)
    assert events_of(h) == ["remind_yellow"]

    scan(D + timedelta(days=1))
    h.refresh_from_db()
    assert h.reminder_level == ReminderLevel.RED
    assert events_of(h) == ["remind_yellow", "remind_red"]
    scan(D + timedelta(days=1))
    scan(D + timedelta(days=2))
    assert events_of(h) == ["remind_yellow", "remind_red"]
    assert notifications_of(h) == ["hazard.reminder", "hazard.reminder"]


@pytest.mark.django_db
def test_reminder_goes_to_the_assignee_and_the_event_is_by_the_system(assignee: Any) -> None:
    from hazards.models import HazardEvent
    from notifications.models import Escalation, Notification

    h = make_hazard(deadline=D, yellow=D - timedelta(days=3), assignee=assignee)
    scan(D - timedelta(days=3))
    event = HazardEvent.objects.get(hazard=h, action="remind_yellow")
    assert event.actor_id is None and event.actor_label == "系统"
    assert event.data["notification_id"]
    notification = Notification.objects.get(pk=event.data["notification_id"])
    assert "临期" in notification.title and h.number in notification.title
    keys = set(Escalation.unscoped.filter(notification=notification).values_list("recipient_key", flat=True))
    assert keys == {f"p:{assignee.person_id}"}


@pytest.mark.django_db
def test_only_changed_rows_are_written(assignee: Any) -> None:
    yellow = D - timedelta(days=6)
    hazards = [make_hazard(deadline=D, yellow=yellow, assignee=assignee) for _ in range(3)]
    make_hazard(deadline=D + timedelta(days=30), yellow=D + timedelta(days=20), assignee=assignee)  # still green
    with CaptureQueriesContext(connection) as first:
        result = scan(yellow)
    updates = [
        q["sql"] for q in first.captured_queries if q["sql"].startswith("UPDATE") and '"hazards_hazard"' in q["sql"]
    ]
    assert result.claimed >= 3 and len(updates) == result.claimed
    with CaptureQueriesContext(connection) as second:
        again = scan(yellow)
    assert again.claimed == 0
    assert not [
        q for q in second.captured_queries if '"hazards_hazard"' in q["sql"] and not q["sql"].startswith("SELECT")
    ]
    assert all(events_of(h) == ["remind_yellow"] for h in hazards)


@pytest.mark.django_db
def test_a_hazard_found_already_red_gets_the_red_reminder_only(assignee: Any) -> None:
    from hazards.choices import ReminderLevel

    h = make_hazard(deadline=D, yellow=D - timedelta(days=6), assignee=assignee)
    scan(D + timedelta(days=1))
    h.refresh_from_db()
    assert h.reminder_level == ReminderLevel.RED
    assert events_of(h) == ["remind_red"]


@pytest.mark.django_db
def test_states_outside_rectification_are_not_reminded(assignee: Any) -> None:
    held = [
        make_hazard(deadline=D, yellow=D - timedelta(days=6), assignee=assignee, state=state)
        for state in ("submitted", "verified", "closed", "rejected", "confirmed")
    ]
    scan(D + timedelta(days=10))
    assert all(events_of(h) == [] for h in held)


@pytest.mark.django_db
def test_red_records_an_overdue_signal_on_the_place(assignee: Any) -> None:
    from places.models import Place
    from risk.models import PlaceSignal

    place = Place.unscoped.filter(jurisdiction_path__startswith=f"/330225/{TOWNSHIP_A}/").order_by("id").first()
    h = make_hazard(deadline=D, yellow=D - timedelta(days=6), assignee=assignee, place=place)
    scan(D - timedelta(days=6))
    assert not PlaceSignal.unscoped.filter(source_app="hazards", source_ref=str(h.pk), kind="hazard_overdue").exists()
    scan(D + timedelta(days=1))
    signal = PlaceSignal.unscoped.get(source_app="hazards", source_ref=str(h.pk), kind="hazard_overdue")
    assert signal.place_id == place.pk and signal.resolved_at is None


@pytest.mark.django_db
@override_settings(HAZARD_ESCALATE_AFTER_RED_DAYS=3)
def test_escalation_to_the_station_after_n_red_days(assignee: Any, demo_user: Any) -> None:
    from hazards.choices import ReminderLevel
    from hazards.models import HazardEvent
    from notifications.models import Escalation, Notification

    h = make_hazard(deadline=D, yellow=D - timedelta(days=6), assignee=assignee, level=ReminderLevel.RED)
    scan(D + timedelta(days=3))  # red for three days: not yet
    h.refresh_from_db()
    assert h.reminder_level == ReminderLevel.RED and events_of(h) == []
    scan(D + timedelta(days=4))
    h.refresh_from_db()
    assert h.reminder_level == ReminderLevel.ESCALATED
    assert events_of(h) == ["escalate"]
    event = HazardEvent.objects.get(hazard=h, action="escalate")
    notification = Notification.objects.get(pk=event.data["notification_id"])
    assert notification.topic == "hazard.escalation" and "逾期" in notification.title
    keys = set(Escalation.unscoped.filter(notification=notification).values_list("recipient_key", flat=True))
    admin = demo_user("township_admin")
    assert f"p:{admin.person_id}" in keys or f"u:{admin.pk}" in keys
    assert f"p:{assignee.person_id}" not in keys
    scan(D + timedelta(days=9))
    assert events_of(h) == ["escalate"]


@pytest.mark.django_db
@override_settings(HAZARD_ESCALATE_AFTER_RED_DAYS=1)
def test_escalation_days_are_configurable(assignee: Any) -> None:
    h = make_hazard(deadline=D, yellow=D - timedelta(days=6), assignee=assignee)
    scan(D + timedelta(days=2))
    assert events_of(h) == ["remind_red", "escalate"]


@pytest.mark.django_db
def test_a_department_assignment_is_chased_by_the_station(demo_user: Any) -> None:
    from hazards.models import HazardEvent
    from notifications.models import Escalation

    h = make_hazard(deadline=D, yellow=D - timedelta(days=6))
    scan(D - timedelta(days=6))
    event = HazardEvent.objects.get(hazard=h, action="remind_yellow")
    keys = set(
        Escalation.unscoped.filter(notification_id=event.data["notification_id"]).values_list(
            "recipient_key", flat=True
        )
    )
    staff = demo_user("township_staff")
    assert f"p:{staff.person_id}" in keys or f"u:{staff.pk}" in keys


@pytest.mark.django_db
def test_extension_re_arms_the_reminders(assignee: Any, demo_user: Any) -> None:
    """Core's approved extension moves the deadline and resets the level; the scan then reminds again."""
    from hazards import actions
    from hazards.choices import ReminderLevel
    from hazards.models import Hazard

    today = timezone.localdate()
    place = None
    h = make_hazard(deadline=today, yellow=today - timedelta(days=6), assignee=assignee, place=place)
    scan(today)
    h.refresh_from_db()
    assert h.reminder_level == ReminderLevel.YELLOW
    new_deadline = today + timedelta(days=20)
    admin = demo_user("township_admin")
    extension = actions.extend(h, by=admin, deadline=new_deadline, reason="材料采购周期长")
    if Hazard.unscoped.get(pk=h.pk).deadline != new_deadline:
        actions.decide_extension(extension, by=admin, approve=True, note="同意")
    h.refresh_from_db()
    assert h.deadline == new_deadline and h.reminder_level == ReminderLevel.NONE
    assert h.yellow_from is not None and h.yellow_from > today
    scan(h.yellow_from - timedelta(days=1))
    assert events_of(h).count("remind_yellow") == 1
    scan(h.yellow_from)
    h.refresh_from_db()
    assert h.reminder_level == ReminderLevel.YELLOW
    assert events_of(h).count("remind_yellow") == 2


@pytest.mark.django_db
def test_a_claim_lost_to_another_worker_sends_nothing(assignee: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker A has read the due rows; worker B claims and commits first; A's conditional UPDATE loses."""
    from hazards import scan as scan_module

    h = make_hazard(deadline=D, yellow=D - timedelta(days=6), assignee=assignee)
    original = scan_module._claim
    raced: list[int] = []

    def racing_claim(pk: int, level: int, deadline: date, target: int) -> bool:
        if pk == h.pk and not raced:
            raced.append(pk)
            monkeypatch.setattr(scan_module, "_claim", original)
            other = scan_module.run_scan(D - timedelta(days=6))  # "worker B"
            assert other.claimed >= 1
        return original(pk, level, deadline, target)

    monkeypatch.setattr(scan_module, "_claim", racing_claim)
    result = scan_module.run_scan(D - timedelta(days=6))
    assert raced and result.lost >= 1
    assert events_of(h) == ["remind_yellow"]
    assert notifications_of(h) == ["hazard.reminder"]


@pytest.mark.django_db
def test_a_crash_mid_chunk_undoes_the_claims_and_the_next_run_resumes(
    assignee: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hazards import reminders
    from hazards.choices import ReminderLevel

    yellow = D - timedelta(days=6)
    first, second = (make_hazard(deadline=D, yellow=yellow, assignee=assignee) for _ in range(2))
    original = reminders.send

    def failing(hazard: Any, level: int, today: date, **kwargs: Any) -> Any:
        if hazard.pk == second.pk:
            raise RuntimeError("worker killed")
        return original(hazard, level, today, **kwargs)

    monkeypatch.setattr(reminders, "send", failing)
    with pytest.raises(RuntimeError):
        scan(yellow, chunk_size=1000)
    first.refresh_from_db()
    assert first.reminder_level == ReminderLevel.NONE and events_of(first) == []
    monkeypatch.setattr(reminders, "send", original)
    scan(yellow)
    assert events_of(first) == ["remind_yellow"] and events_of(second) == ["remind_yellow"]


@pytest.mark.django_db
def test_the_command_scans_a_given_day(assignee: Any) -> None:
    from io import StringIO

    h = make_hazard(deadline=D, yellow=D - timedelta(days=6), assignee=assignee)
    out = StringIO()
    call_command("scan_hazards", today=D + timedelta(days=1), stdout=out)
    assert events_of(h) == ["remind_red"]
    assert "逾期提醒" in out.getvalue()


def test_the_scan_is_registered_as_a_periodic_job() -> None:
    from jobs.registry import PERIODIC, autodiscover

    autodiscover()
    assert "hazards.daily_scan" in PERIODIC and "hazards.recheck_draw" in PERIODIC


# --- two workers at once (committed rows, real connections) --------------------------------------


@pytest.fixture
def committed_hazards(django_db_setup: None, django_db_blocker: Any) -> Iterator[list[Any]]:
    """Hazards without a place (no risk signal), committed so two threads can see them; removed after."""
    from accounts.models import User
    from hazards.models import Hazard
    from notifications.models import Delivery, Escalation, Notification

    today = timezone.localdate()
    with django_db_blocker.unblock():
        user = User.unscoped.get(username="grid_worker")
        hazards = [
            make_hazard(deadline=today - timedelta(days=1), yellow=today - timedelta(days=5), assignee=user)
            for _ in range(6)
        ]
    try:
        yield hazards
    finally:
        with django_db_blocker.unblock():
            from django.contrib.contenttypes.models import ContentType

            ids = [str(h.pk) for h in hazards]
            kind = ContentType.objects.get_for_model(Hazard)
            notes = Notification.objects.filter(source_type=kind, source_id__in=ids)
            Delivery.objects.filter(notification__in=notes).delete()
            Escalation.unscoped.filter(notification__in=notes).delete()
            notes.delete()
            Hazard.unscoped.filter(pk__in=[h.pk for h in hazards]).delete()
            from audit.models import ObjectChange

            ObjectChange.unscoped.filter(content_type=kind, object_id__in=ids).delete()
            connections.close_all()


def test_two_scans_at_once_send_each_reminder_once(committed_hazards: list[Any], django_db_blocker: Any) -> None:
    from hazards.models import HazardEvent
    from hazards.scan import run_scan

    today = timezone.localdate()
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with django_db_blocker.unblock():
                barrier.wait()
                results.append(run_scan(today, chunk_size=2))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with django_db_blocker.unblock():
        ids = [h.pk for h in committed_hazards]
        reds = HazardEvent.objects.filter(hazard_id__in=ids, action="remind_red").count()
        total = HazardEvent.objects.filter(hazard_id__in=ids).count()
        sent = sum(len(notifications_of(h)) for h in committed_hazards)
    assert reds == total == sent == len(ids)
    assert sum(r.claimed for r in results) >= len(ids)
