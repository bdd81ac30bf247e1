"""A township admin imports people from an Excel ledger: preview, fix, import, find them in the directory."""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, GRID_A, VILLAGE_A
from tests.browser.conftest import DESKTOP, assert_no_errors, sign_in

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["姓名", "手机号", "所属辖区代码", "工作单位", "职务"]  # as in people/ledgers.py
BROKEN_MOBILE = "1380013"


def ledger_file(rows: list[list[str]]) -> bytes:
    """A people ledger as a person would fill it in: headers on row 1, one person per row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "人员台账"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page: Any, name: str, content: bytes) -> None:
    page.locator("input[type=file][name=file]").set_input_files({"name": name, "mimeType": XLSX, "buffer": content})
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_selector("#import-flow")


@pytest.fixture
def run_prefix(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[str]:
    """A name prefix unique to this run; the people with it, and the uploads left waiting, are removed afterwards."""
    from people.models import Person
    from yingji.ledgers import uploads

    prefix = f"导入测试{uuid.uuid4().hex[:6]}"
    waiting = set(uploads.pending_dir().iterdir())
    yield prefix
    for path in set(uploads.pending_dir().iterdir()) - waiting:
        path.unlink(missing_ok=True)
    with database():
        Person.unscoped.filter(name__startswith=prefix).delete()


def test_township_admin_fixes_a_broken_row_then_imports_the_ledger_and_finds_the_people_in_the_directory(
    open_page: Callable[..., Any],
    run_prefix: str,
    database: Callable[[], AbstractContextManager[None]],
    screenshot_dir: Path,
) -> None:
    from people.models import Person

    rng = random.Random()
    mobiles = [f"199{rng.randrange(10**8):08d}" for _ in range(3)]
    with database():
        assert not Person.unscoped.filter(mobile__in=mobiles).exists(), "re-run: the random mobiles are taken"
    names = [f"{run_prefix}{suffix}" for suffix in ("甲", "乙", "丙")]
    rows = [
        [names[0], mobiles[0], VILLAGE_A, "翠屏社区居民委员会", "信息员"],
        [names[1], BROKEN_MOBILE, GRID_A, "", "兼职网格员"],
        [names[2], mobiles[2], GRID_A, "", "兼职网格员"],
    ]
    page = open_page(DESKTOP)
    sign_in(page, "township_admin", DEMO_PASSWORD)
    page.goto("/people/")
    page.get_by_role("link", name="导入", exact=True).click()
    page.wait_for_url("**/people/import/")

    # The broken row is listed with its Excel row number; nothing can be imported yet.
    upload(page, "人员台账-有错.xlsx", ledger_file(rows))
    problems = page.locator("table.problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.locator("td[data-label='行号']")).to_have_text("第 3 行")
    expect(problems.locator("td[data-label='列']")).to_have_text("手机号")
    expect(problems.locator("td.value-cell")).to_have_text(BROKEN_MOBILE)
    expect(problems.locator("td.problem-message")).to_contain_text("11 位")
    expect(page.get_by_role("button", name="全部导入")).to_be_disabled()
    page.screenshot(path=str(screenshot_dir / "people-import-problem-desktop.png"), full_page=True)
    with database():
        assert not Person.unscoped.filter(name__startswith=run_prefix).exists(), "the preview must write nothing"

    # Corrected and uploaded again: all clear, then imported in one go.
    rows[1][1] = mobiles[1]
    upload(page, "人员台账.xlsx", ledger_file(rows))
    expect(page.locator("table.problems")).to_have_count(0)
    expect(page.locator(".import-preview .message-success")).to_contain_text("将新增 3 人、更新 0 人")
    confirm = page.get_by_role("button", name="全部导入")
    expect(confirm).to_be_enabled()
    page.evaluate("() => { window.sameDocument = true; }")
    confirm.click()
    expect(page.locator("#import-flow .message-success")).to_have_text("导入完成：新增 3 人，更新 0 人，0 人无变化。")
    assert page.evaluate("() => window.sameDocument === true"), "the confirmation should swap in place (htmx)"
    page.screenshot(path=str(screenshot_dir / "people-import-done-desktop.png"), full_page=True)

    # The new people are in the directory, with their full mobiles for this role.
    page.get_by_role("link", name="查看人员名录").click()
    page.wait_for_url("**/people/")
    with page.expect_response(lambda r: "/people/?" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("#id_q", run_prefix)
    found = page.locator("#people-results td.card-title a")
    expect(found).to_have_count(3)
    assert sorted(found.all_inner_texts()) == sorted(names)
    shown_mobiles = page.locator("#people-results td[data-label='手机号']").all_inner_texts()
    assert sorted(m.strip() for m in shown_mobiles) == sorted(mobiles)
    page.screenshot(path=str(screenshot_dir / "people-import-directory-desktop.png"), full_page=True)
    assert_no_errors(page)
