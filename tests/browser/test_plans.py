"""Township staff on a phone download the 多案合一 handbook and record a drill; a shelter manager checks people in."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import docx
import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, TOWNSHIP_A
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser
DRILL_TITLE = "浏览器测试·社区防台转移演练"


@pytest.fixture
def remove_test_drill(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[None]:
    yield
    from plans.models import Drill

    with database():
        Drill.unscoped.filter(title=DRILL_TITLE).delete()  # queryset delete: the test's own row, not a ledger archive


def test_township_staff_downloads_the_handbook_and_records_a_drill_on_a_phone(
    open_page: Callable[..., Any], remove_test_drill: None, screenshot_dir: Path
) -> None:
    page = open_page()
    sign_in(page, "township_staff", DEMO_PASSWORD)
    page.goto("/plans/")
    assert_fits_width(page)
    with page.expect_download() as download_info:
        page.locator(f'[data-handbook="{TOWNSHIP_A}"]').click()
    document = docx.Document(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    level1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert level1[0] == "应急通讯录" and any("丹东街道" in title for title in level1[1:])
    assert document.tables and document.tables[0].rows[0].cells[0].text == "辖区"

    page.goto("/plans/drills/new/")
    page.fill("#id_title", DRILL_TITLE)
    page.select_option("#id_kind", "live")
    page.select_option("#id_jurisdiction", TOWNSHIP_A)
    page.select_option("#id_plan", index=1)
    page.fill("#id_conducted_on", "2025-07-15")
    page.fill("#id_participants", "48")
    page.fill("#id_evaluation", "转移路线清晰，预警传达到户及时。")
    page.select_option("#id_rating", "good")
    assert_fits_width(page)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/plans/drills/\d+/$"))
    expect(page.locator("h1")).to_contain_text(DRILL_TITLE)
    expect(page.locator(".badge", has_text="已实施")).to_be_visible()

    page.goto(f"/plans/drills/?code={TOWNSHIP_A}&year=2025")
    expect(page.locator("#drill-chart")).to_have_attribute("data-state", "ready")
    expect(page.locator("#drill-results")).to_contain_text(DRILL_TITLE)
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "plans-drills-phone.png"), full_page=True)
    assert_no_errors(page)


@pytest.fixture
def shelter_to_open(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[Any]:
    from shelters.models import Shelter, ShelterEvent

    with database():
        shelter = Shelter.unscoped.filter(jurisdiction__code__startswith=TOWNSHIP_A, status="ready", archived_at__isnull=True).order_by("id").first()
    assert shelter is not None
    yield shelter
    with database():
        ShelterEvent.unscoped.filter(shelter_id=shelter.pk).delete()
        Shelter.unscoped.filter(pk=shelter.pk).update(status=shelter.status, occupancy=0, status_changed_at=shelter.status_changed_at)


def test_shelter_manager_opens_a_shelter_and_checks_people_in_with_the_board(
    open_page: Callable[..., Any], shelter_to_open: Any, screenshot_dir: Path
) -> None:
    page = open_page()
    sign_in(page, "township_staff", DEMO_PASSWORD)
    page.goto("/shelters/")
    expect(page.locator("#shelter-map")).to_have_attribute("data-state", "ready")
    page.select_option("#id_status", "ready")
    page.wait_for_url(re.compile(r"status=ready"))
    expect(page.locator("#shelter-map")).to_have_attribute("data-state", "ready")
    assert int(page.locator("#shelter-map").get_attribute("data-shelters") or 0) > 0
    assert_fits_width(page)
    page.goto(f"/shelters/{shelter_to_open.pk}/")
    expect(page.locator("#shelter-map")).to_have_attribute("data-state", "ready")
    page.get_by_role("button", name="开放场所").click()
    expect(page.locator("[data-status]")).to_have_text("已开放")
    page.locator('[data-board="plus1"]').click()
    expect(page.locator("[data-occupancy]")).to_have_text("1")
    page.get_by_role("button", name="+5").click()
    expect(page.locator("[data-occupancy]")).to_have_text("6")
    page.locator('[data-board="minus1"]').click()
    expect(page.locator("[data-occupancy]")).to_have_text("5")
    expect(page.locator(".board-log li").first).to_contain_text("离开 1 人")
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "shelters-board-phone.png"), full_page=True)
    assert_no_errors(page)


def test_plan_drill_training_and_shelter_pages_fit_a_phone_without_console_errors(
    open_page: Callable[..., Any], database: Callable[[], AbstractContextManager[None]]
) -> None:
    from plans.models import Drill, Plan
    from shelters.models import Shelter

    with database():
        plan = Plan.unscoped.filter(jurisdiction__code=TOWNSHIP_A, cards__isnull=False).order_by("id").first()
        drill = Drill.unscoped.filter(jurisdiction__code__startswith=TOWNSHIP_A, conducted_on__isnull=False).order_by("id").first()
        shelter = Shelter.unscoped.filter(jurisdiction__code__startswith=TOWNSHIP_A).order_by("id").first()
    assert plan is not None and drill is not None and shelter is not None
    page = open_page()
    sign_in(page, "township_staff", DEMO_PASSWORD)
    for url in (f"/plans/{plan.pk}/", f"/plans/{plan.pk}/cards/print/", f"/plans/drills/{drill.pk}/", "/plans/trainings/",
                "/shelters/capacity/", f"/shelters/{shelter.pk}/routes/new/", "/shelters/new/", "/plans/new/"):
        page.goto(url)
        expect(page.locator("h1").first).to_be_visible()
        assert_fits_width(page)
    page.goto(f"/shelters/{shelter.pk}/routes/new/")
    page.locator("#route-draw").click(position={"x": 60, "y": 60})
    page.locator("#route-draw").click(position={"x": 160, "y": 120})
    assert '"LineString"' in page.input_value("#id_geometry")
    assert_no_errors(page)
