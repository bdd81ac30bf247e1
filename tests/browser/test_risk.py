"""A township staff member on a phone checks what is overdue and records a failed inspection."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, GRID_A, VILLAGE_A
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser


def test_overview_drilldown_and_recording_an_inspection_on_a_phone(
    phone_page: Any, database: Callable[[], AbstractContextManager[None]], screenshot_dir: Path
) -> None:
    from places.models import Place

    with database():
        place = Place.unscoped.filter(jurisdiction__code=GRID_A, archived_at__isnull=True).order_by("pk").first()
        assert place is not None
        saved = {f: getattr(place, f) for f in ("last_supervision_on", "risk_grade", "risk_score", "risk_graded_at",
                                                  "next_self_inspection_due", "next_supervision_due")}  # fmt: skip
        first_signal = place.risk_signals.order_by("-pk").values_list("pk", flat=True).first() or 0
        first_history = place.risk_assessments.order_by("-pk").values_list("pk", flat=True).first() or 0

    page = phone_page
    sign_in(page, "township_staff", DEMO_PASSWORD)
    page.goto("/risk/")
    expect(page.locator("[data-risk-chart] canvas")).to_have_count(1)
    expect(page.locator("table.risk-stack")).to_contain_text("自查逾期")
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "risk-overview-phone.png"), full_page=True)

    page.goto(f"/risk/places/?jurisdiction={VILLAGE_A}")
    page.select_option("#risk-status", "overdue")
    expect(page.locator("#risk-results .result-count")).to_contain_text("任一逾期")
    assert_fits_width(page)

    try:
        page.goto(f"/risk/places/{place.pk}/")
        page.click("summary:has-text('登记检查')")  # the history table may also say 登记检查
        page.select_option("#risk-insp-kind", "supervision")
        page.select_option("#risk-insp-passed", "0")
        page.fill("#risk-insp-note", "消防通道堵塞")
        page.click("form[action$='/inspections/'] button[type=submit]")
        expect(page.locator(".message-success")).to_contain_text("已登记检查")
        expect(page.locator("#risk-panel")).to_contain_text("消防通道堵塞")
        expect(page.locator("#risk-panel")).to_contain_text("检查不合格未复查")
        assert_fits_width(page)
        page.screenshot(path=str(screenshot_dir / "risk-place-phone.png"), full_page=True)
        assert_no_errors(page)
    finally:
        with database():
            place.risk_signals.filter(pk__gt=first_signal).delete()
            place.risk_assessments.filter(pk__gt=first_history).delete()
            Place.unscoped.filter(pk=place.pk).update(**saved)
