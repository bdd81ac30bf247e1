"""Issue 5 (hazards) contract: its "Fixed interfaces" for hazards and their "Bad input", exercised literally.

Every check goes through the public API with the demo accounts of 丹东街道 in the small demo
county. `hazards/tests/` goes deeper; this file is the contract as the issue words it, so a
renamed field, a moved route or a silently accepted bad value fails here.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

CATEGORIES = ["unsafe_act", "unsafe_condition", "management_defect", "other"]
SOURCES = ["inspection", "self_inspection", "patrol", "public_report", "alarm", "superior"]
HAZARD_TYPES = ["fire", "electrical", "gas", "structural", "flood"]
ACTIONS = ["confirm", "reject", "assign", "submit", "verify_pass", "verify_fail", "close", "extend"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:600]
    return response.json()


def _refused(response: Any, status: int) -> dict[str, Any]:
    """A clear refusal: the status, and a Chinese `detail` that says why."""
    assert response.status_code == status, (response.status_code, response.content[:600])
    body = response.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body
    return body


def _post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


@pytest.fixture
def who(demo_user: Any, api_as: Any) -> Any:
    clients: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in clients:
            clients[name] = api_as(demo_user(name))
        return clients[name]

    return get


@pytest.fixture
def place(db: Any, settings: Any, tmp_path: Any) -> Any:
    from places.models import Place

    settings.MEDIA_ROOT = str(tmp_path)
    company = Place.unscoped.get(account_links__user__username="enterprise_user")
    company.fire_manager_name, company.fire_manager_mobile = "赵管理", "13912340002"
    company.save(update_fields=["fire_manager_name", "fire_manager_mobile"])
    return company


def _report(who: Any, place: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "place_id": place.pk,
        "category": "unsafe_condition",
        "hazard_type": "fire",
        "severity": "general",
        "description": "消防通道被占用",
        "source": "patrol",
        **extra,
    }
    return _ok(_post(who("grid_worker"), "/api/v1/hazards", body), 201)


def _photo(name: str = "p.png", body: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="image/png")


@pytest.mark.django_db
class TestFixedInterfaces:
    def test_post_hazards_takes_exactly_the_issues_fields(self, who: Any, place: Any) -> None:
        body = _report(who, place)
        assert body["state"] == "reported" and body["severity"] == "general" and body["colour"] == "green"
        assert body["deadline"] is None and isinstance(body["timeline"], list)

    @pytest.mark.parametrize("category", CATEGORIES)
    def test_every_category_of_the_issue_is_accepted(self, category: str, who: Any, place: Any) -> None:
        assert _report(who, place, category=category)["category"] == category

    @pytest.mark.parametrize("source", SOURCES)
    def test_every_source_of_the_issue_is_accepted(self, source: str, who: Any, place: Any) -> None:
        assert _report(who, place, source=source)["source"] == source

    @pytest.mark.parametrize("hazard_type", HAZARD_TYPES)
    def test_the_hazard_types_named_in_the_issue_are_accepted(self, hazard_type: str, who: Any, place: Any) -> None:
        assert _report(who, place, hazard_type=hazard_type)["hazard_type"] == hazard_type

    @pytest.mark.parametrize("severity", ["general", "major"])
    def test_severity_is_general_or_major(self, severity: str, who: Any, place: Any) -> None:
        assert _report(who, place, severity=severity)["severity"] == severity

    def test_get_hazards_lists_and_get_hazard_shows_state_colour_deadline_severity_timeline(
        self, who: Any, place: Any
    ) -> None:
        created = _report(who, place)
        page = _ok(who("township_staff").get("/api/v1/hazards"))
        assert set(page) == {"count", "items"} and created["id"] in {i["id"] for i in page["items"]}
        detail = _ok(who("township_staff").get(f"/api/v1/hazards/{created['id']}"))
        assert {"state", "colour", "deadline", "severity", "timeline"} <= set(detail)
        assert detail["colour"] in ("green", "yellow", "red") and detail["severity"] in ("general", "major")
        assert {"action", "from_state", "to_state", "actor", "at", "note"} <= set(detail["timeline"][0])

    def test_every_action_of_the_issue_with_the_body_it_names(self, who: Any, place: Any, demo_user: Any) -> None:
        staff, company = who("township_staff"), who("enterprise_user")
        rejected = _report(who, place)
        assert (
            _ok(_post(staff, f"/api/v1/hazards/{rejected['id']}/actions/reject", {"reason": "重复上报"}))["state"]
            == "rejected"
        )

        hid = _report(who, place)["id"]
        url = f"/api/v1/hazards/{hid}/actions/"
        assert _ok(_post(staff, url + "confirm"))["state"] == "confirmed"
        assigned = _ok(
            _post(staff, url + "assign", {"deadline": _days(10), "assignee_id": demo_user("enterprise_user").pk})
        )
        assert (assigned["state"], assigned["deadline"]) == ("assigned", _days(10))
        extended = _ok(_post(staff, url + "extend", {"reason": "设备采购周期长", "deadline": _days(20)}))
        assert extended["deadline"] == _days(20)
        submitted = _ok(company.post(url + "submit", {"note": "已清理", "photos": [_photo()]}))
        assert submitted["state"] == "submitted" and submitted["photos"]
        assert _ok(_post(staff, url + "verify_fail", {"reason": "仍有堆放"}))["state"] == "rectifying"
        assert _ok(_post(company, url + "submit", {"note": "已彻底清理"}))["state"] == "submitted"
        assert _ok(_post(staff, url + "verify_pass"))["state"] == "verified"
        closed = _ok(_post(who("township_admin"), url + "close"))
        assert closed["state"] == "closed"
        assert [t["action"] for t in closed["timeline"]] == [
            "report",
            "confirm",
            "assign",
            "extend",
            "submit",
            "verify_fail",
            "submit",
            "verify_pass",
            "close",
        ]

    def test_assign_without_assignee_goes_to_the_places_fire_safety_manager(self, who: Any, place: Any) -> None:
        hid = _report(who, place)["id"]
        staff = who("township_staff")
        _ok(_post(staff, f"/api/v1/hazards/{hid}/actions/confirm"))
        assigned = _ok(_post(staff, f"/api/v1/hazards/{hid}/actions/assign", {"deadline": _days(7)}))
        assert assigned["assignee"]["name"] == "赵管理"

    @pytest.mark.parametrize("action", [a for a in ACTIONS if a not in ("confirm", "reject")])
    def test_an_action_not_allowed_in_the_current_state_answers_409_with_the_reason(
        self, action: str, who: Any, place: Any
    ) -> None:
        hid = _report(who, place)["id"]  # still "reported"
        body = {"reason": "x", "deadline": _days(5), "note": "x"}
        detail = _refused(_post(who("county_admin"), f"/api/v1/hazards/{hid}/actions/{action}", body), 409)["detail"]
        assert "已发现" in detail

    @pytest.mark.parametrize("role", ["grid_worker", "village_cadre", "enterprise_user", "leader", "auditor"])
    def test_a_role_not_allowed_answers_403(self, role: str, who: Any, place: Any) -> None:
        hid = _report(who, place)["id"]
        _refused(_post(who(role), f"/api/v1/hazards/{hid}/actions/confirm"), 403)


@pytest.mark.django_db
class TestBadInput:
    def test_photos_that_are_not_images_or_too_large_are_refused(self, who: Any, place: Any) -> None:
        client = who("grid_worker")
        base = {
            "place_id": str(place.pk),
            "category": "other",
            "hazard_type": "fire",
            "description": "照片测试",
            "source": "patrol",
        }
        detail = _refused(
            client.post("/api/v1/hazards", {**base, "photos": [_photo("x.png", b"MZ\x90\x00 not an image")]}), 400
        )["detail"]
        assert "x.png" in detail
        large = _photo("large.png", PNG + b"\x00" * (10 * 1024 * 1024))
        assert "large.png" in _refused(client.post("/api/v1/hazards", {**base, "photos": [large]}), 400)["detail"]

    def test_a_deadline_in_the_past_is_refused(self, who: Any, place: Any) -> None:
        hid = _report(who, place)["id"]
        staff = who("township_staff")
        _ok(_post(staff, f"/api/v1/hazards/{hid}/actions/confirm"))
        _refused(_post(staff, f"/api/v1/hazards/{hid}/actions/assign", {"deadline": _days(-1)}), 400)
        assert _ok(staff.get(f"/api/v1/hazards/{hid}"))["state"] == "confirmed"

    def test_verification_by_the_person_who_rectified_is_refused(self, who: Any, place: Any) -> None:
        hid = _report(who, place)["id"]
        staff, url = who("township_staff"), f"/api/v1/hazards/{hid}/actions/"
        _ok(_post(staff, url + "confirm"))
        _ok(_post(staff, url + "assign", {"deadline": _days(3)}))
        _ok(_post(staff, url + "submit", {"note": "代为整改"}))
        assert "复核" in _refused(_post(staff, url + "verify_pass"), 403)["detail"]

    def test_county_only_closure_of_a_major_hazard(self, who: Any, place: Any, demo_user: Any) -> None:
        hid = _report(who, place, severity="major")["id"]
        staff, url = who("township_staff"), f"/api/v1/hazards/{hid}/actions/"
        _ok(_post(staff, url + "confirm"))
        _ok(_post(staff, url + "assign", {"deadline": _days(30), "assignee_id": demo_user("enterprise_user").pk}))
        _ok(_post(who("enterprise_user"), url + "submit", {"note": "已整改"}))
        _ok(_post(staff, url + "verify_pass"))
        assert "县级" in _refused(_post(who("township_admin"), url + "close"), 403)["detail"]
        assert _ok(_post(who("county_admin"), url + "close"))["state"] == "closed"


def test_concurrent_transitions_on_one_hazard_exactly_one_wins(django_db_setup: None, django_db_blocker: Any) -> None:
    """Two staff press different buttons on the same hazard at once: one succeeds, the other gets 409."""
    from django.test import Client

    from accounts.models import ApiToken, User
    from hazards import actions
    from hazards.models import Hazard, HazardEvent

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("row locks matter only on PostgreSQL; SQLite serialises writes")
        staff, admin, worker = (
            User.unscoped.get(username=n) for n in ("township_staff", "township_admin", "grid_worker")
        )
        from places.models import Place

        place = Place.unscoped.get(account_links__user__username="enterprise_user")
        h = actions.report_hazard(
            by=worker, place=place, category="other", hazard_type="fire", description="契约并发", source="patrol"
        )
        tokens = [ApiToken.issue(staff), ApiToken.issue(admin)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def press(raw: str, action: str, body: dict[str, Any]) -> None:
        try:
            with django_db_blocker.unblock():
                client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
                barrier.wait()
                statuses.append(_post(client, f"/api/v1/hazards/{h.pk}/actions/{action}", body).status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=press, args=(tokens[0][1], "confirm", {})),
        threading.Thread(target=press, args=(tokens[1][1], "reject", {"reason": "误报"})),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [200, 409], statuses
        with django_db_blocker.unblock():
            assert HazardEvent.objects.filter(hazard_id=h.pk).count() == 2
    finally:
        with django_db_blocker.unblock():
            from django.contrib.contenttypes.models import ContentType

            from audit.models import ObjectChange

            HazardEvent.objects.filter(hazard_id=h.pk).delete()
            Hazard.unscoped.filter(pk=h.pk).delete()  # the queryset delete, for test cleanup only
            ObjectChange.unscoped.filter(
                content_type=ContentType.objects.get_for_model(Hazard), object_id=str(h.pk)
            ).delete()
            ApiToken.objects.filter(pk__in=[t[0].pk for t in tokens]).delete()
            connections.close_all()
