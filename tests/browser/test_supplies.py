"""A village cadre on a phone records an "out" of stock in the field and sees the balance change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, VILLAGE_A
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser
REASON = "浏览器测试：防台转移群众领用"


@pytest.fixture
def life_jackets(database: Callable[[], AbstractContextManager[None]]) -> Iterator[tuple[int, int]]:
    """Village A's life jackets (id, balance); the movement the test records is removed afterwards."""
    from django.contrib.contenttypes.models import ContentType

    from audit.models import ObjectChange
    from supplies.models import StockMovement, Supply

    with database():
        supply = Supply.unscoped.filter(jurisdiction__code=VILLAGE_A, name="救生衣", archived_at__isnull=True).order_by("id").first()
        assert supply is not None and supply.quantity >= 2, "the demo village should keep life jackets"
        start = supply.quantity
    yield supply.pk, start
    with database():
        added = StockMovement.unscoped.filter(supply_id=supply.pk, reason=REASON)
        ids = [str(pk) for pk in added.values_list("pk", flat=True)]
        added.delete()  # test cleanup only: the model itself refuses deletion
        Supply.unscoped.filter(pk=supply.pk).update(quantity=start)
        ObjectChange.unscoped.filter(content_type=ContentType.objects.get_for_model(StockMovement), object_id__in=ids).delete()


def test_village_cadre_on_a_phone_records_an_out_and_sees_the_balance_drop(
    phone_page: Any, life_jackets: tuple[int, int], screenshot_dir: Path
) -> None:
    supply_id, start = life_jackets
    page = phone_page
    sign_in(page, "village_cadre", DEMO_PASSWORD)

    page.goto("/supplies/")
    assert_fits_width(page)
    page.get_by_placeholder("名称、规格、批次或储备点").fill("救生衣")
    expect(page.locator("#supply-results .card-title a").first).to_have_text("救生衣")
    page.locator(f"#supply-results a[href='/supplies/{supply_id}/']").click()
    page.wait_for_url(lambda url: urlsplit(url).path == f"/supplies/{supply_id}/")
    assert_fits_width(page)
    expect(page.locator("[data-balance]")).to_have_text(str(start))

    # The destination only shows for a transfer.
    expect(page.locator("#id_to_storage_point")).to_be_hidden()
    page.select_option("#id_kind", "transfer")
    expect(page.locator("#id_to_storage_point")).to_be_visible()
    page.select_option("#id_kind", "out")
    page.fill("#id_quantity", "2")
    page.fill("#id_reason", REASON)
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(lambda url: urlsplit(url).path == f"/supplies/{supply_id}/")

    expect(page.locator("[data-balance]")).to_have_text(str(start - 2))
    expect(page.locator(".message-success")).to_contain_text(f"现有库存 {start - 2}")
    first_row = page.locator("[data-movements] tbody tr").first
    expect(first_row).to_contain_text(REASON)
    expect(first_row).to_contain_text("-2")
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "supplies-phone-out.png"), full_page=True)

    # Too many: a clear message, balance unchanged.
    page.fill("#id_quantity", str(start + 100))
    page.fill("#id_reason", REASON)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".has-error")).to_contain_text("超过当前库存")
    expect(page.locator("[data-balance]")).to_have_text(str(start - 2))

    # The village's kit page and the depot map load without console or CSP errors.
    page.goto("/supplies/kits/")
    page.wait_for_url(lambda url: urlsplit(url).path == f"/supplies/kits/{VILLAGE_A}/")
    assert_fits_width(page)
    page.goto("/supplies/points/")
    expect(page.locator("#points-map")).to_have_attribute("data-state", "ready")
    assert_fits_width(page)
    assert_no_errors(page)


def test_county_admin_reads_kit_compliance_and_the_depot_map_on_a_phone(phone_page: Any, screenshot_dir: Path) -> None:
    page = phone_page
    sign_in(page, "county_admin", DEMO_PASSWORD)
    page.goto("/supplies/kits/")
    expect(page.locator("#kit-chart")).to_have_attribute("data-state", "ready")
    assert page.locator(".kit-table").count() >= 2
    assert page.locator(".kit-cell.kit-missing").count() > 0
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "supplies-kits-phone.png"), full_page=True)
    page.locator(".kit-table tbody th a").first.click()
    page.wait_for_url(lambda url: urlsplit(url).path.startswith("/supplies/kits/3302"))
    assert_fits_width(page)
    for path in ("/supplies/alerts/", "/supplies/", "/supplies/points/"):
        page.goto(path)
        assert_fits_width(page)
    expect(page.locator("#points-map")).to_have_attribute("data-state", "ready")
    assert int(page.locator("#points-map").get_attribute("data-count") or 0) > 5
    page.screenshot(path=str(screenshot_dir / "supplies-points-phone.png"), full_page=True)
    assert_no_errors(page)
