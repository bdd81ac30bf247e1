"""Who is on duty (当前值班): the lookup the escalation engine and the pages use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from duty.choices import DutyRole
from duty.models import DutyAssignment, DutyShift
from jurisdictions.models import Jurisdiction
from people.models import Person
from yingji.scoping import path_codes


@dataclass(frozen=True)
class OnDuty:
    """A person standing a shift right now, with the number to call."""

    person: Person
    role: str
    phone: str
    shift: DutyShift

    @property
    def is_leader(self) -> bool:
        return self.role == DutyRole.LEADER

    @property
    def jurisdiction(self) -> Jurisdiction:
        """The node whose roster answered (may be an ancestor of the one asked about)."""
        return self.shift.jurisdiction


def on_duty(jurisdiction: Jurisdiction, at: datetime | None = None) -> list[OnDuty]:
    """The people on duty for `jurisdiction` at `at` (default now), officers first.

    A node without a shift of its own at that instant uses its nearest ancestor's roster
    (a village without one falls back to its township, then the county). Shifts are
    half-open [start, end), so at a boundary exactly one shift answers. The lookup is
    system work (the escalation worker has no user), so it reads without a scope; callers
    that serve users check the node is in their scope first.
    """
    at = at or timezone.now()
    codes = path_codes(jurisdiction.path)
    shifts = list(
        DutyShift.unscoped.covering(at)
        .filter(jurisdiction__code__in=codes)
        .select_related("jurisdiction")
        .order_by("-jurisdiction__depth", "starts_at", "id")
    )
    if not shifts:
        return []
    nearest_depth = shifts[0].jurisdiction.depth
    chosen = {shift.pk: shift for shift in shifts if shift.jurisdiction.depth == nearest_depth}
    assignments = (
        DutyAssignment.unscoped.standing()
        .filter(shift_id__in=chosen)
        .select_related("person")
        .order_by("shift__starts_at", "-role", "id")  # "officer" sorts after "leader"; officers first
    )
    result = []
    for assignment in assignments:
        shift = chosen[assignment.shift_id]
        phone = assignment.phone or shift.duty_phone or assignment.person.mobile
        result.append(OnDuty(person=assignment.person, role=assignment.role, phone=phone, shift=shift))
    return result
