"""Team actions: creation, validation, status history, members, certificates, vehicles, audit."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import ObjectChange
from demo.constants import TOWNSHIP_A, VILLAGE_A
from people.models import Person
from teams import actions
from teams.choices import CertificateState
from teams.models import Team, TeamStatusChange, Vehicle
from teams.services import team_contacts

pytestmark = pytest.mark.django_db


def a_person(node: Any, name: str = "王测试", mobile: str = "13911110000") -> Person:
    from accounts.models import User
    from people import actions as people_actions
    from yingji.scoping import unscoped

    with unscoped():
        admin = User.unscoped.get(username="county_admin")
        return people_actions.create_person(by=admin, jurisdiction=node(TOWNSHIP_A), name=name, mobile=mobile)


def test_create_team_records_first_status_and_audit(make_team: Any) -> None:
    team = make_team(name="丹东测试消防站")
    assert team.jurisdiction_path.endswith(f"/{TOWNSHIP_A}/")
    history = list(TeamStatusChange.objects.filter(team=team))
    assert [(h.from_status, h.to_status, h.reason) for h in history] == [("", "available", "建档")]
    assert ObjectChange.unscoped.filter(object_id=str(team.pk), content_type__model="team", action="create").exists()


def test_duplicate_name_in_the_same_jurisdiction_is_refused(make_team: Any) -> None:
    make_team(name="重名队")
    with pytest.raises(ValidationError) as info:
        make_team(name="重名队")
    assert "同名" in str(info.value)
    assert Team.objects.filter(name="重名队").count() == 1


def test_same_name_allowed_after_archiving_and_restore_is_refused_while_clashing(make_team: Any, admin_a: Any) -> None:
    old = make_team(name="重名队")
    actions.archive_team(old, by=admin_a, reason="撤并")
    make_team(name="重名队")
    with pytest.raises(ValidationError, match="同名"):
        actions.restore_team(old, by=admin_a)


@pytest.mark.parametrize(("lng", "lat", "field"), [(181, 29, "lng"), (121, 95, "lng"), ("x", 29, "lng")])
def test_bad_coordinates_are_refused(make_team: Any, lng: Any, lat: Any, field: str) -> None:
    before = Team.objects.count()
    with pytest.raises(ValidationError) as info:
        make_team(lng, lat)
    assert field in info.value.message_dict
    assert Team.objects.count() == before


def test_gcj02_input_is_stored_as_wgs84(make_team: Any) -> None:
    from places.coords import distance_m, wgs84_to_gcj02

    g = wgs84_to_gcj02(121.87, 29.47)
    team = make_team(*g, coord_system="gcj02")
    assert distance_m((team.lng, team.lat), (121.87, 29.47)) < 0.05


def test_read_only_roles_cannot_create(make_team: Any, demo_user: Any) -> None:
    for role in ("leader", "auditor", "grid_worker", "enterprise_user"):
        with pytest.raises(PermissionDenied):
            make_team(by=demo_user(role))


def test_status_change_needs_a_reason_and_keeps_history(make_team: Any, admin_a: Any) -> None:
    team = make_team()
    with pytest.raises(ValidationError, match="原因"):
        actions.change_status(team, by=admin_a, status="on_task")
    team.refresh_from_db()
    assert team.status == "available"
    until = timezone.now() + datetime.timedelta(days=2)
    actions.change_status(team, by=admin_a, status="unavailable", reason="车辆维修", until=until)
    actions.change_status(team, by=admin_a, status="available")
    team.refresh_from_db()
    assert team.status == "available" and team.status_until is None
    rows = list(TeamStatusChange.objects.filter(team=team).order_by("changed_at", "id"))
    assert [(r.from_status, r.to_status) for r in rows] == [("", "available"), ("available", "unavailable"), ("unavailable", "available")]
    assert rows[1].reason == "车辆维修" and rows[1].until == until and rows[1].changed_by == admin_a


def test_status_refuses_unknown_value_and_past_until(make_team: Any, admin_a: Any) -> None:
    team = make_team()
    with pytest.raises(ValidationError):
        actions.change_status(team, by=admin_a, status="sleeping", reason="x")
    with pytest.raises(ValidationError, match="晚于现在"):
        actions.change_status(team, by=admin_a, status="unavailable", reason="x", until=timezone.now() - datetime.timedelta(hours=1))
    assert TeamStatusChange.objects.filter(team=team).count() == 1


def test_same_person_cannot_join_twice_but_can_rejoin_after_leaving(make_team: Any, admin_a: Any, node: Any) -> None:
    team = make_team()
    person = a_person(node)
    member = actions.add_member(team, by=admin_a, person=person, role="captain", on_duty=True)
    with pytest.raises(ValidationError, match="不能重复添加"):
        actions.add_member(team, by=admin_a, person=person)
    with pytest.raises(ValidationError, match="早于入队日期"):
        actions.end_member(member, by=admin_a, on=member.joined_on - datetime.timedelta(days=1))
    actions.end_member(member, by=admin_a)
    member.refresh_from_db()
    assert member.left_on == timezone.localdate() and not member.on_duty
    actions.add_member(team, by=admin_a, person=person)


def test_certificate_expiry_flags(make_team: Any, admin_a: Any, node: Any) -> None:
    team = make_team()
    member = actions.add_member(team, by=admin_a, person=a_person(node))
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)
    expired = actions.add_certificate(member, by=admin_a, name="甲", issued_on=year_ago, expires_on=today - datetime.timedelta(days=1))
    expiring = actions.add_certificate(member, by=admin_a, name="乙", issued_on=year_ago, expires_on=today + datetime.timedelta(days=30))
    valid = actions.add_certificate(member, by=admin_a, name="丙", issued_on=year_ago, expires_on=today + datetime.timedelta(days=31))
    forever = actions.add_certificate(member, by=admin_a, name="丁")
    assert expired.state() == CertificateState.EXPIRED
    assert expiring.state() == CertificateState.EXPIRING
    assert valid.state() == CertificateState.VALID
    assert forever.state() == CertificateState.NO_EXPIRY
    assert expiring.state(today + datetime.timedelta(days=31)) == CertificateState.EXPIRED


def test_certificate_dates_must_make_sense_and_renewal_must_extend(make_team: Any, admin_a: Any, node: Any) -> None:
    member = actions.add_member(make_team(), by=admin_a, person=a_person(node))
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="不能早于发证日期"):
        actions.add_certificate(member, by=admin_a, name="证", issued_on=today, expires_on=today - datetime.timedelta(days=1))
    certificate = actions.add_certificate(member, by=admin_a, name="证", issued_on=today - datetime.timedelta(days=10), expires_on=today + datetime.timedelta(days=5))
    with pytest.raises(ValidationError, match="晚于原有效期"):
        actions.renew_certificate(certificate, by=admin_a, expires_on=today)
    actions.renew_certificate(certificate, by=admin_a, expires_on=today + datetime.timedelta(days=3 * 365), issued_on=today, number="NEW-1")
    certificate.refresh_from_db()
    assert certificate.number == "NEW-1" and certificate.state() == CertificateState.VALID
    change = ObjectChange.unscoped.filter(object_id=str(certificate.pk), content_type__model="certificate", action="update").get()
    assert change.before["expires_on"] == (today + datetime.timedelta(days=5)).isoformat()


def test_vehicle_plates_are_unique_within_a_team(make_team: Any, admin_a: Any) -> None:
    team = make_team()
    vehicle = actions.add_vehicle(team, by=admin_a, plate="浙b 1234应急", kind="water_tender")
    assert vehicle.plate == "浙B1234应急"
    with pytest.raises(ValidationError, match="已登记号牌"):
        actions.add_vehicle(team, by=admin_a, plate="浙B1234应急", kind="rescue_truck")
    with pytest.raises(ValidationError):
        actions.add_vehicle(team, by=admin_a, plate="浙B9999", kind="spaceship")
    actions.update_vehicle(vehicle, by=admin_a, status="repair")
    actions.archive_vehicle(vehicle, by=admin_a, reason="报废")
    assert Vehicle.objects.get(pk=vehicle.pk).archived_at is not None


def test_moving_a_team_moves_its_members_and_vehicles(make_team: Any, admin_a: Any, node: Any) -> None:
    team = make_team()
    member = actions.add_member(team, by=admin_a, person=a_person(node))
    certificate = actions.add_certificate(member, by=admin_a, name="证")
    vehicle = actions.add_vehicle(team, by=admin_a, plate="浙B0001", kind="patrol")
    actions.update_team(team, by=admin_a, jurisdiction=node(VILLAGE_A))
    for row in (member, certificate, vehicle):
        row.refresh_from_db()
        assert row.jurisdiction_path == node(VILLAGE_A).path


def test_capability_changes_are_audited(make_team: Any, admin_a: Any) -> None:
    from teams.models import TeamCapability

    team = make_team()
    actions.update_team(team, by=admin_a, capabilities=list(TeamCapability.objects.filter(name__in=["灭火", "破拆"])))
    change = ObjectChange.unscoped.filter(object_id=str(team.pk), content_type__model="team", action="update").latest("id")
    assert change.after == {"capabilities": "灭火、破拆"}


def test_team_contacts_leader_first_then_on_duty_members(make_team: Any, admin_a: Any, node: Any) -> None:
    leader = a_person(node, "队长甲", "13911110001")
    driver = a_person(node, "司机乙", "13911110002")
    vice = a_person(node, "副队丙", "13911110003")
    off = a_person(node, "休息丁", "13911110004")
    team = make_team(leader=leader)
    actions.add_member(team, by=admin_a, person=driver, role="driver", on_duty=True)
    actions.add_member(team, by=admin_a, person=vice, role="vice_captain", on_duty=True)
    actions.add_member(team, by=admin_a, person=off, role="member", on_duty=False)
    actions.add_member(team, by=admin_a, person=leader, role="captain", on_duty=True)
    assert [p.name for p in team_contacts(team.pk)] == ["队长甲", "副队丙", "司机乙"]
    assert team_contacts(999_999_999) == []
