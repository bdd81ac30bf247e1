"""The one HTTP wrapper every transport sends through.

Why one wrapper: timeouts, the User-Agent, an optional proxy, redaction of secrets and the
truncation of stored bodies are decided once, here, instead of in each provider module; and a
network failure comes back as a classified value rather than an exception, so a transport can
turn it into a `SendResult` without a `try` around every call. Tests point every provider at a
fake server on 127.0.0.1 and go through exactly this code.

Settings (all optional), read on each call so `override_settings` works in tests::

    NOTIFICATION_HTTP = {
        "connect_timeout": 5.0,   # seconds to open the TCP/TLS connection
        "read_timeout": 10.0,     # seconds to wait for the answer
        "proxy": "",              # e.g. "http://proxy.example:3128" for an intranet egress proxy
        "user_agent": "Yingji-Notifications/1.0",
        "max_body_chars": 2000,   # how much of an answer is kept for `detail`
    }
"""

from __future__ import annotations

import enum
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings

logger = logging.getLogger("yingji.notifications.http")

DEFAULTS: dict[str, Any] = {
    "connect_timeout": 5.0,
    "read_timeout": 10.0,
    "proxy": "",
    "user_agent": "Yingji-Notifications/1.0 (+https://github.com/yingji)",
    "max_body_chars": 2000,
}

# Query parameters and headers whose values are credentials wherever they appear.
SENSITIVE_NAMES = frozenset(
    {
        "access_token",
        "accesskeyid",
        "authorization",
        "key",
        "secret",
        "sign",
        "signature",
        "token",
        "x-yingji-signature",
    }
)
REDACTED = "***"
MAX_KEPT_BODY = 65536  # a provider answer larger than this is not one we need to parse
_MIN_SECRET_LENGTH = 4  # shorter "secrets" would redact ordinary words


class NetworkErrorKind(enum.StrEnum):
    """Why no HTTP answer came back; all of these are worth a retry except a bad URL."""

    CONNECT = "connect"  # refused, unreachable, DNS failure, TLS handshake failure
    CONNECT_TIMEOUT = "connect_timeout"
    READ_TIMEOUT = "read_timeout"  # connected, but the answer did not arrive in time
    PROTOCOL = "protocol"  # connection dropped or the peer spoke broken HTTP
    INVALID_URL = "invalid_url"  # our configuration is wrong: retrying will not help

    @property
    def retryable(self) -> bool:
        return self is not NetworkErrorKind.INVALID_URL


