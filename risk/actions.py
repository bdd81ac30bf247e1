"""Every change in the risk app goes through these functions.

For the apps that come later (hazards, alarms, inspections, incidents), the entry points are:

- `record_signal(place, kind, by=None, occurred_at=…, severity=…, source_app=…, source_ref=…)`:
  add (or, for the same source record, update) a dynamic signal and re-grade the place;
- `resolve_signal(signal, by=None, at=…)` / `resolve_source(source_app, source_ref)`:
  the hazard was rectified, the alarm closed;
- `record_inspection(place, kind, on, passed, by=None)`: an inspection took place;
- `risk.regrade.regrade_places(ids, cause)`: grade places written with `bulk_create` (imports).

`by=None` means the calling system code has already decided (a worker job, another app's
action that checked its own capability); a user passed as `by` must hold EDIT_REGISTRY.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability
from places.choices import RiskGrade
from places.models import Place, PlaceKind
from risk.choices import AssessmentCause, InspectionKind, SignalKind, SignalSeverity
from risk.grading import regrade_place
from risk.models import InspectionPolicy, PlaceSignal, RiskFactor, RiskModel
from risk.regrade import request_run
from risk.scoring import Factor, validate_factor
from yingji import actions

MAX_FACTORS = 200


def _require_writer(by: Any) -> None:
    if by is not None:
        actions.require(by, Capability.EDIT_REGISTRY)


def _user_or_none(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


# --- dynamic signals (动态监管库) -----------------------------------------------------------


@transaction.atomic
def record_signal(
    place: Place,
    kind: str,
    *,
    by: Any = None,
    occurred_at: datetime | None = None,
    severity: str = SignalSeverity.GENERAL,
    note: str = "",
    source_app: str = "",
    source_ref: str = "",
    resolved_at: datetime | None = None,
) -> PlaceSignal:
    """Record a dynamic signal on a place and re-grade it.

    With `source_app` and `source_ref`, the same source record always maps to one signal:
    calling again updates it (severity, note, time, resolution) instead of adding another.
    """
    _require_writer(by)
    now = timezone.now()
    occurred_at = occurred_at or now
    errors: dict[str, str] = {}
    if kind not in SignalKind.values:
        errors["kind"] = f"信号类型应为 {'、'.join(SignalKind.values)} 之一"
    if severity not in SignalSeverity.values:
        errors["severity"] = "严重程度应为 general（一般）或 major（重大）"
    if occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = "发生时间不能晚于现在"
    if resolved_at is not None and resolved_at < occurred_at:
        errors["resolved_at"] = "消除时间不能早于发生时间"
    if len(note) > 300:
        errors["note"] = "说明不超过 300 字"
    if bool(source_app) != bool(source_ref):
        errors["source_ref"] = "来源模块和来源记录须同时填写或同时留空"
    if errors:
        raise ValidationError(errors)
    signal = None
    if source_app:
        signal = (
            PlaceSignal.unscoped.select_for_update()
            .filter(place=place, kind=kind, source_app=source_app, source_ref=source_ref)
            .first()
        )
    if signal is None:
        signal = PlaceSignal(
            place=place,
            jurisdiction_id=place.jurisdiction_id,
            kind=kind,
            source_app=source_app,
            source_ref=source_ref,
            recorded_by=_user_or_none(by),
        )
    changed = actions.apply_changes(
        signal, {"severity": severity, "occurred_at": occurred_at, "note": note, "resolved_at": resolved_at}
    )
    if signal.pk is None or changed:
        signal.save()
        regrade_place(place, AssessmentCause.SIGNAL)
    return signal


@transaction.atomic
def resolve_signal(signal: PlaceSignal, *, by: Any = None, at: datetime | None = None) -> PlaceSignal:
    """Mark a signal as no longer active (hazard rectified, alarm closed) and re-grade the place."""
    _require_writer(by)
    signal = actions.locked(signal)
    if signal.resolved_at is not None:
        return signal
    at = at or timezone.now()
    if at < signal.occurred_at:
        raise ValidationError({"resolved_at": "消除时间不能早于发生时间"})
    signal.resolved_at = at
    signal.save(update_fields=["resolved_at", "updated_at"])
    regrade_place(signal.place, AssessmentCause.SIGNAL)
    return signal


def resolve_source(source_app: str, source_ref: str, *, at: datetime | None = None) -> int:
    """Resolve every active signal raised by one source record; returns how many."""
    signals = PlaceSignal.unscoped.filter(source_app=source_app, source_ref=source_ref, resolved_at__isnull=True)
    count = 0
    for signal in signals.select_related("place"):
        resolve_signal(signal, at=at)
        count += 1
    return count


# --- inspections -------------------------------------------------------------------------------


@transaction.atomic
def record_inspection(
    place: Place, kind: str, on: date, passed: bool, *, by: Any = None, note: str = "", source_ref: str = ""
) -> Place:
    """Record that a self-inspection or supervision inspection took place on `on`.

    Sets the place's last date (never moves it backwards), adds an `inspection_failed`
    signal when it did not pass or resolves the open ones when it passed, then re-grades
    the place and recomputes its due dates.
    """
    _require_writer(by)
    if kind not in InspectionKind.values:
        raise ValidationError({"kind": "检查类型应为 self（单位自查）或 supervision（监督检查）"})
    if on > timezone.localdate():
        raise ValidationError({"on": "检查日期不能晚于今天"})
    if on < date(2000, 1, 1):
        raise ValidationError({"on": "检查日期过早，请核对"})
    place = actions.locked(place)
    field = "last_self_inspection_on" if kind == InspectionKind.SELF else "last_supervision_on"
    current = getattr(place, field)
    if current is None or on > current:
        setattr(place, field, on)
        place._risk_skip_regrade = True  # type: ignore[attr-defined]
        place.save(update_fields=[field, "updated_at"])
    at = timezone.make_aware(datetime.combine(on, datetime.min.time()).replace(hour=12))
    at = min(at, timezone.now())
    label = InspectionKind(kind).label
    if passed:
        for signal in PlaceSignal.unscoped.filter(
            place=place, kind=SignalKind.INSPECTION_FAILED, resolved_at__isnull=True, occurred_at__lte=at
        ):
            signal.resolved_at = at
            signal.save(update_fields=["resolved_at", "updated_at"])
    else:
        signal = PlaceSignal(
            place=place,
            jurisdiction_id=place.jurisdiction_id,
            kind=SignalKind.INSPECTION_FAILED,
            occurred_at=at,
            note=(note or f"{label}不合格")[:300],
            source_app="inspections" if source_ref else "",
            source_ref=source_ref,
            recorded_by=_user_or_none(by),
        )
        signal.save()
    regrade_place(place, AssessmentCause.INSPECTION)
    return place


@transaction.atomic
def regrade_now(place: Place, *, by: Any) -> Place:
    """A user asks for a re-grade (e.g. after fixing data by hand)."""
    _require_writer(by)
    regrade_place(place, AssessmentCause.MANUAL)
    place.refresh_from_db()
    return place


# --- the scoring model (county administrators) ----------------------------------------------


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: "应为数字"}) from exc
    if not number.is_finite() or abs(number) >= Decimal("100000"):
        raise ValidationError({field: "数值超出范围"})
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def save_model(
    *,
    by: Any,
    major_min: Any,
    large_min: Any,
    general_min: Any,
    factors: Sequence[dict[str, Any]],
    note: str = "",
) -> RiskModel:
    """Save a new version of the scoring model (versions are never edited) and queue a re-grade.

    `factors` are dicts with code, name, side, rule, params, points and optionally
    max_points, min_grade, active, source. Every place is re-graded by the worker under the
    new version (cause "model changed").
    """
    actions.require(by, Capability.CONFIGURE_RULES)
    thresholds = {
        "major_min": _decimal(major_min, "major_min"),
        "large_min": _decimal(large_min, "large_min"),
        "general_min": _decimal(general_min, "general_min"),
    }
    if not thresholds["major_min"] > thresholds["large_min"] > thresholds["general_min"] > 0:
        raise ValidationError({"thresholds": "分级起点分应满足：重大 > 较大 > 一般 > 0"})
    if not factors:
        raise ValidationError({"factors": "模型至少需要一个因子"})
    if len(factors) > MAX_FACTORS:
        raise ValidationError({"factors": f"因子不超过 {MAX_FACTORS} 个"})
    rows: list[RiskFactor] = []
    seen: set[str] = set()
    for index, raw in enumerate(factors):
        code = str(raw.get("code", "")).strip()
        name = str(raw.get("name", "")).strip()
        if not code or not name:
            raise ValidationError({"factors": f"第 {index + 1} 个因子缺少代码或名称"})
        if code in seen:
            raise ValidationError({"factors": f"因子代码“{code}”重复"})
        seen.add(code)
        cap = raw.get("max_points")
        factor = Factor(
            code=code,
            name=name,
            side=str(raw.get("side", "")),
            rule=str(raw.get("rule", "")),
            params=raw.get("params") or {},
            points=_decimal(raw.get("points", 0), f"factors.{code}.points"),
            max_points=_decimal(cap, f"factors.{code}.max_points") if cap not in (None, "") else None,
            min_grade=str(raw.get("min_grade") or ""),
            source=str(raw.get("source") or "")[:200],
        )
        validate_factor(factor)
        rows.append(
            RiskFactor(
                code=factor.code[:40],
                name=factor.name[:60],
                side=factor.side,
                rule=factor.rule,
                params=dict(factor.params),
                points=factor.points,
                max_points=factor.max_points,
                min_grade=factor.min_grade,
                source=factor.source,
                active=bool(raw.get("active", True)),
                sort_order=index * 10,
            )
        )
    latest = RiskModel.objects.select_for_update().order_by("-version").first()
    model = RiskModel(
        version=(latest.version + 1) if latest else 1, note=note[:200], created_by=_user_or_none(by), **thresholds
    )
    model.full_clean()
    model.save()
    for row in rows:
        row.model = model
        row.full_clean()
        row.save()
    request_run(AssessmentCause.MODEL_CHANGED, key=f"model:v{model.version}")
    return model


def model_as_dicts(model: RiskModel) -> list[dict[str, Any]]:
    """A version's factors as the dicts `save_model` takes (the editor starts from these)."""
    return [
        {
            "code": f.code,
            "name": f.name,
            "side": f.side,
            "rule": f.rule,
            "params": f.params,
            "points": f.points,
            "max_points": f.max_points,
            "min_grade": f.min_grade,
            "active": f.active,
            "source": f.source,
        }
        for f in model.factors.order_by("sort_order", "id")
    ]


