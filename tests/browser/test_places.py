"""A grid worker on a phone filters the place list as they type, opens a place and sees it on a map."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, GRID_A
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser

NAMES = "#place-results td.card-title a"


def result_count(page: Any) -> int:
    match = re.search(r"\d+", page.locator("#place-results .result-count").inner_text())
    assert match
    return int(match.group())


def test_grid_worker_on_a_phone_filters_places_and_opens_one(
    phone_page: Any, database: Callable[[], AbstractContextManager[None]], screenshot_dir: Path
) -> None:
    from places.models import Place

    with database():
        grid_places = list(Place.unscoped.filter(jurisdiction__code=GRID_A, archived_at=None).values_list("name", "legal_rep_mobile"))
    assert len(grid_places) >= 5
    page = phone_page
    sign_in(page, "grid_worker", DEMO_PASSWORD)
    page.goto("/places/")
    assert_fits_width(page)
    assert page.get_by_role("link", name="登记场所").count() == 0
    total = result_count(page)
    assert total == len(grid_places)

    # Pick a kind: htmx swaps the list in place and keeps the filter in the address bar.
    page.evaluate("() => { window.sameDocument = true; }")
    with page.expect_response(lambda r: "/places/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.select_option("#id_kind", "rental_house")
    expect(page.locator("#place-results .result-count")).not_to_have_text(re.compile(rf"\b{total}\b"))
    shown = page.locator(NAMES).all_inner_texts()
    assert shown and all("出租房" in name for name in shown), shown
    assert parse_qs(urlsplit(page.url).query).get("kind") == ["rental_house"]
    assert page.evaluate("() => window.sameDocument === true")
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "places-grid_worker-list-phone.png"), full_page=True)

    # Type part of a name.
    wanted = shown[0]
    with page.expect_response(lambda r: "/places/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("#id_q").press_sequentially(wanted[:6], delay=30)
    expect(page.locator(NAMES).first).to_contain_text(wanted[:6])

    # The place page: fields, masked mobiles (no tap-to-call for a grid worker), the small map.
    page.locator(NAMES, has_text=wanted).first.click()
    page.wait_for_url(re.compile(r"/places/\d+/$"))
    expect(page.locator("h1")).to_contain_text(wanted)
    expect(page.locator("#place-minimap")).to_have_attribute("data-state", "ready")
    assert page.locator("a[href^='tel:']").count() == 0
    html = page.content()
    assert not [mobile for _name, mobile in grid_places if mobile and mobile in html]
    assert page.get_by_role("link", name="编辑").count() == 0
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "places-grid_worker-place-phone.png"), full_page=True)

    # The map of the grid's places, coloured by grade.
    page.goto("/places/map/")
    expect(page.locator("#place-map")).to_have_attribute("data-state", "ready")
    assert int(page.locator("#place-map").get_attribute("data-count") or 0) >= 1
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "places-grid_worker-map-phone.png"))
    assert_no_errors(page)
