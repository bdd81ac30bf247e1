"""A township admin opens an account for a new grid worker, who then signs in on their phone."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from demo.constants import DEMO_PASSWORD, GRID_A, TOWNSHIP_A, VILLAGE_A
from tests.browser.conftest import DESKTOP, assert_fits_width, assert_no_errors, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Harbor-7-lantern"  # a throwaway account, removed after the test


def fact(facts: Any, label: str) -> Any:
    """The value next to `label` in a <dl class="kv">."""
    return facts.locator("dt", has_text=re.compile(f"^{label}$")).locator("xpath=following-sibling::dd[1]")


@pytest.fixture
def new_username(audit_rollback: None, database: Callable[[], AbstractContextManager[None]]) -> Iterator[str]:
    """A username unique to this run; the account, its sign-ins and sessions are removed afterwards."""
    from axes.models import AccessLog
    from django.contrib.sessions.models import Session

    from accounts.models import User

    username = f"wg_test_{uuid.uuid4().hex[:8]}"
    yield username
    with database():
        ids = {str(pk) for pk in User.unscoped.filter(username=username).values_list("pk", flat=True)}
        for session in Session.objects.all():
            if session.get_decoded().get("_auth_user_id") in ids:
                session.delete()
        AccessLog.objects.filter(username=username).delete()
        User.unscoped.filter(username=username).delete()


@pytest.fixture
def other_grid(database: Callable[[], AbstractContextManager[None]]) -> Any:
    """A grid of township A other than the demo grid worker's, so “the right grid” means something."""
    from jurisdictions.models import Jurisdiction

    with database():
        grid = Jurisdiction.unscoped.filter(parent__code=VILLAGE_A).exclude(code=GRID_A).order_by("code").first()
    assert grid is not None and grid.code.startswith(TOWNSHIP_A)
    return grid


def test_township_admin_creates_a_grid_worker_account_who_then_signs_in_to_their_grids_home_page(
    open_page: Callable[..., Any], new_username: str, other_grid: Any, screenshot_dir: Path
) -> None:
    admin = open_page(DESKTOP)
    sign_in(admin, "township_admin", DEMO_PASSWORD)
    admin.locator("#site-nav summary", has_text="管理").click()  # the menu group that holds 账号
    admin.locator("#site-nav").get_by_role("link", name="账号", exact=True).click()
    admin.wait_for_url("**/accounts/users/")
    admin.get_by_role("link", name="新建账号").click()
    admin.wait_for_url("**/accounts/users/new/")

    admin.fill("#id_username", new_username)
    admin.select_option("#id_role", "grid_worker")
    admin.fill("#id_jurisdiction", other_grid.code)
    admin.fill("#id_password1", NEW_PASSWORD)
    admin.fill("#id_password2", NEW_PASSWORD)
    admin.get_by_role("button", name="创建账号").click()

    admin.wait_for_url(re.compile(r"/accounts/users/\d+/$"))
    expect(admin.locator(".message-success")).to_have_text(f"已创建账号“{new_username}”。")
    facts = admin.locator("section.card", has=admin.locator("h2", has_text="账号信息")).locator("dl.kv")
    expect(fact(facts, "角色")).to_have_text("网格员")
    expect(fact(facts, "所属辖区")).to_have_text(f"{other_grid.name} {other_grid.code}")
    admin.screenshot(path=str(screenshot_dir / "accounts-township_admin-created-desktop.png"), full_page=True)
    assert_no_errors(admin)

    # The new grid worker, on their own phone (a fresh browser context, no shared cookies).
    worker = open_page()
    sign_in(worker, new_username, NEW_PASSWORD)
    expect(worker.locator("main h1").first).to_have_text(other_grid.name)
    expect(worker.locator(".page-head .subtitle").first).to_contain_text(other_grid.code)
    expect(worker.locator(".user-meta")).to_have_text(f"网格员 · {other_grid.name}")
    assert_fits_width(worker)
    worker.screenshot(path=str(screenshot_dir / "accounts-new-grid_worker-home-phone.png"), full_page=True)
    assert_no_errors(worker)
