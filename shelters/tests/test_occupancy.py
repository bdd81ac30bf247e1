"""Occupancy rules and status history of a shelter (the on-site manager's board)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.tracking import history_of
from shelters import actions
from shelters.choices import EventKind, ShelterStatus
from shelters.models import Shelter, ShelterEvent

pytestmark = pytest.mark.django_db


def reload(shelter: Shelter) -> Shelter:
    return Shelter.unscoped.get(pk=shelter.pk)


def test_people_cannot_be_checked_in_before_the_shelter_opens(shelter: Shelter, demo_user: Any) -> None:
    with pytest.raises(ValidationError, match="请先开放"):
        actions.check_in(shelter, by=demo_user("township_staff"), count=5)
    assert reload(shelter).occupancy == 0
    assert not ShelterEvent.unscoped.filter(shelter=shelter, kind=EventKind.CHECK_IN).exists()


def test_check_in_and_out_keep_the_count_and_log_each_change(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    actions.check_in(shelter, by=staff, count=30)
    actions.check_out(shelter, by=staff, count=12)
    shelter = reload(shelter)
    assert shelter.occupancy == 18
    assert shelter.status == ShelterStatus.OPEN
    kinds = list(ShelterEvent.unscoped.filter(shelter=shelter).order_by("at", "id").values_list("kind", "count", "occupancy_after"))
    assert kinds == [(EventKind.STATUS, 0, 0), (EventKind.CHECK_IN, 30, 30), (EventKind.CHECK_OUT, 12, 18)]


def test_reaching_night_capacity_makes_the_shelter_full_and_leaving_reopens_it(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    actions.check_in(shelter, by=staff, count=100)
    assert reload(shelter).status == ShelterStatus.FULL
    actions.check_out(shelter, by=staff, count=1)
    assert reload(shelter).status == ShelterStatus.OPEN
    statuses = list(ShelterEvent.unscoped.filter(shelter=shelter, kind=EventKind.STATUS).order_by("id").values_list("status_after", flat=True))
    assert statuses == [ShelterStatus.OPEN, ShelterStatus.FULL, ShelterStatus.OPEN]


def test_over_capacity_is_refused_without_confirmation(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    actions.check_in(shelter, by=staff, count=90)
    with pytest.raises(ValidationError, match="超过夜间容量 100 人"):
        actions.check_in(shelter, by=staff, count=11)
    assert reload(shelter).occupancy == 90


def test_over_capacity_with_confirmation_is_recorded_as_such(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    actions.check_in(shelter, by=staff, count=120, confirm_over_capacity=True)
    shelter = reload(shelter)
    assert (shelter.occupancy, shelter.status) == (120, ShelterStatus.FULL)
    assert ShelterEvent.unscoped.get(shelter=shelter, kind=EventKind.CHECK_IN).over_capacity is True


@pytest.mark.parametrize("count", [0, -3, 10_001])
def test_counts_must_be_sensible(shelter: Shelter, demo_user: Any, count: int) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    with pytest.raises(ValidationError):
        actions.check_in(shelter, by=staff, count=count)
    assert reload(shelter).occupancy == 0


def test_more_people_cannot_leave_than_are_there(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    actions.check_in(shelter, by=staff, count=3)
    with pytest.raises(ValidationError, match="只有 3 人"):
        actions.check_out(shelter, by=staff, count=4)
    assert reload(shelter).occupancy == 3


def test_a_shelter_with_people_in_it_cannot_be_closed_or_archived(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    actions.check_in(shelter, by=staff, count=3)
    with pytest.raises(ValidationError, match="还有 3 人"):
        actions.change_status(shelter, by=staff, status=ShelterStatus.CLOSED)
    with pytest.raises(ValidationError, match="还有 3 人"):
        actions.archive_shelter(shelter, by=staff)
    actions.check_out(shelter, by=staff, count=3)
    actions.change_status(shelter, by=staff, status=ShelterStatus.CLOSED)
    assert reload(shelter).status == ShelterStatus.CLOSED


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ([], ShelterStatus.OPEN, True),
        ([], ShelterStatus.CLOSED, True),
        ([], ShelterStatus.FULL, False),
        ([ShelterStatus.CLOSED], ShelterStatus.READY, True),
        ([ShelterStatus.OPEN], ShelterStatus.READY, False),
        ([ShelterStatus.CLOSED], ShelterStatus.OPEN, True),
    ],
)
def test_manual_status_transitions(shelter: Shelter, demo_user: Any, path: list[str], target: str, allowed: bool) -> None:
    staff = demo_user("township_staff")
    for step in path:
        actions.change_status(shelter, by=staff, status=step)
    before = reload(shelter).status
    if allowed:
        actions.change_status(shelter, by=staff, status=target)
        assert reload(shelter).status == target
    else:
        with pytest.raises(ValidationError):
            actions.change_status(shelter, by=staff, status=target)
        assert reload(shelter).status == before


def test_read_only_roles_cannot_check_people_in(shelter: Shelter, demo_user: Any) -> None:
    actions.change_status(shelter, by=demo_user("township_staff"), status=ShelterStatus.OPEN)
    with pytest.raises(PermissionDenied):
        actions.check_in(shelter, by=demo_user("leader"), count=1)
    assert reload(shelter).occupancy == 0


def test_status_and_occupancy_changes_are_audited(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    actions.check_in(shelter, by=staff, count=7)
    changes = list(history_of(shelter))
    assert any("occupancy" in c.after for c in changes)
    assert any("status" in c.after for c in changes)


def test_gcj02_input_is_stored_as_wgs84(make_shelter: Any) -> None:
    from places.coords import distance_m, wgs84_to_gcj02

    true_point = (121.8765, 29.4763)
    gcj = wgs84_to_gcj02(*true_point)
    shelter = make_shelter(lng=gcj[0], lat=gcj[1], coord_system="gcj02")
    assert distance_m((shelter.lng, shelter.lat), true_point) < 0.5


def test_swapped_coordinates_are_refused_with_a_hint(make_shelter: Any) -> None:
    with pytest.raises(ValidationError, match="经纬度是否填反"):
        make_shelter(lng=29.47, lat=121.87)


def test_lowering_night_capacity_below_occupancy_makes_the_shelter_full(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.change_status(shelter, by=staff, status=ShelterStatus.OPEN)
    actions.check_in(shelter, by=staff, count=60)
    actions.update_shelter(shelter, by=staff, capacity_night=60)
    assert reload(shelter).status == ShelterStatus.FULL


def test_routes_are_linestrings_and_get_a_length(shelter: Shelter, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    route = actions.add_route(shelter, by=staff, name="东门村—礼堂", geometry={"type": "LineString", "coordinates": [[121.88, 29.48], [121.89, 29.48]]})
    assert 900 < route.length_m < 1100
    with pytest.raises(ValidationError, match="LineString"):
        actions.add_route(shelter, by=staff, name="点", geometry={"type": "Point", "coordinates": [121.88, 29.48]})
    with pytest.raises(ValidationError, match="两个点"):
        actions.add_route(shelter, by=staff, name="单点", geometry={"type": "LineString", "coordinates": [[121.88, 29.48]]})
