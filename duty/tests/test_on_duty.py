"""`on_duty()`: who answers at an instant, at shift boundaries, across midnight, up the tree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from duty import actions
from duty.actions import Standing
from duty.choices import DutyRole
from duty.services import on_duty
from jurisdictions.models import Jurisdiction

from .conftest import local


def _shift(by: Any, node: Jurisdiction, start: Any, hours: int, officer: Any, leader: Any = None) -> Any:
    standing = [Standing(officer)]
    if leader is not None:
        standing.append(Standing(leader, DutyRole.LEADER, "0574-65550000"))
    return actions.create_shift(by=by, jurisdiction=node, starts_at=start, ends_at=start + timedelta(hours=hours), standing=standing)


@pytest.fixture
def admin(demo_user: Any) -> Any:
    return demo_user("township_admin")


def test_officer_and_leader_answer_during_the_shift(admin: Any, township: Any, staff: Any) -> None:
    shift = _shift(admin, township, local(2031, 7, 1, 8, 30), 24, staff[0], staff[1])
    found = on_duty(township, local(2031, 7, 1, 12, 0))
    assert [(d.person, d.role) for d in found] == [(staff[0], "officer"), (staff[1], "leader")]
    assert found[0].phone == staff[0].mobile
    assert found[1].phone == "0574-65550000"
    assert found[0].shift == shift


def test_boundary_belongs_to_the_next_shift_and_midnight_to_the_running_one(admin: Any, township: Any, staff: Any) -> None:
    _shift(admin, township, local(2031, 7, 1, 8, 30), 24, staff[0])
    _shift(admin, township, local(2031, 7, 2, 8, 30), 24, staff[1])
    assert [d.person for d in on_duty(township, local(2031, 7, 2, 0, 0))] == [staff[0]]
    assert [d.person for d in on_duty(township, local(2031, 7, 2, 8, 29, 59))] == [staff[0]]
    assert [d.person for d in on_duty(township, local(2031, 7, 2, 8, 30))] == [staff[1]]
    assert on_duty(township, local(2031, 7, 3, 8, 30)) == []


def test_village_without_roster_uses_its_township(admin: Any, township: Any, village: Any, staff: Any) -> None:
    _shift(admin, township, local(2031, 7, 1, 8, 30), 24, staff[0])
    found = on_duty(village, local(2031, 7, 1, 22, 0))
    assert [d.person for d in found] == [staff[0]]
    assert found[0].jurisdiction == township


def test_village_roster_takes_precedence_over_township(admin: Any, township: Any, village: Any, staff: Any) -> None:
    _shift(admin, township, local(2031, 7, 1, 8, 30), 24, staff[0])
    _shift(admin, village, local(2031, 7, 1, 20, 0), 12, staff[2])
    assert [d.person for d in on_duty(village, local(2031, 7, 1, 22, 0))] == [staff[2]]
    assert [d.person for d in on_duty(village, local(2031, 7, 1, 19, 0))] == [staff[0]]
    assert [d.person for d in on_duty(township, local(2031, 7, 1, 22, 0))] == [staff[0]]


def test_replaced_assignment_no_longer_answers(admin: Any, township: Any, staff: Any) -> None:
    shift = _shift(admin, township, local(2031, 7, 1, 8, 30), 24, staff[0])
    actions.override_assignment(shift.assignments.get(), by=admin, person=staff[3], reason="病假")
    assert [d.person for d in on_duty(township, local(2031, 7, 1, 9, 0))] == [staff[3]]


def test_cancelled_shift_no_longer_answers(admin: Any, township: Any, staff: Any) -> None:
    shift = _shift(admin, township, local(2031, 7, 1, 8, 30), 24, staff[0])
    actions.cancel_shift(shift, by=admin, reason="改由县里统一值班")
    assert on_duty(township, local(2031, 7, 1, 9, 0)) == []
