"""The hazard list as the API, the pages, the ledgers and the map filter it (one function for all).

Every key is optional; an unknown value is refused with a message naming the key, never
silently ignored (a misspelt colour must not show every hazard). The colour is a date
comparison (`hazards.colours.colour_q`), so filtering by colour uses the indexes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from hazards import colours
from hazards.choices import (
    OPEN_STATES,
    Colour,
    HazardCategory,
    HazardSeverity,
    HazardSource,
    HazardState,
    HazardType,
)
from hazards.models import Hazard
from jurisdictions.models import Jurisdiction

FILTER_KEYS = (
    "state",
    "colour",
    "severity",
    "category",
    "hazard_type",
    "source",
    "jurisdiction",
    "place",
    "kind",
    "supervised",
    "open",
    "q",
    "found_from",
    "found_to",
)

_CHOICES: dict[str, tuple[str, list[str]]] = {
    "state": ("state", list(HazardState.values)),
    "severity": ("severity", list(HazardSeverity.values)),
    "category": ("category", list(HazardCategory.values)),
    "hazard_type": ("hazard_type", list(HazardType.values)),
    "source": ("source", list(HazardSource.values)),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _values(params: Mapping[str, Any], key: str) -> list[str]:
    """One value or a comma-separated list (``state=assigned,rectifying``)."""
    raw = params.get(key)
    if raw is None:
        return []
    return [v.strip() for v in str(raw).split(",") if v.strip()]


def _bool(params: Mapping[str, Any], key: str) -> bool | None:
    raw = str(params.get(key) or "").strip().lower()
    if not raw:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValidationError({key: _("应为 true 或 false")})


def _date(params: Mapping[str, Any], key: str) -> date | None:
    raw = str(params.get(key) or "").strip()
    if not raw:
        return None
    day = parse_date(raw) if len(raw) == 10 else None
    if day is None:
        raise ValidationError({key: _("日期格式应为 YYYY-MM-DD")})
    return day


def filter_hazards(
    queryset: QuerySet[Hazard], params: Mapping[str, Any], *, today: date | None = None
) -> QuerySet[Hazard]:
    """Narrow a (scoped) hazard queryset by the list filters; archived rows are always left out."""
    today = today or timezone.localdate()
    hazards = queryset.filter(archived_at__isnull=True)
    for key, (field, allowed) in _CHOICES.items():
        values = _values(params, key)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValidationError(
                {key: _("取值“%(bad)s”无效，应为：%(allowed)s") % {"bad": bad[0], "allowed": "、".join(allowed)}}
            )
        if values:
            hazards = hazards.filter(**{f"{field}__in": values})
    colour_values = _values(params, "colour")
    if colour_values:
        bad = [v for v in colour_values if v not in Colour.values]
        if bad:
            raise ValidationError({"colour": _("颜色应为 green、yellow 或 red")})
        condition = Q(pk__in=[])
        for value in colour_values:
            condition |= colours.colour_q(value, today)
        hazards = hazards.filter(condition)
    code = str(params.get("jurisdiction") or "").strip()
    if code:
        node = Jurisdiction.objects.filter(code=code).only("id", "path").first()
        if node is None:
            raise ValidationError(
                {"jurisdiction": _("辖区代码“%(code)s”不存在或不在您的辖区范围内") % {"code": code[:20]}}
            )
        hazards = hazards.filter(jurisdiction_path__within=node.path)
    place = str(params.get("place") or "").strip()
    if place:
        if not place.isdigit():
            raise ValidationError({"place": _("场所编号应为整数")})
        hazards = hazards.filter(place_id=int(place))
    kind = str(params.get("kind") or "").strip()
    if kind:
        from places.models import PlaceKind

        if not PlaceKind.objects.filter(code=kind).exists():
            raise ValidationError({"kind": _("场所类型代码“%(code)s”不存在") % {"code": kind[:30]}})
        hazards = hazards.filter(place__kind__code=kind)
    supervised = _bool(params, "supervised")
    if supervised is not None:
        hazards = hazards.filter(supervised=supervised)
    still_open = _bool(params, "open")
    if still_open is not None:
        open_values = [s.value for s in OPEN_STATES]
        hazards = hazards.filter(state__in=open_values) if still_open else hazards.exclude(state__in=open_values)
    q = str(params.get("q") or "").strip()[:100]
    if q:
        hazards = hazards.filter(
            Q(number__startswith=q.upper())
            | Q(description__contains=q)
            | Q(address__contains=q)
            | Q(place__name__contains=q)
        )
    found_from, found_to = _date(params, "found_from"), _date(params, "found_to")
    if found_from and found_to and found_from > found_to:
        raise ValidationError({"found_to": _("结束日期不能早于开始日期")})
    # Local-day bounds as aware datetimes, so the range uses the index on found_at.
    if found_from:
        hazards = hazards.filter(found_at__gte=timezone.make_aware(datetime.combine(found_from, time.min)))
    if found_to:
        hazards = hazards.filter(
            found_at__lt=timezone.make_aware(datetime.combine(found_to + timedelta(days=1), time.min))
        )
    return hazards
