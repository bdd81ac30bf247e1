"""A draft warning pre-filled from an upstream CAP 1.2 alert (the page and the API share it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from earlywarning import actions
from earlywarning.cap import parse_cap
from earlywarning.models import EarlyWarning, WarningKind
from jurisdictions.models import Jurisdiction


def draft_from_cap(xml: str, *, by: Any, issuer: Jurisdiction) -> EarlyWarning:
    """Parse the alert and save a draft; geocodes outside the issuer's subtree are ignored.

    Raises `CapError` for unreadable XML and `ValidationError` when kind or level cannot be
    recognised or the content is invalid (e.g. a colour the kind does not have).
    """
    fields = parse_cap(xml, list(WarningKind.objects.filter(active=True)))
    if fields["kind"] is None:
        raise ValidationError({"kind": "无法从报文识别预警类别，请手工起草"})
    if not fields["level"]:
        raise ValidationError({"level": "无法从报文识别预警级别，请手工起草"})
    codes = fields.pop("geocodes")
    fields.pop("identifier")
    nodes = [n for n in Jurisdiction.objects.active().filter(code__in=codes) if n.path.startswith(issuer.path)]
    return actions.create_draft(by=by, jurisdiction=issuer, area_nodes=nodes, **fields)
