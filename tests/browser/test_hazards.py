"""A grid worker on a phone (390×844) reports a hazard at a place of their grid with a photo
taken by the phone and its position, then finds it in the hazard ledger."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
DESCRIPTION = "浏览器测试·楼道电动车充电，飞线接插座"


def small_png(width: int = 8, height: int = 8) -> bytes:
    """A real (decodable) PNG: a red square, so the page can show the photo it stored."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xc8\x28\x1e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def remove_test_hazard(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[None]:
    yield
    from hazards.models import Hazard
    from risk.models import PlaceSignal

    with database():
        ids = [str(pk) for pk in Hazard.unscoped.filter(description=DESCRIPTION).values_list("id", flat=True)]
        PlaceSignal.unscoped.filter(source_app="hazards", source_ref__in=ids).delete()
        # A queryset delete: the test's own rows, not a ledger archive.
        Hazard.unscoped.filter(description=DESCRIPTION).delete()


def test_grid_worker_reports_a_hazard_with_a_photo_from_a_phone(
    open_page: Callable[..., Any],
    database: Callable[[], AbstractContextManager[None]],
    remove_test_hazard: None,
    screenshot_dir: Path,
) -> None:
    from places.models import Place

    with database():
        place = Place.unscoped.get(account_links__user__username="enterprise_user")
        place_id, place_name = place.pk, place.name

    page = open_page(PHONE_390)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 29.4761, "longitude": 121.8692})
    sign_in(page, "grid_worker", DEMO_PASSWORD)

    # From the place page: "report a hazard here".
    page.goto(f"/places/{place_id}/")
    report_here = page.locator("[data-report-here]")
    expect(report_here).to_be_visible()
    report_here.click()
    page.wait_for_url(re.compile(rf"/hazards/report/\?place={place_id}$"))
    assert_fits_width(page)
    expect(page.locator(f"input[name=place][value='{place_id}']")).to_be_checked()
    expect(page.locator("#id_source")).to_have_value("patrol")
    photo_input = page.locator("#id_photos")
    assert photo_input.get_attribute("capture") == "environment"
    assert photo_input.get_attribute("accept") == "image/*"

    page.fill("#id_description", DESCRIPTION)
    page.select_option("#id_hazard_type", "electrical")
    page.fill("#id_interim_measures", "已拔除飞线，告知住户")
    photo_input.set_input_files([{"name": "现场.png", "mimeType": "image/png", "buffer": small_png()}])
    page.locator("[data-hz-locate]").click()
    expect(page.locator("#id_lat")).to_have_value("29.476100")
    expect(page.locator("#id_lng")).to_have_value("121.869200")
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "hazard-report-grid_worker-390.png"), full_page=True)
    page.get_by_role("button", name="上报", exact=True).click()

    page.wait_for_url(re.compile(r"/hazards/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("已上报隐患")
    expect(page.locator("#photos img")).to_have_count(1)
    page.wait_for_function(
        "() => { const i = document.querySelector('#photos img'); return i && i.complete && i.naturalWidth === 8; }"
    )
    expect(page.locator("#timeline")).to_contain_text("发现上报")
    assert_fits_width(page)
    number = page.locator("h1 .mono").inner_text().strip()
    page.screenshot(path=str(screenshot_dir / "hazard-detail-grid_worker-390.png"), full_page=True)

    with database():
        from hazards.models import Hazard

        hazard = Hazard.unscoped.get(description=DESCRIPTION)
        assert hazard.place_id == place_id and hazard.source == "patrol" and hazard.hazard_type == "electrical"
        assert hazard.photos.count() == 1 and round(hazard.lat or 0, 4) == 29.4761
        assert hazard.number == number

    # The hazard is now in the ledger, with its place and colour column.
    page.goto("/hazards/?q=" + "楼道电动车充电")
    row = page.locator(f"tr[data-hazard='{hazard.pk}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text(number)
    expect(row).to_contain_text(place_name)
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "hazard-list-grid_worker-390.png"), full_page=True)
    assert_no_errors(page)
