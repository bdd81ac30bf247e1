"""The map in a real browser: a village cadre on a phone sees their village and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from demo.constants import DEMO_PASSWORD, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

READY = "#map[data-state='ready']"


def drawn_codes(page: Any) -> list[str]:
    """Codes of the regions actually drawn as SVG paths on the map."""
    return page.eval_on_selector_all("#map path.yj-region[data-code]", "els => els.map(e => e.dataset.code)")


def test_village_cadre_sees_their_village_boundary_and_no_other_township(phone_page: Any, screenshot_dir: Path) -> None:
    sign_in(phone_page, "village_cadre", DEMO_PASSWORD)
    phone_page.goto("/jurisdictions/map/")
    phone_page.wait_for_selector(READY, timeout=15_000)

    codes = drawn_codes(phone_page)
    assert VILLAGE_A in codes, codes
    grids = [c for c in codes if c != VILLAGE_A]
    assert grids, "the village's grids should be drawn inside it"
    assert all(c.startswith(VILLAGE_A) for c in grids), codes
    assert not [c for c in codes if c.startswith(TOWNSHIP_B)]
    assert TOWNSHIP_A not in codes  # the township above the cadre is not theirs to see
    assert phone_page.evaluate("window.yingjiMap.drawnCodes()") == codes
    # Labels name the drawn regions, and the legend is there.
    assert phone_page.locator(".leaflet-tooltip.region-label").count() == len(grids)
    assert phone_page.locator(".map-legend").is_visible()
    assert not [e for e in phone_page.console_errors if "Content Security Policy" in e], phone_page.console_errors

    phone_page.screenshot(path=str(screenshot_dir / "map-village_cadre-phone.png"))


def test_county_admin_drills_down_into_a_township_and_back(phone_page: Any, screenshot_dir: Path) -> None:
    sign_in(phone_page, "county_admin", DEMO_PASSWORD)
    phone_page.goto("/jurisdictions/map/")
    phone_page.wait_for_selector(READY, timeout=15_000)
    assert TOWNSHIP_B in drawn_codes(phone_page)

    phone_page.evaluate(
        "code => document.querySelector(`#map path[data-code='${code}']`)"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        TOWNSHIP_A,
    )
    phone_page.wait_for_function(
        "code => document.querySelector('#map').dataset.state === 'ready' && window.yingjiMap.current().code === code",
        arg=TOWNSHIP_A,
        timeout=15_000,
    )
    codes = drawn_codes(phone_page)
    assert VILLAGE_A in codes
    assert not [c for c in codes if c.startswith(TOWNSHIP_B)]
    phone_page.screenshot(path=str(screenshot_dir / "map-county_admin-township-phone.png"))

    phone_page.click("[data-map-back]")
    phone_page.wait_for_function("() => window.yingjiMap.current().level === 'county'", timeout=15_000)
    phone_page.wait_for_selector(READY)
    assert TOWNSHIP_B in drawn_codes(phone_page)
