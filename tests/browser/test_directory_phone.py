"""A grid worker on a phone: the people directory searches as they type and shows no numbers."""

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

NAMES = "#people-results td.card-title a"
MASKED_MOBILE = re.compile(r"^1\d{2}\*{4}\d{4}$")


def result_count(page: Any) -> int:
    text = page.locator("#people-results .result-count").inner_text()
    match = re.search(r"\d+", text)
    assert match, text
    return int(match.group())


def test_grid_worker_on_a_phone_narrows_the_directory_as_they_type_and_sees_only_masked_mobiles(
    phone_page: Any, database: Callable[[], AbstractContextManager[None]], screenshot_dir: Path
) -> None:
    from people.models import Person

    with database():
        full_mobiles = list(Person.unscoped.filter(jurisdiction__code=GRID_A).values_list("mobile", flat=True))
    assert full_mobiles, "the demo grid should have people on record"
    page = phone_page
    sign_in(page, "grid_worker", DEMO_PASSWORD)
    assert_fits_width(page)
    assert page.get_by_role("link", name="登记人员").count() == 0

    # Through the collapsed menu, as on a phone.
    page.click("[data-nav-toggle]")
    page.locator("#site-nav summary", has_text="底数").click()  # the menu group that holds 人员
    page.locator("#site-nav").get_by_role("link", name="人员", exact=True).click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/people/")
    assert_fits_width(page)
    assert page.get_by_role("link", name="登记人员").count() == 0
    assert page.get_by_role("link", name="导入").count() == 0
    assert page.get_by_placeholder("姓名或工作单位").is_visible()

    total = result_count(page)
    names = page.locator(NAMES).all_inner_texts()
    assert total == len(names) >= 2, (total, names)
    mobiles = page.locator("#people-results td[data-label='手机号']").all_inner_texts()
    assert mobiles and all(MASKED_MOBILE.match(m.strip()) for m in mobiles), mobiles
    html = page.content()
    assert not [m for m in full_mobiles if m in html]

    # Type a name: htmx swaps the results in place and pushes the query into the address bar.
    page.evaluate("() => { window.sameDocument = true; }")
    wanted = names[-1]
    with page.expect_response(lambda r: "/people/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("#id_q").press_sequentially(wanted, delay=40)
    expect(page.locator(NAMES)).not_to_have_count(total)
    shown = page.locator(NAMES).all_inner_texts()
    assert wanted in shown and len(shown) < total and set(shown) <= set(names), shown
    assert result_count(page) == len(shown)
    assert parse_qs(urlsplit(page.url).query).get("q") == [wanted], page.url
    assert page.evaluate("() => window.sameDocument === true"), "the search reloaded the whole page"
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "people-grid_worker-search-phone.png"), full_page=True)

    # The person page: masked mobile, nothing to edit.
    page.locator(NAMES, has_text=wanted).first.click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    expect(page.locator("h1")).to_contain_text(wanted)
    assert MASKED_MOBILE.match(page.locator("dl.kv dd.mono").first.inner_text().strip())
    for label in ("编辑", "任命岗位", "归档此人员", "登记人员"):
        assert page.get_by_role("link", name=label).count() == 0, label
        assert page.get_by_role("button", name=label).count() == 0, label
    assert not [m for m in full_mobiles if m in page.content()]
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "people-grid_worker-person-phone.png"), full_page=True)
    assert_no_errors(page)
