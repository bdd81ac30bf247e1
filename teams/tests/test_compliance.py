"""Compliance of teams against their kind's standard, and the roll-up per jurisdiction."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import TOWNSHIP_A, VILLAGE_A
from people import actions as people_actions
from teams import actions, compliance
from teams.compliance import MET, MISSING, NOT_CHECKED
from teams.models import TeamCapability, TeamStandard

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard(demo_user: Any) -> TeamStandard:
    """A small standard for micro fire stations, so a test team can meet it."""
    standard = TeamStandard.objects.get(kind="micro_fire_station")
    return actions.update_standard(
        standard,
        by=demo_user("county_admin"),
        min_members=3,
        min_on_duty=1,
        required_capabilities=["灭火"],
        required_certificates=[{"name": "培训合格证", "count": 2}],
        required_vehicles=[{"kind": "消防摩托车", "count": 1}],
        required_equipment=[],
    )


def add_people(admin: Any, node: Any, team: Any, n: int, on_duty: int = 0) -> list[Any]:
    members = []
    for i in range(n):
        person = people_actions.create_person(by=admin, jurisdiction=node(TOWNSHIP_A), name=f"队员{i}", mobile=f"1381234{i:04d}")
        members.append(actions.add_member(team, by=admin, person=person, on_duty=i < on_duty))
    return members


def states(result: compliance.Compliance) -> dict[str, str]:
    return {r.label: r.state for r in result.requirements}


def test_team_missing_everything_lists_each_shortfall(make_team: Any, standard: TeamStandard) -> None:
    team = make_team(code=VILLAGE_A)
    result = compliance.check_team(team)
    assert result.compliant is False
    assert states(result) == {
        "队员人数": MISSING,
        "在岗值守人数": MISSING,
        "能力：灭火": MISSING,
        "有效证书：培训合格证": MISSING,
        "车辆：消防摩托车": MISSING,
    }
    assert "队员人数：需 3，现有 0" in result.missing_text()


def test_team_meeting_the_standard_is_compliant_and_expired_certificates_do_not_count(
    make_team: Any, standard: TeamStandard, admin_a: Any, node: Any
) -> None:
    team = make_team(capabilities=[TeamCapability.objects.get(name="灭火")])
    members = add_people(admin_a, node, team, 3, on_duty=1)
    today = timezone.localdate()
    actions.add_certificate(members[0], by=admin_a, name="培训合格证", expires_on=today + datetime.timedelta(days=100))
    expired = actions.add_certificate(
        members[1], by=admin_a, name="培训合格证", issued_on=today - datetime.timedelta(days=400), expires_on=today - datetime.timedelta(days=1)
    )
    actions.add_vehicle(team, by=admin_a, plate="浙B0M001", kind="motorcycle")
    result = compliance.check_team(team)
    assert states(result)["有效证书：培训合格证"] == MISSING
    actions.renew_certificate(expired, by=admin_a, expires_on=today + datetime.timedelta(days=365))
    result = compliance.check_team(team)
    assert result.compliant is True, result.missing_text()
    # a member leaving breaks the head count again
    actions.end_member(members[2], by=admin_a)
    assert states(compliance.check_team(team))["队员人数"] == MISSING


def test_retired_vehicle_does_not_count(make_team: Any, standard: TeamStandard, admin_a: Any) -> None:
    team = make_team()
    vehicle = actions.add_vehicle(team, by=admin_a, plate="浙B0M002", kind="motorcycle")
    assert states(compliance.check_team(team))["车辆：消防摩托车"] == MET
    actions.update_vehicle(vehicle, by=admin_a, status="retired")
    assert states(compliance.check_team(team))["车辆：消防摩托车"] == MISSING


def test_equipment_is_checked_against_the_team_base_in_supplies_or_marked_not_checked(
    make_team: Any, demo_user: Any, standard: TeamStandard
) -> None:
    actions.update_standard(standard, by=demo_user("county_admin"), required_equipment=[{"name": "灭火器", "quantity": 10}])
    team = make_team()
    line = next(r for r in compliance.check_team(team).requirements if r.category == "equipment")
    if compliance._supply_model() is None:
        assert line.state == NOT_CHECKED
    else:
        assert line.state == MISSING and line.present == 0


def test_kind_without_standard_is_neither_compliant_nor_not(make_team: Any) -> None:
    team = make_team(kind="volunteer")
    result = compliance.check_team(team)
    assert result.compliant is None and result.requirements == []


def test_inactive_standard_is_ignored(make_team: Any, standard: TeamStandard, demo_user: Any) -> None:
    actions.update_standard(standard, by=demo_user("county_admin"), is_active=False)
    assert compliance.check_team(make_team()).compliant is None


def test_rollup_counts_per_child(make_team: Any, standard: TeamStandard, node: Any) -> None:
    from teams.models import Team

    make_team(code=VILLAGE_A, name="汇总测试站")
    total, rows = compliance.rollup(node(TOWNSHIP_A), Team.objects.all())
    village_row = next(r for r in rows if r.code == VILLAGE_A)
    assert village_row.teams == Team.objects.filter(jurisdiction_path__startswith=node(VILLAGE_A).path, archived_at__isnull=True).count()
    assert total.teams == Team.objects.filter(jurisdiction_path__startswith=node(TOWNSHIP_A).path, archived_at__isnull=True).count()
    assert total.checked == total.compliant + total.non_compliant
    assert village_row.missing["队员人数"] >= 1


def test_standard_update_refuses_unknown_capability_and_bad_counts(standard: TeamStandard, demo_user: Any) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    county = demo_user("county_admin")
    with pytest.raises(ValidationError, match="不在能力清单"):
        actions.update_standard(standard, by=county, required_capabilities=["隐身"])
    with pytest.raises(ValidationError):
        actions.update_standard(standard, by=county, required_vehicles=[{"kind": "飞船", "count": 1}])
    with pytest.raises(PermissionDenied):
        actions.update_standard(standard, by=demo_user("township_admin"), min_members=1)
    standard.refresh_from_db()
    assert standard.min_members == 3


def test_rollup_query_count_does_not_grow_with_teams(node: Any, django_assert_max_num_queries: Any) -> None:
    from teams.models import Team

    with django_assert_max_num_queries(12):
        total, _rows = compliance.rollup(node("330225"), Team.objects.all())
    assert total.teams > 10


def _stock(point_kind: str, point_name: str, node: Any, items: dict[str, int], expired: str | None = None) -> None:
    from supplies.models import StoragePoint, Supply, SupplyCategory

    category, _created = SupplyCategory.objects.get_or_create(code="c1-test", defaults={"name": "测试类别"})
    point = StoragePoint.objects.create(name=point_name, kind=point_kind, jurisdiction=node, jurisdiction_path=node.path)
    for name, quantity in items.items():
        Supply.objects.create(
            name=name, category=category, storage_point=point, quantity=quantity, jurisdiction=node, jurisdiction_path=node.path,
            expiry_date=datetime.date(2000, 1, 1) if name == expired else None,
        )


@pytest.mark.skipif(compliance._supply_model() is None, reason="supplies app not installed")
def test_equipment_counts_team_base_stock_and_village_store_for_village_teams(
    make_team: Any, standard: TeamStandard, demo_user: Any, node: Any
) -> None:
    actions.update_standard(standard, by=demo_user("county_admin"), required_equipment=[{"name": "灭火器", "quantity": 10}, {"name": "水枪", "quantity": 2}])
    village = node(VILLAGE_A)
    station = make_team(code=VILLAGE_A, name="器材测试站")

    def equipment() -> dict[str, tuple[str, int | None]]:
        return {r.label: (r.state, r.present) for r in compliance.check_team(station).requirements if r.category == "equipment"}

    before = {label: present or 0 for label, (_state, present) in equipment().items()}  # the demo village's own store
    _stock("village_point", "器材测试村储备点", village, {"灭火器": 12, "水枪": 1})
    after = equipment()
    assert after["器材：灭火器"] == (MET, before["器材：灭火器"] + 12)
    assert after["器材：水枪"][1] == before["器材：水枪"] + 1
    # with a base store of its own, the village store no longer counts; expired stock never does
    _stock("team_base", "器材测试站", village, {"灭火器": 3, "水枪": 5}, expired="灭火器")
    assert equipment() == {"器材：灭火器": (MISSING, 0), "器材：水枪": (MET, 5)}
