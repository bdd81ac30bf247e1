"""Planning the people of the demo county: every post filled, plausible, deterministic."""

from __future__ import annotations

import re
from collections import Counter

from demo.plan import CountyPlan
from demo.staffing import ID_NUMBER_SHARE, PersonPlan, plan_staff
from jurisdictions.choices import Level
from people.validators import MOBILE_RE, validate_id_number


def test_planning_staff_twice_gives_the_same_people(small_plan: CountyPlan) -> None:
    assert plan_staff(small_plan) == plan_staff(small_plan)


def test_a_node_has_the_same_people_at_both_scales(small_plan: CountyPlan, county_staff: list[PersonPlan]) -> None:
    small_staff = plan_staff(small_plan)
    village_a = [p.name for p in small_staff if p.node_code == "330225001001"]
    assert village_a == [p.name for p in county_staff if p.node_code == "330225001001"]


def test_every_person_holds_one_primary_position_at_their_own_node(county_staff: list[PersonPlan]) -> None:
    for person in county_staff:
        assert len(person.positions) == 1
        assert person.positions[0].is_primary and person.positions[0].node_code == person.node_code


def test_county_scale_staffs_every_node_with_its_required_posts(
    county_plan: CountyPlan, county_staff: list[PersonPlan]
) -> None:
    posts = Counter((pos.node_code, pos.kind) for person in county_staff for pos in person.positions)
    for node in county_plan:
        if node.level in (Level.COUNTY, Level.TOWNSHIP):
            assert posts[(node.code, "first_responsible")] == 1
            assert posts[(node.code, "deputy_responsible")] == 1
        if node.level == Level.TOWNSHIP:
            assert posts[(node.code, "station_chief")] == 1
            assert 2 <= posts[(node.code, "station_staff")] <= 4
        if node.level == Level.VILLAGE:
            for kind in ("first_responsible", "village_manager", "info_reporter"):
                assert posts[(node.code, kind)] == 1
        if node.level == Level.GRID:
            assert posts[(node.code, "grid_leader")] == 1
            assert 1 <= posts[(node.code, "grid_member")] <= 2


def test_names_mobiles_and_titles_look_real(county_staff: list[PersonPlan]) -> None:
    mobiles = [p.mobile for p in county_staff]
    assert len(set(mobiles)) == len(mobiles)
    for person in county_staff:
        assert MOBILE_RE.match(person.mobile)
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", person.name)
        assert person.gender in ("M", "F")
        assert person.organization and person.title
    genders = Counter(p.gender for p in county_staff)
    assert 0.3 < genders["F"] / len(county_staff) < 0.6


def test_about_a_tenth_of_people_have_a_valid_id_number_matching_their_gender(
    county_staff: list[PersonPlan],
) -> None:
    with_id = [p for p in county_staff if p.id_number]
    assert abs(len(with_id) / len(county_staff) - ID_NUMBER_SHARE) < 0.02
    for person in with_id:
        validate_id_number(person.id_number)
        assert (int(person.id_number[16]) % 2 == 1) == (person.gender == "M")
