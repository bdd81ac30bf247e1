"""The JSON API: notifications with deliveries, policies and group channels (shape, validation, query counts)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from demo.constants import TOWNSHIP_A
from jurisdictions.models import Jurisdiction
from notifications.models import EscalationPolicy, GroupChannel
from notifications.services import Recipient, start_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_outbox")]


def user(name: str) -> User:
    return User.unscoped.get(username=name)


@pytest.fixture
def notification(grid_workers: list[Any]) -> Any:
    node = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    return start_notification(
        topic="warning",
        source=node,
        jurisdiction=node,
        title="大风蓝色预警",
        body="沿海风力6级。",
        recipients=[Recipient(person_id=p.person_id, position_id=p.pk) for p in grid_workers[:5]],
    )


def test_the_notification_list_is_paginated_and_carries_jurisdiction_codes(notification: Any, api_as: Any, django_assert_max_num_queries: Any) -> None:
    client = api_as(user("township_staff"))
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/notifications?page_size=10").json()
    assert body["count"] >= 1
    item = next(i for i in body["items"] if i["id"] == notification.pk)
    assert item["jurisdiction_code"] == TOWNSHIP_A and item["delivery_count"] >= 5 and item["acknowledged_count"] == 0
    assert item["source_type"] == "jurisdictions.jurisdiction" and item["topic"] == "warning"


def test_the_detail_lists_every_delivery_with_links_for_staff_only(notification: Any, api_as: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(10):
        staff = api_as(user("township_staff")).get(f"/api/v1/notifications/{notification.pk}").json()
    assert len(staff["deliveries"]) >= 5
    sms = next(d for d in staff["deliveries"] if d["channel"] == "sms")
    assert sms["ack_url"] and sms["state"] == "queued" and sms["acknowledged_at"] is None and sms["jurisdiction_code"] == TOWNSHIP_A
    assert staff["policy_snapshot"]["steps"][0]["kind"] == "recipient"
    leader = api_as(user("leader")).get(f"/api/v1/notifications/{notification.pk}").json()
    assert all(d["ack_url"] is None for d in leader["deliveries"])


def test_grid_workers_without_the_capability_cannot_list_notifications(notification: Any, api_as: Any) -> None:
    assert api_as(user("grid_worker")).get("/api/v1/notifications").status_code == 403


POLICY = {
    "name": "丹东街道暴雨叫应",
    "jurisdiction_code": TOWNSHIP_A,
    "topic": "warning",
    "severity": "red",
    "final_action": "superior_chain",
    "steps": [
        {"target_kind": "recipient", "channels": ["sms", "inapp"], "wait_minutes": 10},
        {"target_kind": "position", "position_kind": "village_manager", "level": "village", "channels": ["voice"], "wait_minutes": 10},
        {"target_kind": "duty_officer", "wait_minutes": 5},
    ],
}


def test_policies_are_created_read_and_edited_through_the_api(api_as: Any, django_assert_max_num_queries: Any) -> None:
    client = api_as(user("township_admin"))
    created = client.post("/api/v1/escalation-policies", POLICY, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [s["target_kind"] for s in body["steps"]] == ["recipient", "position", "duty_officer"]
    assert body["steps"][1]["position_kind"] == "village_manager" and body["jurisdiction_code"] == TOWNSHIP_A
    patched = client.patch(f"/api/v1/escalation-policies/{body['id']}", {"repeat_count": 2, "steps": POLICY["steps"][:1]}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["repeat_count"] == 2 and len(patched.json()["steps"]) == 1
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/escalation-policies?page_size=100").json()
    assert body["id"] in [p["id"] for p in listed["items"]]


def test_bad_policies_answer_with_field_errors(api_as: Any) -> None:
    client = api_as(user("township_admin"))
    bad_kind = {**POLICY, "steps": [{"target_kind": "position", "position_kind": "nope"}]}
    response = client.post("/api/v1/escalation-policies", bad_kind, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "steps.0.position_kind"
    bad_channel = {**POLICY, "steps": [{"target_kind": "recipient", "channels": ["pigeon"]}]}
    assert client.post("/api/v1/escalation-policies", bad_channel, content_type="application/json").status_code == 422
    assert client.post("/api/v1/escalation-policies", {**POLICY, "steps": []}, content_type="application/json").status_code == 422
    staff = api_as(user("township_staff"))
    assert staff.post("/api/v1/escalation-policies", POLICY, content_type="application/json").status_code == 403
    assert not EscalationPolicy.unscoped.filter(name=POLICY["name"]).exists()


def test_group_channel_secrets_are_write_only(api_as: Any, django_assert_max_num_queries: Any) -> None:
    client = api_as(user("township_admin"))
    payload = {"name": "丹东街道应急群", "jurisdiction_code": TOWNSHIP_A, "channel": "dingtalk", "url": "https://robot.example.invalid/send", "secret": "SEC-very-secret"}
    created = client.post("/api/v1/group-channels", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert "very-secret" not in created.content.decode() and body["secret"] == "••••••••"
    group = GroupChannel.unscoped.get(pk=body["id"])
    assert group.secret() == "SEC-very-secret" and "very-secret" not in group.secret_sealed
    renamed = client.patch(f"/api/v1/group-channels/{group.pk}", {"name": "新名称"}, content_type="application/json")
    assert renamed.status_code == 200
    group.refresh_from_db()
    assert group.secret() == "SEC-very-secret", "a patch without a secret keeps it"
    with django_assert_max_num_queries(6):
        listed = client.get("/api/v1/group-channels?page_size=100").json()
    assert group.pk in [g["id"] for g in listed["items"]]
    archived = client.post(f"/api/v1/group-channels/{group.pk}/archive")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    bad = client.post("/api/v1/group-channels", {**payload, "channel": "sms"}, content_type="application/json")
    assert bad.status_code == 400 and "群组通道只能是" in bad.json()["detail"]
    bad_url = client.post("/api/v1/group-channels", {**payload, "url": "not a url"}, content_type="application/json")
    assert bad_url.status_code == 400 and bad_url.json()["errors"][0]["field"] == "url"


def test_the_inbox_query_count_does_not_grow(grid_workers: list[Any], api_as: Any, django_assert_max_num_queries: Any) -> None:
    worker = user("grid_worker")
    node = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    for i in range(5):
        start_notification(topic="t", source=node, jurisdiction=node, title=f"通知{i}", body="…", recipients=[Recipient(user_id=worker.pk)], channels=["inapp"])
    with django_assert_max_num_queries(8):
        body = api_as(worker).get("/api/v1/notifications/inbox").json()
    assert body["count"] == 5


def test_contact_points_are_added_checked_and_used_first(grid_workers: list[Any], api_as: Any, django_assert_max_num_queries: Any) -> None:
    from notifications.models import Delivery

    person = grid_workers[0].person
    client = api_as(user("township_staff"))
    created = client.post("/api/v1/contact-points", {"person_id": person.pk, "channel": "email", "address": "shi@example.cn", "priority": 1}, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["jurisdiction_code"] == person.jurisdiction.code
    bad = client.post("/api/v1/contact-points", {"person_id": person.pk, "channel": "email", "address": "not-an-email"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "address"
    bad_mobile = client.post("/api/v1/contact-points", {"person_id": person.pk, "channel": "sms", "address": "12345"}, content_type="application/json")
    assert bad_mobile.status_code == 400
    with django_assert_max_num_queries(6):
        listed = client.get(f"/api/v1/contact-points?person_id={person.pk}").json()
    assert [c["channel"] for c in listed["items"]] == ["email"]
    node = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    notification = start_notification(topic="t", source=node, jurisdiction=node, title="邮件优先", body="…", recipients=[Recipient(person_id=person.pk)])
    first = Delivery.unscoped.exclude(channel="inapp").get(notification=notification)
    assert (first.channel, first.address) == ("email", "shi@example.cn")
    archived = client.post(f"/api/v1/contact-points/{created.json()['id']}/archive")
    assert archived.status_code == 200
    assert client.get(f"/api/v1/contact-points?person_id={person.pk}").json()["count"] == 0
