"""Showing personal data as the viewer's role allows."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import Capability
from people.protection import mask_mobile

register = template.Library()


@register.simple_tag(takes_context=True)
def mobile_of(context: template.Context, person: Any) -> str:
    """The full mobile number for roles with SEE_MOBILE, otherwise the masked one (138****0000)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    value = getattr(person, "mobile", "") or ""
    if user is not None and user.is_authenticated and user.can(Capability.SEE_MOBILE):
        return value
    return mask_mobile(value) if value else ""


@register.filter
def duty_items(text: str) -> list[str]:
    """A responsibility list (责任清单) split into its items, by line or by Chinese semicolon."""
    if not text:
        return []
    items: list[str] = []
    for line in text.replace("\r", "").split("\n"):
        items.extend(part.strip(" 　；;") for part in line.split("；"))
    return [item for item in items if item]
