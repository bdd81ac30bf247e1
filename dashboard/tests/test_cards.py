"""Home page cards: their numbers against rows made here, scoping, empty states and query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import create_account
from demo.constants import DEMO_PASSWORD, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from places.models import Place, PlaceKind

pytestmark = pytest.mark.django_db


def cards_for(user: User) -> dict[str, dict[str, Any]]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    return {card["key"]: card for card in response.context["cards"]}


def grid_in(code: str) -> Jurisdiction:
    node = Jurisdiction.unscoped.get(code=code)
    return Jurisdiction.unscoped.filter(path__within=node.path, level="grid").order_by("code").first()  # type: ignore[return-value]


def make_place(node: Jurisdiction, name: str = "首页测试小吃店", **fields: Any) -> Place:
    """A place with exactly these field values.

    The risk app regrades a place (and sets its inspection due dates) whenever it is saved,
    so the values under test are written after the save, as a grading run would leave them.
    """
    kind = PlaceKind.objects.get(code="sp_catering")
    place = Place.unscoped.create(jurisdiction=node, name=name, address="象山县测试路 1 号", kind=kind)
    fields.setdefault("risk_grade", "")
    fields.setdefault("next_self_inspection_due", None)
    fields.setdefault("next_supervision_due", None)
    Place.unscoped.filter(pk=place.pk).update(**fields)
    place.refresh_from_db()
    return place


def grade_counts(card: dict[str, Any]) -> dict[str, int]:
    return {row["tone"]: row["count"] for row in card["rows"]}


def test_places_by_grade_counts_the_new_places_of_the_township_only(demo_user: Any) -> None:
    staff = demo_user("township_staff")
    before = grade_counts(cards_for(staff)["grades"])
    make_place(grid_in(TOWNSHIP_A), risk_grade="major")
    make_place(grid_in(TOWNSHIP_A), risk_grade="major", name="首页测试网吧")
    make_place(grid_in(TOWNSHIP_A), risk_grade="", name="首页测试出租房")
    make_place(grid_in(TOWNSHIP_B), risk_grade="major", name="石浦测试小吃店")
    card = cards_for(staff)["grades"]
    after = grade_counts(card)
    assert after["red"] == before["red"] + 2
    assert after["none"] == before["none"] + 1
    assert after["orange"] == before["orange"]
    assert card["total"] == Place.unscoped.filter(jurisdiction_path__within=staff.jurisdiction.path, archived_at__isnull=True).count()
    # Each number links to the place list filtered by that grade.
    red = next(row for row in card["rows"] if row["tone"] == "red")
    assert red["url"] == reverse("places:list") + "?risk_grade=major"


def test_archived_places_are_not_counted(demo_user: Any) -> None:
    staff = demo_user("township_staff")
    before = cards_for(staff)["grades"]["total"]
    make_place(grid_in(TOWNSHIP_A), risk_grade="low", archived_at=timezone.now())
    assert cards_for(staff)["grades"]["total"] == before


def test_overdue_inspections_count_each_place_once(demo_user: Any) -> None:
    staff = demo_user("township_staff")
    before = cards_for(staff)["overdue"]
    today = timezone.localdate()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    make_place(grid_in(TOWNSHIP_A), next_self_inspection_due=yesterday, next_supervision_due=tomorrow)
    make_place(grid_in(TOWNSHIP_A), next_self_inspection_due=yesterday, next_supervision_due=yesterday)
    make_place(grid_in(TOWNSHIP_A), next_self_inspection_due=today, next_supervision_due=tomorrow)  # due today is not late
    card = cards_for(staff)["overdue"]
    assert card["overdue"] == before["overdue"] + 2
    assert card["self_overdue"] == before["self_overdue"] + 2
    assert card["supervision_overdue"] == before["supervision_overdue"] + 1
    assert card["scheduled"] == before["scheduled"] + 3
    # The list behind the link shows exactly the places counted.
    client = Client()
    client.force_login(staff)
    listed = client.get(card["url"]).context["page"].paginator.count
    assert listed == card["overdue"]


def test_teams_supplies_and_shelters_count_new_rows(demo_user: Any) -> None:
    from shelters import actions as shelter_actions
    from shelters.models import Shelter
    from supplies import actions as supply_actions
    from supplies.models import SupplyCategory
    from teams import actions as team_actions
    from teams.models import Team

    admin = demo_user("township_admin")
    before = cards_for(admin)
    township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    village = Jurisdiction.unscoped.get(code=VILLAGE_A)

    team = team_actions.create_team(by=admin, jurisdiction=township, name="首页测试队", kind="micro_fire_station", lng=121.87, lat=29.47)
    Team.unscoped.filter(pk=team.pk).update(status="on_task")

    point = supply_actions.create_storage_point(by=admin, jurisdiction=township, name="首页测试仓库", kind="depot")
    category = SupplyCategory.objects.order_by("sort_order").first()
    today = timezone.localdate()
    supply_actions.create_supply(by=admin, storage_point=point, name="过期药箱", category=category, initial_quantity=3, expiry_date=today - timedelta(days=2))
    supply_actions.create_supply(by=admin, storage_point=point, name="临期食品", category=category, initial_quantity=5, expiry_date=today + timedelta(days=10))
    supply_actions.create_supply(by=admin, storage_point=point, name="远期食品", category=category, initial_quantity=5, expiry_date=today + timedelta(days=200))
    supply_actions.create_supply(by=admin, storage_point=point, name="已领完", category=category, initial_quantity=0, expiry_date=today - timedelta(days=2))

    shelter = shelter_actions.create_shelter(
        by=admin, jurisdiction=village, name="首页测试礼堂", kind="cultural_hall", capacity_day=80, capacity_night=60, lng=121.88, lat=29.48
    )
    Shelter.unscoped.filter(pk=shelter.pk).update(status="open", occupancy=30)

    after = cards_for(admin)
    on_task = {r["value"]: r["count"] for r in after["teams"]["rows"]}
    on_task_before = {r["value"]: r["count"] for r in before["teams"]["rows"]}
    assert on_task["on_task"] == on_task_before["on_task"] + 1
    assert after["teams"]["total"] == before["teams"]["total"] + 1

    assert after["supplies"]["expired"] == before["supplies"]["expired"] + 1  # an empty expired line is no risk
    assert after["supplies"]["expiring"] == before["supplies"]["expiring"] + 1
    assert after["supplies"]["total"] == before["supplies"]["total"] + 3

    assert after["shelters"]["open"] == before["shelters"]["open"] + 1
    assert after["shelters"]["occupancy"] == before["shelters"]["occupancy"] + 30
    assert after["shelters"]["capacity"] == before["shelters"]["capacity"] + 60


def active_warning_of(township_code: str) -> Any:
    from earlywarning.choices import ACTIVE_STATES
    from earlywarning.models import EarlyWarning

    return EarlyWarning.unscoped.filter(state__in=ACTIVE_STATES, jurisdiction__code=township_code).first()


def test_acknowledgement_rate_follows_the_deliveries(demo_user: Any) -> None:
    from earlywarning.board import answered_message
    from notifications.models import Delivery

    warning = active_warning_of(TOWNSHIP_A)
    if warning is None:
        pytest.skip("the demo county has no active warning in township A")
    admin = demo_user("township_admin")
    message = answered_message(warning)
    assert message is not None
    Delivery.unscoped.filter(notification_id=message.notification_id).update(state="delivered", acknowledged_at=None)
    card = cards_for(admin)["warnings"]
    item = next(i for i in card["items"] if i["warning"].pk == warning.pk)
    assert item["ack"]["acknowledged"] == 0
    assert item["ack"]["reached"] > 0

    Delivery.unscoped.filter(notification_id=message.notification_id).update(state="acknowledged", acknowledged_at=timezone.now())
    card = cards_for(admin)["warnings"]
    item = next(i for i in card["items"] if i["warning"].pk == warning.pk)
    assert item["ack"]["acknowledged"] == item["ack"]["reached"]
    assert item["ack"]["percent"] == 100
    assert item["url"] == reverse("earlywarning:detail", args=[warning.pk])


def test_roles_without_delivery_access_see_warnings_but_no_rate(demo_user: Any) -> None:
    card = cards_for(demo_user("enterprise_user")).get("warnings")
    if card is not None:
        assert card["rate"] is None


def test_letters_staffing_and_drills_cards_are_there_for_the_township(demo_user: Any) -> None:
    cards = cards_for(demo_user("township_admin"))
    assert cards["letters"]["required"] >= cards["letters"]["signed"]
    assert cards["letters"]["url"].startswith(reverse("letters:summary"))
    assert cards["staffing"]["url"].startswith(reverse("staffing:report"))
    assert "drills" in cards


def test_staffing_card_is_left_out_below_township_level(demo_user: Any) -> None:
    cards = cards_for(demo_user("village_cadre"))
    assert "staffing" not in cards
    assert "grades" in cards


# --- scoping ----------------------------------------------------------------------------------


def test_an_outsider_from_township_b_sees_b_numbers_and_nothing_of_a(outsiders: dict[str, User]) -> None:
    outsider = outsiders["township_admin"]
    b_path = Jurisdiction.unscoped.get(code=TOWNSHIP_B).path
    make_place(grid_in(TOWNSHIP_A), risk_grade="major", name="丹东测试小吃店")
    cards = cards_for(outsider)
    assert cards["grades"]["total"] == Place.unscoped.filter(jurisdiction_path__within=b_path, archived_at__isnull=True).count()
    warning_a = active_warning_of(TOWNSHIP_A)
    shown = {item["warning"].pk for item in cards["warnings"]["items"]}
    if warning_a is not None:
        assert warning_a.pk not in shown
    for item in cards["warnings"]["items"]:
        assert not item["warning"].jurisdiction_path.startswith(Jurisdiction.unscoped.get(code=TOWNSHIP_A).path)

    client = Client()
    client.force_login(outsider)
    body = client.get(reverse("dashboard:home")).content.decode()
    assert "丹东街道" not in body
    assert "丹东测试小吃店" not in body


def test_grid_worker_gets_the_short_version_with_their_places_first(demo_user: Any) -> None:
    worker = demo_user("grid_worker")
    make_place(worker.jurisdiction, risk_grade="low", name="网格逾期小店", next_self_inspection_due=timezone.localdate() - timedelta(days=3))
    make_place(grid_in(TOWNSHIP_B), risk_grade="major", name="石浦逾期小店", next_self_inspection_due=timezone.localdate() - timedelta(days=3))
    client = Client()
    client.force_login(worker)
    response = client.get(reverse("dashboard:home"))
    keys = [card["key"] for card in response.context["cards"]]
    assert keys[:2] == ["ack", "my_places"]
    assert response.context["summaries"] == []
    places = response.context["cards"][1]["items"]
    assert places and places[0].late == 0  # overdue first
    assert all(p.jurisdiction_path.startswith(worker.jurisdiction.path) for p in places)
    assert "石浦逾期小店" not in response.content.decode()


def test_grid_worker_sees_the_notifications_waiting_for_them(demo_user: Any) -> None:
    from notifications.choices import OPEN_DELIVERY_STATES
    from notifications.views import my_deliveries

    worker = demo_user("grid_worker")
    waiting = my_deliveries(worker).filter(state__in=OPEN_DELIVERY_STATES, notification__state="active").values("notification_id").distinct().count()
    card = cards_for(worker)["ack"]
    assert card["count"] == waiting
    my_deliveries(worker).update(state="acknowledged", acknowledged_at=timezone.now())
    card = cards_for(worker)["ack"]
    assert card["count"] == 0
    assert card["empty"]


# --- empty deployments and query counts ---------------------------------------------------


@pytest.fixture
def empty_village_cadre(db: Any) -> User:
    """A cadre of a new village with no places, teams, supplies, shelters, letters or drills."""
    township = Jurisdiction.unscoped.get(code=TOWNSHIP_B)
    village = Jurisdiction.unscoped.create(code=TOWNSHIP_B + "998", name="首页测试新村", level="village", kind="village", parent=township)
    return create_account(username="empty_cadre", role="village_cadre", jurisdiction=village, password=DEMO_PASSWORD)


def test_every_card_says_no_data_when_its_app_has_no_rows(empty_village_cadre: User) -> None:
    client = Client()
    client.force_login(empty_village_cadre)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    cards = {card["key"]: card for card in response.context["cards"]}
    for key in ("grades", "overdue", "teams", "supplies", "shelters"):
        assert cards[key]["empty"], key
    assert response.context["grade_chart"] is None
    assert "暂无数据" in response.content.decode()


def test_home_query_count_stays_bounded_for_every_role(demo_user: Any, django_assert_max_num_queries: Any) -> None:
    for username in ("county_admin", "township_admin", "village_cadre", "grid_worker", "enterprise_user"):
        client = Client()
        client.force_login(demo_user(username))
        with django_assert_max_num_queries(60):
            assert client.get(reverse("dashboard:home")).status_code == 200


def test_card_queries_do_not_grow_with_the_number_of_rows(demo_user: Any, django_assert_max_num_queries: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(demo_user("township_admin"))
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("dashboard:home"))
    for n in range(15):
        make_place(grid_in(TOWNSHIP_A), risk_grade="large", name=f"首页批量{n}", next_supervision_due=timezone.localdate() - timedelta(days=1))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("dashboard:home"))


def test_cards_of_an_app_that_is_not_installed_are_left_out(demo_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name not in ("teams", "shelters") and real(name))
    cards = cards_for(demo_user("township_admin"))
    assert "teams" not in cards and "shelters" not in cards
    assert "grades" in cards



@pytest.mark.parametrize("username", ["county_admin", "township_admin", "village_cadre", "grid_worker", "enterprise_user", "leader", "auditor"])
def test_every_card_link_opens_for_the_user_who_sees_the_card(demo_user: Any, username: str) -> None:
    client = Client()
    client.force_login(demo_user(username))
    cards = client.get(reverse("dashboard:home")).context["cards"]
    for card in cards:
        links = [card.get("url"), card.get("list_url"), card.get("unsigned_url")]
        links += [row.get("url") for row in card.get("rows", []) if isinstance(row, dict)]
        links += [item.get(k) for item in card.get("items", []) if isinstance(item, dict) for k in ("url", "board_url")]
        for url in filter(None, links):
            assert client.get(url).status_code == 200, (username, card["key"], url)
