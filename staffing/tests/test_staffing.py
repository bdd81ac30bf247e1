"""The staffing check: the seed 000 ratio per township, rolled up and scoped."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import COUNTY_CODE, GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from people.models import Person, Position, PositionKind
from places.choices import OccupancyStatus, PlaceCategory, StaffingGroup
from places.models import Place, PlaceKind
from staffing import actions
from staffing.models import StaffingStandard
from staffing.services import PlaceCounts, required_staff, staffing_report, standard_on

pytestmark = pytest.mark.django_db


def node(code: str) -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=code)


@pytest.fixture
def clean_slate() -> dict[str, PlaceKind]:
    """No places and no counted staff anywhere, so each test states exactly what it counts."""
    Place.unscoped.update(archived_at=timezone.now())
    Position.unscoped.filter(kind__code__in=["station_chief", "station_staff"]).update(end_date=date(2000, 1, 1))
    kinds = {}
    for group, category in (
        (StaffingGroup.INDUSTRIAL, PlaceCategory.INDUSTRIAL),
        (StaffingGroup.COMMERCIAL, PlaceCategory.SMALL_PLACE),
        (StaffingGroup.RENTAL, PlaceCategory.RENTAL_HOUSE),
        (StaffingGroup.NONE, PlaceCategory.SCHOOL),
    ):
        kinds[group or "none"] = PlaceKind.objects.create(
            code=f"t-{category}", name=f"测试{category}", category=category, staffing_group=group
        )
    return kinds


def add_places(kind: PlaceKind, where: str, n: int, status: str = OccupancyStatus.OPERATING) -> None:
    grid = node(where)
    Place.unscoped.bulk_create(
        Place(name=f"{kind.name}{i}", kind=kind, address="测试地址", jurisdiction=grid, jurisdiction_path=grid.path,
              occupancy_status=status)
        for i in range(n)
    )


def appoint(code: str, kind_code: str, person: Person | None = None) -> Person:
    where = node(code)
    person = person or Person.unscoped.create(name="测试站员", mobile="13900000000", jurisdiction=where)
    Position.unscoped.create(person=person, kind=PositionKind.objects.get(code=kind_code), jurisdiction=where)
    return person


@pytest.mark.parametrize(
    ("industrial", "commercial", "rental", "expected"),
    [(0, 0, 0, 0), (1, 0, 0, 1), (50, 0, 0, 1), (51, 0, 0, 2), (0, 200, 0, 1), (0, 201, 100, 3), (100, 400, 300, 7)],
)
def test_required_staff_rounds_each_kind_up(industrial: int, commercial: int, rental: int, expected: int) -> None:
    counts = PlaceCounts(industrial=industrial, commercial=commercial, rental=rental)
    assert required_staff(counts, standard_on()) == expected


def test_township_requirement_counted_staff_and_shortfall(clean_slate: dict[str, PlaceKind]) -> None:
    add_places(clean_slate["industrial"], GRID_A, 51)  # → 2
    add_places(clean_slate["commercial"], GRID_A, 3)  # → 1
    add_places(clean_slate["rental"], GRID_A, 101)  # → 2
    add_places(clean_slate["none"], GRID_A, 9)  # schools are not counted
    add_places(clean_slate["industrial"], GRID_A, 40, OccupancyStatus.DEMOLISHED)  # closed places are not counted
    chief = appoint(TOWNSHIP_A, "station_chief")
    appoint(TOWNSHIP_A, "station_staff", chief)  # the same person twice counts once
    appoint(TOWNSHIP_A, "station_staff")
    appoint(VILLAGE_A, "village_manager")  # not a counted position

    report = staffing_report(node(TOWNSHIP_A))
    total = report.total
    assert (total.counts.industrial, total.counts.commercial, total.counts.rental) == (51, 3, 101)
    assert (total.required, total.counted, total.shortfall) == (5, 2, 3)
    village_rows = {row.node.code: row for row in report.rows}
    village = village_rows[VILLAGE_A]
    assert village.required is None and village.counted is None
    assert float(village.workload) == pytest.approx(51 / 50 + 3 / 200 + 101 / 100, abs=0.01)


def test_county_total_sums_township_shortfalls_without_offsetting(clean_slate: dict[str, PlaceKind]) -> None:
    add_places(clean_slate["industrial"], GRID_A, 100)  # township A needs 2
    grid_b = Jurisdiction.unscoped.filter(path__startswith=node(TOWNSHIP_B).path, level="grid").order_by("code").first()
    add_places(clean_slate["rental"], grid_b.code, 10)  # township B needs 1
    appoint(TOWNSHIP_B, "station_staff")
    appoint(TOWNSHIP_B, "station_staff")
    appoint(TOWNSHIP_B, "station_staff")  # B has a surplus of 2

    report = staffing_report(node(COUNTY_CODE))
    rows = {row.node.code: row for row in report.rows}
    assert (rows[TOWNSHIP_A].required, rows[TOWNSHIP_A].counted, rows[TOWNSHIP_A].shortfall) == (2, 0, 2)
    assert (rows[TOWNSHIP_B].required, rows[TOWNSHIP_B].counted, rows[TOWNSHIP_B].shortfall) == (1, 3, 0)
    assert report.total.shortfall == 2  # B's surplus does not cover A
    assert report.total.required == sum(r.required or 0 for r in report.rows)


def test_standard_in_force_depends_on_the_date(demo_user: Any) -> None:
    admin = demo_user("county_admin")
    later = timezone.localdate() + timedelta(days=30)
    actions.create_standard(
        admin, name="新标准", effective_from=later, industrial_per_staff=30, commercial_per_staff=150,
        rental_per_staff=80, counted_position_kinds=["station_staff"],
    )
    assert standard_on().industrial_per_staff == 50
    assert standard_on(later).industrial_per_staff == 30


def test_only_county_admin_sets_standards_and_in_force_versions_are_frozen(demo_user: Any) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    values = dict(name="x", effective_from=date(2030, 1, 1), industrial_per_staff=10, commercial_per_staff=10,
                  rental_per_staff=10, counted_position_kinds=["station_staff"])
    with pytest.raises(PermissionDenied):
        actions.create_standard(demo_user("township_admin"), **values)
    with pytest.raises(ValidationError):
        actions.create_standard(demo_user("county_admin"), **{**values, "counted_position_kinds": ["nope"]})
    current = standard_on()
    with pytest.raises(ValidationError):
        actions.update_standard(demo_user("county_admin"), current, {"industrial_per_staff": 10})
    assert StaffingStandard.objects.get(pk=current.pk).industrial_per_staff == 50


def test_api_report_scoped_and_shaped(clean_slate: dict[str, PlaceKind], api_as: Any, demo_user: Any) -> None:
    add_places(clean_slate["industrial"], GRID_A, 3)
    client = api_as(demo_user("township_admin"))
    body = client.get("/api/v1/staffing").json()
    assert body["total"]["jurisdiction_code"] == TOWNSHIP_A
    assert body["total"]["industrial"] == 3 and body["total"]["required"] == 1
    assert {row["jurisdiction_code"] for row in body["rows"]} >= {VILLAGE_A}
    assert client.get(f"/api/v1/staffing?jurisdiction={TOWNSHIP_B}").status_code == 404
    export = client.get(f"/api/v1/staffing/export.xlsx?jurisdiction={TOWNSHIP_A}")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_api_standard_creation_validates(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("county_admin"))
    bad = client.post("/api/v1/staffing/standards", {"name": "x", "effective_from": "2031-01-01", "industrial_per_staff": 0,
                      "commercial_per_staff": 1, "rental_per_staff": 1, "counted_position_kinds": ["station_staff"]},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"]
    good = client.post("/api/v1/staffing/standards", {"name": "x", "effective_from": "2031-01-01", "industrial_per_staff": 40,
                       "commercial_per_staff": 100, "rental_per_staff": 50, "counted_position_kinds": ["station_staff"]},
                       content_type="application/json")
    assert good.status_code == 201 and good.json()["counted_position_kinds"] == ["station_staff"]
    denied = api_as(demo_user("township_admin")).post(
        "/api/v1/staffing/standards", {"name": "y", "effective_from": "2032-01-01", "industrial_per_staff": 40,
        "commercial_per_staff": 100, "rental_per_staff": 50, "counted_position_kinds": ["station_staff"]},
        content_type="application/json")
    assert denied.status_code == 403


def test_outsiders_see_nothing_of_township_a(outsiders: dict[str, Any], api_as: Any, client: Any) -> None:
    for user in outsiders.values():
        assert api_as(user).get(f"/api/v1/staffing?jurisdiction={TOWNSHIP_A}").status_code == 404
        client.force_login(user)
        assert client.get(f"/staffing/?code={TOWNSHIP_A}").status_code == 404
        assert client.get(f"/staffing/export.xlsx?code={TOWNSHIP_A}").status_code == 404


def test_pages_render_with_bounded_queries(client: Any, demo_user: Any, django_assert_max_num_queries: Any) -> None:
    client.force_login(demo_user("county_admin"))
    with django_assert_max_num_queries(20):
        page = client.get("/staffing/")
    assert page.status_code == 200 and "人员配备核查" in page.content.decode()
    assert client.get(f"/staffing/?code={TOWNSHIP_A}").status_code == 200
    standards = client.get("/staffing/standards/")
    assert standards.status_code == 200 and "<form method=\"post\" class=\"form\"" in standards.content.decode()
    client.force_login(demo_user("grid_worker"))
    assert "<form method=\"post\" class=\"form\"" not in client.get("/staffing/standards/").content.decode()


def test_standard_creation_is_audited(demo_user: Any) -> None:
    from audit.models import ObjectChange

    standard = actions.create_standard(
        demo_user("county_admin"), name="审计", effective_from=date(2033, 1, 1), industrial_per_staff=20,
        commercial_per_staff=20, rental_per_staff=20, counted_position_kinds=["station_staff"],
    )
    assert ObjectChange.unscoped.filter(object_id=str(standard.pk), content_type__model="staffingstandard").exists()


def test_english_on_request(client: Any, demo_user: Any) -> None:
    from django.conf import settings

    client.force_login(demo_user("township_admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/staffing/").content.decode()
    assert "Staffing check" in html and "Shortfall" in html and "Risk" in html
