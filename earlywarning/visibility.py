"""Who may read a warning: its issuer's subtree, plus everyone in the area it was sent to.

A warning is a notice to its area. A grid worker must see the township's warning for their
village although the warning belongs to the township (outside the worker's scope). So the
read querysets add, to the scoped rows, the issued warnings whose area covers the reader's
node (an area node at or above it, or inside its subtree, or a recipient inside it).
Drafts stay with the issuer's subtree; writes and the acknowledgement board use the
plain scoped manager, so nobody outside the issuer's subtree changes or watches a warning.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from earlywarning.choices import State
from earlywarning.models import EarlyWarning
from yingji.scoping import current_scope, path_codes, scope_condition


def ancestor_paths(path: str) -> list[str]:
    """``/a/b/c/`` → ``["/a/", "/a/b/", "/a/b/c/"]``."""
    codes = path_codes(path)
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def readable_warnings() -> QuerySet[EarlyWarning]:
    scope = current_scope()
    if scope.unrestricted:
        return EarlyWarning.unscoped.all()
    if not scope.paths:
        return EarlyWarning.unscoped.none()
    own = scope_condition("jurisdiction_path", scope) or Q()
    covering = Q(pk__in=[])
    for root in scope.paths:
        covering |= (
            Q(area_nodes__path__in=ancestor_paths(root))
            | Q(area_nodes__path__within=root)
            | Q(recipients__jurisdiction__path__within=root)
        )
    sent = EarlyWarning.unscoped.exclude(state=State.DRAFT).filter(covering).values("pk")
    return EarlyWarning.unscoped.filter(own | Q(pk__in=sent))


def is_manageable(warning: Any) -> bool:
    """Whether the warning belongs to the active scope (may be changed and its board watched)."""
    return current_scope().allows_path(warning.jurisdiction_path)
