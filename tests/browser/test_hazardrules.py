"""A grid worker on a phone ticks GB 35181 elements and sees the result change live (htmx)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser


def test_grid_worker_judges_a_crowded_place_live_on_a_phone(
    open_page: Callable[..., Any],
    screenshot_dir: Path,
) -> None:
    page = open_page()
    sign_in(page, "grid_worker", DEMO_PASSWORD)
    page.goto("/hazard-rules/?date=2024-06-01&category=crowded")
    assert_fits_width(page)
    result = page.locator("#aid-result")
    expect(result).to_contain_text("不构成重大火灾隐患")
    for code in ("7.3.3", "7.3.5"):
        page.locator(f'input[name="composite"][value="{code}"]').check()
    expect(result).to_contain_text("不构成重大火灾隐患")
    page.locator('input[name="composite"][value="7.5"]').check()
    expect(result.locator('[data-major="1"]')).to_be_visible()
    expect(result).to_contain_text("7.3.3、7.3.5、7.5")
    page.locator('input[name="exclusions"][value="5.1.3b"]').check()
    expect(result.locator('[data-major="0"]')).to_be_visible()
    # A 2025 date reloads the form: the missing table is named and nothing is decided.
    page.fill("#aid-date", "2025-11-01")
    page.locator("#aid-date").dispatch_event("change")
    expect(page.locator("#aid-result")).to_contain_text("GB35181-2025")
    expect(page.locator("#aid-result [data-major]")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "hazardrules-aid-phone.png"), full_page=True)
    assert_no_errors(page)
