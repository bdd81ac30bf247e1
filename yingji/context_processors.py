"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.roles import Capability
from yingji.navigation import build_navigation


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    caps = {}
    if user is not None and user.is_authenticated:
        caps = {c.name: user.can(c.value) for c in Capability}
    return {
        "platform_title": settings.VERBOSE_TITLE,
        "caps": caps,
        "navigation": build_navigation(request),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
