"""Planning the demo county in memory: deterministic, coded and named properly, tiled."""

from __future__ import annotations

import re

from shapely.geometry import shape

from demo.constants import COUNTY_CODE, GRID_A, SMALL_TOWNSHIPS, TOWNSHIPS, VILLAGE_A
from demo.plan import COUNTY_GRIDS, COUNTY_VILLAGES, CountyPlan, plan_county
from demo.tests.tiling_checks import assert_tiles
from jurisdictions.choices import KINDS_BY_LEVEL, Kind, Level

COUNTY_BOUNDS = (121.70, 29.10, 122.10, 29.65)


def counts(plan: CountyPlan) -> dict[str, int]:
    return {level: len(plan.by_level(level)) for level in Level.values}


def test_planning_twice_gives_identical_small_and_county_plans(small_plan: CountyPlan, county_plan: CountyPlan) -> None:
    assert plan_county("small").fingerprint() == small_plan.fingerprint()
    assert plan_county("county").fingerprint() == county_plan.fingerprint()
    assert small_plan.fingerprint() != county_plan.fingerprint()


def test_county_scale_has_16_townships_350_villages_and_2000_grids(county_plan: CountyPlan) -> None:
    assert counts(county_plan) == {
        Level.COUNTY: 1,
        Level.TOWNSHIP: len(TOWNSHIPS),
        Level.VILLAGE: COUNTY_VILLAGES,
        Level.GRID: COUNTY_GRIDS,
    }
    assert len(TOWNSHIPS) == 16
    assert (COUNTY_VILLAGES, COUNTY_GRIDS) == (350, 2000)


def test_small_scale_has_three_townships_of_three_villages_with_two_or_three_grids(small_plan: CountyPlan) -> None:
    townships = small_plan.by_level(Level.TOWNSHIP)
    assert [t.code for t in townships] == SMALL_TOWNSHIPS
    for township in townships:
        villages = small_plan.children_of(township.code)
        assert len(villages) == 3
        for village in villages:
            assert 2 <= len(small_plan.children_of(village.code)) <= 3


def test_every_village_and_grid_sits_in_a_parent_that_exists(county_plan: CountyPlan) -> None:
    codes = {node.code for node in county_plan}
    assert len(codes) == len(county_plan.nodes)
    for node in county_plan:
        assert (node.parent_code is None) == (node.level == Level.COUNTY)
        assert node.parent_code is None or node.parent_code in codes


def test_codes_follow_the_statistical_division_code_style(county_plan: CountyPlan) -> None:
    lengths = {Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12, Level.GRID: 15}
    for node in county_plan:
        assert node.code.isdigit() and len(node.code) == lengths[node.level]
        assert node.parent_code is None or node.code.startswith(node.parent_code)
        assert Kind(node.kind) in KINDS_BY_LEVEL[Level(node.level)]
    for village in county_plan.by_level(Level.VILLAGE):
        number = int(village.code[-3:])
        assert number < 200 if village.kind == Kind.COMMUNITY else number > 200


def test_first_community_of_dandong_street_and_its_first_grid_have_the_published_codes(small_plan: CountyPlan) -> None:
    for plan in (small_plan, plan_county("small")):
        first_village = plan.children_of("330225001")[0]
        assert first_village.code == VILLAGE_A and first_village.kind == Kind.COMMUNITY
        assert plan.children_of(VILLAGE_A)[0].code == GRID_A
        assert plan.by_level(Level.COUNTY)[0].code == COUNTY_CODE


def test_small_villages_have_the_same_codes_and_names_as_in_the_full_county(
    small_plan: CountyPlan, county_plan: CountyPlan
) -> None:
    county_names = {node.code: node.name for node in county_plan}
    for node in small_plan:
        if node.level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
            assert county_names[node.code] == node.name


def test_names_are_chinese_and_end_with_the_right_word(county_plan: CountyPlan) -> None:
    suffix = {Kind.COMMUNITY: "社区", Kind.VILLAGE: "村"}
    for village in county_plan.by_level(Level.VILLAGE):
        assert village.name.endswith(suffix[village.kind])
        assert re.fullmatch(r"[\u4e00-\u9fff]{3,6}", village.name)
    for grid in county_plan.by_level(Level.GRID):
        parent = next(v for v in county_plan.children_of(grid.code[:9]) if v.code == grid.parent_code)
        assert grid.name == f"{parent.name}第{int(grid.code[-3:])}网格"
    names = [v.name for v in county_plan.by_level(Level.VILLAGE)]
    assert len(set(names)) == len(names)


def test_streets_are_mostly_communities_and_towns_mostly_villages(county_plan: CountyPlan) -> None:
    for township in county_plan.by_level(Level.TOWNSHIP):
        kinds = [v.kind for v in county_plan.children_of(township.code)]
        communities = kinds.count(Kind.COMMUNITY)
        if township.kind == Kind.STREET:
            assert communities > len(kinds) / 2
        else:
            assert communities < len(kinds) / 2


def test_populations_add_up_from_grids_to_the_county(county_plan: CountyPlan) -> None:
    for node in county_plan:
        children = county_plan.children_of(node.code)
        assert node.population > 0
        if children:
            assert sum(child.population for child in children) == node.population
    assert 300_000 < county_plan.nodes[0].population < 800_000


def test_the_county_outline_lies_around_xiangshan(county_plan: CountyPlan) -> None:
    min_x, min_y, max_x, max_y = shape(county_plan.nodes[0].boundary).bounds
    assert COUNTY_BOUNDS[0] <= min_x < max_x <= COUNTY_BOUNDS[2]
    assert COUNTY_BOUNDS[1] <= min_y < max_y <= COUNTY_BOUNDS[3]


def test_children_tile_their_parent_at_every_level_of_the_small_plan(small_plan: CountyPlan) -> None:
    for node in small_plan:
        children = small_plan.children_of(node.code)
        if children:
            assert_tiles(node.boundary, [c.boundary for c in children], node.code)


def test_children_tile_their_parent_at_every_level_of_the_county_plan(county_plan: CountyPlan) -> None:
    children_by_parent: dict[str, list[dict]] = {}
    for node in county_plan:
        if node.parent_code:
            children_by_parent.setdefault(node.parent_code, []).append(node.boundary)
    for node in county_plan:
        if node.code in children_by_parent:
            assert_tiles(node.boundary, children_by_parent[node.code], node.code)
