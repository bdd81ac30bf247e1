"""`checklist_for`: kind before industry before category before generic; local before county-wide; dates."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from checklists import actions, services
from checklists.defaults import DEFAULT_CHECKLISTS
from checklists.models import Checklist, ChecklistStatus
from checklists.tests.conftest import grid_of, make_place
from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from places.models import PlaceKind

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("kind", "lineage"),
    [
        ("sp_catering", "small-place-fire"),  # by category
        ("pg_mall", "crowded-fire"),  # by kind (public_gathering has no list of its own)
        ("elderly_home", "crowded-fire"),
        ("ind_woodwork", "dust-explosion"),  # the kind's list beats the industrial category's
        ("ind_machinery", "industry-general"),
        ("ind_seafood", "ammonia-refrigeration"),
        ("ind_dyeing", "confined-space"),
        ("hz_lpg", "hazchem"),
        ("rental_house", "rental-self-built"),
        ("self_built", "rental-self-built"),
        ("construction_site", "construction-site"),
        ("other", "grid-patrol"),  # nothing specific: the generic patrol list
        ("warehouse", "grid-patrol"),
    ],
)
def test_default_lists_map_to_place_kinds(kind: str, lineage: str) -> None:
    place = make_place(kind)
    found = services.checklist_for(place, TODAY)
    assert found is not None and found.lineage == lineage


def test_every_place_kind_gets_a_checklist() -> None:
    for kind in PlaceKind.objects.all():
        assert services.applicable_for_kind(kind, TODAY) is not None, kind.code


def test_industry_match_ranks_between_kind_and_category(county_admin: Any) -> None:
    checklist = actions.create_checklist(
        by=county_admin, name="机械行业清单", industry="机械", effective_from=datetime.date(2024, 1, 1)
    )
    actions.add_item(checklist, by=county_admin, matter="m", content="c")
    actions.publish(checklist, county_admin)
    assert services.checklist_for(make_place("ind_machinery"), TODAY) == checklist
    assert services.checklist_for(make_place("ind_woodwork"), TODAY).lineage == "dust-explosion"  # kind still wins


def test_local_list_wins_in_its_township_only(local_lists: dict[str, Checklist]) -> None:
    in_a = make_place("sp_catering")
    in_b = make_place("sp_catering", grid_of(TOWNSHIP_B))
    assert services.checklist_for(in_a, TODAY) == local_lists["a"]
    assert services.checklist_for(in_b, TODAY) == local_lists["b"]
    other_kind = make_place("sp_shop")
    assert services.checklist_for(other_kind, TODAY).lineage == "small-place-fire"


def test_local_category_list_beats_county_wide_category_list(township_admin: Any) -> None:
    from jurisdictions.models import Jurisdiction

    local = actions.create_checklist(
        by=township_admin,
        jurisdiction=Jurisdiction.unscoped.get(code=TOWNSHIP_A),
        name="本街道九小清单",
        place_category="small_place",
        effective_from=datetime.date(2024, 1, 1),
    )
    actions.add_item(local, by=township_admin, matter="m", content="c")
    actions.publish(local, township_admin)
    assert services.checklist_for(make_place("sp_shop"), TODAY) == local
    assert services.checklist_for(make_place("sp_shop", grid_of(TOWNSHIP_B)), TODAY).lineage == "small-place-fire"


def test_dates_pick_the_version_in_force(county_admin: Any, small_place_list: Checklist) -> None:
    place = make_place("sp_shop")
    draft = actions.new_version(small_place_list, county_admin)
    v2 = actions.publish(draft, county_admin, effective_from=datetime.date(2026, 3, 1))
    assert (
        services.checklist_for(place, datetime.date(2026, 2, 28)) == small_place_list
    )  # superseded, but in force then
    assert services.checklist_for(place, datetime.date(2026, 3, 1)) == v2
    assert services.checklist_for(place, datetime.date(2023, 12, 31)) is None  # before anything took effect
    assert services.checklist_for(place) == (
        v2 if datetime.date.today() >= datetime.date(2026, 3, 1) else small_place_list
    )


def test_drafts_and_archived_versions_never_apply(county_admin: Any, small_place_list: Checklist) -> None:
    place = make_place("sp_shop")
    actions.new_version(small_place_list, county_admin)
    assert services.checklist_for(place, TODAY) == small_place_list
    actions.archive_checklist(small_place_list, by=county_admin, reason="停用")
    assert services.checklist_for(place, TODAY).lineage == "grid-patrol"


def test_default_content_cites_rules_in_the_agreed_format() -> None:
    assert Checklist.unscoped.filter(jurisdiction__isnull=True, status=ChecklistStatus.ACTIVE).count() >= len(
        DEFAULT_CHECKLISTS
    )
    codes = [ref["code"] for spec in DEFAULT_CHECKLISTS for item in spec["items"] for ref in item["rule_refs"]]
    assert (
        "GB35181-2017:6.6" in codes
        and "应急管理部令第10号:第十一条(一)" in codes
        and "应急管理部令第10号:第十三条(二)" in codes
    )
    for code in codes:
        assert code.startswith(("GB35181-2017:", "应急管理部令第10号:第", "消防法:第")), code


def test_diff_between_versions(county_admin: Any, small_place_list: Checklist) -> None:
    draft = actions.new_version(small_place_list, county_admin)
    items = list(draft.items.order_by("order"))
    actions.update_item(items[0], by=county_admin, content="新的内容")
    actions.remove_item(items[1], by=county_admin)
    actions.add_item(draft, by=county_admin, matter="新增事项", content="c")
    kinds = sorted((c.kind, c.matter) for c in services.diff_items(small_place_list, draft))
    assert kinds == sorted([("changed", items[0].matter), ("removed", items[1].matter), ("added", "新增事项")])


def test_demo_township_list_takes_precedence_and_keeps_its_history() -> None:
    in_a, in_b = make_place("farmstay"), make_place("farmstay", grid_of(TOWNSHIP_B))
    now = services.checklist_for(in_a, TODAY)
    assert now is not None and now.lineage == "dandong-farmstay" and now.version == 2
    assert services.checklist_for(in_a, datetime.date(2025, 6, 1)).version == 1
    assert services.checklist_for(in_b, TODAY).lineage == "rental-self-built"
