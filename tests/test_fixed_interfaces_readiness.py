"""Issue 6 (readiness) contract: its "Fixed interfaces" and "Bad input", exercised literally.

The database comes through `demo_user` (which needs `db`), except for the concurrency test,
whose rows are committed for real so that parallel connections see them.

Every check goes through the public API as the township staff of 丹东街道 in the small demo.
The apps' own tests go deeper; this file is the contract as the issue words it, so a
renamed field, a moved route or a silently accepted bad value fails here.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction

LIST_ENDPOINTS = ["/api/v1/teams", "/api/v1/supplies", "/api/v1/shelters", "/api/v1/plans", "/api/v1/drills"]


@pytest.fixture
def staff(demo_user: Any) -> Any:
    return demo_user("township_staff")


@pytest.fixture
def client(api_as: Any, staff: Any) -> Any:
    return api_as(staff)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:500]
    return response.json()


def _refused(response: Any, field: str | None = None) -> dict[str, Any]:
    """A clear refusal: 4xx, a Chinese `detail`, and (for a field) the field named in `errors`."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    body = response.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body
    if field is not None:
        assert field in {e["field"] for e in body["errors"]}, body
    return body


def _new_supply(client: Any, quantity: int = 10, **extra: Any) -> dict[str, Any]:
    points = _ok(client.get("/api/v1/storage-points?page_size=5"))["items"]
    payload = {"name": "契约测试救生衣", "category": "lifesaving", "storage_point_id": points[0]["id"], "unit": "件",
               "batch": f"C{quantity}-{len(extra)}", "quantity": quantity, **extra}
    return _ok(client.post("/api/v1/supplies", payload, content_type="application/json"), 201)


# --- lists, details, pagination, jurisdiction_code ------------------------------------------


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_list_and_detail_follow_the_common_conventions(client: Any, path: str) -> None:
    if path == "/api/v1/drills":  # the small demo gives 丹东街道 one drill; a second one makes pages testable
        _ok(client.post(path, {"title": "防台风转移桌面推演", "kind": "tabletop", "jurisdiction_code": TOWNSHIP_A,
                               "planned_on": str(date.today() + timedelta(days=30))}, content_type="application/json"), 201)
    whole = _ok(client.get(path))
    assert set(whole) == {"count", "items"} and whole["count"] >= 2, (path, whole.get("count"))
    first = _ok(client.get(f"{path}?page=1&page_size=1"))
    second = _ok(client.get(f"{path}?page=2&page_size=1"))
    assert first["count"] == second["count"] == whole["count"]
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]
    for item in whole["items"]:
        assert item["jurisdiction_code"].startswith(TOWNSHIP_A), (path, item["jurisdiction_code"])
    detail = _ok(client.get(f"{path}/{first['items'][0]['id']}"))
    assert detail["id"] == first["items"][0]["id"]
    assert detail["jurisdiction_code"] == first["items"][0]["jurisdiction_code"]


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_outsiders_see_none_of_our_records(api_as: Any, client: Any, outsiders: dict[str, Any], path: str) -> None:
    ours = _ok(client.get(f"{path}?page_size=1"))["items"][0]
    theirs = api_as(outsiders["township_staff"])
    assert theirs.get(f"{path}/{ours['id']}").status_code == 404
    assert all(i["jurisdiction_code"].startswith(TOWNSHIP_B) for i in _ok(theirs.get(f"{path}?page_size=100"))["items"])


@pytest.mark.parametrize("path", ["/api/v1/teams", "/api/v1/shelters"])
def test_teams_and_shelters_carry_wgs84_lng_lat(client: Any, path: str) -> None:
    items = _ok(client.get(f"{path}?page_size=100"))["items"]
    located = [i for i in items if i["lng"] is not None]
    assert located, f"no {path} item has coordinates"
    for item in located:  # 象山县 lies near 121.9°E 29.5°N; swapped or GCJ-shifted values would fail
        assert 121.0 < item["lng"] < 123.0 and 28.5 < item["lat"] < 30.5, item
    detail = _ok(client.get(f"{path}/{located[0]['id']}"))
    assert (detail["lng"], detail["lat"]) == (located[0]["lng"], located[0]["lat"])


# --- supplies: quantity is the balance, movements keep it -------------------------------------


