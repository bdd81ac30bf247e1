"""The HTTP wrapper: answers, classified network errors, redaction, truncation."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from notifications import http
from notifications.tests import fake_providers as providers
from notifications.tests.fake_providers import FakeProviderServer
from notifications.transports.base import Outcome
from notifications.transports.common import classify_http

fake_server = providers.fake_server  # the fixture


@pytest.fixture(autouse=True)
def _short_timeouts(settings: Any) -> Any:
    settings.NOTIFICATION_HTTP = {"connect_timeout": 1.0, "read_timeout": 0.5, "max_body_chars": 40}
    yield
    http.close_clients()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_answer_comes_back_with_status_body_and_lower_case_headers(fake_server: FakeProviderServer) -> None:
    fake_server.reset()
    result = http.request("POST", fake_server.url("/broadcast/play"), content=b"x", headers={"Content-Type": "text/plain"})
    assert result.status == 401 and result.error is None and not result.ok
    assert result.json() == {"error": "unauthorized"}
    assert result.headers["content-type"].startswith("application/json")


def test_the_user_agent_is_ours(fake_server: FakeProviderServer) -> None:
    fake_server.reset()
    http.request("POST", fake_server.url("/broadcast/play"), content=b"x")
    [record] = fake_server.requests("broadcast")
    assert record.headers["user-agent"].startswith("Yingji-Notifications/")


def test_a_proxy_from_settings_carries_the_request(fake_server: FakeProviderServer, settings: Any) -> None:
    fake_server.reset()
    settings.NOTIFICATION_HTTP = {"proxy": fake_server.url(""), "read_timeout": 0.5}
    result = http.request("POST", "http://broadcast.village.example/broadcast/play", content=b"x")
    assert result.status == 401  # answered by the fake, reached only through the proxy
    [record] = fake_server.requests("broadcast")
    assert record.path == "http://broadcast.village.example/broadcast/play"


def test_a_refused_connection_is_a_retryable_connect_error() -> None:
    result = http.request("POST", f"http://127.0.0.1:{free_port()}/", content=b"x")
    assert result.error is http.NetworkErrorKind.CONNECT and result.error.retryable
    assert classify_http(result).outcome is Outcome.TEMPORARY_FAILURE


def test_a_slow_answer_is_a_read_timeout(fake_server: FakeProviderServer) -> None:
    fake_server.reset()
    fake_server.script("webhook", "timeout")
    from notifications.transports.signing import yingji_signed_headers

    body = b"{}"
    headers = yingji_signed_headers("fake-webhook-secret-0001", body)
    result = http.request("POST", fake_server.url("/webhook/x"), content=body, headers=headers)
    assert result.error is http.NetworkErrorKind.READ_TIMEOUT
    assert classify_http(result).outcome is Outcome.TEMPORARY_FAILURE


def test_a_malformed_url_is_a_permanent_configuration_error() -> None:
    result = http.request("POST", "ftp://example/robot", content=b"x")
    assert result.error is http.NetworkErrorKind.INVALID_URL and not result.error.retryable
    assert classify_http(result).outcome is Outcome.PERMANENT_FAILURE


def test_secrets_and_credential_parameters_never_appear_in_the_detail(settings: Any) -> None:
    settings.NOTIFICATION_HTTP = {"max_body_chars": 500}
    port = free_port()
    result = http.request(
        "POST", f"http://127.0.0.1:{port}/robot/send?access_token=tok-123456&x=1", secrets=["my-secret-value"],
        content=b"my-secret-value",
    )
    detail = result.describe()
    assert "tok-123456" not in detail and "access_token=***" in detail and "x=1" in detail


def test_redact_masks_given_secrets_and_sensitive_query_values() -> None:
    text = "GET /send?key=abcdef&sign=xyz123&page=2 with secret hunter22"
    assert http.redact(text, ["hunter22"]) == "GET /send?key=***&sign=***&page=2 with secret ***"
    assert http.redact("ok", ["ab"]) == "ok"  # too short to be a secret: nothing is masked


def test_redact_url_masks_query_credentials() -> None:
    assert http.redact_url("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1") == (
        "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1"
    )


def test_long_bodies_are_truncated_in_the_detail_but_kept_for_parsing() -> None:
    body = '{"Code":"OK","Message":"' + "很长" * 100 + '"}'
    result = http.HttpResult(status=200, body=body)
    assert result.json()["Code"] == "OK"
    assert len(result.describe()) < 80 and "截断" in result.describe()


def test_retry_after_is_read_when_numeric() -> None:
    assert http.HttpResult(status=429, headers={"retry-after": "30"}).retry_after_seconds() == 30
    assert http.HttpResult(status=429, headers={"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}).retry_after_seconds() is None


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, Outcome.SENT), (202, Outcome.SENT), (400, Outcome.PERMANENT_FAILURE), (404, Outcome.PERMANENT_FAILURE),
     (408, Outcome.TEMPORARY_FAILURE), (429, Outcome.TEMPORARY_FAILURE), (500, Outcome.TEMPORARY_FAILURE),
     (503, Outcome.TEMPORARY_FAILURE)],
)
def test_generic_status_classification(status: int, outcome: Outcome) -> None:
    assert classify_http(http.HttpResult(status=status, body="")).outcome is outcome


def test_throttling_without_retry_after_waits_a_minute() -> None:
    assert classify_http(http.HttpResult(status=429)).retry_after_seconds == 60
