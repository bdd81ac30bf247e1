"""Channel transports and the registry that picks the configured one for a channel.

`get_transport("sms")` returns the transport configured in `settings.NOTIFICATION_TRANSPORTS`::

    NOTIFICATION_TRANSPORTS = {
        "sms": {"backend": "notifications.transports.sms.AliyunSmsTransport", "access_key_id": …},
        "dingtalk": {"backend": "notifications.transports.dingtalk.DingTalkRobotTransport"},
    }

A channel without an entry uses the console/outbox transport (in-app uses the in-app one), so a
fresh install and the demo work with no provider at all. Instances are built once per channel
and reused; changing the setting (tests, `override_settings`) empties the cache.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from notifications.transports.base import Channel, Outcome, OutgoingMessage, SendResult, Transport

__all__ = [
    "Channel",
    "Outcome",
    "OutgoingMessage",
    "SendResult",
    "Transport",
    "clear_transport_cache",
    "get_transport",
]

CONSOLE_BACKEND = "notifications.transports.console.ConsoleTransport"
INAPP_BACKEND = "notifications.transports.console.InAppTransport"

_cache: dict[Channel, Transport] = {}
_cache_lock = threading.Lock()


def default_backend(channel: Channel) -> str:
    return INAPP_BACKEND if channel is Channel.INAPP else CONSOLE_BACKEND


def get_transport(channel: str) -> Transport:
    """The transport instance for `channel`, built from settings on first use and cached."""
    try:
        key = Channel(channel)
    except ValueError:
        known = ", ".join(c.value for c in Channel)
        raise ImproperlyConfigured(f"未知的通知渠道 {channel!r}(可用:{known})") from None
    with _cache_lock:
        transport = _cache.get(key)
        if transport is None:
            transport = _build(key)
            _cache[key] = transport
        return transport


def clear_transport_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _build(channel: Channel) -> Transport:
    configured: dict[str, Any] = getattr(settings, "NOTIFICATION_TRANSPORTS", {}) or {}
    entry = configured.get(channel.value)
    if entry is None:
        options: dict[str, Any] = {}
        backend = default_backend(channel)
    else:
        if not isinstance(entry, dict):
            raise ImproperlyConfigured(f"NOTIFICATION_TRANSPORTS[{channel.value!r}] 应为字典 {{'backend': …, 选项…}}")
        options = dict(entry)
        backend = str(options.pop("backend", "") or "")
        if not backend:
            raise ImproperlyConfigured(f"NOTIFICATION_TRANSPORTS[{channel.value!r}] 缺少 'backend'(传输类的完整路径)")
    try:
        cls = import_string(backend)
    except ImportError as exc:
        raise ImproperlyConfigured(f"通知渠道 {channel.value} 的 backend {backend!r} 无法导入:{exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Transport)):
        raise ImproperlyConfigured(f"通知渠道 {channel.value} 的 backend {backend!r} 不是 Transport 子类")
    serves = getattr(cls, "channel", None)
    if serves is not None and serves != channel:
        raise ImproperlyConfigured(
            f"{cls.__name__} 用于 {serves} 渠道,不能配置给 {channel.value} 渠道"
        )
    return cls(**options)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "NOTIFICATION_TRANSPORTS":
        clear_transport_cache()
    elif setting == "NOTIFICATION_HTTP":
        from notifications import http

        http.close_clients()
