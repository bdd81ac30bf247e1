"""Township staff walk a short checklist on a phone: check in far away, fail an item with a photo, sign, finish."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, GRID_A
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in, watch_errors

pytestmark = pytest.mark.browser
PHONE_390 = {"width": 390, "height": 844}
PLACE_LNG, PLACE_LAT = 121.8731, 29.4712
KIND_CODE = "t_browser_insp"


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + b"\xc0\x30\x30\xff" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def task_to_walk(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[Any]:
    """A place of a kind of our own, a two-item checklist for it, and a task for township_staff."""
    from django.utils import timezone

    from accounts.models import User
    from checklists.models import Checklist, ChecklistItem, ChecklistStatus
    from inspectionplans.actions import create_task
    from jurisdictions.models import Jurisdiction
    from places.choices import PlaceCategory
    from places.models import Place, PlaceKind

    with database():
        kind = PlaceKind.objects.create(code=KIND_CODE, name="浏览器测试场所", category=PlaceCategory.SMALL_PLACE)
        checklist = Checklist.unscoped.create(
            name="浏览器测试检查表",
            lineage="t-browser-insp",
            place_kinds=[KIND_CODE],
            effective_from=timezone.localdate() - timedelta(days=1),
            status=ChecklistStatus.ACTIVE,
        )
        ChecklistItem.objects.create(checklist=checklist, order=1, matter="疏散通道", content="疏散通道畅通")
        ChecklistItem.objects.create(checklist=checklist, order=2, matter="灭火器", content="灭火器在有效期内")
        place = Place.unscoped.create(
            name="浏览器测试小饭店",
            kind=kind,
            address="丹东街道测试路9号",
            jurisdiction=Jurisdiction.unscoped.get(code=GRID_A),
            lng=PLACE_LNG,
            lat=PLACE_LAT,
        )
        staff = User.unscoped.get(username="township_staff")
        task = create_task(by=staff, place=place, due_on=timezone.localdate() + timedelta(days=3), inspectors=[staff])
    yield task
    from hazards.models import Hazard
    from inspectionplans.models import InspectionTask
    from inspections.models import Inspection
    from risk.models import PlaceSignal

    with database():
        ids = [str(pk) for pk in Inspection.unscoped.filter(place_id=place.pk).values_list("pk", flat=True)]
        Hazard.unscoped.filter(place_id=place.pk).delete()  # queryset deletes: the test's own rows
        PlaceSignal.unscoped.filter(place_id=place.pk).delete()
        Inspection.unscoped.filter(place_id=place.pk).delete()
        InspectionTask.unscoped.filter(place_id=place.pk).delete()
        ChecklistItem.objects.filter(checklist=checklist).delete()
        Checklist.unscoped.filter(pk=checklist.pk).delete()
        Place.unscoped.filter(pk=place.pk).delete()
        PlaceKind.objects.filter(pk=kind.pk).delete()
        assert not Hazard.unscoped.filter(source_app="inspections", source_ref__in=ids).exists()


def test_township_staff_walk_a_checklist_on_a_phone(
    db: None, live_server_url: str, browser: Any, task_to_walk: Any, database: Any, screenshot_dir: Path
) -> None:
    context = browser.new_context(
        viewport=PHONE_390,
        locale="zh-CN",
        base_url=live_server_url,
        has_touch=True,
        geolocation={"latitude": PLACE_LAT + 0.006, "longitude": PLACE_LNG, "accuracy": 15},
        permissions=["geolocation"],
    )
    try:
        page = watch_errors(context.new_page())
        sign_in(page, "township_staff", DEMO_PASSWORD)
        page.goto(f"/inspections/tasks/{task_to_walk.pk}/")
        page.get_by_role("button", name="开始检查").click()
        page.wait_for_url(re.compile(r"/inspections/\d+/walk/$"))
        assert_fits_width(page)

        # About 670 m away: warned, and a reason is asked for.
        page.get_by_role("button", name="签到定位").click()
        expect(page.locator("[data-check-in-error]")).to_contain_text("超过 300 米")
        page.fill("textarea[name=far_reason]", "场所登记坐标在后街")
        page.get_by_role("button", name="确认签到").click()
        expect(page.locator("#check-in")).to_contain_text("已签到")

        items = page.locator(".walk-item")
        first, second = items.nth(0), items.nth(1)
        first.locator("label.outcome-ok").click()
        first.get_by_role("button", name="保存").click()
        expect(page.locator(".walk-item").nth(0).locator(".badge")).to_have_text("合格")

        second = page.locator(".walk-item").nth(1)
        second.locator("textarea[name=note]").fill("灭火器已过期")
        second.locator("input[type=file]").set_input_files(
            files=[{"name": "fire.png", "mimeType": "image/png", "buffer": _png()}]
        )
        second.get_by_role("button", name="生成隐患").click()  # one tap: marks it failed and makes the hazard
        expect(page.locator(".walk-item").nth(1)).to_contain_text("已生成隐患")
        expect(page.locator(".walk-item").nth(1).locator(".walk-photos img")).to_have_count(1)
        expect(page.locator("[data-progress]")).to_have_text("2 / 2")

        page.fill("input[name=representative]", "周店长")
        pad = page.locator("[data-signature-pad]")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + 30, box["y"] + 60)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 60 + (20 if step % 2 else -20))
        page.mouse.up()
        page.get_by_role("button", name="保存签名").click()
        expect(page.locator("#sign img.signature-image")).to_be_visible()

        page.fill("textarea[name=summary]", "责令限期更换灭火器")
        assert_fits_width(page)
        page.screenshot(path=str(screenshot_dir / "inspections-walk-phone.png"), full_page=True)
        page.get_by_role("button", name="提交检查结果").click()
        page.wait_for_url(re.compile(r"/inspections/\d+/$"))
        expect(page.locator("[data-result]")).to_have_text("不合格")
        expect(page.locator("main")).to_contain_text("场所登记坐标在后街")
        expect(page.locator("img.signature-image")).to_be_visible()
        assert_fits_width(page)
        page.screenshot(path=str(screenshot_dir / "inspections-record-phone.png"), full_page=True)
        assert_no_errors(page)
    finally:
        context.close()

    from hazards.models import Hazard
    from inspectionplans.models import InspectionTask
    from inspections.models import Inspection

    with database():
        inspection = Inspection.unscoped.get(task_id=task_to_walk.pk)
        hazard = Hazard.unscoped.get(source_app="inspections", source_ref=str(inspection.pk))
        assert hazard.source == "inspection" and hazard.photos.count() == 1
        assert InspectionTask.unscoped.get(pk=task_to_walk.pk).state == "done"
        assert inspection.signature and inspection.far_from_place and inspection.result == "failed"
