"""Sections other apps add to the place page (risk grade, letters, inspections, hazards…).

An app registers a panel from its AppConfig.ready()::

    from places.panels import register_place_panel

    register_place_panel(20, "risk/_place_panel.html", risk_panel_context)

`context_func(request, place)` returns the template's context (or None to hide the panel
for this place or user); it runs inside the request, so its queries are scoped like the
page's. Panels render in `order`, after the place's own sections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

PanelContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class PlacePanel:
    order: int
    template_name: str
    context_func: PanelContext


_panels: dict[str, PlacePanel] = {}


def register_place_panel(order: int, template_name: str, context_func: PanelContext) -> None:
    """Add (or replace, keyed by template) a section of the place page."""
    _panels[template_name] = PlacePanel(order, template_name, context_func)


def registered_panels() -> list[PlacePanel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.template_name))


def render_panels(request: HttpRequest, place: Any) -> list[SafeString]:
    """The HTML of every panel that has something to show for this place."""
    rendered = []
    for panel in registered_panels():
        context = panel.context_func(request, place)
        if context is None:
            continue
        html = render_to_string(panel.template_name, {"place": place, **context}, request=request)
        rendered.append(mark_safe(html))  # noqa: S308 - rendered by the template engine, which escapes
    return rendered
