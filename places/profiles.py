"""Rules stored on place kinds, evaluated for one place: 九小场所 bounds and 重点单位 criteria.

The numbers live in `PlaceKind.thresholds` (defaults in `places.taxonomy`), so a county
administrator can change them without a release. These functions only *suggest*: whether
a place is a 消防安全重点单位 is decided by people (the `is_key_unit` flag).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

FIELD_LABELS = {
    "floor_area": "建筑面积（㎡）",
    "floors": "层数",
    "employees": "从业人数",
    "beds": "床位数",
    "rooms": "房间数",
    "seats": "座位/餐位数",
    "building_height": "建筑高度（m）",
}


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule for one place: met or not, and why in words."""

    met: bool
    criterion: str
    profile: str
    missing: tuple[str, ...] = ()  # fields the rule needs that are not filled in


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return float(value)
    return float(value)


def _condition_met(condition: dict[str, Any], value: float, default_inclusive: bool) -> bool:
    """A lower bound is inclusive unless told otherwise (含本数); an upper bound follows the rule's setting."""
    if "min" in condition:
        limit = float(condition["min"])
        return value >= limit if condition.get("inclusive", True) else value > limit
    limit = float(condition["max"])
    return value <= limit if condition.get("inclusive", default_inclusive) else value < limit


def evaluate(rule: dict[str, Any] | None, values: dict[str, Any]) -> RuleResult | None:
    """Apply one stored rule to a place's values; None when the kind has no such rule."""
    if not rule:
        return None
    criterion, profile = str(rule.get("criterion", "")), str(rule.get("profile", ""))
    if rule.get("all"):
        return RuleResult(True, criterion, profile)
    results: list[bool] = []
    missing: list[str] = []
    for condition in rule.get("conditions", []):
        value = _number(values.get(condition["field"]))
        if value is None:
            missing.append(FIELD_LABELS.get(condition["field"], condition["field"]))
            continue
        results.append(_condition_met(condition, value, bool(rule.get("inclusive", False))))
    met = (bool(results) and all(results) and not missing) if rule.get("match") == "all" else any(results)
    return RuleResult(met, criterion, profile, tuple(missing))


def place_values(place: Any) -> dict[str, Any]:
    return {name: getattr(place, name, None) for name in FIELD_LABELS}


def key_unit_suggestion(kind: Any, values: dict[str, Any]) -> RuleResult | None:
    """The 重点单位 criterion this place meets (met=True), or the one it falls short of."""
    return evaluate((kind.thresholds or {}).get("key_unit"), values)


def small_place_check(kind: Any, values: dict[str, Any]) -> RuleResult | None:
    """Whether a 九小 kind's place is within the 九小 bounds (met=True) or too big for them."""
    return evaluate((kind.thresholds or {}).get("small_place"), values)


def notes_for(place: Any) -> list[str]:
    """Sentences for the place page and form: what the stored rules suggest about this place."""
    values = place_values(place)
    notes: list[str] = []
    key = key_unit_suggestion(place.kind, values)
    if key is not None and key.met and not place.is_key_unit:
        notes.append(_("符合消防安全重点单位界定标准“%(c)s”（%(p)s），建议报请认定。") % {"c": key.criterion, "p": key.profile})
    elif key is not None and key.met:
        notes.append(_("符合重点单位界定标准“%(c)s”。") % {"c": key.criterion})
    elif key is not None and key.missing:
        notes.append(_("判断是否为重点单位还需填写：%(f)s。") % {"f": "、".join(key.missing)})
    small = small_place_check(place.kind, values)
    if small is not None and not small.met and not small.missing:
        notes.append(
            _("规模超出九小场所界定（%(c)s，%(p)s），请核对场所类型。") % {"c": small.criterion, "p": small.profile}
        )
    return notes
