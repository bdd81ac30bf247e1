"""Leak tests: an account from another township (石浦镇) sees and changes nothing of 丹东街道's notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from demo.constants import TOWNSHIP_A, VILLAGE_A
from jurisdictions.models import Jurisdiction
from notifications import actions
from notifications.models import Acknowledgement, ChannelQuota, ContactPoint, Delivery, EscalationPolicy, GroupChannel
from notifications.services import Recipient, start_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_outbox")]

OUTSIDER_ROLES = [r.value for r in Role if r != Role.COUNTY_ADMIN]


@pytest.fixture
def township_a(grid_workers: list[Any]) -> dict[str, Any]:
    """A notification, a policy and a group channel inside township A."""
    admin = User.unscoped.get(username="township_admin")
    node = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    notification = start_notification(
        topic="warning", source=node, jurisdiction=node, title="丹东街道内部通知", body="…",
        recipients=[Recipient(person_id=p.person_id, position_id=p.pk) for p in grid_workers[:3]],
    )
    policy = actions.create_policy(by=admin, jurisdiction=node, name="丹东策略", steps=[{"target_kind": "recipient"}])
    group = actions.create_group_channel(
        by=admin, jurisdiction=Jurisdiction.unscoped.get(code=VILLAGE_A), name="翠屏群", channel="dingtalk", url="https://robot.example.invalid/x"
    )
    contact = actions.add_contact_point(by=admin, person=grid_workers[0].person, channel="email", address="a@example.cn")
    actions.set_quota(node, by=admin, channel="sms", monthly_limit=1234)
    return {
        "notification": notification,
        "policy": policy,
        "group": group,
        "contact": contact,
        "delivery": Delivery.unscoped.filter(notification=notification).first(),
    }


LISTS = [
    "/api/v1/notifications?page_size=500",
    "/api/v1/escalation-policies?page_size=500",
    "/api/v1/group-channels?page_size=500&include_archived=true",
    "/api/v1/contact-points?page_size=500",
    "/api/v1/notification-quotas?page_size=500",
]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
@pytest.mark.parametrize("url", LISTS)
def test_outsider_lists_hold_nothing_of_another_township(role: str, url: str, outsiders: dict[str, Any], api_as: Any, township_a: Any) -> None:
    response = api_as(outsiders[role]).get(url)
    if response.status_code == 403:
        return
    assert response.status_code == 200
    assert [i for i in response.json()["items"] if i["jurisdiction_code"].startswith(TOWNSHIP_A)] == []


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_details_and_writes_answer_as_if_nothing_existed(role: str, outsiders: dict[str, Any], api_as: Any, township_a: Any) -> None:
    client = api_as(outsiders[role])
    n, p, g, d = township_a["notification"], township_a["policy"], township_a["group"], township_a["delivery"]
    for url in (f"/api/v1/notifications/{n.pk}", f"/api/v1/escalation-policies/{p.pk}", f"/api/v1/group-channels/{g.pk}"):
        assert client.get(url).status_code in (403, 404), url
    writes = [
        ("patch", f"/api/v1/escalation-policies/{p.pk}", {"name": "被改"}),
        ("patch", f"/api/v1/group-channels/{g.pk}", {"name": "被改"}),
        ("post", f"/api/v1/group-channels/{g.pk}/archive", {}),
        ("post", f"/api/v1/deliveries/{d.pk}/ack", {}),
        ("post", f"/api/v1/contact-points/{township_a['contact'].pk}/archive", {}),
        ("post", "/api/v1/contact-points", {"person_id": township_a["contact"].person_id, "channel": "email", "address": "x@example.cn"}),
        ("put", "/api/v1/notification-quotas", {"jurisdiction_code": TOWNSHIP_A, "quotas": {"sms": 1}, "quiet_hours": None}),
    ]
    for method, url, body in writes:
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code in (403, 404), (url, response.status_code)
    inbox = client.get("/api/v1/notifications/inbox").json()
    assert [i for i in inbox["items"] if i["notification_id"] == n.pk] == []
    assert EscalationPolicy.unscoped.get(pk=p.pk).name == "丹东策略"
    assert GroupChannel.unscoped.get(pk=g.pk).name == "翠屏群" and GroupChannel.unscoped.get(pk=g.pk).archived_at is None
    assert not Acknowledgement.unscoped.exists()
    assert ContactPoint.unscoped.filter(person_id=township_a["contact"].person_id).count() == 1
    assert ContactPoint.unscoped.get(pk=township_a["contact"].pk).archived_at is None
    assert ChannelQuota.unscoped.get(jurisdiction__code=TOWNSHIP_A).monthly_limit == 1234


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_pages_show_nothing_of_another_township(role: str, outsiders: dict[str, Any], township_a: Any) -> None:
    client = Client()
    client.force_login(outsiders[role])
    n, p, g, d = township_a["notification"], township_a["policy"], township_a["group"], township_a["delivery"]
    for url in (f"/notifications/sent/{n.pk}/", f"/notifications/policies/{p.pk}/", f"/notifications/policies/{p.pk}/edit/", f"/notifications/groups/{g.pk}/edit/"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(f"/notifications/quotas/?township={TOWNSHIP_A}").status_code in (403, 404)
    assert client.post("/notifications/quotas/", {"township": TOWNSHIP_A, "sms_limit": "1"}).status_code in (403, 404)
    for url in ("/notifications/", "/notifications/sent/", "/notifications/policies/", "/notifications/groups/", "/notifications/quotas/"):
        response = client.get(url)
        assert response.status_code in (200, 403)
        body = response.content.decode()
        assert "丹东街道内部通知" not in body and "丹东策略" not in body and "翠屏群" not in body, url
        assert "1234" not in body and "丹东街道" not in body, url
    for url in (f"/notifications/deliveries/{d.pk}/phone-ack/", f"/notifications/inbox/{d.pk}/ack/", f"/notifications/groups/{g.pk}/archive/"):
        assert client.post(url).status_code in (403, 404), url
    assert not Acknowledgement.unscoped.exists()


def test_the_public_link_reveals_only_its_own_message(township_a: Any) -> None:
    delivery = township_a["delivery"]
    page = Client().get(f"/notifications/ack/{delivery.reply_token}/").content.decode()
    others = Delivery.unscoped.filter(notification=township_a["notification"]).exclude(recipient_key=delivery.recipient_key)
    assert all(o.recipient_label not in page for o in others if o.recipient_label)
