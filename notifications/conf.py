"""Settings of the notification core, each with a safe default (override in settings or the environment)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings


def _setting(name: str, default: Any) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return type(default)(raw) if not isinstance(default, bool) else raw.strip().lower() in {"1", "true", "yes", "on"}


def public_base_url() -> str:
    """Where acknowledgement links point (e.g. https://yingji.example.gov.cn); no trailing slash."""
    return str(_setting("PUBLIC_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def inbound_sms_token() -> str:
    """Shared secret that SMS providers send with uplink callbacks (URL ?token= or X-Yingji-Token)."""
    return str(_setting("NOTIFICATIONS_INBOUND_SMS_TOKEN", ""))


def max_attempts() -> int:
    """Tries on one channel before a temporary failure counts as permanent and the next channel is used."""
    return int(_setting("NOTIFICATIONS_MAX_ATTEMPTS", 5))


def backoff_base_seconds() -> int:
    return int(_setting("NOTIFICATIONS_BACKOFF_BASE_SECONDS", 30))


def backoff_cap_seconds() -> int:
    return int(_setting("NOTIFICATIONS_BACKOFF_CAP_SECONDS", 1800))


def send_lease_seconds() -> int:
    """How long a worker holds a claimed delivery; a crashed worker's claim is retried after it."""
    return int(_setting("NOTIFICATIONS_SEND_LEASE_SECONDS", 120))


def ack_token_ttl_days() -> int:
    """Acknowledgement links older than this are refused as expired."""
    return int(_setting("NOTIFICATIONS_ACK_TTL_DAYS", 30))


def ack_rate_limit_per_minute() -> int:
    """Requests per minute one address may make to the public acknowledgement link."""
    return int(_setting("NOTIFICATIONS_ACK_RATE_PER_MINUTE", 30))
