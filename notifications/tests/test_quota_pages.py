"""The quota API (`GET/PUT /api/v1/notification-quotas`), the settings page and the banner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from jurisdictions.models import Jurisdiction
from notifications.models import ChannelQuota, QuietHours
from notifications.outbox import send_due
from notifications.services import Recipient, start_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_outbox")]

CHINA = timezone.get_fixed_timezone(8 * 60)
URL = "/api/v1/notification-quotas"


def put(client: Any, body: dict[str, Any]) -> Any:
    return client.put(URL, body, content_type="application/json")


def test_admins_set_quotas_and_quiet_hours_and_read_usage(api_as: Any, demo_user: Any, grid_workers: list[Any], transports: Any) -> None:
    admin = api_as(demo_user("township_admin"))
    response = put(admin, {"jurisdiction_code": TOWNSHIP_A, "quotas": {"sms": 10, "voice": 5}, "quiet_hours": {"start": "22:00", "end": "07:00"}})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["jurisdiction_code"] == TOWNSHIP_A
    assert {q["channel"]: q["monthly_limit"] for q in body["quotas"]} == {"sms": 10, "voice": 5}
    assert body["quiet_hours"] == {"enabled": True, "start": "22:00:00", "end": "07:00:00"}
    with time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=CHINA), tick=False):
        node = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
        start_notification(
            topic="warning", source=node, jurisdiction=node, title="测试", body="-",
            recipients=[Recipient(person_id=p.person_id) for p in grid_workers[:8]], channels=["sms"], severity="blue",
        )  # fmt: skip
        while send_due(worker_id="w1"):
            pass
        listed = admin.get(URL).json()
    assert listed["count"] == 1
    sms = next(q for q in listed["items"][0]["quotas"] if q["channel"] == "sms")
    assert sms["used"] == 8 and sms["percent"] == 80 and sms["level"] == "warn"

    only_quiet = put(admin, {"jurisdiction_code": TOWNSHIP_A, "quiet_hours": None})
    assert only_quiet.status_code == 200 and only_quiet.json()["quiet_hours"] is None
    assert ChannelQuota.unscoped.count() == 2 and not QuietHours.unscoped.exists()


def test_bad_input_and_refusals(api_as: Any, demo_user: Any, outsiders: Any) -> None:
    admin = api_as(demo_user("township_admin"))
    assert put(admin, {"jurisdiction_code": TOWNSHIP_A, "quotas": {"sms": 0}}).status_code == 400
    assert put(admin, {"jurisdiction_code": TOWNSHIP_A, "quotas": {"email": 10}}).status_code == 400
    assert put(admin, {"jurisdiction_code": TOWNSHIP_A, "quiet_hours": {"start": "22:00"}}).status_code == 422
    assert put(api_as(demo_user("township_staff")), {"jurisdiction_code": TOWNSHIP_A, "quotas": {"sms": 10}}).status_code == 403
    assert put(api_as(demo_user("township_staff")), {"jurisdiction_code": TOWNSHIP_A}).status_code == 403
    assert put(api_as(outsiders["township_admin"]), {"jurisdiction_code": TOWNSHIP_A, "quotas": {"sms": 10}}).status_code == 404
    assert api_as(demo_user("grid_worker")).get(URL).status_code == 403
    assert not ChannelQuota.unscoped.exists()


def test_lists_are_scoped_and_cheap(api_as: Any, demo_user: Any, outsiders: Any, django_assert_max_num_queries: Any) -> None:
    put(api_as(demo_user("township_admin")), {"jurisdiction_code": TOWNSHIP_A, "quotas": {"sms": 10}})
    other = api_as(outsiders["township_admin"]).get(URL).json()
    assert [item["jurisdiction_code"] for item in other["items"]] == [TOWNSHIP_B]
    assert all(q["monthly_limit"] is None for q in other["items"][0]["quotas"])
    county = api_as(demo_user("county_admin"))
    with django_assert_max_num_queries(12):
        listed = county.get(URL).json()
    assert listed["count"] >= 2 and TOWNSHIP_A in {item["jurisdiction_code"] for item in listed["items"]}


def test_the_settings_page_shows_usage_and_saves(client: Client, demo_user: Any, outsiders: Any, django_assert_max_num_queries: Any) -> None:
    client.force_login(demo_user("township_admin"))
    url = reverse("notifications:quotas")
    with django_assert_max_num_queries(25):
        page = client.get(url)
    assert page.status_code == 200 and "发送额度与静默时段" in page.content.decode()
    saved = client.post(url, {"township": TOWNSHIP_A, "sms_limit": "100", "voice_limit": "", "quiet_start": "22:00", "quiet_end": "07:00", "quiet_enabled": "on"})
    assert saved.status_code == 302
    assert ChannelQuota.unscoped.get().monthly_limit == 100 and QuietHours.unscoped.get().start.hour == 22
    shown = client.get(url).content.decode()
    assert "<progress" in shown and "22:00–07:00" in shown
    bad = client.post(url, {"township": TOWNSHIP_A, "sms_limit": "100", "quiet_start": "22:00"})
    assert bad.status_code == 200 and "同时填写" in bad.content.decode()

    staff = Client()
    staff.force_login(demo_user("township_staff"))
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"township": TOWNSHIP_A, "sms_limit": "1"}).status_code == 403
    assert ChannelQuota.unscoped.get().monthly_limit == 100
    outsider = Client()
    outsider.force_login(outsiders["township_admin"])
    assert outsider.get(url + f"?township={TOWNSHIP_A}").status_code == 404
    assert TOWNSHIP_A not in outsider.get(url).content.decode()
    grid = Client()
    grid.force_login(demo_user("grid_worker"))
    assert grid.get(url).status_code == 403


def test_the_banner_shows_on_the_notification_pages_at_80_percent(client: Client, demo_user: Any, grid_workers: list[Any], transports: Any) -> None:
    from notifications import actions

    admin = demo_user("township_admin")
    node = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    actions.set_quota(node, by=admin, channel="sms", monthly_limit=2)
    client.force_login(admin)
    assert "quota-banner" not in client.get(reverse("notifications:inbox")).content.decode()
    start_notification(
        topic="warning", source=node, jurisdiction=node, title="测试", body="-",
        recipients=[Recipient(person_id=p.person_id) for p in grid_workers[:2]], channels=["sms"],
    )  # fmt: skip
    while send_due(worker_id="w1"):
        pass
    for name in ("notifications:inbox", "notifications:list"):
        page = client.get(reverse(name)).content.decode()
        assert "quota-banner" in page and "已用完" in page, name
