"""Issue 4's "Fixed interfaces", exercised literally as written (other teams call them so).

Each test is one bullet of the issue, through the HTTP API as the small demo's township staff
user (丹东街道), with nothing but the fields the issue names.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree

from demo.constants import TOWNSHIP_A, VILLAGE_A
from earlywarning.tests.cap_schema import official_cap_schema

pytestmark = pytest.mark.django_db

WEATHER_KINDS = [
    "rainstorm", "typhoon", "blizzard", "cold_wave", "gale", "sandstorm", "heat",
    "drought", "lightning", "hail", "frost", "fog", "haze", "road_icing",
]  # fmt: skip
FIXED_KEYS = {"kind", "level", "area", "title", "watch_for", "measures", "starts_at", "ends_at"}


def minimal_body(**overrides: Any) -> dict[str, Any]:
    """Exactly the keys of the fixed interface, nothing more."""
    now = timezone.now()
    data: dict[str, Any] = {
        "kind": "rainstorm",
        "level": "orange",
        "area": [VILLAGE_A],
        "title": "丹东街道暴雨橙色预警",
        "watch_for": "未来 3 小时降雨量将达 50 毫米以上，低洼地段可能积水",
        "measures": "巡查低洼易涝点，转移危险区域人员",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=6)).isoformat(),
    }
    data.update(overrides)
    assert set(data) == FIXED_KEYS
    return data


@pytest.fixture
def staff(api_as: Any, demo_user: Any) -> Any:
    return api_as(demo_user("township_staff"))


def issued_warning(staff: Any, **overrides: Any) -> dict[str, Any]:
    created = staff.post("/api/v1/warnings", minimal_body(**overrides), content_type="application/json")
    assert created.status_code == 201, created.json()
    issued = staff.post(f"/api/v1/warnings/{created.json()['id']}/actions/issue", content_type="application/json")
    assert issued.status_code == 200, issued.json()
    return dict(issued.json())


def test_minimal_body_creates_a_draft_that_can_be_issued_updated_and_lifted(staff: Any) -> None:
    created = staff.post("/api/v1/warnings", minimal_body(), content_type="application/json")
    assert created.status_code == 201, created.json()
    draft = created.json()
    assert draft["state"] == "draft" and draft["kind"] == "rainstorm" and draft["level"] == "orange"
    assert draft["area"] == [VILLAGE_A] and draft["jurisdiction_code"] == TOWNSHIP_A
    assert draft["issuing_unit"], "第六十四条: the issuing unit is derived from the staff member's township"

    url = f"/api/v1/warnings/{draft['id']}"
    assert staff.get(url).json()["id"] == draft["id"]
    listed = staff.get("/api/v1/warnings").json()
    assert draft["id"] in {item["id"] for item in listed["items"]} and listed["count"] >= 1

    issued = staff.post(f"{url}/actions/issue", content_type="application/json")
    assert issued.status_code == 200, issued.json()
    assert issued.json()["state"] == "issued" and issued.json()["recipient_count"] > 0

    updated = staff.post(f"{url}/actions/update", {"level": "red", "measures": "立即转移"}, content_type="application/json")
    assert updated.status_code == 200, updated.json()
    assert updated.json()["state"] == "updated" and updated.json()["level"] == "red"

    lifted = staff.post(f"{url}/actions/lift", content_type="application/json")
    assert lifted.status_code == 200, lifted.json()
    assert lifted.json()["state"] == "lifted"
    assert [m["msg_type"] for m in lifted.json()["messages"]] == ["alert", "update", "lift"]

    unknown = staff.post(f"{url}/actions/explode", content_type="application/json")
    assert unknown.status_code == 422


def test_every_weather_kind_code_is_listed_and_accepted(staff: Any) -> None:
    kinds = {k["code"]: k for k in staff.get("/api/v1/warning-kinds").json()}
    assert set(WEATHER_KINDS) <= kinds.keys()
    for code in WEATHER_KINDS:
        level = kinds[code]["allowed_levels"][0]
        response = staff.post("/api/v1/warnings", minimal_body(kind=code, level=level), content_type="application/json")
        assert response.status_code == 201, (code, response.json())


def test_warning_kinds_list_colours_and_an_invalid_colour_answers_422(staff: Any) -> None:
    kinds = {k["code"]: k for k in staff.get("/api/v1/warning-kinds").json()}
    assert kinds["frost"]["allowed_levels"] == ["orange", "yellow", "blue"]
    assert kinds["hail"]["allowed_levels"] == ["red", "orange"]
    for kind, level in (("frost", "red"), ("hail", "blue"), ("drought", "yellow")):
        response = staff.post("/api/v1/warnings", minimal_body(kind=kind, level=level), content_type="application/json")
        assert response.status_code == 422, (kind, level, response.json())
        assert any(e["field"] == "level" for e in response.json()["errors"])
    assert staff.post("/api/v1/warnings", minimal_body(level="purple"), content_type="application/json").status_code == 422


def test_deliveries_list_recipient_channel_state_ack_and_links_only_for_staff(staff: Any, api_as: Any, demo_user: Any) -> None:
    warning = issued_warning(staff)
    response = staff.get(f"/api/v1/warnings/{warning['id']}/deliveries")
    assert response.status_code == 200
    page = response.json()
    assert page["count"] > 0
    for item in page["items"]:
        assert {"recipient", "channel", "state", "acknowledged_at", "ack_url"} <= item.keys()
        assert item["recipient"] and item["channel"] and item["state"]
        assert item["ack_url"].startswith("http") and ("/n/" in item["ack_url"] or "/ack/" in item["ack_url"])
    for role in ("leader", "auditor"):
        others = api_as(demo_user(role)).get(f"/api/v1/warnings/{warning['id']}/deliveries")
        assert others.status_code == 200, role
        assert others.json()["count"] == page["count"]
        assert all(item.get("ack_url") is None for item in others.json()["items"]), role


def test_opening_the_ack_link_without_login_shows_the_warning_and_acknowledges_it(staff: Any) -> None:
    warning = issued_warning(staff)
    deliveries = staff.get(f"/api/v1/warnings/{warning['id']}/deliveries").json()["items"]
    chosen = next(item for item in deliveries if item["channel"] == "sms")
    token = chosen["ack_url"].rsplit("/", 1)[1]
    opened = Client().get(f"/ack/{token}")
    assert opened.status_code == 200
    assert warning["title"] in opened.content.decode()
    after = staff.get(f"/api/v1/warnings/{warning['id']}/deliveries").json()["items"]
    mine = next(item for item in after if item["id"] == chosen["id"])
    assert mine["acknowledged_at"] is not None and mine["state"] == "acknowledged"
    again = Client().get(f"/ack/{token}")
    assert again.status_code == 200, "opening twice is harmless"
    repeat = next(item for item in staff.get(f"/api/v1/warnings/{warning['id']}/deliveries").json()["items"] if item["id"] == chosen["id"])
    assert repeat["acknowledged_at"] == mine["acknowledged_at"]
    assert Client().get("/ack/NOSUCHTOKEN").status_code == 404


def test_a_delivery_is_acknowledged_in_the_app(staff: Any, api_as: Any, demo_user: Any) -> None:
    from notifications.models import Delivery

    warning = issued_warning(staff)
    grid_worker = demo_user("grid_worker")
    own = Delivery.unscoped.filter(notification__source_id=str(warning["id"]), recipient_person_id=grid_worker.person_id).first()
    assert own is not None, "the demo grid worker of GRID_A is a recipient of a warning for VILLAGE_A"
    response = api_as(grid_worker).post(f"/api/v1/deliveries/{own.pk}/ack", {}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["via"] == "app" and response.json()["delivery_id"] == own.pk
    after = {item["id"]: item for item in staff.get(f"/api/v1/warnings/{warning['id']}/deliveries").json()["items"]}
    assert after[own.pk]["acknowledged_at"] is not None

    other = next(i for i in after.values() if i["acknowledged_at"] is None)
    by_phone = staff.post(f"/api/v1/deliveries/{other['id']}/ack", {"note": "电话已确认"}, content_type="application/json")
    assert by_phone.status_code == 200 and by_phone.json()["via"] != "app", "staff record a phone answer for others"


def test_cap_xml_is_a_valid_cap_1_2_message(staff: Any) -> None:
    warning = issued_warning(staff)
    response = staff.get(f"/api/v1/warnings/{warning['id']}/cap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    xsd_path = official_cap_schema()
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))
    document = etree.fromstring(response.content)
    assert schema.validate(document), schema.error_log
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert document.findtext("cap:msgType", namespaces=ns) == "Alert"
    assert document.findtext("cap:info/cap:severity", namespaces=ns) == "Severe"
