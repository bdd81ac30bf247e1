"""Responsibility letters: signing, who has not signed, roll-ups, import, scoping."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from audit.models import ObjectChange
from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from letters import actions, services
from letters.choices import LetterKind
from letters.models import ResponsibilityLetter
from places.choices import OccupancyStatus, PlaceCategory
from places.models import Place, PlaceKind

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
TODAY = timezone.localdate()


@pytest.fixture
def places() -> list[Place]:
    """Three operating places in GRID_A (and none elsewhere), one closed, one in township B."""
    Place.unscoped.update(archived_at=timezone.now())
    ResponsibilityLetter.unscoped.update(archived_at=timezone.now())  # the demo's letters
    shop = PlaceKind.objects.create(code="t-shop", name="测试商店", category=PlaceCategory.SMALL_PLACE)
    rental = PlaceKind.objects.create(code="t-rental", name="测试出租房", category=PlaceCategory.RENTAL_HOUSE)
    grid = Jurisdiction.unscoped.get(code=GRID_A)
    made = [
        Place.unscoped.create(name="惠民小吃店", kind=shop, address="丹东街道某路1号", jurisdiction=grid,
                              legal_rep_name="王一", fire_responsible_name="王二", credit_code=""),
        Place.unscoped.create(name="某出租房", kind=rental, address="丹东街道某路2号", jurisdiction=grid, legal_rep_name="李三"),
        Place.unscoped.create(name="无名店", kind=shop, address="丹东街道某路3号", jurisdiction=grid),
        Place.unscoped.create(name="已停业店", kind=shop, address="丹东街道某路4号", jurisdiction=grid,
                              occupancy_status=OccupancyStatus.SUSPENDED, legal_rep_name="赵四"),
    ]
    township_b = Jurisdiction.unscoped.filter(path__startswith=Jurisdiction.unscoped.get(code=TOWNSHIP_B).path, level="grid").first()
    made.append(Place.unscoped.create(name="石浦某店", kind=shop, address="石浦镇", jurisdiction=township_b, legal_rep_name="钱五"))
    return made


def test_sign_defaults_signatory_and_corrects_instead_of_duplicating(places: list[Place], demo_user: Any) -> None:
    staff = demo_user("township_staff")
    fire, state = actions.sign(staff, places[0], year=YEAR, kind=LetterKind.FIRE, signed_on=TODAY)
    assert state == "created" and fire.signatory == "王二"  # the fire letter is the fire-safety responsible person's
    safety, _ = actions.sign(staff, places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY)
    assert safety.signatory == "王一"
    again, state = actions.sign(staff, places[0], year=YEAR, kind=LetterKind.FIRE, signed_on=TODAY, signatory="王二")
    assert state == "unchanged" and again.pk == fire.pk
    _, state = actions.sign(staff, places[0], year=YEAR, kind=LetterKind.FIRE, signed_on=TODAY, note="补签")
    assert state == "updated"
    assert ResponsibilityLetter.objects.filter(place=places[0], kind=LetterKind.FIRE).count() == 1
    assert ObjectChange.unscoped.filter(content_type__model="responsibilityletter", object_id=str(fire.pk)).count() == 2


@pytest.mark.parametrize(
    ("year", "signed_on", "field"),
    [(YEAR, date(YEAR - 2, 12, 1), "signed_on"), (1999, date(1999, 1, 1), "year"), (YEAR, date(YEAR + 1, 1, 1), "signed_on")],
)
def test_bad_years_and_dates_are_refused(places: list[Place], demo_user: Any, year: int, signed_on: date, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.sign(demo_user("township_staff"), places[0], year=year, kind=LetterKind.SAFETY, signed_on=signed_on)
    assert field in caught.value.message_dict
    assert not ResponsibilityLetter.objects.filter(place=places[0]).exists()


def test_place_without_a_named_person_needs_a_signatory(places: list[Place], demo_user: Any) -> None:
    with pytest.raises(ValidationError):
        actions.sign(demo_user("township_staff"), places[2], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY)
    letter, _ = actions.sign(demo_user("township_staff"), places[2], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY, signatory="孙六")
    assert letter.signatory == "孙六"


def test_read_only_roles_cannot_sign(places: list[Place], demo_user: Any) -> None:
    for role in ("leader", "auditor", "grid_worker"):
        with pytest.raises(PermissionDenied):
            actions.sign(demo_user(role), places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY)


def test_attachment_must_be_a_scan(places: list[Place], demo_user: Any) -> None:
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError):
        actions.sign(demo_user("township_staff"), places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY, attachment=bad)
    good = SimpleUploadedFile("x.pdf", b"%PDF-1.7\n...")
    letter, _ = actions.sign(demo_user("township_staff"), places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY, attachment=good)
    assert letter.attachment.name.endswith(".pdf")


def test_unsigned_and_summary_count_operating_places_only(places: list[Place], demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.sign(staff, places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY)
    actions.sign(staff, places[1], year=YEAR - 1, kind=LetterKind.SAFETY, signed_on=date(YEAR - 1, 3, 1))  # last year's
    unsigned = set(services.unsigned_places(YEAR, LetterKind.SAFETY).values_list("name", flat=True))
    assert unsigned == {"某出租房", "无名店", "石浦某店"}
    result = services.summary(Jurisdiction.unscoped.get(code=TOWNSHIP_A), YEAR)
    safety = result.total.tallies[LetterKind.SAFETY]
    assert (safety.required, safety.signed, safety.unsigned, safety.percent) == (3, 1, 2, 33)
    village_row = {row.node.code: row for row in result.rows}
    assert village_row[VILLAGE_A].tallies[LetterKind.SAFETY].signed == 1


def test_rules_narrow_who_must_sign(places: list[Place], demo_user: Any) -> None:
    actions.set_rule(demo_user("county_admin"), LetterKind.FLOOD, categories=[PlaceCategory.RENTAL_HOUSE])
    assert set(services.unsigned_places(YEAR, LetterKind.FLOOD).values_list("name", flat=True)) == {"某出租房"}
    with pytest.raises(PermissionDenied):
        actions.set_rule(demo_user("township_admin"), LetterKind.FLOOD, categories=[])
    with pytest.raises(ValidationError):
        actions.set_rule(demo_user("county_admin"), LetterKind.FLOOD, categories=["nonsense"])


def test_withdraw_archives_with_reason_and_place_becomes_unsigned(places: list[Place], demo_user: Any) -> None:
    staff = demo_user("township_staff")
    letter, _ = actions.sign(staff, places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY)
    with pytest.raises(ValidationError):
        actions.withdraw(staff, letter, reason=" ")
    actions.withdraw(staff, letter, reason="签订人不是负责人")
    letter.refresh_from_db()
    assert letter.archived_at is not None and letter.archive_reason == "签订人不是负责人"
    assert services.unsigned_places(YEAR, LetterKind.SAFETY).filter(pk=places[0].pk).exists()
    again, state = actions.sign(staff, places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY)
    assert state == "created" and again.pk != letter.pk


def test_sign_many_is_all_or_nothing(places: list[Place], demo_user: Any) -> None:
    staff = demo_user("township_staff")
    with pytest.raises(ValidationError):
        actions.sign_many(staff, [places[0], places[2]], year=YEAR, kind=LetterKind.FIRE, signed_on=TODAY)  # 无名店 has no name on file
    assert not ResponsibilityLetter.objects.filter(archived_at__isnull=True).exists()
    assert actions.sign_many(staff, [places[0], places[1]], year=YEAR, kind=LetterKind.FIRE, signed_on=TODAY) == 2


def _xlsx(rows: list[list[Any]]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "场所名称", "地址", "年度", "责任状类型", "签订日期", "签订人（单位方）"])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile("letters.xlsx", data.getvalue())


def test_import_reports_broken_rows_and_writes_nothing_then_imports(places: list[Place], api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("township_staff"))
    broken = _xlsx([
        ["", "惠民小吃店", "丹东街道某路1号", YEAR, "消防安全责任状", TODAY.isoformat(), ""],
        ["", "不存在的店", "某处", YEAR, "消防安全责任状", TODAY.isoformat(), "某人"],
        ["", "某出租房", "丹东街道某路2号", YEAR, "责任书", "2026-13-40", ""],
        ["", "石浦某店", "石浦镇", YEAR, "安全生产责任状", TODAY.isoformat(), ""],  # outside township A
    ])
    response = client.post("/api/v1/letters/import", {"file": broken, "dry_run": "false"})
    assert response.status_code == 400
    problems = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert (3, "场所名称") in problems and (5, "场所名称") in problems
    assert any(row == 4 for row, _ in problems)
    assert not ResponsibilityLetter.objects.filter(archived_at__isnull=True).exists()

    good = _xlsx([
        ["", "惠民小吃店", "丹东街道某路1号", YEAR, "消防安全责任状", TODAY.isoformat(), ""],
        ["", "某出租房", "丹东街道某路2号", str(YEAR), "防汛防台", TODAY.strftime("%Y/%m/%d"), "李三"],
    ])
    response = client.post("/api/v1/letters/import", {"file": good, "dry_run": "false"})
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    assert ResponsibilityLetter.objects.filter(archived_at__isnull=True).count() == 2


def test_export_round_trip_changes_nothing(places: list[Place], api_as: Any, demo_user: Any) -> None:
    staff = demo_user("township_staff")
    actions.sign(staff, places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY)
    client = api_as(staff)
    exported = client.get(f"/api/v1/letters/export.xlsx?year={YEAR}")
    assert exported.status_code == 200
    content = b"".join(exported.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.cell(2, 2).value == "惠民小吃店"
    again = client.post("/api/v1/letters/import", {"file": SimpleUploadedFile("x.xlsx", content), "dry_run": "false"})
    assert again.status_code == 200 and again.json()["unchanged"] == 1 and again.json()["created"] == 0


def test_api_list_summary_unsigned_and_sign(places: list[Place], api_as: Any, demo_user: Any, django_assert_max_num_queries: Any) -> None:
    client = api_as(demo_user("township_staff"))
    created = client.post("/api/v1/letters", {"place_id": places[0].pk, "year": YEAR, "kind": "safety", "signed_on": TODAY.isoformat()},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["jurisdiction_code"] == GRID_A
    bad = client.post("/api/v1/letters", {"place_id": places[0].pk, "year": YEAR, "kind": "nope", "signed_on": TODAY.isoformat()},
                      content_type="application/json")
    assert bad.status_code == 422
    with django_assert_max_num_queries(6):
        listing = client.get(f"/api/v1/letters?year={YEAR}").json()
    assert listing["count"] == 1 and listing["items"][0]["kind_label"] == "安全生产责任状"
    unsigned = client.get(f"/api/v1/letters/unsigned?kind=safety&year={YEAR}").json()
    assert {p["name"] for p in unsigned["items"]} == {"某出租房", "无名店"}
    summary = client.get(f"/api/v1/letters/summary?year={YEAR}").json()
    assert summary["total"]["jurisdiction_code"] == TOWNSHIP_A
    many = client.post("/api/v1/letters/sign-many", {"place_ids": [places[1].pk], "year": YEAR, "kind": "safety",
                       "signed_on": TODAY.isoformat()}, content_type="application/json")
    assert many.json() == {"created": 1, "total": 1}
    withdrawn = client.post(f"/api/v1/letters/{created.json()['id']}/withdraw", {"reason": "错录"}, content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn"] is True


def test_outsiders_see_and_touch_nothing(places: list[Place], outsiders: dict[str, Any], api_as: Any, client: Any, demo_user: Any) -> None:
    letter, _ = actions.sign(demo_user("township_staff"), places[0], year=YEAR, kind=LetterKind.SAFETY, signed_on=TODAY)
    for user in outsiders.values():
        api = api_as(user)
        assert all(item["jurisdiction_code"].startswith(TOWNSHIP_B) for item in api.get(f"/api/v1/letters?year={YEAR}").json()["items"])
        assert api.get(f"/api/v1/letters/{letter.pk}").status_code == 404
        assert api.get(f"/api/v1/letters/summary?jurisdiction={TOWNSHIP_A}").status_code == 404
        assert all(not p["jurisdiction_code"].startswith(TOWNSHIP_A)
                   for p in api.get("/api/v1/letters/unsigned?kind=safety").json()["items"])
        assert api.post(f"/api/v1/letters/{letter.pk}/withdraw", {"reason": "x"}, content_type="application/json").status_code == 404
        signing = api.post("/api/v1/letters", {"place_id": places[1].pk, "year": YEAR, "kind": "safety", "signed_on": TODAY.isoformat()},
                           content_type="application/json")
        assert signing.status_code == 404
        client.force_login(user)
        assert client.get(f"/letters/?code={TOWNSHIP_A}").status_code == 404
        assert client.get(f"/letters/unsigned/?code={TOWNSHIP_A}").status_code == 404
        assert client.get(f"/letters/{letter.pk}/attachment/").status_code == 404
    assert ResponsibilityLetter.objects.filter(place=places[1]).count() == 0


def test_pages(places: list[Place], client: Any, demo_user: Any, django_assert_max_num_queries: Any) -> None:
    staff = demo_user("township_staff")
    client.force_login(staff)
    with django_assert_max_num_queries(25):
        page = client.get("/letters/")
    assert page.status_code == 200 and "责任状" in page.content.decode()
    with django_assert_max_num_queries(25):
        unsigned = client.get(f"/letters/unsigned/?kind=fire&year={YEAR}")
    assert "惠民小吃店" in unsigned.content.decode()
    partial = client.get(f"/letters/unsigned/?kind=fire&year={YEAR}", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    response = client.post("/letters/sign-many/", {"place": [places[0].pk, places[1].pk], "year": YEAR, "kind": "fire",
                                                   "signed_on": TODAY.isoformat(), "code": TOWNSHIP_A})
    assert response.status_code == 302
    assert ResponsibilityLetter.objects.filter(kind="fire", archived_at__isnull=True).count() == 2
    exported = client.get(f"/letters/unsigned/export.xlsx?kind=fire&year={YEAR}")
    assert exported.status_code == 200


def test_english_on_request(client: Any, demo_user: Any) -> None:
    from django.conf import settings

    client.force_login(demo_user("township_admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/letters/").content.decode()
    assert "Responsibility letters" in html and "Work-safety responsibility letter" in html


def test_enterprise_users_see_only_their_own_places_letters(places: list[Place], api_as: Any, demo_user: Any) -> None:
    from places.models import PlaceAccount

    owner = demo_user("enterprise_user")
    own_place = PlaceAccount.objects.filter(user=owner).select_related("place").first().place
    mine = ResponsibilityLetter.unscoped.create(place=own_place, jurisdiction=own_place.jurisdiction, year=YEAR,
                                                kind=LetterKind.SAFETY, signed_on=TODAY, signatory="本单位")
    neighbour = ResponsibilityLetter.unscoped.create(place=places[0], jurisdiction=places[0].jurisdiction, year=YEAR,
                                                     kind=LetterKind.SAFETY, signed_on=TODAY, signatory="邻居")
    client = api_as(owner)
    ids = {item["id"] for item in client.get(f"/api/v1/letters?year={YEAR}").json()["items"]}
    assert mine.pk in ids and neighbour.pk not in ids
    assert client.get(f"/api/v1/letters/{neighbour.pk}").status_code == 404
