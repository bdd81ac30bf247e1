"""The hazard loop through `/api/v1/hazards`: report, list, detail, actions (409/403/400), photos, races."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from hazards import machine
from hazards.choices import HazardState
from hazards.machine import TransitionRefused
from hazards.models import Hazard, HazardEvent, HazardPhoto
from hazards.tests.core_fixtures import *  # noqa: F403
from hazards.tests.core_fixtures import PNG, not_image, png

ALL_STATES = [s.value for s in HazardState]
ILLEGAL = [
    (state, action) for action, t in machine.TRANSITIONS.items() for state in ALL_STATES if state not in t.sources
]
BODIES: dict[str, dict[str, Any]] = {
    "confirm": {},
    "reject": {"reason": "不属于隐患"},
    "assign": {"department": "市场监管所"},
    "start": {},
    "submit": {"note": "已整改"},
    "verify_pass": {},
    "verify_fail": {"reason": "仍未整改"},
    "close": {},
    "extend": {"reason": "等材料", "deadline": "2099-01-01"},
}


def today() -> Any:
    return timezone.localdate()


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:800]
    return response.json()


@pytest.fixture
def as_user(api_as: Any, users: dict[str, Any]) -> Any:
    clients: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in clients:
            clients[name] = api_as(users[name])
        return clients[name]

    return get


@pytest.fixture
def reported(as_user: Any, place: Any) -> dict[str, Any]:
    body = {
        "place_id": place.pk,
        "category": "unsafe_condition",
        "hazard_type": "fire",
        "severity": "general",
        "description": "安全出口上锁",
        "source": "patrol",
    }
    return ok(post(as_user("grid_worker"), "/api/v1/hazards", body), 201)


def act(client: Any, hazard_id: int, action: str, body: dict[str, Any] | None = None) -> Any:
    return post(client, f"/api/v1/hazards/{hazard_id}/actions/{action}", body)


@pytest.mark.django_db
class TestLifecycle:
    def test_a_hazard_goes_round_the_whole_loop_through_the_api(
        self, as_user: Any, reported: dict[str, Any], users: dict[str, Any]
    ) -> None:
        hid = reported["id"]
        assert (reported["state"], reported["colour"], reported["severity"], reported["deadline"]) == (
            "reported",
            "green",
            "general",
            None,
        )
        assert [t["action"] for t in reported["timeline"]] == ["report"]
        assert set(reported["allowed_actions"]) == {"photos"}  # the grid worker who found it
        staff, company = as_user("township_staff"), as_user("enterprise_user")
        ok(act(staff, hid, "confirm", {"note": "现场核实"}))
        deadline = (today() + timedelta(days=15)).isoformat()
        body = ok(act(staff, hid, "assign", {"deadline": deadline, "assignee_id": users["enterprise_user"].pk}))
        assert (body["state"], body["deadline"], body["colour"]) == ("assigned", deadline, "green")
        assert body["assignee"]["user_id"] == users["enterprise_user"].pk
        assert "start" in ok(company.get(f"/api/v1/hazards/{hid}"))["allowed_actions"]
        ok(act(company, hid, "start"))
        body = ok(
            company.post(f"/api/v1/hazards/{hid}/actions/submit", {"note": "已拆除门锁", "photos": [png("门.png")]})
        )
        assert body["state"] == "submitted"
        assert [p["stage"] for p in body["photos"]] == ["evidence"]
        ok(act(staff, hid, "verify_pass", {"note": "复核合格"}))
        body = ok(act(as_user("township_admin"), hid, "close"))
        assert (body["state"], body["colour"]) == ("closed", None)
        timeline = body["timeline"]
        assert [(t["action"], t["from_state"], t["to_state"]) for t in timeline] == [
            ("report", "", "reported"),
            ("confirm", "reported", "confirmed"),
            ("assign", "confirmed", "assigned"),
            ("start", "assigned", "rectifying"),
            ("submit", "rectifying", "submitted"),
            ("verify_pass", "submitted", "verified"),
            ("close", "verified", "closed"),
        ]
        assert all(t["actor"] and t["at"] for t in timeline)
        assert timeline[1]["note"] == "现场核实"

    def test_assign_without_assignee_goes_to_the_places_fire_safety_manager(
        self, as_user: Any, reported: dict[str, Any]
    ) -> None:
        staff = as_user("township_staff")
        ok(act(staff, reported["id"], "confirm"))
        body = ok(act(staff, reported["id"], "assign"))
        assert body["assignee"]["name"] == "王管理"
        assert body["deadline"] == (today() + timedelta(days=30)).isoformat()
        # Staff see the mobile; the enterprise's own account sees it masked.
        assert body["assignee"]["mobile"] == "13912340001"
        seen = ok(as_user("enterprise_user").get(f"/api/v1/hazards/{reported['id']}"))
        assert seen["assignee"]["mobile"] == "139****0001"

    def test_report_as_multipart_with_photos(self, as_user: Any, place: Any) -> None:
        data = {
            "place_id": str(place.pk),
            "category": "unsafe_act",
            "hazard_type": "electrical",
            "description": "私拉电线",
            "source": "patrol",
            "photos": [png("1.png"), png("2.png")],
        }
        body = ok(as_user("grid_worker").post("/api/v1/hazards", data), 201)
        assert [p["stage"] for p in body["photos"]] == ["found", "found"]
        image = as_user("township_staff").get(body["photos"][0]["url"])
        assert image.status_code == 200 and b"".join(image.streaming_content).startswith(PNG[:8])
        assert image["Content-Type"] == "image/png"

    def test_extension_requested_by_the_assignee_and_approved_by_staff(
        self, as_user: Any, reported: dict[str, Any], users: dict[str, Any]
    ) -> None:
        hid, staff, company = reported["id"], as_user("township_staff"), as_user("enterprise_user")
        ok(act(staff, hid, "confirm"))
        ok(
            act(
                staff,
                hid,
                "assign",
                {"assignee_id": users["enterprise_user"].pk, "deadline": (today() + timedelta(days=5)).isoformat()},
            )
        )
        new = (today() + timedelta(days=20)).isoformat()
        body = ok(act(company, hid, "extend", {"reason": "配件未到", "deadline": new}))
        assert body["deadline"] != new and body["extensions"][0]["state"] == "pending"
        assert "decide_extension" in ok(staff.get(f"/api/v1/hazards/{hid}"))["allowed_actions"]
        body = ok(act(staff, hid, "decide_extension", {"approve": True, "note": "同意"}))
        assert body["deadline"] == new and body["extensions"][0]["state"] == "approved"
        assert [t["action"] for t in body["timeline"]][-2:] == ["extend_request", "extension_approved"]

    def test_major_hazard_supervision_by_the_county_and_closure_only_by_it(
        self, as_user: Any, reported: dict[str, Any], users: dict[str, Any]
    ) -> None:
        hid, staff, county = reported["id"], as_user("township_staff"), as_user("county_admin")
        body = ok(act(staff, hid, "confirm", {"severity": "major"}))
        assert body["severity"] == "major" and body["supervision"]["supervised"] is True
        assert act(staff, hid, "supervise", {"deadline": "2099-01-01", "leader": "x"}).status_code == 403
        body = ok(
            act(
                county,
                hid,
                "supervise",
                {
                    "deadline": (today() + timedelta(days=60)).isoformat(),
                    "leader": "李副县长",
                    "unit": "县消防救援大队",
                },
            )
        )
        assert body["supervision"]["leader"] == "李副县长"
        ok(act(staff, hid, "assign", {"assignee_id": users["enterprise_user"].pk}))
        ok(act(as_user("enterprise_user"), hid, "submit", {"note": "已整改"}))
        ok(act(staff, hid, "verify_pass"))
        refused = act(as_user("township_admin"), hid, "close")
        assert refused.status_code == 403 and "县级" in refused.json()["detail"]
        assert ok(act(county, hid, "close"))["state"] == "closed"


@pytest.mark.django_db
class TestRefusals:
    @pytest.mark.parametrize(("state", "action"), ILLEGAL)
    def test_every_illegal_transition_answers_409_and_changes_nothing(
        self, state: str, action: str, as_user: Any, reported: dict[str, Any]
    ) -> None:
        hid = reported["id"]
        Hazard.unscoped.filter(pk=hid).update(state=state)
        before = Hazard.unscoped.values().get(pk=hid)
        response = act(as_user("county_admin"), hid, action, BODIES[action])
        assert response.status_code == 409, response.content
        assert "不能执行" in response.json()["detail"]
        assert Hazard.unscoped.values().get(pk=hid) == before
        assert HazardEvent.objects.filter(hazard_id=hid).count() == 1

    @pytest.mark.parametrize("role", ["village_cadre", "grid_worker", "enterprise_user", "leader", "auditor"])
    def test_roles_without_the_right_get_403(self, role: str, as_user: Any, reported: dict[str, Any]) -> None:
        response = act(as_user(role), reported["id"], "confirm")
        assert response.status_code == 403 and "权" in response.json()["detail"]
        assert Hazard.unscoped.get(pk=reported["id"]).state == "reported"

    def test_verification_by_whoever_submitted_is_refused_with_the_reason(
        self, as_user: Any, reported: dict[str, Any]
    ) -> None:
        hid, staff = reported["id"], as_user("township_staff")
        ok(act(staff, hid, "confirm"))
        ok(act(staff, hid, "assign", {"department": "社区"}))
        ok(act(staff, hid, "submit", {"note": "代为整改"}))
        response = act(staff, hid, "verify_pass")
        assert response.status_code == 403 and "不能自己复核" in response.json()["detail"]
        assert ok(act(as_user("township_admin"), hid, "verify_pass"))["state"] == "verified"

    def test_a_deadline_in_the_past_is_refused_naming_the_field(self, as_user: Any, reported: dict[str, Any]) -> None:
        staff = as_user("township_staff")
        ok(act(staff, reported["id"], "confirm"))
        response = act(staff, reported["id"], "assign", {"deadline": (today() - timedelta(days=1)).isoformat()})
        assert response.status_code == 400
        assert {e["field"] for e in response.json()["errors"]} == {"deadline"}
        assert act(staff, reported["id"], "assign", {"deadline": "1st of May"}).status_code == 400

    def test_photos_that_are_not_images_or_too_large_are_refused_by_name(
        self, as_user: Any, reported: dict[str, Any]
    ) -> None:
        client = as_user("grid_worker")
        url = f"/api/v1/hazards/{reported['id']}/photos"
        response = client.post(url, {"photos": [not_image("合同.jpg")], "stage": "found"})
        assert response.status_code == 400 and "合同.jpg" in response.json()["detail"]
        response = client.post(url, {"photos": [png("huge.png", size=10 * 1024 * 1024 + 10)]})
        assert response.status_code == 400 and "huge.png" in response.json()["detail"]
        assert not HazardPhoto.objects.filter(hazard_id=reported["id"]).exists()
        assert ok(client.post(url, {"photos": [png("ok.png")]}), 201)[0]["stage"] == "found"

    def test_bad_bodies_are_refused_clearly(self, as_user: Any, place: Any, reported: dict[str, Any]) -> None:
        client = as_user("grid_worker")
        assert client.post("/api/v1/hazards", "{not json", content_type="application/json").status_code == 400
        missing = post(client, "/api/v1/hazards", {"place_id": place.pk})
        assert missing.status_code == 422
        assert {"category", "hazard_type", "description", "source"} <= {e["field"] for e in missing.json()["errors"]}
        wrong = post(
            client,
            "/api/v1/hazards",
            {"place_id": place.pk, "category": "x", "hazard_type": "fire", "description": "d", "source": "patrol"},
        )
        assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "category"
        assert act(as_user("township_staff"), reported["id"], "explode").status_code == 404
        assert (
            post(
                client,
                "/api/v1/hazards",
                {"place_id": 10**9, "category": "other", "hazard_type": "fire", "description": "d", "source": "patrol"},
            ).status_code
            == 404
        )


@pytest.mark.django_db
class TestList:
    def test_list_items_carry_colour_and_filters_narrow_them(self, as_user: Any, make_hazard: Any, drive: Any) -> None:
        red = drive(make_hazard(description="逾期隐患"), "assigned")
        Hazard.unscoped.filter(pk=red.pk).update(
            deadline=today() - timedelta(days=1), yellow_from=today() - timedelta(days=4)
        )
        yellow = drive(make_hazard(description="临期隐患"), "assigned")
        Hazard.unscoped.filter(pk=yellow.pk).update(
            deadline=today() + timedelta(days=1), yellow_from=today() - timedelta(days=1)
        )
        green = make_hazard(description="新发现隐患", hazard_type="gas")
        client = as_user("township_staff")
        page = ok(client.get("/api/v1/hazards?page_size=100"))
        colours = {item["id"]: item["colour"] for item in page["items"]}
        assert (colours[red.pk], colours[yellow.pk], colours[green.pk]) == ("red", "yellow", "green")
        item = next(i for i in page["items"] if i["id"] == red.pk)
        assert {
            "id",
            "number",
            "state",
            "colour",
            "deadline",
            "severity",
            "category",
            "hazard_type",
            "place",
            "jurisdiction",
        } <= set(item)
        mine = {red.pk, yellow.pk, green.pk}

        def ids(query: str) -> set[int]:
            return {i["id"] for i in ok(client.get(f"/api/v1/hazards?page_size=100&{query}"))["items"]} & mine

        assert ids("colour=red") == {red.pk}
        assert ids("colour=yellow,red") == {red.pk, yellow.pk}
        assert ids("hazard_type=gas") == {green.pk}
        assert ids("q=逾期") == {red.pk}
        assert ids(f"state=assigned&place={red.place_id}") == {red.pk, yellow.pk}
        assert ids("open=false") == set()
        mine_page = ok(as_user("enterprise_user").get("/api/v1/hazards?assignee=me&page_size=100"))
        assert {i["id"] for i in mine_page["items"]} >= {red.pk, yellow.pk}
        assert all(i["place"]["id"] == red.place_id for i in mine_page["items"])

    def test_summary_counts_open_hazards_by_colour_with_the_same_filters(
        self, as_user: Any, make_hazard: Any, drive: Any
    ) -> None:
        client = as_user("township_staff")
        before = ok(client.get("/api/v1/hazards/summary?hazard_type=structural"))
        red = drive(make_hazard(hazard_type="structural"), "assigned")
        Hazard.unscoped.filter(pk=red.pk).update(
            deadline=today() - timedelta(days=2), yellow_from=today() - timedelta(days=5)
        )
        make_hazard(hazard_type="structural", severity="major")
        after = ok(client.get("/api/v1/hazards/summary?hazard_type=structural"))
        assert after["open"] - before["open"] == 2
        assert (after["red"] - before["red"], after["green"] - before["green"]) == (1, 1)
        assert after["major_open"] - before["major_open"] == 1
        assert client.get("/api/v1/hazards/summary?colour=blue").status_code == 400

    def test_the_list_page_costs_the_same_few_queries_however_many_hazards(
        self, as_user: Any, make_hazard: Any, django_assert_max_num_queries: Any
    ) -> None:
        client = as_user("township_staff")
        client.get("/api/v1/hazards?page_size=5")  # token and session lookups warmed
        for _ in range(6):
            make_hazard()
        with django_assert_max_num_queries(8):
            assert len(ok(client.get("/api/v1/hazards?page_size=50"))["items"]) >= 6

    def test_a_bad_filter_value_is_refused_not_ignored(self, as_user: Any) -> None:
        client = as_user("township_staff")
        for query in (
            "colour=purple",
            "state=done",
            "found_from=yesterday",
            "supervised=maybe",
            "jurisdiction=999",
            "kind=castle",
        ):
            response = client.get(f"/api/v1/hazards?{query}")
            assert response.status_code == 400, query
            assert response.json()["errors"][0]["field"] == query.split("=")[0]


# --- concurrency (PostgreSQL only: SQLite serialises writes) ------------------------------------------


@pytest.fixture
def committed_hazard(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[dict[str, Any], Hazard]]:
    from accounts.models import User
    from audit.models import ObjectChange
    from hazards import actions
    from places.models import Place

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("row locks matter only on PostgreSQL; SQLite serialises writes")
        people = {
            u.username: u
            for u in User.unscoped.filter(username__in=["township_staff", "township_admin", "grid_worker"])
        }
        place = Place.unscoped.get(account_links__user__username="enterprise_user")
        h = actions.report_hazard(
            by=people["grid_worker"],
            place=place,
            category="other",
            hazard_type="fire",
            description="并发测试",
            source="patrol",
        )
    try:
        yield people, h
    finally:
        with django_db_blocker.unblock():
            from django.contrib.contenttypes.models import ContentType

            HazardEvent.objects.filter(hazard_id=h.pk).delete()
            Hazard.unscoped.filter(pk=h.pk).delete()  # the queryset delete, for test cleanup only
            ObjectChange.unscoped.filter(
                content_type=ContentType.objects.get_for_model(Hazard), object_id=str(h.pk)
            ).delete()
            connections.close_all()


def test_two_concurrent_transitions_on_one_hazard_let_exactly_one_win(
    committed_hazard: tuple[dict[str, Any], Hazard], django_db_blocker: Any
) -> None:
    from hazards import actions

    people, h = committed_hazard
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(step: Any) -> None:
        try:
            with django_db_blocker.unblock():
                fresh = Hazard.unscoped.get(pk=h.pk)
                barrier.wait()
                step(fresh)
            outcomes.append("ok")
        except TransitionRefused as exc:
            outcomes.append(f"refused: {exc}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(lambda x: actions.confirm(x, by=people["township_staff"]),)),
        threading.Thread(target=run, args=(lambda x: actions.reject(x, by=people["township_admin"], reason="误报"),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o[:7] for o in outcomes) == ["ok", "refused"], outcomes
    with django_db_blocker.unblock():
        final = Hazard.unscoped.get(pk=h.pk)
        assert final.state in ("confirmed", "rejected")
        assert HazardEvent.objects.filter(hazard_id=h.pk).count() == 2


def test_concurrent_reports_get_distinct_numbers(django_db_setup: None, django_db_blocker: Any) -> None:
    from accounts.models import User
    from hazards import actions
    from places.models import Place

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("concurrent inserts matter only on PostgreSQL")
        worker = User.unscoped.get(username="grid_worker")
        place = Place.unscoped.get(account_links__user__username="enterprise_user")
    barrier = threading.Barrier(4)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with django_db_blocker.unblock():
                barrier.wait()
                h = actions.report_hazard(
                    by=worker,
                    place=place,
                    category="other",
                    hazard_type="fire",
                    description="编号并发",
                    source="patrol",
                )
                numbers.append(h.number)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert not errors and len(set(numbers)) == 4, (errors, numbers)
    finally:
        with django_db_blocker.unblock():
            ids = list(Hazard.unscoped.filter(number__in=numbers).values_list("pk", flat=True))
            HazardEvent.objects.filter(hazard_id__in=ids).delete()
            Hazard.unscoped.filter(pk__in=ids).delete()
            connections.close_all()
