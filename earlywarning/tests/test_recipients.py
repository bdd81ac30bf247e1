"""Recipient resolution: by kind, by area nodes, by polygon, deduplicated, outsiders excluded, in bulk."""

from __future__ import annotations

import time
from typing import Any

import pytest
from shapely.geometry import shape

from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from earlywarning import actions
from earlywarning.models import WarningKind
from earlywarning.recipients import collapse_paths, resolve
from jurisdictions.models import Jurisdiction
from people.models import Person, Position, PositionKind
from yingji.scoping import Scope, use_scope


def holders(node: Jurisdiction, kind_codes: list[str]) -> set[int]:
    return set(
        Position.objects.current()
        .filter(jurisdiction_path__within=node.path, kind__code__in=kind_codes, person__archived_at__isnull=True)
        .values_list("person_id", flat=True)
    )


def test_kind_chooses_position_kinds(make_draft: Any, village: Jurisdiction) -> None:
    rain = resolve(make_draft())
    fire = resolve(make_draft(kind=WarningKind.objects.get(code="production_safety")))
    rain_people = {r.person_id for r in rain.rows}
    assert holders(village, ["grid_member"]) <= rain_people
    assert not holders(village, ["grid_member"]) & {r.person_id for r in fire.rows}
    assert {r.label for r in rain.rows if r.source == "position"} <= {"网格员", "村(社区)应急消防管理员", "应急消防管理站站长", "分管责任人"}


def test_township_station_chief_of_a_village_warning_is_included(make_draft: Any, township: Jurisdiction) -> None:
    chiefs = set(Position.objects.current().filter(jurisdiction=township, kind__code="station_chief").values_list("person_id", flat=True))
    assert chiefs
    assert chiefs <= {r.person_id for r in resolve(make_draft()).rows}


def test_people_are_deduplicated(make_draft: Any, village: Jurisdiction, staff: Any) -> None:
    person = Position.objects.current().filter(jurisdiction_path__within=village.path, kind__code="grid_member").first().person  # type: ignore[union-attr]
    grid = Jurisdiction.unscoped.filter(parent=village).order_by("-code").first()
    Position.objects.create(person=person, kind=PositionKind.objects.get(code="grid_member"), jurisdiction=grid)
    rows = resolve(make_draft()).rows
    ids = [r.person_id for r in rows if r.person_id]
    assert len(ids) == len(set(ids))
    assert person.pk in ids


def test_polygon_reaches_only_the_grids_it_touches(make_draft: Any, village: Jurisdiction) -> None:
    grid = Jurisdiction.unscoped.filter(parent=village).order_by("code").first()
    assert grid is not None and grid.boundary
    inside = shape(grid.boundary).representative_point().buffer(0.0002)
    polygon = {"type": "Polygon", "coordinates": [[list(c) for c in inside.exterior.coords]]}
    result = resolve(make_draft(area=[], area_polygon=polygon))
    assert grid in result.area_nodes
    assert all(node.parent_id == village.pk or node.path.startswith(village.path) for node in result.area_nodes if node.level == "grid")
    assert holders(grid, ["grid_member"]) <= {r.person_id for r in result.rows}
    other_grids = Jurisdiction.unscoped.filter(parent=village).exclude(pk__in=[n.pk for n in result.area_nodes])
    for other in other_grids:
        only_there = holders(other, ["grid_member"]) - holders(grid, ["grid_member"])
        assert not only_there & {r.person_id for r in result.rows}


def test_outsiders_are_never_resolved(make_draft: Any, staff: Any) -> None:
    township_b = Jurisdiction.unscoped.get(code=TOWNSHIP_B)
    township_a = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    # a polygon covering the whole county drawn by a township A user reaches only township A
    county = township_a.parent
    polygon = {"type": "Polygon", "coordinates": [[list(c) for c in shape(county.boundary).envelope.exterior.coords]]}  # type: ignore[union-attr]
    with use_scope(Scope(paths=(township_a.path,))):
        result = resolve(make_draft(area=[], area_polygon=polygon))
    assert result.rows
    assert not holders(township_b, ["grid_member", "village_manager", "station_chief"]) & {r.person_id for r in result.rows}
    assert all(n.path.startswith(township_a.path) for n in result.area_nodes)


def test_collapse_paths() -> None:
    assert collapse_paths(["/1/2/", "/1/", "/1/2/3/", "/4/"]) == ["/1/", "/4/"]


def test_place_contacts_of_chosen_kinds(make_draft: Any, village: Jurisdiction) -> None:
    from places.models import Place, PlaceKind

    kind = PlaceKind.objects.order_by("id").first()
    if kind is None:
        pytest.skip("no place kinds loaded")
    person = Person.unscoped.filter(jurisdiction_path__within=village.path).first()
    Place.objects.create(
        name="测试农家乐", kind=kind, address="村口 1 号", jurisdiction=village,
        legal_rep_name="周老板", legal_rep_mobile="13900000001",
        fire_manager_name=person.name, fire_manager_mobile=person.mobile,  # type: ignore[union-attr]
    )
    rows = resolve(make_draft(place_kinds=[kind.code])).rows
    places = [r for r in rows if r.source == "place"]
    assert {r.mobile for r in places} >= {"13900000001"}
    unregistered = next(r for r in places if r.mobile == "13900000001")
    assert unregistered.person_id is None and not unregistered.reachable
    assert len([r for r in rows if r.person_id == person.pk]) == 1  # type: ignore[union-attr]


def test_three_thousand_recipients_resolve_and_issue_in_bulk(
    make_draft: Any, staff: Any, township: Jurisdiction, django_assert_max_num_queries: Any
) -> None:
    """Benchmark-style guard: 3,000 grid members under township A, constant query count."""
    grids = list(Jurisdiction.unscoped.filter(path__startswith=township.path, level="grid").order_by("code"))
    member = PositionKind.objects.get(code="grid_member")
    people = [
        Person(name=f"测试{n:04d}", mobile=f"177{n:08d}", jurisdiction=grids[n % len(grids)], jurisdiction_path=grids[n % len(grids)].path)
        for n in range(3000)
    ]
    Person.unscoped.bulk_create(people, batch_size=1000)
    Position.unscoped.bulk_create(
        [Position(person=p, kind=member, jurisdiction=p.jurisdiction, jurisdiction_path=p.jurisdiction_path) for p in people],
        batch_size=1000,
    )
    draft = make_draft(area=[township])
    started = time.perf_counter()
    with django_assert_max_num_queries(10):
        resolution = resolve(draft)
    resolve_seconds = time.perf_counter() - started
    assert resolution.count >= 3000
    started = time.perf_counter()
    warning = actions.issue(draft, by=staff)
    issue_seconds = time.perf_counter() - started
    assert warning.recipients.count() == resolution.count
    print(f"\n3000+ recipients: resolve {resolve_seconds:.2f} s, issue (freeze + queue) {issue_seconds:.2f} s")
    assert resolve_seconds < 5