@dataclass(frozen=True)
class HttpResult:
    """An HTTP answer or the network error that prevented one (exactly one of the two)."""

    status: int | None = None
    body: str = ""  # decoded text with secrets redacted (capped at MAX_KEPT_BODY characters)
    headers: Mapping[str, str] = field(default_factory=dict)
    error: NetworkErrorKind | None = None
    error_detail: str = ""  # redacted
    elapsed_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def retryable_status(self) -> bool:
        """A status the provider means as "try again later": timeouts, throttling, server errors."""
        return self.status is not None and (self.status in (408, 425, 429) or self.status >= 500)

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def retry_after_seconds(self) -> int | None:
        """The provider's `Retry-After` in seconds, when it sent one as a number."""
        value = self.headers.get("retry-after", "")
        return int(value) if value.isdigit() else None

    def describe(self) -> str:
        """One line for an attempt row: the status and body, or the network error."""
        if self.error is not None:
            return f"网络错误({self.error.value}): {self.error_detail}"
        return truncate(f"HTTP {self.status}: {self.body}")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every given secret, and every credential-looking query parameter, by `***`."""
    for secret in sorted({s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _redact_query_values(text)


_QUERY_PAIR = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_\-]*)=(?P<value>[^&\s\"']+)")


def _redact_query_values(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("name").lower() in SENSITIVE_NAMES:
            return f"{match.group('name')}={REDACTED}"
        return match.group(0)

    return _QUERY_PAIR.sub(replace, text)


def redact_url(url: str) -> str:
    """The URL with credential query parameters masked (for logs and error details)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    query = [(k, REDACTED if k.lower() in SENSITIVE_NAMES else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def truncate(text: str, limit: int | None = None) -> str:
    limit = limit if limit is not None else int(_config()["max_body_chars"])
    return text if len(text) <= limit else text[:limit] + f"…[截断,共{len(text)}字]"


def _config() -> dict[str, Any]:
    return {**DEFAULTS, **getattr(settings, "NOTIFICATION_HTTP", {})}


_clients: dict[tuple[str, str], httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(proxy: str, user_agent: str) -> httpx.Client:
    """A pooled client per (proxy, User-Agent): keeps TLS connections alive between sends."""
    key = (proxy, user_agent)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = httpx.Client(
                proxy=proxy or None,
                headers={"User-Agent": user_agent},
                follow_redirects=False,
                trust_env=False,  # a proxy is chosen in settings, never picked up from the environment
            )
            _clients[key] = client
        return client


def close_clients() -> None:
    """Close pooled connections (worker shutdown, tests that change the proxy)."""
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def request(
    method: str,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
    content: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> HttpResult:
    """Send one request, without retries (the outbox retries), and never raise for network errors.

    `secrets` are the credentials this call carries; they are masked in everything returned or
    logged. `json_body` is serialised compactly with UTF-8 kept as is (the exact bytes go out, so
    a caller that signs the body should pass `content` instead).
    """
    config = _config()
    secret_list = [s for s in secrets if s]
    timeout = httpx.Timeout(
        connect=float(connect_timeout if connect_timeout is not None else config["connect_timeout"]),
        read=float(read_timeout if read_timeout is not None else config["read_timeout"]),
        write=float(read_timeout if read_timeout is not None else config["read_timeout"]),
        pool=float(connect_timeout if connect_timeout is not None else config["connect_timeout"]),
    )
    send_headers = dict(headers or {})
    if json_body is not None:
        content = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
        send_headers.setdefault("Content-Type", "application/json; charset=utf-8")
    safe_url = redact(redact_url(url), secret_list)
    started = time.monotonic()
    try:
        client = _client(str(config["proxy"] or ""), str(config["user_agent"]))
        response = client.request(method, url, params=params, content=content, headers=send_headers, timeout=timeout)
    except httpx.InvalidURL as exc:
        return _failure(NetworkErrorKind.INVALID_URL, exc, safe_url, secret_list, started)
    except httpx.UnsupportedProtocol as exc:
        return _failure(NetworkErrorKind.INVALID_URL, exc, safe_url, secret_list, started)
    except httpx.ConnectTimeout as exc:
        return _failure(NetworkErrorKind.CONNECT_TIMEOUT, exc, safe_url, secret_list, started)
    except httpx.PoolTimeout as exc:
        return _failure(NetworkErrorKind.CONNECT_TIMEOUT, exc, safe_url, secret_list, started)
    except httpx.TimeoutException as exc:  # read and write timeouts
        return _failure(NetworkErrorKind.READ_TIMEOUT, exc, safe_url, secret_list, started)
    except httpx.ConnectError as exc:
        return _failure(NetworkErrorKind.CONNECT, exc, safe_url, secret_list, started)
    except (httpx.TransportError, httpx.DecodingError, httpx.TooManyRedirects) as exc:
        return _failure(NetworkErrorKind.PROTOCOL, exc, safe_url, secret_list, started)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    body = redact(response.text[:MAX_KEPT_BODY], secret_list)
    level = logging.DEBUG if response.is_success else logging.WARNING
    logger.log(level, "%s %s -> %s in %d ms", method, safe_url, response.status_code, elapsed_ms)
    return HttpResult(
        status=response.status_code,
        body=body,
        headers={k.lower(): v for k, v in response.headers.items()},
        elapsed_ms=elapsed_ms,
    )


def _failure(
    kind: NetworkErrorKind, exc: Exception, safe_url: str, secrets: list[str], started: float
) -> HttpResult:
    detail = redact(f"{safe_url}: {type(exc).__name__}: {exc}", secrets)
    logger.warning("request failed (%s) %s", kind.value, detail)
    return HttpResult(
        error=kind, error_detail=truncate(detail), elapsed_ms=int((time.monotonic() - started) * 1000)
    )
