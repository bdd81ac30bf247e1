"""Warning actions: colours per kind, required content, the state machine, messages to the same people."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from earlywarning import actions
from earlywarning.catalogue import OTHER_KINDS, WEATHER_SIGNALS
from earlywarning.choices import Level, MessageType, State
from earlywarning.models import EarlyWarning, WarningKind
from notifications.models import Notification
from notifications.services import deliveries_for

CATALOGUE = [(code, colours) for code, _n, _c, colours, *_ in WEATHER_SIGNALS if code != "haze"]
CATALOGUE += [("haze", ["red", "orange", "yellow"])]
CATALOGUE += [(code, ["red", "orange", "yellow", "blue"]) for code, *_ in OTHER_KINDS]


@pytest.mark.parametrize(("code", "allowed"), CATALOGUE)
def test_each_kind_accepts_exactly_its_catalogue_colours(db: Any, code: str, allowed: list[str]) -> None:
    kind = WarningKind.objects.get(code=code)
    assert sorted(kind.allowed_levels()) == sorted(allowed)
    for level in Level.values:
        if level in allowed:
            actions.check_colour(kind, level)
        else:
            with pytest.raises(ValidationError) as caught:
                actions.check_colour(kind, level)
            assert f"{kind.name}预警没有" in caught.value.message_dict["level"][0]


def test_worked_examples_of_rules_5_5(db: Any) -> None:
    frost, hail, haze, rain = (WarningKind.objects.get(code=c) for c in ("frost", "hail", "haze", "rainstorm"))
    actions.check_colour(rain, "red")
    with pytest.raises(ValidationError):
        actions.check_colour(frost, "red")
    with pytest.raises(ValidationError):
        actions.check_colour(hail, "blue")
    with pytest.raises(ValidationError):
        actions.check_colour(haze, "red", date(2012, 12, 1))
    actions.check_colour(haze, "red", date(2014, 1, 1))


def test_invalid_colour_is_refused_when_drafting_and_nothing_saved(make_draft: Any) -> None:
    before = EarlyWarning.unscoped.count()
    with pytest.raises(ValidationError) as caught:
        make_draft(kind=WarningKind.objects.get(code="frost"), level="red")
    assert "霜冻预警没有一级（红色）" in caught.value.message_dict["level"][0]
    assert EarlyWarning.unscoped.count() == before


def test_grid_worker_cannot_draft(make_draft: Any, demo_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        make_draft(by=demo_user("grid_worker"))


def test_issue_requires_the_article_64_content(make_draft: Any, staff: Any) -> None:
    draft = make_draft(area=[], watch_for="", measures="", starts_at=None)
    with pytest.raises(ValidationError) as caught:
        actions.issue(draft, by=staff)
    errors = caught.value.message_dict
    assert set(errors) >= {"area", "watch_for", "measures", "starts_at"}
    assert "第六十四条" in errors["measures"][0]
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    assert not draft.recipients.exists()


def test_issue_freezes_recipients_and_sends_one_notification(make_draft: Any, staff: Any) -> None:
    warning = actions.issue(make_draft(), by=staff)
    assert warning.state == State.ISSUED
    assert warning.issued_at is not None
    recipients = list(warning.recipients.all())
    assert recipients
    message = warning.messages.get()
    assert message.msg_type == MessageType.ALERT
    assert "<msgType>Alert</msgType>" in message.cap_xml
    notification = Notification.unscoped.get(pk=message.notification_id)
    assert notification.cap_xml == message.cap_xml
    people = {r.person_id for r in recipients if r.person_id}
    assert {d.recipient_person_id for d in deliveries_for(warning) if d.recipient_person_id} == people
    channels = {r.group_channel_id for r in recipients if r.group_channel_id}
    assert channels, "the demo villages have group channels"
    assert channels <= {d.group_channel_id for d in deliveries_for(warning)}


def test_update_extend_and_lift_reach_the_same_people(make_draft: Any, staff: Any) -> None:
    warning = actions.issue(make_draft(), by=staff)
    first = {d.recipient_key for d in deliveries_for(warning)}
    warning = actions.update_issued(warning, by=staff, level="yellow", measures="转移低洼地区人员")
    warning = actions.extend(warning, by=staff, ends_at=warning.ends_at + timedelta(hours=6))
    warning = actions.lift(warning, by=staff, reason="降雨趋于结束")
    messages = list(warning.messages.order_by("sequence"))
    assert [m.msg_type for m in messages] == ["alert", "update", "extend", "lift"]
    for message in messages:
        notified = set(
            deliveries_for(warning).filter(notification_id=message.notification_id).values_list("recipient_key", flat=True)
        )
        assert notified == first
    assert "<msgType>Cancel</msgType>" in messages[-1].cap_xml
    assert "<references>" in messages[-1].cap_xml
    states = set(Notification.unscoped.filter(pk__in=[m.notification_id for m in messages[:-1]]).values_list("state", flat=True))
    assert states == {"cancelled"}


def test_state_machine_refusals(make_draft: Any, staff: Any) -> None:
    draft = make_draft()
    for refused in (
        lambda w: actions.update_issued(w, by=staff, title="新标题"),
        lambda w: actions.extend(w, by=staff, ends_at=w.ends_at + timedelta(hours=1)),
        lambda w: actions.lift(w, by=staff),
    ):
        with pytest.raises(ValidationError):
            refused(draft)
    warning = actions.issue(draft, by=staff)
    with pytest.raises(ValidationError):
        actions.issue(warning, by=staff)
    with pytest.raises(ValidationError):
        actions.update_draft(warning, by=staff, title="草稿式修改")
    with pytest.raises(ValidationError) as caught:
        actions.extend(warning, by=staff, ends_at=warning.ends_at - timedelta(hours=1))
    assert "须晚于原结束时间" in caught.value.message_dict["ends_at"][0]
    with pytest.raises(ValidationError):
        actions.update_issued(warning, by=staff, level="red", kind=None)
    warning = actions.lift(warning, by=staff)
    with pytest.raises(ValidationError):
        actions.lift(warning, by=staff)
    assert warning.messages.count() == 2


def test_update_refuses_a_colour_the_kind_lacks(make_draft: Any, staff: Any) -> None:
    warning = actions.issue(make_draft(kind=WarningKind.objects.get(code="frost"), level="blue"), by=staff)
    with pytest.raises(ValidationError):
        actions.update_issued(warning, by=staff, level="red")
    warning.refresh_from_db()
    assert warning.level == "blue"
    assert warning.messages.count() == 1


def test_expiry_marks_expired_and_stops_escalation(make_draft: Any, staff: Any) -> None:
    from earlywarning.jobs import expire_due_warnings

    warning = actions.issue(make_draft(), by=staff)
    EarlyWarning.unscoped.filter(pk=warning.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    assert expire_due_warnings() == 1
    warning.refresh_from_db()
    assert warning.state == State.EXPIRED
    assert warning.messages.last().msg_type == MessageType.EXPIRE  # type: ignore[union-attr]
    first = warning.messages.first()
    assert Notification.unscoped.get(pk=first.notification_id).state == "cancelled"  # type: ignore[union-attr]
    assert expire_due_warnings() == 0
