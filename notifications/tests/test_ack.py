"""Acknowledgement (叫应): by the public link, by SMS reply, in the app, and recorded by staff on the phone."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from demo.constants import TOWNSHIP_A
from jurisdictions.models import Jurisdiction
from notifications.choices import DeliveryState, EscalationState
from notifications.models import Acknowledgement, Delivery, Escalation
from notifications.services import Recipient, acknowledge, cancel_notification, start_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_outbox")]

TOKEN = "s3cret-uplink-token"


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    """Each test starts with the public link's per-address counter at zero."""
    from django.core.cache import cache

    cache.clear()


def township() -> Jurisdiction:
    return Jurisdiction.unscoped.get(code=TOWNSHIP_A)


def notify(positions: list[Any], **kwargs: Any) -> Any:
    node = township()
    return start_notification(
        topic="warning",
        source=node,
        jurisdiction=node,
        title="暴雨橙色预警",
        body="请立即组织巡查低洼地带。",
        recipients=kwargs.pop("recipients", None) or [Recipient(person_id=p.person_id, position_id=p.pk) for p in positions],
        **kwargs,
    )


def sms_of(notification: Any, position: Any) -> Delivery:
    return Delivery.unscoped.get(notification=notification, recipient_person_id=position.person_id, channel="sms")


def test_opening_the_link_shows_the_message_and_acknowledges_once(grid_workers: list[Any]) -> None:
    notification = notify(grid_workers[:1])
    delivery = sms_of(notification, grid_workers[0])
    url = reverse("notifications:ack", args=[delivery.reply_token])
    assert Client().head(url).status_code == 200
    assert not Acknowledgement.unscoped.exists(), "a HEAD (link checker) does not acknowledge"
    response = Client().get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "暴雨橙色预警" in page and "已于" in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    ack = Acknowledgement.unscoped.get()
    assert ack.via == "link" and ack.recipient_key == f"p:{grid_workers[0].person_id}"
    assert Escalation.unscoped.get(notification=notification).state == EscalationState.ACKNOWLEDGED
    again = Client().get(url)
    assert again.status_code == 200 and "已于" in again.content.decode()
    assert Acknowledgement.unscoped.count() == 1 and Acknowledgement.unscoped.get().at == ack.at


def test_opening_the_link_of_a_cancelled_notification_says_so(grid_workers: list[Any]) -> None:
    from notifications.services import cancel_notification

    notification = notify(grid_workers[:1])
    delivery = sms_of(notification, grid_workers[0])
    cancel_notification(notification, reason="测试撤销")
    response = Client().get(reverse("notifications:ack", args=[delivery.reply_token]))
    assert response.status_code == 200
    assert "已撤销" in response.content.decode()
    assert not Acknowledgement.unscoped.exists()


def test_the_button_post_acknowledges_without_login_and_a_replay_changes_nothing(grid_workers: list[Any]) -> None:
    notification = notify(grid_workers[:1])
    delivery = sms_of(notification, grid_workers[0])
    client = Client(enforce_csrf_checks=True)
    url = reverse("notifications:ack", args=[delivery.reply_token])
    client.head(url)  # sets the CSRF cookie without acknowledging
    csrf = client.cookies["csrftoken"].value
    response = client.post(url, {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    ack = Acknowledgement.unscoped.get()
    assert ack.via == "link" and ack.recipient_key == f"p:{grid_workers[0].person_id}"
    assert Escalation.unscoped.get(notification=notification).state == EscalationState.ACKNOWLEDGED
    assert set(Delivery.unscoped.filter(notification=notification).values_list("state", flat=True)) == {DeliveryState.ACKNOWLEDGED}
    again = client.post(url, {"csrfmiddlewaretoken": csrf}, follow=True)
    assert "已于" in again.content.decode(), again.content.decode()[-2500:]
    assert Acknowledgement.unscoped.count() == 1


def test_a_post_without_csrf_is_refused(grid_workers: list[Any]) -> None:
    delivery = sms_of(notify(grid_workers[:1]), grid_workers[0])
    response = Client(enforce_csrf_checks=True).post(reverse("notifications:ack", args=[delivery.reply_token]))
    assert response.status_code == 403
    assert not Acknowledgement.unscoped.exists()


def test_unknown_and_lowercase_tokens(grid_workers: list[Any]) -> None:
    delivery = sms_of(notify(grid_workers[:1]), grid_workers[0])
    assert Client().get(reverse("notifications:ack", args=["NOSUCHTOKEN"])).status_code == 404
    assert Client().get(reverse("notifications:ack", args=[delivery.reply_token.lower()])).status_code == 200


def test_the_public_link_is_rate_limited(grid_workers: list[Any], settings: Any) -> None:
    settings.NOTIFICATIONS_ACK_RATE_PER_MINUTE = 3
    from django.core.cache import cache

    cache.clear()
    client = Client(REMOTE_ADDR="10.9.9.9")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):  # one rate window for the whole test
        codes = [client.get(reverse("notifications:ack", args=["WHATEVER22"])).status_code for _ in range(5)]
        assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]
        assert client.post("/api/v1/ack/WHATEVER22").status_code == 429, "the public API shares the limit"
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert client.get(reverse("notifications:ack", args=["WHATEVER22"])).status_code == 404, "the next minute is allowed again"
    cache.clear()


