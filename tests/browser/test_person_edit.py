"""Township staff at a desk correct a person's record, and the change log says who changed what."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, VILLAGE_A
from tests.browser.conftest import DESKTOP, assert_no_errors, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def restore_people(
    audit_rollback: None, database: Callable[[], AbstractContextManager[None]]
) -> Iterator[Callable[[int], Any]]:
    """`remember(pk)` before editing a demo person through the browser; their row is put back afterwards."""
    from people.models import Person

    fields = ("title", "updated_at")
    saved: dict[int, dict[str, Any]] = {}

    def remember(pk: int) -> Any:
        with database():
            person = Person.unscoped.select_related("jurisdiction").get(pk=pk)
        saved[pk] = {f: getattr(person, f) for f in fields}
        return person

    yield remember
    with database():
        for pk, values in saved.items():
            Person.unscoped.filter(pk=pk).update(**values)  # no audit row: the test's own are removed too


def test_township_staff_edits_a_persons_title_and_the_history_shows_their_name_with_before_and_after(
    open_page: Callable[..., Any], restore_people: Callable[[int], Any], screenshot_dir: Path
) -> None:
    page = open_page(DESKTOP)
    sign_in(page, "township_staff", DEMO_PASSWORD)
    page.goto(f"/people/?jurisdiction={VILLAGE_A}")
    first = page.locator("#people-results td.card-title a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    pk = int(page.url.rstrip("/").rsplit("/", 1)[1])
    person = restore_people(pk)
    assert person.jurisdiction.code.startswith(VILLAGE_A) and person.title, "pick a demo person with a title"
    old_title = person.title
    new_title = f"应急联络员{uuid.uuid4().hex[:6]}"

    page.get_by_role("link", name="编辑", exact=True).click()
    page.wait_for_url(f"**/people/{pk}/edit/")
    expect(page.locator("#id_title")).to_have_value(old_title)
    page.fill("#id_title", new_title)
    page.get_by_role("button", name="保存").click()

    page.wait_for_url(f"**/people/{pk}/")
    expect(page.locator(".message-success")).to_have_text(f"已保存“{name}”的修改。")
    facts = page.locator("section.card", has=page.locator("h2", has_text="基本信息")).locator("dl.kv")
    title_value = facts.locator("dt", has_text=re.compile("^职务$")).locator("xpath=following-sibling::dd[1]")
    expect(title_value).to_have_text(new_title)

    latest = page.locator("ol.history > li").first
    expect(latest.locator(".history-meta")).to_contain_text("township_staff")
    expect(latest.locator(".history-meta .badge")).to_have_text("修改")
    row = latest.locator("table.changes tbody tr", has=page.locator("th", has_text="职务"))
    expect(row).to_have_count(1)
    expect(row.locator("td.before")).to_have_text(old_title)
    expect(row.locator("td.after")).to_have_text(new_title)
    expect(latest.locator("table.changes tbody tr")).to_have_count(1)  # only the title changed
    page.screenshot(path=str(screenshot_dir / "people-township_staff-edited-desktop.png"), full_page=True)
    assert_no_errors(page)
