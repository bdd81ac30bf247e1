"""The one map (一张图) in a real browser: every overlay can be switched on, draws the demo
data, links to its records and is remembered; on a phone the controls stay usable."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from demo.constants import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP, assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser

READY = "#map[data-state='ready']"
OVERLAYS_READY = "#map[data-overlays-state='ready']"
PHONE_390 = {"width": 390, "height": 844}
ALL = ["places", "teams", "storage", "shelters", "warnings", "hazards"]


def overlays(page: Any) -> dict[str, dict[str, Any]]:
    return page.evaluate("window.yingjiMap.overlays()")  # type: ignore[no-any-return]


def wait_for_overlays(page: Any, keys: list[str]) -> None:
    page.wait_for_function(
        "keys => { const o = window.yingjiMap && window.yingjiMap.overlays && window.yingjiMap.overlays();"
        " return o && keys.every(k => o[k].enabled && o[k].state === 'ready'); }",
        arg=keys,
        timeout=20_000,
    )
    page.wait_for_selector(OVERLAYS_READY, timeout=20_000)


def switch_on(page: Any, key: str) -> None:
    box = page.locator(f".leaflet-control-layers-overlays label:has(span[data-overlay='{key}']) input")
    if not box.is_checked():
        box.check()


def test_county_admin_switches_on_every_overlay_and_sees_the_demo_data(
    open_page: Callable[..., Any], database: Callable[[], AbstractContextManager[None]], screenshot_dir: Path
) -> None:
    from places.models import Place
    from shelters.models import Shelter
    from teams.models import Team

    with database():
        located_places = Place.unscoped.filter(archived_at__isnull=True, lng__isnull=False).count()
        located_teams = Team.unscoped.filter(archived_at__isnull=True, lng__isnull=False).count()
        located_shelters = Shelter.unscoped.filter(archived_at__isnull=True, lng__isnull=False).count()

    page = open_page(DESKTOP)
    sign_in(page, "county_admin", DEMO_PASSWORD)
    page.goto("/jurisdictions/map/")
    page.wait_for_selector(READY, timeout=15_000)

    names = page.eval_on_selector_all(".leaflet-control-layers-overlays span[data-overlay]", "els => els.map(e => e.dataset.overlay)")
    assert names == ALL
    for key in ALL:
        switch_on(page, key)
    wait_for_overlays(page, ALL)

    state = overlays(page)
    assert state["places"]["drawn"] == located_places > 0
    assert state["teams"]["drawn"] == located_teams > 0
    assert state["shelters"]["drawn"] >= located_shelters > 0  # shelters and their routes
    assert state["storage"]["drawn"] > 0
    assert not any(s["truncated"] for s in state.values())
    assert page.locator("#map path.yj-overlay-places").count() == located_places
    assert page.locator("#map .yj-marker-teams").count() == located_teams
    # One legend section per visible overlay, and the county's regions are still drawn.
    sections = page.eval_on_selector_all(".map-overlay-section", "els => els.map(e => e.dataset.overlay)")
    assert sections == ALL
    assert page.locator("#map path.yj-region").count() > 0
    page.screenshot(path=str(screenshot_dir / "one-map-county_admin-desktop.png"))

    # A place marker opens a popup that links to the place page.
    page.locator("#map path.yj-overlay-places").first.dispatch_event("click")
    link = page.locator(".leaflet-popup a[href^='/places/']")
    link.wait_for(timeout=5_000)
    assert link.get_attribute("href").rstrip("/").rsplit("/", 1)[-1].isdigit()
    page.keyboard.press("Escape")

    # A team marker links to its team page.
    page.locator("#map .yj-marker-teams").first.dispatch_event("click")
    page.locator(".leaflet-popup a[href^='/teams/']").wait_for(timeout=5_000)

    # The choice is remembered: after a reload the same overlays come back.
    page.reload()
    page.wait_for_selector(READY, timeout=15_000)
    wait_for_overlays(page, ALL)
    assert page.evaluate("JSON.parse(localStorage.getItem('yingji.map.overlays'))") == ALL

    # Switching one off removes its markers and its legend.
    page.locator(".leaflet-control-layers-overlays label:has(span[data-overlay='places']) input").uncheck()
    page.wait_for_function("() => document.querySelectorAll('#map path.yj-overlay-places').length === 0")
    assert "places" not in page.eval_on_selector_all(".map-overlay-section", "els => els.map(e => e.dataset.overlay)")
    assert_no_errors(page)


def test_drilling_down_reloads_the_overlays_for_the_township(open_page: Callable[..., Any]) -> None:
    from demo.constants import TOWNSHIP_A

    page = open_page(DESKTOP)
    sign_in(page, "county_admin", DEMO_PASSWORD)
    page.goto("/jurisdictions/map/")
    page.wait_for_selector(READY, timeout=15_000)
    switch_on(page, "teams")
    wait_for_overlays(page, ["teams"])
    county_teams = overlays(page)["teams"]["count"]

    with page.expect_request(lambda r: "/api/v1/teams/geojson" in r.url and f"jurisdiction={TOWNSHIP_A}" in r.url):
        page.evaluate(
            "code => document.querySelector(`#map path.yj-region[data-code='${code}']`)"
            ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
            TOWNSHIP_A,
        )
    page.wait_for_function("code => window.yingjiMap.current().code === code", arg=TOWNSHIP_A, timeout=15_000)
    wait_for_overlays(page, ["teams"])
    assert 0 < overlays(page)["teams"]["count"] < county_teams
    assert_no_errors(page)


def test_phone_map_controls_are_usable(open_page: Callable[..., Any], screenshot_dir: Path) -> None:
    page = open_page(PHONE_390)
    sign_in(page, "township_staff", DEMO_PASSWORD)
    page.goto("/jurisdictions/map/")
    page.wait_for_selector(READY, timeout=15_000)
    assert_fits_width(page)

    toggle = page.locator(".leaflet-control-layers-toggle")
    box = toggle.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44
    # The switcher starts folded on a phone and opens with a tap.
    assert not page.locator(".leaflet-control-layers-overlays").is_visible()
    # A tap sends the pointer over the control first (compatibility mouse events), then the click.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    if toggle.is_visible():
        toggle.dispatch_event("click")
    labels = page.locator(".leaflet-control-layers-overlays label")
    labels.first.wait_for(state="visible")
    for i in range(labels.count()):
        height = labels.nth(i).bounding_box()["height"]
        assert height >= 44, height
    switch_on(page, "shelters")
    wait_for_overlays(page, ["shelters"])

    # The legend folds behind a 44 px button and opens on a tap.
    legend = page.locator(".map-legend-toggle")
    assert legend.bounding_box()["height"] >= 44
    assert legend.get_attribute("aria-expanded") == "false"
    legend.click()
    assert legend.get_attribute("aria-expanded") == "true"
    assert page.locator(".map-overlay-section[data-overlay='shelters']").is_visible()
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "one-map-township_staff-phone.png"))
    assert_no_errors(page)


def test_a_county_full_of_places_goes_to_one_canvas_and_regions_still_drill_down(open_page: Callable[..., Any]) -> None:
    """At county scale the places layer answers thousands of points: they are drawn on one
    canvas under the regions (no SVG node each), and a click on a region still drills down."""
    import json

    from demo.constants import TOWNSHIP_A

    many = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [121.70 + (i % 100) * 0.004, 29.20 + (i // 100) * 0.006]},
                "properties": {"id": i + 1, "name": f"场所{i}", "grade": ["major", "large", "general", "low", ""][i % 5], "kind": "x", "kind_name": "x", "key_unit": False},
            }
            for i in range(5000)
        ],
    }
    page = open_page(DESKTOP)
    sign_in(page, "county_admin", DEMO_PASSWORD)
    page.evaluate("localStorage.setItem('yingji.map.overlays', JSON.stringify(['places']))")
    page.route(
        "**/api/v1/places/geojson?*",
        lambda route: route.fulfill(status=200, content_type="application/geo+json", body=json.dumps(many)),
    )
    page.goto("/jurisdictions/map/")
    page.wait_for_selector(READY, timeout=15_000)
    wait_for_overlays(page, ["places"])
    state = overlays(page)["places"]
    assert state["dense"] and state["drawn"] == 5000
    assert page.locator("#map path.yj-overlay-places").count() == 0
    assert page.locator("#map .leaflet-yjDense-pane canvas").count() == 1

    page.unroute("**/api/v1/places/geojson?*")
    with page.expect_response(lambda r: "/api/v1/places/geojson" in r.url and f"jurisdiction={TOWNSHIP_A}" in r.url):
        page.evaluate(
            "code => document.querySelector(`#map path.yj-region[data-code='${code}']`)"
            ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
            TOWNSHIP_A,
        )
    page.wait_for_function("() => !window.yingjiMap.overlays().places.dense", timeout=15_000)
    wait_for_overlays(page, ["places"])
    assert page.locator("#map path.yj-overlay-places").count() == overlays(page)["places"]["drawn"] > 0
    assert_no_errors(page)
