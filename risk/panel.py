"""The risk section of the place page (grade, why, history, due dates, signals, record forms)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from accounts.roles import Capability
from places.choices import RiskGrade
from risk.models import PlaceSignal, RiskAssessment

HISTORY_LIMIT = 10
SIGNAL_LIMIT = 20


def grade_badge(grade: str) -> dict[str, str]:
    """Label and colour class of a grade for templates (`risk-red` … `risk-blue`)."""
    if grade not in RiskGrade.values:
        return {"value": "", "label": "未定级", "colour": "none"}
    choice = RiskGrade(grade)
    return {"value": choice.value, "label": str(choice.label), "colour": choice.colour}


def place_panel_context(request: HttpRequest, place: Any) -> dict[str, Any] | None:
    """Context of `risk/_place_panel.html`; reads go through the scoped managers."""
    from risk.forms import InspectionForm, SignalForm

    history = list(RiskAssessment.objects.filter(place=place).select_related("model")[:HISTORY_LIMIT])
    signals = list(
        PlaceSignal.objects.filter(place=place, archived_at__isnull=True).select_related("recorded_by")[:SIGNAL_LIMIT]
    )
    latest = history[0] if history else None
    today = timezone.localdate()
    user = getattr(request, "user", None)
    may_record = bool(user is not None and user.is_authenticated and user.can(Capability.EDIT_REGISTRY))
    return {
        "risk_badge": grade_badge(place.risk_grade),
        "risk_latest": latest,
        "risk_history": [(row, grade_badge(row.grade_before), grade_badge(row.grade_after)) for row in history],
        "risk_signals": signals,
        "risk_today": today,
        "risk_self_overdue": bool(place.next_self_inspection_due and place.next_self_inspection_due < today),
        "risk_supervision_overdue": bool(place.next_supervision_due and place.next_supervision_due < today),
        "risk_may_record": may_record,
        "risk_signal_form": SignalForm() if may_record else None,
        "risk_inspection_form": InspectionForm(initial={"on": today}) if may_record else None,
    }