def test_the_short_link_in_the_sms_works_at_the_site_root(grid_workers: list[Any], transports: Any) -> None:
    from notifications.outbox import send_due

    notify(grid_workers[:1], channels=["sms"])
    send_due(worker_id="w1")
    url = transports.sent[0].ack_url
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert path.startswith("n/")
    client = Client()
    assert client.get("/" + path).status_code == 200
    assert Acknowledgement.unscoped.count() == 1, "opening the short link acknowledges"
    assert client.post("/" + path).status_code == 302
    assert client.get("/ack/" + path[2:]).status_code == 200
    assert Acknowledgement.unscoped.count() == 1


def test_the_public_api_acknowledges_by_token(grid_workers: list[Any]) -> None:
    notification = notify(grid_workers[:1])
    delivery = sms_of(notification, grid_workers[0])
    response = Client().post(f"/api/v1/ack/{delivery.reply_token}")
    assert response.status_code == 200 and response.json()["via"] == "link"
    assert Client().post("/api/v1/ack/NOSUCHTOKEN").status_code == 404
    cancelled = notify(grid_workers[1:2])
    cancel_notification(cancelled, reason="解除")
    response = Client().post(f"/api/v1/ack/{sms_of(cancelled, grid_workers[1]).reply_token}")
    assert response.status_code == 410 and "撤销" in response.json()["detail"]


def _uplink(provider: str, body: Any, token: str = TOKEN) -> Any:
    return Client().post(
        f"/api/v1/notifications/inbound-sms/{provider}?token={token}", json.dumps(body), content_type="application/json"
    )


def test_an_aliyun_sms_reply_with_the_code_acknowledges(grid_workers: list[Any], settings: Any) -> None:
    settings.NOTIFICATIONS_INBOUND_SMS_TOKEN = TOKEN
    notification = notify(grid_workers[:2])
    delivery = sms_of(notification, grid_workers[0])
    body = [{"phone_number": delivery.address, "content": f"{delivery.reply_code} 收到", "send_time": "2026-07-01 10:00:00", "dest_code": "1234", "sequence_id": 1}]
    response = _uplink("aliyun", body)
    assert response.status_code == 200
    assert response.json()["code"] == 0 and response.json()["results"][0]["outcome"] == "acknowledged"
    ack = Acknowledgement.unscoped.get()
    assert ack.via == "sms_reply" and ack.recipient_key == delivery.recipient_key
    assert Escalation.unscoped.get(notification=notification, recipient_key=delivery.recipient_key).state == EscalationState.ACKNOWLEDGED


