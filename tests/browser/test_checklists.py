"""A county administrator revises a checklist on a phone: new version, htmx item editor, publish."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD
from tests.browser.conftest import assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser
LINEAGE = "construction-site"
NEW_MATTER = "浏览器测试·基坑监测"


@pytest.fixture
def restore_lineage(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[None]:
    yield
    from checklists.models import Checklist, ChecklistItem

    with database():
        later = Checklist.unscoped.filter(lineage=LINEAGE, version__gt=1)
        ChecklistItem.objects.filter(checklist__in=later).delete()  # queryset deletes: the test's own rows
        later.delete()
        Checklist.unscoped.filter(lineage=LINEAGE, version=1).update(status="active")


def test_county_admin_revises_a_checklist_on_a_phone(
    open_page: Callable[..., Any],
    restore_lineage: None,
    database: Callable[[], AbstractContextManager[None]],
    screenshot_dir: Path,
) -> None:
    from checklists.models import Checklist

    with database():
        first = Checklist.unscoped.get(lineage=LINEAGE, version=1)
    page = open_page()
    sign_in(page, "county_admin", DEMO_PASSWORD)
    page.goto(f"/checklists/{first.pk}/")
    assert_fits_width(page)
    page.get_by_role("button", name="生成新版本").click()
    page.wait_for_url("**/edit/")
    editor = page.locator("#editor-items")
    count = editor.locator("li.checklist-item").count()

    page.fill("#id_matter", NEW_MATTER)
    page.fill("#id_content", "深基坑按方案监测位移和沉降，超预警值停止作业。")
    page.fill("#id_rule_refs", "")
    editor.get_by_role("button", name="添加").click()
    expect(editor.locator("li.checklist-item")).to_have_count(count + 1)
    last = editor.locator("li.checklist-item").last
    expect(last).to_contain_text(NEW_MATTER)
    last.get_by_role("button", name="上移").click()
    expect(editor.locator("li.checklist-item").nth(count - 1)).to_contain_text(NEW_MATTER)
    assert_fits_width(page)
    page.screenshot(path=str(screenshot_dir / "checklist-editor-phone.png"), full_page=True)

    page.get_by_role("link", name="预览并发布").click()
    page.get_by_role("button", name="发布").click()
    expect(page.locator("h1 .badge")).to_have_text("生效")
    with database():
        first.refresh_from_db()
        assert first.status == "superseded"
        assert Checklist.unscoped.get(lineage=LINEAGE, version=2).items.filter(matter=NEW_MATTER).exists()
    assert_no_errors(page)
