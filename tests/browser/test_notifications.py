"""叫应 on a phone: a grid worker opens the SMS link, confirms, and the township's live board updates by itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, TOWNSHIP_A
from tests.browser.conftest import DESKTOP, assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def notification(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[Any]:
    """A notification to two grid workers of township A, removed afterwards."""
    from jurisdictions.models import Jurisdiction
    from notifications.models import Acknowledgement, Delivery, DeliveryAttempt, Escalation, Notification
    from notifications.services import Recipient, start_notification
    from people.models import Position

    with database():
        node = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
        positions = list(
            Position.unscoped.filter(kind__code="grid_member", end_date__isnull=True, jurisdiction_path__within=node.path).order_by("id")[:2]
        )
        created = start_notification(
            topic="warning", source=node, jurisdiction=node, title="浏览器测试：暴雨橙色预警", body="请立即巡查低洼地带并叫应。",
            recipients=[Recipient(person_id=p.person_id, position_id=p.pk) for p in positions],
        )
        tokens = list(Delivery.unscoped.filter(notification=created, channel="sms").order_by("id").values_list("reply_token", flat=True))
    yield created, tokens
    with database():
        Acknowledgement.unscoped.filter(notification=created).delete()
        DeliveryAttempt.objects.filter(delivery__notification=created).delete()
        Delivery.escalations.through.objects.filter(delivery__notification=created).delete()
        Delivery.unscoped.filter(notification=created).delete()
        Escalation.unscoped.filter(notification=created).delete()
        Notification.unscoped.filter(pk=created.pk).delete()


def test_a_grid_worker_acknowledges_from_the_sms_link_and_the_board_updates_live(
    open_page: Callable[..., Any], notification: Any, screenshot_dir: Path
) -> None:
    created, tokens = notification
    board = open_page(DESKTOP)
    sign_in(board, "township_staff", DEMO_PASSWORD)
    board.goto(f"/notifications/sent/{created.pk}/")
    acknowledged = board.locator("#board .stat-ok .stat-value")
    expect(acknowledged).to_have_text("0")

    phone = open_page()
    phone.goto(f"/ack/{tokens[0]}")  # the link in the SMS: opening it acknowledges
    expect(phone.get_by_role("heading", name="浏览器测试：暴雨橙色预警")).to_be_visible()
    assert_fits_width(phone)
    expect(phone.get_by_text("确认收到")).to_be_visible()
    phone.screenshot(path=str(screenshot_dir / "notifications-ack-phone.png"), full_page=True)
    assert_no_errors(phone)

    expect(acknowledged).to_have_text("1", timeout=15_000)  # the board polls every 10 s
    expect(board.locator("#board")).to_contain_text("短链接")
    board.screenshot(path=str(screenshot_dir / "notifications-board.png"), full_page=True)
    assert_no_errors(board)

    on_duty_phone = open_page()
    sign_in(on_duty_phone, "township_staff", DEMO_PASSWORD)
    on_duty_phone.goto(f"/notifications/sent/{created.pk}/")
    expect(on_duty_phone.get_by_role("button", name="登记电话叫应")).to_be_visible()
    assert_fits_width(on_duty_phone)
    on_duty_phone.screenshot(path=str(screenshot_dir / "notifications-board-phone.png"), full_page=True)
    assert_no_errors(on_duty_phone)
