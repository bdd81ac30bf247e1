"""The place page's section of inspection tasks: what is planned for this place, and by whom."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from inspectionplans import services
from inspectionplans.choices import OPEN_TASK_STATES

PANEL_LIMIT = 5


def place_panel_context(request: HttpRequest, place: Any) -> dict[str, Any] | None:
    """Open tasks and the last done ones; nothing when the place has none the viewer may see."""
    tasks = services.visible_tasks(request.user).filter(place=place, archived_at__isnull=True)
    open_tasks = list(
        tasks.filter(state__in=OPEN_TASK_STATES).select_related("plan").order_by("due_on", "id")[:PANEL_LIMIT]
    )
    done = list(tasks.filter(state="done").select_related("plan").order_by("-completed_at", "-id")[:PANEL_LIMIT])
    if not open_tasks and not done:
        return None
    return {"open_tasks": open_tasks, "done_tasks": done, "today": timezone.localdate()}