# --- inspection policies ---------------------------------------------------------------------


def _interval(value: Any, field: str) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: "应为整数天数"}) from exc
    if not 1 <= days <= 3660:
        raise ValidationError({field: "间隔应在 1 到 3660 天之间"})
    return days


@transaction.atomic
def set_policy(
    *,
    by: Any,
    grade: str,
    self_interval_days: Any,
    supervision_interval_days: Any,
    kind: PlaceKind | None = None,
    source: str = "",
) -> InspectionPolicy:
    """Create or change the inspection frequency of a grade (or of a grade for one kind)."""
    actions.require(by, Capability.CONFIGURE_RULES)
    if grade not in RiskGrade.values:
        raise ValidationError({"grade": f"风险等级应为 {'/'.join(RiskGrade.values)} 之一"})
    own = _interval(self_interval_days, "self_interval_days")
    sup = _interval(supervision_interval_days, "supervision_interval_days")
    policy = InspectionPolicy.objects.select_for_update().filter(grade=grade, kind=kind).first()
    if policy is None:
        policy = InspectionPolicy(grade=grade, kind=kind)
    changed = actions.apply_changes(
        policy, {"self_interval_days": own, "supervision_interval_days": sup, "source": source[:200]}
    )
    if policy.pk is None or changed:
        policy.save()
        request_run(AssessmentCause.POLICY_CHANGED)
    return policy


@transaction.atomic
def delete_policy(policy: InspectionPolicy, *, by: Any) -> None:
    """Remove a kind-specific override (the grade's general row then applies); grade rows stay."""
    actions.require(by, Capability.CONFIGURE_RULES)
    if policy.kind_id is None:
        raise ValidationError({"kind": "各等级的通用频次不能删除，只能修改"})
    policy.delete()
    request_run(AssessmentCause.POLICY_CHANGED)


__all__ = [
    "delete_policy",
    "model_as_dicts",
    "record_inspection",
    "record_signal",
    "regrade_now",
    "resolve_signal",
    "resolve_source",
    "save_model",
    "set_policy",
]
