"""The browser tests' error watch itself: a CSP violation or a script error on a page is caught."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_no_errors

pytestmark = pytest.mark.browser


def test_the_error_watch_reports_a_blocked_inline_script_and_an_uncaught_exception(phone_page: Any) -> None:
    phone_page.goto("/accounts/login/")
    assert_no_errors(phone_page)

    # An inline script is what the CSP forbids; an exception nobody catches is a page error.
    csp_error = phone_page.expect_console_message(lambda m: m.type == "error" and m.text.startswith("CSP violation:"))
    with csp_error, phone_page.expect_event("pageerror"):
        phone_page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.inlineRan = true";
              document.body.append(script);
              setTimeout(() => { throw new Error("boom from a test"); }, 0);
            }"""
        )
    assert phone_page.evaluate("() => window.inlineRan") is None, "the CSP should have blocked the inline script"
    # Chromium's own report comes first; ours (from REPORT_CSP_VIOLATIONS) names the directive.
    assert any("Content Security Policy" in e for e in phone_page.console_errors), phone_page.console_errors
    assert any(e.startswith("CSP violation: script-src") for e in phone_page.console_errors), phone_page.console_errors
    assert any("boom from a test" in e for e in phone_page.page_errors)
    with pytest.raises(AssertionError):
        assert_no_errors(phone_page)
