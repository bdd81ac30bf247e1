"""The home page in a real browser: cards fit a 390 px phone, the grade chart draws and leads
to the filtered place list, and a grid worker sees the short version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from demo.constants import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP, assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}


@pytest.mark.parametrize("username", ["county_admin", "township_admin", "grid_worker", "enterprise_user"])
def test_home_fits_a_phone_without_sideways_scroll(open_page: Callable[..., Any], username: str, screenshot_dir: Path) -> None:
    page = open_page(PHONE_390)
    sign_in(page, username, DEMO_PASSWORD)
    page.wait_for_load_state("networkidle")
    assert page.locator(".dash-card").count() > 0
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / f"home-{username}-phone.png"), full_page=True)
    assert_no_errors(page)


def test_grid_worker_sees_notifications_to_answer_before_their_places(open_page: Callable[..., Any]) -> None:
    page = open_page(PHONE_390)
    sign_in(page, "grid_worker", DEMO_PASSWORD)
    order = page.eval_on_selector_all(".dash-card", "els => els.map(e => e.dataset.card)")
    assert order[:2] == ["ack", "my_places"]
    assert page.locator("[data-card='grades']").count() == 0
    assert_no_errors(page)


def test_grade_chart_draws_and_a_grade_opens_the_filtered_place_list(open_page: Callable[..., Any]) -> None:
    page = open_page(DESKTOP)
    sign_in(page, "township_admin", DEMO_PASSWORD)
    page.wait_for_selector("[data-grade-chart] canvas", timeout=10_000)
    link = page.locator("[data-card='grades'] .dash-keys a").first
    link.click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/places/")
    assert parse_qs(urlsplit(page.url).query)["risk_grade"] == ["major"]
    assert_no_errors(page)
