"""Template helpers of the place pages: masked mobiles, tap-to-call, risk-grade badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.roles import Capability
from people.protection import mask_mobile
from places.choices import RiskGrade

register = template.Library()


@register.simple_tag(takes_context=True)
def contact_mobile(context: Any, mobile: str) -> SafeString | str:
    """A full mobile as a tap-to-call link for roles that may see it; masked text for the others."""
    if not mobile:
        return "—"
    user = context["request"].user
    if user.can(Capability.SEE_MOBILE):
        return format_html('<a class="tel mono" href="tel:{}">{}</a>', mobile, mobile)
    return format_html('<span class="mono">{}</span>', mask_mobile(mobile))


@register.simple_tag
def grade_badge(grade: str) -> SafeString:
    if not grade:
        return format_html('<span class="badge badge-muted grade-none">{}</span>', "未定级")
    value = RiskGrade(grade)
    return format_html('<span class="badge grade grade-{}">{}</span>', value.colour, value.label)