def test_a_tencent_sms_reply_is_matched_to_the_only_open_delivery(grid_workers: list[Any], settings: Any) -> None:
    settings.NOTIFICATIONS_INBOUND_SMS_TOKEN = TOKEN
    notification = notify(grid_workers[:1])
    delivery = sms_of(notification, grid_workers[0])
    body = {"extend": "", "mobile": delivery.address, "nationcode": "86", "sign": "应急", "text": "收到", "time": 1457336869}
    response = _uplink("tencent", body)
    assert response.json() == {"result": 0, "errmsg": "OK", "results": [{"mobile": delivery.address[:3] + "****" + delivery.address[-4:], "outcome": "acknowledged"}]}


def test_unknown_codes_are_ignored_with_200_and_bad_callbacks_refused(grid_workers: list[Any], settings: Any) -> None:
    settings.NOTIFICATIONS_INBOUND_SMS_TOKEN = TOKEN
    delivery = sms_of(notify(grid_workers[:1]), grid_workers[0])
    wrong = "0000" if delivery.reply_code != "0000" else "0001"
    response = _uplink("aliyun", [{"phone_number": "+86" + delivery.address, "content": wrong}])
    assert response.status_code == 200 and response.json()["results"][0]["outcome"] == "ignored"
    assert _uplink("aliyun", [{"phone_number": delivery.address, "content": delivery.reply_code}], token="wrong").status_code == 403
    assert _uplink("aliyun", {"nonsense": True}).status_code == 400
    assert _uplink("huawei", []).status_code == 404
    malformed = Client().post(f"/api/v1/notifications/inbound-sms/tencent?token={TOKEN}", "{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert not Acknowledgement.unscoped.exists()


def test_the_callback_is_refused_while_no_token_is_configured(grid_workers: list[Any], settings: Any) -> None:
    settings.NOTIFICATIONS_INBOUND_SMS_TOKEN = ""
    assert _uplink("aliyun", [], token="").status_code == 403


def test_a_recipient_acknowledges_in_the_app(grid_workers: list[Any], api_as: Any) -> None:
    user = User.unscoped.get(username="grid_worker")
    notification = notify([], recipients=[Recipient(user_id=user.pk)], channels=["inapp"])
    delivery = Delivery.unscoped.get(notification=notification)
    inbox = api_as(user).get("/api/v1/notifications/inbox").json()
    assert inbox["count"] == 1 and inbox["items"][0]["delivery_id"] == delivery.pk and inbox["items"][0]["acknowledged_at"] is None
    response = api_as(user).post(f"/api/v1/deliveries/{delivery.pk}/ack", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["via"] == "app"
    assert Escalation.unscoped.get(notification=notification).state == EscalationState.ACKNOWLEDGED


def test_staff_record_a_phone_acknowledgement_for_someone(grid_workers: list[Any], api_as: Any) -> None:
    notification = notify(grid_workers[:1])
    delivery = sms_of(notification, grid_workers[0])
    staff = User.unscoped.get(username="township_staff")
    response = api_as(staff).post(f"/api/v1/deliveries/{delivery.pk}/ack", {"note": "电话联系，已在现场"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["via"] == "phone"
    ack = Acknowledgement.unscoped.get()
    assert ack.recorded_by == staff and ack.note == "电话联系，已在现场"


def test_a_read_only_leader_cannot_acknowledge_for_others(grid_workers: list[Any], api_as: Any) -> None:
    delivery = sms_of(notify(grid_workers[:1]), grid_workers[0])
    response = api_as(User.unscoped.get(username="leader")).post(f"/api/v1/deliveries/{delivery.pk}/ack", {}, content_type="application/json")
    assert response.status_code == 403
    assert not Acknowledgement.unscoped.exists()


def test_acknowledging_twice_returns_the_first_answer(grid_workers: list[Any]) -> None:
    delivery = sms_of(notify(grid_workers[:1]), grid_workers[0])
    first = acknowledge(delivery, via="link")
    second = acknowledge(delivery.reply_token, via="sms_reply")
    assert first.pk == second.pk and second.via == "link"


def test_the_acknowledgement_is_audited(grid_workers: list[Any]) -> None:
    from audit.tracking import history_of

    delivery = sms_of(notify(grid_workers[:1]), grid_workers[0])
    ack = acknowledge(delivery, via="link")
    assert history_of(ack).filter(action="create").exists()
