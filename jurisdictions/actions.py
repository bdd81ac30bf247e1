"""Changes to jurisdiction nodes. Codes and parents are fixed once created (区划调整 = new node)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from yingji import actions

EDITABLE = ("name", "boundary", "centroid_lng", "centroid_lat", "population", "note", "sort_order")


@transaction.atomic
def update_jurisdiction(node: Jurisdiction, *, by: Any, **changes: Any) -> Jurisdiction:
    actions.require(by, Capability.EDIT_JURISDICTION)
    node = actions.locked(node)
    if "boundary" in changes and changes["boundary"] != node.boundary:
        # A new boundary moves the label point unless one is given explicitly.
        changes.setdefault("centroid_lng", None)
        changes.setdefault("centroid_lat", None)
    changed = actions.apply_changes(node, {k: v for k, v in changes.items() if k in EDITABLE})
    if not changed:
        return node
    node.full_clean()
    node.save()
    return node
