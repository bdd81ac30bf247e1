"""What the reporter may learn about their report, and how staff see the reporter's phone.

The public outcome is deliberately narrow: the report's state in plain words, the state of
the hazard it became (or duplicates) and its dates. Never staff names, other reports, the
place or the hazard's notes: the receipt code is the only key and it opens only this.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict

from django.utils.translation import gettext as _

from accounts.roles import Capability
from hazards.choices import HazardState
from hazards.models import Hazard
from people.protection import mask_mobile
from publicreports.choices import ReportState
from publicreports.models import PublicReport


def hazard_state_words() -> dict[str, str]:
    """Each hazard state as a reporter would say it (the internal labels are for staff)."""
    return {
        HazardState.REPORTED: _("已受理，正在核实确认"),
        HazardState.CONFIRMED: _("已确认为隐患，等待派单整改"),
        HazardState.REJECTED: _("经现场核实，不构成隐患"),
        HazardState.ASSIGNED: _("已派单整改"),
        HazardState.RECTIFYING: _("正在整改"),
        HazardState.SUBMITTED: _("整改完成，等待复核"),
        HazardState.VERIFIED: _("整改完成，复核通过"),
        HazardState.CLOSED: _("整改完成，已核销"),
    }


class Outcome(TypedDict):
    receipt: str
    state: str
    outcome: str
    hazard_state: str | None
    reason: str | None
    received_at: datetime
    triaged_at: datetime | None
    updated_at: datetime
    deadline: date | None
    closed_at: datetime | None
    rewarded: bool


def _followed_hazard(report: PublicReport) -> Hazard | None:
    """The hazard whose state is this report's outcome: its own, or that of the report it duplicates."""
    source = report.duplicate_of if report.duplicate_of_id else report
    if source is None or source.hazard_id is None:
        return None
    return (
        Hazard._base_manager.only("id", "state", "deadline", "closed_at", "updated_at")
        .filter(pk=source.hazard_id)
        .first()
    )


def public_outcome(report: PublicReport) -> Outcome:
    hazard = _followed_hazard(report)
    words = hazard_state_words()
    reason: str | None = None
    if report.state == ReportState.RECEIVED:
        outcome = _("已收到，等待工作人员核实")
    elif report.state == ReportState.REJECTED:
        outcome = _("未予受理")
        reason = report.reason
    elif report.state == ReportState.ACCEPTED:
        outcome = words.get(hazard.state, _("已受理")) if hazard else _("已受理")
    elif hazard is not None:
        outcome = _("与已有问题重复，合并处理：%(state)s") % {"state": words.get(hazard.state, "")}
    else:
        original = report.duplicate_of
        if original is not None and original.state == ReportState.REJECTED:
            outcome = _("与已有举报重复，合并处理：未予受理")
            reason = original.reason
        else:
            outcome = _("与已有举报重复，合并处理：等待核实")
    updated = max([report.updated_at, *([hazard.updated_at] if hazard else [])])
    return {
        "receipt": report.receipt,
        "state": report.state,
        "outcome": outcome,
        "hazard_state": hazard.state if hazard else None,
        "reason": reason or None,
        "received_at": report.created_at,
        "triaged_at": report.triaged_at,
        "updated_at": updated,
        "deadline": hazard.deadline
        if hazard and hazard.state in (HazardState.ASSIGNED, HazardState.RECTIFYING)
        else None,
        "closed_at": hazard.closed_at if hazard and hazard.state == HazardState.CLOSED else None,
        "rewarded": report.reward_amount is not None,
    }


def phone_for(report: PublicReport, user: Any) -> str:
    """The reporter's phone as this staff member may see it (masked without SEE_MOBILE)."""
    if not report.phone:
        return ""
    if user is not None and user.can(Capability.SEE_MOBILE):
        return report.phone
    return mask_mobile(report.phone)


def report_for_hazard(hazard: Hazard) -> PublicReport | None:
    """The public report a hazard came from (for the hazard page's "source" line), in the caller's scope."""
    if hazard.source_app != "publicreports" or not hazard.source_ref.isdigit():
        return None
    return PublicReport.objects.filter(pk=int(hazard.source_ref)).only("id", "receipt", "state").first()
