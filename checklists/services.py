"""Which checklist applies to a place on a date (read-only; state changes live in `actions`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import Checklist, ChecklistStatus, _path_prefixes

PUBLISHED = (ChecklistStatus.ACTIVE, ChecklistStatus.SUPERSEDED)

# How specifically a list matches a place, most specific first.
TIER_KIND, TIER_INDUSTRY, TIER_CATEGORY, TIER_GENERIC = 0, 1, 2, 3


def effective_versions(on: datetime.date, jurisdiction_path: str = "") -> list[Checklist]:
    """For each lineage, the version in force on `on` for a place at `jurisdiction_path`.

    The version in force is the highest published version whose `effective_from` has
    come: a version published with a future date leaves its predecessor (already marked
    superseded) in force until then, and a past date returns what was in force then.
    Read without the request scope: the place itself was already fetched through its
    scoped manager, and a county user inspecting a township place must get that
    township's local list.
    """
    local = Q(jurisdiction_path="")
    if jurisdiction_path:
        local |= Q(jurisdiction_path__in=_path_prefixes(jurisdiction_path))
    rows = (
        Checklist.unscoped.filter(local, status__in=PUBLISHED, effective_from__lte=on, archived_at__isnull=True)
        .select_related("jurisdiction")
        .order_by("lineage", "-version")
    )
    latest: dict[str, Checklist] = {}
    for row in rows:
        latest.setdefault(row.lineage, row)
    return list(latest.values())


def match_tier(checklist: Checklist, kind: Any) -> int | None:
    """How a checklist matches a place kind (a `PlaceKind` or None), or None when it does not."""
    if kind is not None:
        if kind.code in (checklist.place_kinds or []):
            return TIER_KIND
        if checklist.industry and kind.industry and checklist.industry == kind.industry:
            return TIER_INDUSTRY
        if checklist.place_category and checklist.place_category == kind.category:
            return TIER_CATEGORY
    if checklist.is_generic:
        return TIER_GENERIC
    return None


def checklist_for(place: Any, on: datetime.date | None = None) -> Checklist | None:
    """The checklist to walk at `place` on `on` (default today).

    Precedence: a list naming the place's kind, else one for its industry, else one for
    its category, else the generic list. Within the same tier a local list (of the
    place's township or county node) wins over the county-wide default, the deepest node
    first; then the most recently effective.
    """
    on = on or timezone.localdate()
    kind = getattr(place, "kind", None)
    path = getattr(place, "jurisdiction_path", "") or ""
    best: tuple[int, int, int, int] | None = None
    chosen: Checklist | None = None
    for checklist in effective_versions(on, path):
        tier = match_tier(checklist, kind)
        if tier is None:
            continue
        depth = len(checklist.jurisdiction_path.strip("/").split("/")) if checklist.jurisdiction_path else 0
        key = (tier, -depth, -checklist.effective_from.toordinal(), -checklist.pk)
        if best is None or key < best:
            best, chosen = key, checklist
    return chosen


def applicable_for_kind(kind: Any, on: datetime.date | None = None, jurisdiction_path: str = "") -> Checklist | None:
    """Like `checklist_for` for a bare place kind (used when planning before a place is chosen)."""
    return checklist_for(SimpleNamespace(kind=kind, jurisdiction_path=jurisdiction_path), on)


@dataclass(frozen=True)
class ItemChange:
    """One line of a version diff: an item added, removed, or changed (with the fields that differ)."""

    kind: str  # "added" | "removed" | "changed"
    matter: str
    old: Any = None
    new: Any = None
    fields: tuple[str, ...] = ()

    @property
    def field_labels(self) -> list[str]:
        from checklists.models import ChecklistItem

        return [str(getattr(ChecklistItem._meta.get_field(name), "verbose_name", name)) for name in self.fields]


DIFF_FIELDS = (
    "content",
    "department",
    "level",
    "frequency",
    "rule_refs",
    "hazard_type",
    "category",
    "major_if_failed",
    "requires_photo",
)


def diff_items(old: Checklist | None, new: Checklist) -> list[ItemChange]:
    """What changed between two versions, matched by 检查事项 (the first unmatched item of the same matter)."""
    old_items = list(old.items.order_by("order", "id")) if old is not None else []
    unmatched = list(old_items)
    changes: list[ItemChange] = []
    for item in new.items.order_by("order", "id"):
        twin = next((o for o in unmatched if o.matter == item.matter), None)
        if twin is None:
            changes.append(ItemChange("added", item.matter, new=item))
            continue
        unmatched.remove(twin)
        fields = tuple(name for name in DIFF_FIELDS if getattr(twin, name) != getattr(item, name))
        if fields:
            changes.append(ItemChange("changed", item.matter, old=twin, new=item, fields=fields))
    changes.extend(ItemChange("removed", o.matter, old=o) for o in unmatched)
    return changes


def applies_to(checklist: Checklist, kind_names: dict[str, str]) -> str:
    """What a checklist applies to, in words: its kinds, industry, category, or "通用"."""
    parts = [kind_names.get(code, code) for code in checklist.place_kinds or []]
    if checklist.industry:
        parts.append(_("%(industry)s行业") % {"industry": checklist.industry})
    if checklist.place_category:
        parts.append(str(checklist.get_place_category_display()))
    if checklist.is_generic:
        parts.append(str(_("通用（无更具体清单时）")))
    return "、".join(parts) or str(_("未指定（仅供检查计划选用）"))
