"""Warning API: shapes, the fixed interface, validation answers, the board and CAP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from demo.constants import TOWNSHIP_B, VILLAGE_A

pytestmark = pytest.mark.django_db


def body(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    data: dict[str, Any] = {
        "kind": "rainstorm",
        "level": "blue",
        "area": [VILLAGE_A],
        "title": "暴雨蓝色预警",
        "watch_for": "12 小时内降雨量将达 50 毫米以上",
        "measures": "巡查低洼易涝点",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=12)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def client(api_as: Any, demo_user: Any) -> Any:
    return api_as(demo_user("township_staff"))


def test_warning_kinds_list_colours(client: Any) -> None:
    kinds = {k["code"]: k for k in client.get("/api/v1/warning-kinds").json()}
    assert kinds["frost"]["allowed_levels"] == ["orange", "yellow", "blue"]
    assert kinds["hail"]["allowed_levels"] == ["red", "orange"]
    assert kinds["haze"]["allowed_levels"] == ["red", "orange", "yellow"]
    assert len(kinds["haze"]["colour_rules"]) == 2
    assert {"rainstorm", "typhoon", "road_icing", "geological", "fire_safety"} <= kinds.keys()


def test_create_draft_then_issue_through_fixed_interface(client: Any) -> None:
    created = client.post("/api/v1/warnings", body(), content_type="application/json")
    assert created.status_code == 201, created.json()
    warning = created.json()
    assert warning["state"] == "draft"
    assert warning["jurisdiction_code"] == "330225001"
    assert warning["area"] == [VILLAGE_A]
    preview = client.get(f"/api/v1/warnings/{warning['id']}/recipients").json()
    assert preview["frozen"] is False and preview["count"] > 0
    issued = client.post(f"/api/v1/warnings/{warning['id']}/actions/issue", content_type="application/json")
    assert issued.status_code == 200, issued.json()
    assert issued.json()["state"] == "issued"
    assert issued.json()["recipient_count"] == preview["count"]
    listed = client.get("/api/v1/warnings").json()
    assert listed["count"] >= 1 and listed["items"][0]["is_active"]
    deliveries = client.get(f"/api/v1/warnings/{warning['id']}/deliveries").json()
    assert deliveries["count"] > 0
    first = deliveries["items"][0]
    assert {"recipient", "channel", "state", "acknowledged_at", "ack_url"} <= first.keys()
    assert first["ack_url"]
    board = client.get(f"/api/v1/warnings/{warning['id']}/acknowledgements").json()
    assert board["totals"]["recipients"] == preview["count"]
    assert board["groups"][0]["jurisdiction_code"].startswith(VILLAGE_A[:9])
    cap = client.get(f"/api/v1/warnings/{warning['id']}/cap.xml")
    assert cap["Content-Type"].startswith("application/cap+xml")
    assert b"<msgType>Alert</msgType>" in cap.content


def test_update_extend_lift_endpoints(client: Any) -> None:
    warning = client.post("/api/v1/warnings", body(), content_type="application/json").json()
    wid = warning["id"]
    assert client.post(f"/api/v1/warnings/{wid}/issue").status_code == 200
    changed = client.post(f"/api/v1/warnings/{wid}/update", {"level": "yellow", "note": "雨势加强"}, content_type="application/json")
    assert changed.json()["level"] == "yellow"
    later = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.post(f"/api/v1/warnings/{wid}/extend", {"ends_at": later}, content_type="application/json").json()["state"] == "extended"
    lifted = client.post(f"/api/v1/warnings/{wid}/actions/lift", {"reason": "雨停"}, content_type="application/json").json()
    assert lifted["state"] == "lifted"
    assert [m["msg_type"] for m in lifted["messages"]] == ["alert", "update", "extend", "lift"]
    again = client.post(f"/api/v1/warnings/{wid}/actions/lift", content_type="application/json")
    assert again.status_code == 422
    assert "只有生效中的预警可以解除" in again.json()["detail"]


def test_invalid_colour_answers_422_with_field_error(client: Any) -> None:
    response = client.post("/api/v1/warnings", body(kind="frost", level="red"), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "level"
    assert "霜冻预警没有一级（红色）" in response.json()["detail"]


def test_unknown_kind_and_missing_fields_are_explained(client: Any) -> None:
    response = client.post("/api/v1/warnings", body(kind="volcano"), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
    response = client.post("/api/v1/warnings", {"kind": "rainstorm"}, content_type="application/json")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"level", "title"}


def test_empty_area_is_refused_at_issue(client: Any) -> None:
    warning = client.post("/api/v1/warnings", body(area=[]), content_type="application/json").json()
    response = client.post(f"/api/v1/warnings/{warning['id']}/issue")
    assert response.status_code == 422
    assert any(e["field"] == "area" for e in response.json()["errors"])


def test_area_outside_scope_is_refused(client: Any) -> None:
    response = client.post("/api/v1/warnings", body(area=[TOWNSHIP_B]), content_type="application/json")
    assert response.status_code == 422
    assert "不在您的辖区范围内" in response.json()["detail"]


def test_patch_draft(client: Any) -> None:
    warning = client.post("/api/v1/warnings", body(), content_type="application/json").json()
    patched = client.patch(f"/api/v1/warnings/{warning['id']}", {"title": "新标题", "level": "red"}, content_type="application/json")
    assert patched.status_code == 200
    assert patched.json()["title"] == "新标题" and patched.json()["level"] == "red"
    refused = client.patch(f"/api/v1/warnings/{warning['id']}", {"kind": "hail", "level": "blue"}, content_type="application/json")
    assert refused.status_code == 422


def test_grid_worker_reads_but_cannot_draft(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("grid_worker"))
    assert client.get("/api/v1/warnings").status_code == 200
    assert client.post("/api/v1/warnings", body(), content_type="application/json").status_code == 403


def test_list_query_count_does_not_grow(client: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(6):
        client.post("/api/v1/warnings", body(title=f"预警{n}"), content_type="application/json")
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/warnings?page_size=50")
    assert response.json()["count"] >= 6


def test_board_recipients_and_deliveries_query_counts_do_not_grow(client: Any, django_assert_max_num_queries: Any) -> None:
    wid = client.post("/api/v1/warnings", body(area=["330225001"]), content_type="application/json").json()["id"]
    with django_assert_max_num_queries(14):
        preview = client.get(f"/api/v1/warnings/{wid}/recipients").json()
    assert preview["count"] > 20
    client.post(f"/api/v1/warnings/{wid}/issue")
    with django_assert_max_num_queries(12):
        board = client.get(f"/api/v1/warnings/{wid}/acknowledgements").json()
    assert board["totals"]["recipients"] == preview["count"]
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/v1/warnings/{wid}/deliveries?page_size=100").json()["count"] >= preview["count"] - preview["unreachable"]