def test_quantity_is_the_balance_kept_by_the_five_movement_kinds(client: Any) -> None:
    supply = _new_supply(client, quantity=10)
    sid = supply["id"]
    assert supply["quantity"] == 10
    points = _ok(client.get("/api/v1/storage-points?page_size=5"))["items"]
    steps = [
        ({"kind": "in", "quantity": 5, "reason": "县仓库调入补充"}, 15),
        ({"kind": "out", "quantity": 3, "reason": "防台转移发放"}, 12),
        ({"kind": "loss", "quantity": 2, "reason": "浸水损坏报废"}, 10),
        ({"kind": "transfer", "quantity": 4, "reason": "调往村储备点", "to_storage_point": points[1]["id"]}, 6),
        ({"kind": "stocktake", "quantity": 7, "reason": "年度盘点实有 7 件"}, 7),
    ]
    for payload, balance in steps:
        movement = _ok(client.post(f"/api/v1/supplies/{sid}/movements", payload, content_type="application/json"), 201)
        assert (movement["kind"], movement["reason"]) == (payload["kind"], payload["reason"])
        assert movement["jurisdiction_code"].startswith(TOWNSHIP_A)
        assert _ok(client.get(f"/api/v1/supplies/{sid}"))["quantity"] == balance, payload
    history = _ok(client.get(f"/api/v1/supplies/{sid}/movements"))
    assert history["count"] == 6  # the opening stock is recorded as an "in" as well
    assert {m["kind"] for m in history["items"]} == {"in", "out", "loss", "transfer", "stocktake"}
    assert all({"kind", "quantity", "reason", "jurisdiction_code"} <= set(m) for m in history["items"])
    page = _ok(client.get(f"/api/v1/supplies/{sid}/movements?page=2&page_size=4"))
    assert page["count"] == 6 and len(page["items"]) == 2


# --- kits, nearest teams, handbook -----------------------------------------------------------


def test_kit_compliance_lists_required_present_missing_expired_per_village(client: Any) -> None:
    body = _ok(client.get(f"/api/v1/kits/compliance?jurisdiction={TOWNSHIP_A}"))
    villages = Jurisdiction.unscoped.filter(parent__code=TOWNSHIP_A, level="village", archived_at__isnull=True)
    assert sorted(v["code"] for v in body["villages"]) == sorted(villages.values_list("code", flat=True))
    for village in body["villages"]:
        assert village["items"], village["code"]
        for item in village["items"]:
            assert item["required"] >= 1 and item["present"] >= 0 and item["expired"] >= 0
            assert item["missing"] == max(0, item["required"] - item["present"]), item
    assert any(i["missing"] for v in body["villages"] for i in v["items"]) or all(v["compliant"] for v in body["villages"])
    outsider_code = Jurisdiction.unscoped.filter(parent__code=TOWNSHIP_B).values_list("code", flat=True).first()
    assert client.get(f"/api/v1/kits/compliance?jurisdiction={outsider_code}").status_code == 404


def test_nearest_returns_available_teams_ordered_by_distance(client: Any) -> None:
    teams = _ok(client.get("/api/v1/teams?status=available&page_size=1"))["items"]
    origin = teams[0]
    body = _ok(client.get(f"/api/v1/teams/nearest?lng={origin['lng']}&lat={origin['lat']}&limit=3"))
    items = body["items"]
    assert 1 <= len(items) <= 3
    assert items[0]["id"] == origin["id"] and items[0]["distance_m"] < 1.0
    distances = [i["distance_m"] for i in items]
    assert distances == sorted(distances)
    assert all(i["status"] == "available" for i in items)
    busy = _ok(client.post(f"/api/v1/teams/{origin['id']}/status", {"status": "on_task", "reason": "森林火情增援"},
                           content_type="application/json"))
    assert busy["status"] == "on_task"
    after = _ok(client.get(f"/api/v1/teams/nearest?lng={origin['lng']}&lat={origin['lat']}&limit=3"))
    assert origin["id"] not in [i["id"] for i in after["items"]]
    _refused(client.get("/api/v1/teams/nearest?lng=200&lat=29.5&limit=3"))


