"""Browser-test fixtures: the real server on the seeded test database, and Chromium.

The server runs in a subprocess against the *test* database that `django_db_setup`
created and seeded (committed, so another process can read it). Tests using these
fixtures must not use the `db`/`transactional_db` fixtures: their rows would sit in an
uncommitted transaction the server cannot see.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"
SERVER_START_SECONDS = 40


def database_url(settings_dict: dict[str, Any]) -> str:
    """DATABASE_URL naming the database this test session really uses."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    if "postgresql" in engine:
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if user else ""
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"
    raise RuntimeError(f"browser tests do not know how to share a {engine} database")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local test server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer {url} within {SERVER_START_SECONDS} s")


@pytest.fixture
def db(django_db_setup: None) -> None:
    """Replaces pytest-django's `db` for browser tests, on purpose.

    pytest-django creates the test database only when some selected test asks for `db`
    (so `pytest -m browser` alone would otherwise seed the development database). Its
    own `db` would also wrap each test in a transaction, which on SQLite
    (BEGIN IMMEDIATE) would block the server process from writing sessions. This one
    asks for the database and opens no transaction: browser tests read the committed
    demo data, and write to the database themselves only through `database` (below), to
    look records up and to remove what they created through the browser.
    """


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Chromium, or a skip outside CI; in CI a missing browser is a failure."""
    if not CHROMIUM.exists():
        message = f"浏览器测试需要 {CHROMIUM}（Debian 的 chromium 包）；未找到。"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " CI 环境必须安装浏览器。")
        pytest.skip(message + " 本地跳过。")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server_url(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """Run `manage.py runserver` on a free port against the seeded test database."""
    from django.db import connection

    vendor = Path(settings.BASE_DIR) / "yingji" / "static" / "vendor" / "leaflet" / "leaflet.js"
    if not vendor.exists():
        pytest.fail("前端依赖未构建：请先运行 `npm ci && node scripts/build_assets.mjs`。")
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "YINGJI_TESTING": "1",  # the same password hashers as the test process that seeded the accounts
        "DEBUG": "1",  # static files straight from the source tree, no collectstatic
        "PYTHONUNBUFFERED": "1",
    }
    log_path = Path(settings.BASE_DIR) / "var" / f"browser-server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command line
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base}/healthz", process)
        except RuntimeError as exc:
            process.terminate()
            process.wait(timeout=10)
            pytest.fail(f"{exc}; see {log_path}")
        try:
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    log_path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def browser(chromium_path: Path, live_server_url: str) -> Iterator[Any]:
    """Chromium through Playwright, for one test module at a time.

    Playwright's sync API keeps an event loop running while it is open, and Django
    refuses database calls inside one; so the server (and the database setup) comes
    first, and the browser closes before the rest of the suite runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


# Chromium also logs CSP violations as console errors; this makes sure each one is seen
# even if a future Chromium words or classifies its own message differently.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def watch_errors(page: Any) -> Any:
    """Record the page's console errors (CSP violations included) and uncaught exceptions.

    `page.console_errors` holds console messages of type error, `page.page_errors` the
    uncaught JavaScript exceptions; `assert_no_errors(page)` checks both."""
    page.console_errors = []
    page.page_errors = []
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
    return page


def assert_no_errors(page: Any) -> None:
    assert page.console_errors == [], page.console_errors
    assert page.page_errors == [], page.page_errors


def assert_fits_width(page: Any) -> None:
    """The page does not scroll sideways (the usual way a phone layout breaks)."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide in a {widths[1]} px window"


@pytest.fixture
def phone_page(db: None, live_server_url: str, browser: Any) -> Iterator[Any]:
    """A fresh phone-sized page that records console errors (CSP violations show up there)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server_url)
    page = watch_errors(context.new_page())
    yield page
    context.close()


@pytest.fixture
def open_page(db: None, live_server_url: str, browser: Any) -> Iterator[Callable[..., Any]]:
    """Opens pages, each in a fresh browser context (its own cookies), recording errors like `phone_page`.

    `open_page()` is a phone, `open_page(DESKTOP)` a desktop; all close after the test."""
    contexts: list[Any] = []

    def open_(viewport: dict[str, int] = PHONE) -> Any:
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server_url)
        contexts.append(context)
        return watch_errors(context.new_page())

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def database(db: None, django_db_blocker: Any) -> Callable[[], AbstractContextManager[None]]:
    """`with database():` reads or writes the shared test database directly, committed at once.

    For looking up demo records and for removing what a test created through the browser
    (the server's writes are committed, so nothing rolls them back). Use the `unscoped`
    managers inside. Playwright's sync API keeps an event loop running in this thread,
    which Django's async-safety check takes for async code; the check is lifted for the
    block only, and nothing async touches the connection. Inside that loop Django keeps
    a connection of its own, so the block closes it (or PostgreSQL could not drop the
    test database at the end: "being accessed by other users").
    """
    from django.db import connections

    @contextmanager
    def block() -> Iterator[None]:
        previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        try:
            with django_db_blocker.unblock():
                try:
                    yield
                finally:
                    connections.close_all()
        finally:
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous

    return block


@pytest.fixture
def audit_rollback(database: Callable[[], AbstractContextManager[None]]) -> Iterator[None]:
    """Removes the change-log rows written during the test (by the server or by cleanup).

    Browser tests run one at a time against their own test database, so every row above
    the starting id is the test's own. Request it before fixtures whose cleanup writes
    audited changes (deleting a person logs the deletion), so it runs after them."""
    from audit.models import ObjectChange

    with database():
        start = ObjectChange.unscoped.order_by("-id").values_list("id", flat=True).first() or 0
    yield
    with database():
        ObjectChange.unscoped.filter(id__gt=start).delete()


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the real login form, as a person would, and land on the home page."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
