"""A township admin on a phone finds the nearest available teams to a point and can call them."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, TOWNSHIP_A
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser

ITEMS = "[data-nearest-list] li.nearest-item"


def test_nearest_teams_page_lists_available_teams_by_distance_on_a_phone(
    phone_page: Any, database: Callable[[], AbstractContextManager[None]], screenshot_dir: Path
) -> None:
    from accounts.models import User
    from jurisdictions.models import Jurisdiction
    from teams.services import nearest_teams
    from yingji.scoping import scope_for_user, use_scope

    with database():
        township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
        lng, lat = round(township.centroid_lng, 5), round(township.centroid_lat, 5)
        admin = User.unscoped.get(username="township_admin")
        with use_scope(scope_for_user(admin)):
            expected = [n.team.pk for n in nearest_teams(lng, lat, limit=10)]
    assert expected, "the demo township should have available teams"

    page = phone_page
    sign_in(page, "township_admin", DEMO_PASSWORD)
    page.goto(f"/teams/nearest/?lng={lng}&lat={lat}")
    expect(page.locator(ITEMS).first).to_be_visible()
    ids = [int(i) for i in page.locator(ITEMS).evaluate_all("els => els.map(e => e.dataset.teamId)")]
    distances = [float(d) for d in page.locator(ITEMS).evaluate_all("els => els.map(e => e.dataset.distance)")]
    assert ids == expected
    assert distances == sorted(distances)
    first_call = page.locator(ITEMS).first.locator("a.btn-call").first
    expect(first_call).to_have_attribute("href", re.compile(r"^tel:[0-9-]+$"))
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "teams-nearest-phone.png"), full_page=True)

    # Tap another point on the map: the list is replaced by the teams nearest to it.
    with page.expect_response(lambda r: "/api/v1/teams/nearest" in r.url and r.status == 200):
        box = page.locator("#nearest-map").bounding_box()
        page.locator("#nearest-map").click(position={"x": box["width"] - 50, "y": 50})
    expect(page.locator("[data-nearest-point]")).to_contain_text("选定地点")
    expect(page.locator(ITEMS).first).to_be_visible()
    distances = [float(d) for d in page.locator(ITEMS).evaluate_all("els => els.map(e => e.dataset.distance)")]
    assert distances == sorted(distances)
    assert_fits_width(page)

    # The team page it links to fits the phone too, with the one-tap status buttons.
    page.locator(ITEMS).first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/teams/\d+/$"))
    expect(page.locator(".status-buttons button")).to_have_count(3)
    assert_fits_width(page)
    page.goto("/teams/")
    expect(page.locator("#team-map .team-marker").first).to_be_attached()
    assert_fits_width(page)
    assert_no_errors(page)