def test_handbook_docx_is_the_townships_plans_in_one_document(client: Any) -> None:
    response = client.get(f"/api/v1/plans/handbook.docx?jurisdiction={TOWNSHIP_A}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    document = Document(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
    township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    assert township.name in text
    titles = [p["title"] for p in _ok(client.get(f"/api/v1/plans?jurisdiction={TOWNSHIP_A}&page_size=100"))["items"]]
    assert any(title in text for title in titles), "no plan of the township appears in its handbook"


# --- bad input: clear errors, nothing changed --------------------------------------------------


def test_negative_stock_is_refused(client: Any) -> None:
    before = _ok(client.get("/api/v1/supplies"))["count"]
    _refused(client.post("/api/v1/supplies", {"name": "负库存", "category": "lifesaving", "storage_point_id":
             _ok(client.get("/api/v1/storage-points"))["items"][0]["id"], "quantity": -5}, content_type="application/json"),
             "quantity")
    assert _ok(client.get("/api/v1/supplies"))["count"] == before
    sid = _new_supply(client, quantity=4)["id"]
    for payload in ({"kind": "in", "quantity": -3, "reason": "冲减"}, {"kind": "stocktake", "quantity": -1, "reason": "盘点"},
                    {"kind": "out", "quantity": 0, "reason": "零出库"}):
        _refused(client.post(f"/api/v1/supplies/{sid}/movements", payload, content_type="application/json"), "quantity")
    _refused(client.patch(f"/api/v1/supplies/{sid}", {"quantity": -1}, content_type="application/json"), "quantity")
    assert _ok(client.get(f"/api/v1/supplies/{sid}"))["quantity"] == 4
    assert _ok(client.get(f"/api/v1/supplies/{sid}/movements"))["count"] == 1


@pytest.mark.parametrize("kind", ["out", "loss", "transfer"])
def test_taking_more_than_the_balance_is_refused(client: Any, kind: str) -> None:
    sid = _new_supply(client, quantity=4)["id"]
    points = _ok(client.get("/api/v1/storage-points?page_size=5"))["items"]
    payload: dict[str, Any] = {"kind": kind, "quantity": 5, "reason": "超量领用"}
    if kind == "transfer":
        payload["to_storage_point"] = points[1]["id"]
    body = _refused(client.post(f"/api/v1/supplies/{sid}/movements", payload, content_type="application/json"))
    assert "4" in body["detail"], body  # says what the balance is
    assert _ok(client.get(f"/api/v1/supplies/{sid}"))["quantity"] == 4
    assert _ok(client.get(f"/api/v1/supplies/{sid}/movements"))["count"] == 1


def test_expiry_before_production_is_refused(client: Any) -> None:
    before = _ok(client.get("/api/v1/supplies"))["count"]
    points = _ok(client.get("/api/v1/storage-points"))["items"]
    body = {"name": "压缩饼干", "category": "lifesaving", "storage_point_id": points[0]["id"], "quantity": 10,
            "production_date": "2026-03-01", "expiry_date": "2026-01-01"}
    _refused(client.post("/api/v1/supplies", body, content_type="application/json"), "expiry_date")
    assert _ok(client.get("/api/v1/supplies"))["count"] == before
    supply = _new_supply(client, quantity=3, production_date="2026-03-01")
    _refused(client.patch(f"/api/v1/supplies/{supply['id']}", {"expiry_date": "2026-02-01"}, content_type="application/json"),
             "expiry_date")
    assert _ok(client.get(f"/api/v1/supplies/{supply['id']}"))["expiry_date"] == supply["expiry_date"]


def _team_and_person(client: Any) -> tuple[int, int]:
    from people.models import Person
    from teams.models import TeamMember

    team_id = _ok(client.get("/api/v1/teams?page_size=1"))["items"][0]["id"]
    taken = TeamMember.unscoped.filter(team_id=team_id).values("person_id")
    person = Person.unscoped.filter(jurisdiction_path__startswith=f"/330225/{TOWNSHIP_A}/", archived_at__isnull=True).exclude(
        pk__in=taken
    ).order_by("id").first()
    assert person is not None
    return team_id, person.pk


def test_duplicate_team_members_are_refused(client: Any) -> None:
    team_id, person_id = _team_and_person(client)
    _ok(client.post(f"/api/v1/teams/{team_id}/members", {"person_id": person_id}, content_type="application/json"), 201)
    count = _ok(client.get(f"/api/v1/teams/{team_id}/members"))["count"]
    body = _refused(client.post(f"/api/v1/teams/{team_id}/members", {"person_id": person_id, "role": "driver"},
                                content_type="application/json"))
    assert "重复" in body["detail"]
    assert _ok(client.get(f"/api/v1/teams/{team_id}/members"))["count"] == count


def test_overlapping_on_duty_periods_are_refused(client: Any) -> None:
    """A member's period in a team runs from joined_on to left_on; two periods of one person may not overlap."""
    team_id, person_id = _team_and_person(client)
    today = date.today()
    first = _ok(client.post(f"/api/v1/teams/{team_id}/members",
                            {"person_id": person_id, "joined_on": str(today - timedelta(days=200)), "on_duty": True},
                            content_type="application/json"), 201)
    _ok(client.post(f"/api/v1/team-members/{first['id']}/end", {"left_on": str(today - timedelta(days=100))},
                    content_type="application/json"))
    history = _ok(client.get(f"/api/v1/teams/{team_id}/members?include_left=true"))["count"]
    body = _refused(client.post(f"/api/v1/teams/{team_id}/members",
                                {"person_id": person_id, "joined_on": str(today - timedelta(days=150)), "on_duty": True},
                                content_type="application/json"), "joined_on")
    assert "重叠" in body["detail"]
    assert _ok(client.get(f"/api/v1/teams/{team_id}/members?include_left=true"))["count"] == history
    again = _ok(client.post(f"/api/v1/teams/{team_id}/members",
                            {"person_id": person_id, "joined_on": str(today - timedelta(days=50)), "on_duty": True},
                            content_type="application/json"), 201)
    _refused(client.patch(f"/api/v1/team-members/{again['id']}", {"joined_on": str(today - timedelta(days=120))},
                          content_type="application/json"), "joined_on")
    member = next(m for m in _ok(client.get(f"/api/v1/teams/{team_id}/members?page_size=100"))["items"] if m["id"] == again["id"])
    assert member["joined_on"] == str(today - timedelta(days=50))


@pytest.mark.parametrize(
    ("name", "content"),
    [("setup.exe", b"MZ\x90\x00binary"), ("预案.pdf", b"this is plain text, not a PDF"), ("预案.docx", b"GIF89a fake"),
     ("空文件.pdf", b"")],
)
def test_plan_attachments_that_are_not_documents_are_refused(client: Any, settings: Any, tmp_path: Any, name: str,
                                                             content: bytes) -> None:
    settings.MEDIA_ROOT = tmp_path
    plan = _ok(client.get("/api/v1/plans?page_size=1"))["items"][0]
    before = len(_ok(client.get(f"/api/v1/plans/{plan['id']}"))["attachments"])
    _refused(client.post(f"/api/v1/plans/{plan['id']}/attachments", {"file": SimpleUploadedFile(name, content)}), "file")
    assert len(_ok(client.get(f"/api/v1/plans/{plan['id']}"))["attachments"]) == before
    assert not any(tmp_path.rglob("*.*"))
    good = client.post(f"/api/v1/plans/{plan['id']}/attachments", {"file": SimpleUploadedFile("签发稿.pdf", b"%PDF-1.4 x")})
    assert good.status_code == 201, good.content[:300]


# --- balances under concurrent movements (PostgreSQL) -------------------------------------------


@pytest.fixture
def committed_supply(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Any, int]]:
    """A supply of 10 committed for real, so parallel API requests on other connections see it; removed afterwards."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, connections

    from accounts.models import ApiToken, User
    from audit.models import ObjectChange
    from supplies import actions
    from supplies.choices import StoragePointKind
    from supplies.models import StockMovement, StoragePoint, Supply, SupplyCategory

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("row locks matter only on PostgreSQL; SQLite serialises writes")
        staff = User.unscoped.get(username="township_staff")
        township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
        point = actions.create_storage_point(by=staff, jurisdiction=township, name="契约并发测试点", kind=StoragePointKind.VILLAGE_POINT)
        supply = actions.create_supply(by=staff, storage_point=point, name="编织袋", category=SupplyCategory.objects.get(code="flood"),
                                       initial_quantity=10)
        tokens_before = set(ApiToken.objects.filter(user=staff).values_list("pk", flat=True))
    try:
        yield staff, supply.pk
    finally:
        with django_db_blocker.unblock():
            movements = StockMovement.unscoped.filter(supply_id=supply.pk)
            logged = {StockMovement: [str(pk) for pk in movements.values_list("pk", flat=True)], Supply: [str(supply.pk)],
                      StoragePoint: [str(point.pk)]}
            movements.update(counterpart=None)
            movements.delete()  # test clean-up only: the model itself refuses deletion
            Supply.unscoped.filter(pk=supply.pk).delete()
            StoragePoint.unscoped.filter(pk=point.pk).delete()
            for model, ids in logged.items():
                ObjectChange.unscoped.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=ids).delete()
            ApiToken.objects.filter(user=staff).exclude(pk__in=tokens_before).delete()
            connections.close_all()


def test_concurrent_out_movements_through_the_api_never_overdraw(committed_supply: tuple[Any, int], django_db_blocker: Any) -> None:
    """Four people take 3 each from 10 at the same moment: exactly three succeed, the balance is 1 and equals the movements."""
    from django.db import connections
    from django.db.models import Sum
    from django.test import Client

    from accounts.models import ApiToken
    from supplies.models import StockMovement, Supply

    staff, supply_id = committed_supply
    with django_db_blocker.unblock():
        raw = ApiToken.issue(staff)[1]
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def take() -> None:
        try:
            with django_db_blocker.unblock():
                client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
                barrier.wait()
                response = client.post(f"/api/v1/supplies/{supply_id}/movements", {"kind": "out", "quantity": 3, "reason": "抢险领用"},
                                       content_type="application/json")
                statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with django_db_blocker.unblock():
        balance = Supply.unscoped.get(pk=supply_id).quantity
        total = StockMovement.unscoped.filter(supply_id=supply_id).aggregate(t=Sum("delta"))["t"]
    assert sorted(statuses) == [201, 201, 201, 400], statuses
    assert balance == 1 == total
