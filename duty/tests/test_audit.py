"""Audit: swaps and overrides leave the old assignment visible and write the change log."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from audit.tracking import history_of
from duty import actions
from duty.actions import Standing
from yingji.context import ActorContext, acting

from .conftest import local


def test_swap_history_keeps_both_sides_and_the_reason(demo_user: Any, township: Any, staff: Any) -> None:
    admin = demo_user("township_admin")
    with acting(ActorContext(user=admin)):
        day1 = actions.create_shift(by=admin, jurisdiction=township, starts_at=local(2031, 3, 1, 8, 30), ends_at=local(2031, 3, 2, 8, 30), standing=[Standing(staff[0])])
        day2 = actions.create_shift(by=admin, jurisdiction=township, starts_at=local(2031, 3, 2, 8, 30), ends_at=local(2031, 3, 3, 8, 30), standing=[Standing(staff[1])])
        a, b = day1.assignments.get(), day2.assignments.get()
        new_a, new_b = actions.swap_assignments(a, b, by=admin, reason="孩子生病")
    a.refresh_from_db()
    assert a.replaced_at is not None and a.change_reason == "孩子生病" and a.change_kind == "swap"
    assert new_a.replaces == a and new_a.person == staff[1]
    assert new_b.replaces == b and new_b.person == staff[0]
    assert [x.person for x in day1.assignments.order_by("id")] == [staff[0], staff[1]]
    rows = list(history_of(day1, *day1.assignments.all()))
    assert any(r.after.get("change_reason") == "孩子生病" for r in rows)
    assert {r.user_name for r in rows} == {"township_admin"}


def test_swap_refusals_change_nothing(demo_user: Any, township: Any, staff: Any) -> None:
    admin = demo_user("township_admin")
    shift = actions.create_shift(by=admin, jurisdiction=township, starts_at=local(2031, 3, 5, 8, 30), ends_at=local(2031, 3, 6, 8, 30), standing=[Standing(staff[0]), Standing(staff[1], "leader")])
    officer, leader = shift.assignments.get(role="officer"), shift.assignments.get(role="leader")
    with pytest.raises(ValidationError):
        actions.swap_assignments(officer, leader, by=admin, reason="x")
    with pytest.raises(ValidationError):
        actions.override_assignment(officer, by=admin, person=staff[0], reason="x")
    with pytest.raises(ValidationError):
        actions.override_assignment(officer, by=admin, person=staff[2], reason=" ")
    assert shift.assignments.filter(replaced_at__isnull=False).count() == 0
