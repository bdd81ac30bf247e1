"""Township staff draft a warning, see whom it will reach, issue it, and watch the 叫应 board."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, VILLAGE_A
from tests.browser.conftest import DESKTOP, PHONE, assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def lift_afterwards(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[list[int]]:
    """Warnings the test issues are lifted afterwards, so later tests see no extra active warning."""
    created: list[int] = []
    yield created
    from accounts.models import User
    from earlywarning import actions
    from earlywarning.models import EarlyWarning

    with database():
        staff = User.unscoped.get(username="township_staff")
        for warning in EarlyWarning.unscoped.filter(pk__in=created, state__in=["issued", "updated", "extended"]):
            actions.lift(warning, by=staff, reason="测试结束")


def test_township_staff_drafts_previews_and_issues_a_rainstorm_warning_and_the_board_lists_recipients(
    open_page: Callable[..., Any], lift_afterwards: list[int], screenshot_dir: Path
) -> None:
    from django.utils import timezone

    page = open_page(DESKTOP)
    sign_in(page, "township_staff", DEMO_PASSWORD)
    page.goto("/warnings/new/")

    # the colours follow the kind: 冰雹 has only 红/橙
    page.select_option("#id_kind", "hail")
    expect(page.locator("#id_level option")).to_have_count(2)
    page.select_option("#id_kind", "rainstorm")
    expect(page.locator("#id_level option")).to_have_count(4)

    title = f"暴雨蓝色预警{uuid.uuid4().hex[:4]}"
    now = timezone.localtime()
    page.select_option("#id_level", "blue")
    page.fill("#id_title", title)
    page.select_option("#id_area", [VILLAGE_A])
    page.fill("#id_starts_at", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (now + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_watch_for", "12 小时内降雨量将达 50 毫米以上")
    page.fill("#id_measures", "巡查低洼易涝点，做好人员转移准备")
    expect(page.locator("#warning-draw-map.leaflet-container")).to_have_count(1)
    page.get_by_role("button", name="保存草稿").click()

    page.wait_for_url(re.compile(r"/warnings/\d+/$"))
    lift_afterwards.append(int(page.url.rstrip("/").rsplit("/", 1)[1]))
    count = int(page.locator("[data-recipient-count]").inner_text())
    assert count > 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-issue]").click()
    expect(page.locator(".message-success")).to_contain_text("预警已发布")
    expect(page.locator("[data-warning-state]")).to_have_text("已发布")

    board = page.locator("#ack-board")
    expect(board.locator("[data-total=recipients]")).to_have_text(str(count))
    expect(board.locator(".ack-row").first).to_be_visible()
    expect(page.locator("#warning-map.leaflet-container")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "warnings-issued-board-desktop.png"), full_page=True)
    assert_no_errors(page)

    # a grid worker of the area sees it on a phone, without the board
    phone = open_page(PHONE)
    sign_in(phone, "grid_worker", DEMO_PASSWORD)
    phone.goto("/warnings/")
    expect(phone.locator(".warning-card", has_text=title)).to_have_count(1)
    phone.locator(".warning-card a", has_text=title).click()
    expect(phone.locator("#ack-board")).to_have_count(0)
    assert_fits_width(phone)
    phone.screenshot(path=str(screenshot_dir / "warnings-grid-worker-phone.png"), full_page=True)
    # today's roster on the same phone: who to call, without sideways scrolling
    phone.goto("/duty/")
    expect(phone.locator(".duty-node").first).to_be_visible()
    assert_fits_width(phone)
    phone.screenshot(path=str(screenshot_dir / "duty-grid-worker-phone.png"), full_page=True)
    assert_no_errors(phone)
