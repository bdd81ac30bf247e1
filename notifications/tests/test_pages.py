"""Pages: the inbox with its htmx acknowledgement, the delivery board, policies and group channels."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from demo.constants import TOWNSHIP_A
from jurisdictions.models import Jurisdiction
from notifications.models import Acknowledgement, Delivery, EscalationPolicy, GroupChannel
from notifications.services import Recipient, start_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_outbox")]


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def township() -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=TOWNSHIP_A)


def notify_user(user: User, title: str = "森林火险橙色预警") -> Any:
    node = township()
    return start_notification(topic="warning", source=node, jurisdiction=node, title=title, body="严禁野外用火。", recipients=[Recipient(user_id=user.pk)], channels=["inapp"])


def test_the_inbox_lists_my_messages_unacknowledged_first_and_acknowledges_with_htmx(client: Client, django_assert_max_num_queries: Any) -> None:
    user = login(client, "grid_worker")
    old, new = notify_user(user, "旧通知"), notify_user(user, "新通知")
    Delivery.unscoped.filter(notification=old).update(acknowledged_at="2026-01-01T00:00:00+08:00")
    with django_assert_max_num_queries(14):
        response = client.get(reverse("notifications:inbox"))
    page = response.content.decode()
    assert page.index("新通知") < page.index("旧通知")
    delivery = Delivery.unscoped.get(notification=new)
    assert delivery.read_at is not None, "shown in the inbox counts as read"
    response = client.post(reverse("notifications:inbox_ack", args=[delivery.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET=f"inbox-item-{delivery.pk}")
    assert response.status_code == 200 and "已叫应" in response.content.decode() and "<html" not in response.content.decode()
    assert Acknowledgement.unscoped.get().via == "app"


def test_the_badge_counts_what_waits_for_me(client: Client) -> None:
    user = login(client, "grid_worker")
    notify_user(user)
    response = client.get(reverse("notifications:badge"))
    assert response.status_code == 200 and ">1<" in response.content.decode()


def test_someone_elses_inbox_item_cannot_be_acknowledged(client: Client) -> None:
    other = User.unscoped.get(username="village_cadre")
    delivery = Delivery.unscoped.get(notification=notify_user(other))
    login(client, "grid_worker")
    assert client.post(reverse("notifications:inbox_ack", args=[delivery.pk])).status_code == 404
    assert not Acknowledgement.unscoped.exists()


def test_the_board_shows_each_recipient_and_refreshes_as_a_partial(client: Client, grid_workers: list[Any], django_assert_max_num_queries: Any) -> None:
    node = township()
    notification = start_notification(
        topic="warning", source=node, jurisdiction=node, title="暴雨黄色预警", body="…",
        recipients=[Recipient(person_id=p.person_id, position_id=p.pk) for p in grid_workers[:6]],
    )
    login(client, "township_staff")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("notifications:board", args=[notification.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and grid_workers[0].person.name in page and "登记电话叫应" in page
    assert "叫应链" in page and page.count("badge-warn") >= 6, "each recipient's chain is waiting"
    assert "p:" not in page, "chains are named after their recipients"
    partial = client.get(reverse("notifications:board", args=[notification.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board")
    assert 'id="board"' in partial.content.decode() and "<html" not in partial.content.decode()
    delivery = Delivery.unscoped.filter(notification=notification, channel="sms").first()
    response = client.post(reverse("notifications:phone_ack", args=[delivery.pk]), {"note": "已电话联系"})
    assert response.status_code == 302 and Acknowledgement.unscoped.get().via == "phone"
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notifications:list")).status_code == 200


def test_the_board_needs_the_view_deliveries_capability(client: Client, grid_workers: list[Any]) -> None:
    login(client, "grid_worker")
    assert client.get(reverse("notifications:list")).status_code == 403


def test_policies_are_listed_and_edited_with_their_steps(client: Client, django_assert_max_num_queries: Any) -> None:
    login(client, "township_admin")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notifications:policies")).status_code == 200
    data = {
        "name": "丹东街道台风叫应", "jurisdiction": TOWNSHIP_A, "topic": "warning", "severity": "red", "repeat_count": "0",
        "final_action": "superior_chain", "final_wait_minutes": "10", "final_channels": ["voice"], "is_active": "on",
        "steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "12",
        "steps-0-target_kind": "recipient", "steps-0-channels": ["sms", "inapp"], "steps-0-wait_minutes": "10",
        "steps-1-target_kind": "position", "steps-1-position_kind": "village_manager", "steps-1-level": "village", "steps-1-channels": ["voice"], "steps-1-wait_minutes": "10",
    }
    response = client.post(reverse("notifications:policy_create"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    policy = EscalationPolicy.unscoped.get(name="丹东街道台风叫应")
    assert [s.target_kind for s in policy.steps.order_by("order")] == ["recipient", "position"]
    edit = client.get(reverse("notifications:policy_edit", args=[policy.pk]))
    assert "village_manager" in edit.content.decode()
    bad = client.post(reverse("notifications:policy_create"), {**data, "name": "坏策略", "steps-1-position_kind": ""})
    assert bad.status_code == 200 and "岗位类型" in bad.content.decode()
    detail = client.get(reverse("notifications:policy_detail", args=[policy.pk]))
    assert "村(社区)应急消防管理员" in detail.content.decode()


def test_staff_without_the_capability_cannot_open_the_policy_editor(client: Client) -> None:
    login(client, "township_staff")
    assert client.get(reverse("notifications:policy_create")).status_code == 403
    assert client.get(reverse("notifications:group_create")).status_code == 403


def test_group_channel_secrets_are_never_shown_back(client: Client, django_assert_max_num_queries: Any) -> None:
    login(client, "township_admin")
    data = {"name": "丹东街道企业微信群", "jurisdiction": TOWNSHIP_A, "channel": "wecom", "url": "https://robot.example.invalid/wecom", "secret": "topsecret-123", "enabled": "on"}
    assert client.post(reverse("notifications:group_create"), data).status_code == 302
    group = GroupChannel.unscoped.get(name="丹东街道企业微信群")
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("notifications:groups")).content.decode()
    edit = client.get(reverse("notifications:group_edit", args=[group.pk])).content.decode()
    assert "topsecret" not in listing and "topsecret" not in edit and "••••••••" in edit
    client.post(reverse("notifications:group_edit", args=[group.pk]), {**data, "secret": ""})
    group.refresh_from_db()
    assert group.secret() == "topsecret-123", "an empty secret field keeps the stored one"
