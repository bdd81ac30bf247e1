"""The small demo county as the session fixture loaded it into the test database."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from accounts.models import User
from demo.constants import DEMO_ACCOUNTS, DEMO_PASSWORD, GRID_A, SMALL_TOWNSHIPS, TOWNSHIP_A, VILLAGE_A
from demo.models import DemoSeed
from demo.plan import CountyPlan
from demo.tests.tiling_checks import assert_tiles
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.models import Person, Position
from people.protection import unseal
from people.validators import validate_id_number

pytestmark = pytest.mark.django_db

# The position the person behind each demo role holds at the account's node.
ACCOUNT_POSITION = {
    "county_admin": "deputy_responsible",
    "leader": "first_responsible",
    "township_admin": "station_chief",
    "township_staff": "station_staff",
    "village_cadre": "village_manager",
    "grid_worker": "grid_member",
    "enterprise_user": "enterprise_safety_officer",
    "shipu_admin": "station_chief",
}


def test_the_small_demo_is_recorded_as_loaded() -> None:
    assert list(DemoSeed.objects.values_list("scale", flat=True)) == ["small"]


def test_the_database_holds_exactly_the_planned_tree(small_plan: CountyPlan) -> None:
    stored = {
        j.code: (j.name, j.level, j.kind, j.parent.code if j.parent else None, j.population, j.boundary)
        for j in Jurisdiction.unscoped.select_related("parent")
    }
    planned = {n.code: (n.name, n.level, n.kind, n.parent_code, n.population, n.boundary) for n in small_plan}
    assert stored == planned


def test_small_scale_has_three_townships_nine_villages_and_two_or_three_grids_each() -> None:
    levels = Counter(Jurisdiction.unscoped.values_list("level", flat=True))
    assert levels[Level.COUNTY] == 1 and levels[Level.TOWNSHIP] == 3 and levels[Level.VILLAGE] == 9
    assert sorted(Jurisdiction.unscoped.filter(level=Level.TOWNSHIP).values_list("code", flat=True)) == SMALL_TOWNSHIPS
    for village in Jurisdiction.unscoped.filter(level=Level.VILLAGE):
        assert 2 <= village.children.count() <= 3


def test_derived_fields_are_set_although_rows_were_bulk_inserted() -> None:
    for node in Jurisdiction.unscoped.select_related("parent"):
        assert node.path == node.compute_path()
        assert node.depth == Level.values.index(node.level)
        assert node.min_lng < node.centroid_lng < node.max_lng
        assert node.min_lat < node.centroid_lat < node.max_lat
        node.full_clean()


def test_stored_boundaries_tile_their_parents_at_every_level() -> None:
    nodes = list(Jurisdiction.unscoped.all())
    for parent in nodes:
        children = [n.boundary for n in nodes if n.parent_id == parent.pk]
        if children:
            assert_tiles(parent.boundary, children, parent.code)


def test_every_node_is_staffed_with_its_required_posts() -> None:
    posts = Counter(Position.unscoped.values_list("jurisdiction__code", "kind__code"))
    for node in Jurisdiction.unscoped.all():
        code = node.code
        if node.level in (Level.COUNTY, Level.TOWNSHIP):
            assert posts[(code, "first_responsible")] == 1 and posts[(code, "deputy_responsible")] == 1
        if node.level == Level.TOWNSHIP:
            assert posts[(code, "station_chief")] == 1 and 2 <= posts[(code, "station_staff")] <= 4
        if node.level == Level.VILLAGE:
            for kind in ("first_responsible", "village_manager", "info_reporter"):
                assert posts[(code, kind)] == 1
        if node.level == Level.GRID:
            assert posts[(code, "grid_leader")] == 1 and 1 <= posts[(code, "grid_member")] <= 2


def test_people_and_positions_carry_the_path_of_their_node() -> None:
    for person in Person.unscoped.select_related("jurisdiction"):
        assert person.jurisdiction_path == person.jurisdiction.path
    for position in Position.unscoped.select_related("jurisdiction", "person"):
        assert position.jurisdiction_path == position.jurisdiction.path
        if position.is_primary:
            assert position.person.jurisdiction_id == position.jurisdiction_id


def test_sealed_id_numbers_open_to_valid_numbers_and_show_masked() -> None:
    sealed = Person.unscoped.exclude(id_number_sealed="")
    assert sealed.exists()
    for person in sealed:
        raw = unseal(person.id_number_sealed)
        validate_id_number(raw)
        assert person.id_number_masked == raw[:3] + "*" * 11 + raw[-4:]


@pytest.mark.parametrize(("username", "role", "code"), DEMO_ACCOUNTS)
def test_every_demo_account_logs_in_with_its_role_and_node(username: str, role: str, code: str) -> None:
    request = RequestFactory().post("/accounts/login/")
    user = authenticate(request, username=username, password=DEMO_PASSWORD)
    assert user is not None
    assert user.role == role
    assert user.jurisdiction.code == code
    assert user.jurisdiction_path == user.jurisdiction.path
    assert user.person is not None and user.person.jurisdiction_id == user.jurisdiction_id


@pytest.mark.parametrize(("username", "kind"), ACCOUNT_POSITION.items())
def test_the_person_behind_each_account_holds_the_matching_position_there(username: str, kind: str) -> None:
    user = User.unscoped.select_related("person", "jurisdiction").get(username=username)
    held = Position.unscoped.filter(person=user.person, jurisdiction=user.jurisdiction, kind__code=kind)
    assert held.exists()


def test_demo_accounts_sit_where_the_published_constants_say() -> None:
    assert User.unscoped.get(username="township_admin").jurisdiction.code == TOWNSHIP_A
    assert User.unscoped.get(username="village_cadre").jurisdiction.code == VILLAGE_A
    assert User.unscoped.get(username="grid_worker").jurisdiction.code == GRID_A
