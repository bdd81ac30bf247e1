"""The pure grading function: place + model + signals + date → score, grade and the why.

Nothing here touches the database, so every worked example in the tests is a plain call,
and the daily job can grade a chunk of places from rows it has already fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db.models import Choices
from django.utils import timezone, translation

from places.choices import PlaceCategory, RiskGrade
from risk.choices import FactorRule, FactorSide, SignalKind, SignalSeverity

ZERO = Decimal("0")
GRADE_RANK = {grade.value: grade.rank for grade in RiskGrade}

# Numeric place fields a band may test, with the unit shown in explanations.
NUMERIC_FIELDS: dict[str, tuple[str, str]] = {
    "floor_area": ("建筑面积", "㎡"),
    "floors": ("层数", "层"),
    "building_height": ("建筑高度", "m"),
    "employees": ("从业人数", "人"),
    "beds": ("床位数", "张"),
    "rooms": ("房间数", "间"),
    "seats": ("座位/餐位数", "个"),
}
PLACE_FLAGS = {"has_dormitory": "设有员工宿舍", "stores_hazardous_goods": "涉及危险化学品/易燃易爆物品", "is_key_unit": "消防安全重点单位"}
KIND_FLAGS = {"is_small_place": "属九小场所", "is_crowded": "属人员密集场所", "is_public_gathering": "属公众聚集场所"}
INSPECTIONS = {"self": "单位自查", "supervision": "监督检查"}


class SignalLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def resolved_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Factor:
    """One factor of a model version, detached from the database."""

    code: str
    name: str
    side: str
    rule: str
    params: Mapping[str, Any]
    points: Decimal
    max_points: Decimal | None = None
    min_grade: str = ""
    source: str = ""


@dataclass(frozen=True)
class ScoringModel:
    """A model version's thresholds and active factors, detached from the database."""

    version: int
    major_min: Decimal
    large_min: Decimal
    general_min: Decimal
    factors: tuple[Factor, ...] = ()
    pk: int | None = None

    def grade_for(self, score: Decimal) -> str:
        if score >= self.major_min:
            return RiskGrade.MAJOR.value
        if score >= self.large_min:
            return RiskGrade.LARGE.value
        if score >= self.general_min:
            return RiskGrade.GENERAL.value
        return RiskGrade.LOW.value

    @property
    def longest_signal_window(self) -> int:
        """Days of signal history the model reads (how far back a batch must fetch)."""
        days = [int(f.params.get("days", 0)) for f in self.factors if f.rule == FactorRule.SIGNAL_RECENT]
        return max(days, default=0)


@dataclass(frozen=True)
class FactorHit:
    """A factor that applied to a place: its points and a sentence saying why."""

    factor: Factor
    points: Decimal
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.factor.code,
            "name": self.factor.name,
            "side": self.factor.side,
            "points": str(self.points),
            "why": self.why,
            "min_grade": self.factor.min_grade,
        }


@dataclass(frozen=True)
class Assessment:
    score: Decimal
    grade: str
    factors: tuple[FactorHit, ...] = field(default_factory=tuple)
    model_version: int = 0
    forced_by: str = ""

    def factors_json(self) -> list[dict[str, Any]]:
        return [hit.as_dict() for hit in self.factors]


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    return Decimal(str(value))


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


@lru_cache(maxsize=256)
def _label(choices: type[Choices], value: str) -> str:
    """A choice's Chinese label as plain text (explanations are stored data, not UI strings)."""
    with translation.override(None):
        return str(choices(value).label)


def local_date(moment: datetime) -> date:
    if timezone.is_naive(moment):
        return moment.date()
    return moment.astimezone(_LOCAL_ZONE()).date()


_LOCAL_ZONE = lru_cache(maxsize=1)(timezone.get_default_timezone)


@lru_cache(maxsize=1024)
def _band(low: Any, high: Any) -> tuple[Decimal | None, Decimal | None]:
    return _number(low), _number(high)


Evaluation = tuple[int, str]
NOT_APPLIED: Evaluation = (0, "")


def _kind_category(factor: Factor, place: Any, kind: Any, signals: Sequence[SignalLike], today: date) -> Evaluation:
    category = getattr(kind, "category", "")
    if category in factor.params.get("categories", ()):
        return 1, f"场所大类：{_label(PlaceCategory, category)}"
    return NOT_APPLIED


def _kind_code(factor: Factor, place: Any, kind: Any, signals: Sequence[SignalLike], today: date) -> Evaluation:
    code = getattr(kind, "code", "")
    if code in factor.params.get("kinds", ()):
        return 1, f"场所类型：{getattr(kind, 'name', code)}"
    return NOT_APPLIED


def _kind_flag(factor: Factor, place: Any, kind: Any, signals: Sequence[SignalLike], today: date) -> Evaluation:
    flag = factor.params.get("flag", "")
    return (1, f"场所类型{KIND_FLAGS.get(flag, flag)}") if getattr(kind, flag, False) else NOT_APPLIED


def _place_flag(factor: Factor, place: Any, kind: Any, signals: Sequence[SignalLike], today: date) -> Evaluation:
    flag = factor.params.get("flag", "")
    return (1, PLACE_FLAGS.get(flag, flag)) if getattr(place, flag, False) else NOT_APPLIED


def _numeric_band(factor: Factor, place: Any, kind: Any, signals: Sequence[SignalLike], today: date) -> Evaluation:
    params = factor.params
    name = params.get("field", "")
    raw = getattr(place, name, None)
    if raw is None:
        return NOT_APPLIED
    value = _number(raw)
    if value is None:
        return NOT_APPLIED
    low, high = _band(params.get("min"), params.get("max"))
    if low is not None and (value <= low if params.get("min_exclusive") else value < low):
        return NOT_APPLIED
    if high is not None and value >= high:
        return NOT_APPLIED
    label, unit = NUMERIC_FIELDS.get(name, (name, ""))
    return 1, f"{label} {_fmt(value)}{unit}"


def _signals(factor: Factor, place: Any, kind: Any, signals: Sequence[SignalLike], today: date) -> Evaluation:
    params = factor.params
    wanted, severity = params.get("kind"), params.get("severity")
    active = factor.rule == FactorRule.SIGNAL_ACTIVE
    since = None if active else today - timedelta(days=int(params.get("days", 0)))
    count = 0
    for signal in signals:
        if signal.kind != wanted or (severity and signal.severity != severity):
            continue
        if active:
            if signal.resolved_at is None:
                count += 1
        elif since is not None and since < local_date(signal.occurred_at) <= today:
            count += 1
    if not count:
        return NOT_APPLIED
    kind_label = _label(SignalKind, wanted)
    if severity:
        kind_label = f"{_label(SignalSeverity, severity)}{kind_label}"
    when = "未消除" if active else f"近 {params.get('days')} 日"
    return count, f"{when}{kind_label} {count} 条"


def _inspection_overdue(factor: Factor, place: Any, kind: Any, signals: Sequence[SignalLike], today: date) -> Evaluation:
    which = factor.params.get("which", "self")
    due = getattr(place, "next_self_inspection_due" if which == "self" else "next_supervision_due", None)
    if due is not None and due < today:
        return 1, f"{INSPECTIONS.get(which, which)}应于 {due:%Y-%m-%d} 前完成，已逾期 {(today - due).days} 天"
    return NOT_APPLIED


def _inspection_recent_pass(
    factor: Factor, place: Any, kind: Any, signals: Sequence[SignalLike], today: date
) -> Evaluation:
    which = factor.params.get("which", "supervision")
    last = getattr(place, "last_self_inspection_on" if which == "self" else "last_supervision_on", None)
    if last is None or (today - last).days > int(factor.params.get("days", 365)):
        return NOT_APPLIED
    if any(s.kind == SignalKind.INSPECTION_FAILED and s.resolved_at is None for s in signals):
        return NOT_APPLIED
    return 1, f"{INSPECTIONS.get(which, which)}于 {last:%Y-%m-%d} 合格"


RULES: dict[str, Callable[[Factor, Any, Any, Sequence[SignalLike], date], Evaluation]] = {
    FactorRule.KIND_CATEGORY.value: _kind_category,
    FactorRule.KIND_CODE.value: _kind_code,
    FactorRule.KIND_FLAG.value: _kind_flag,
    FactorRule.PLACE_FLAG.value: _place_flag,
    FactorRule.NUMERIC_BAND.value: _numeric_band,
    FactorRule.SIGNAL_ACTIVE.value: _signals,
    FactorRule.SIGNAL_RECENT.value: _signals,
    FactorRule.INSPECTION_OVERDUE.value: _inspection_overdue,
    FactorRule.INSPECTION_RECENT_PASS.value: _inspection_recent_pass,
}


def assess(place: Any, model: ScoringModel, signals: Iterable[SignalLike], today: date) -> Assessment:
    """Grade one place: sum the points of every factor that applies, map to a grade, apply floors.

    `signals` are the place's non-archived signals (active and recent); `today` is the
    local date the grade is for. A factor's `min_grade` lifts the grade to at least that
    level whatever the score (e.g. an open major hazard makes the place 重大).
    """
    signal_list = signals if isinstance(signals, list) else list(signals)
    kind = getattr(place, "kind", None)
    hits: list[FactorHit] = []
    for factor in model.factors:
        rule = RULES.get(factor.rule)
        if rule is None:
            continue
        times, why = rule(factor, place, kind, signal_list, today)
        if not times:
            continue
        points = factor.points * times
        if times > 1:
            why = f"{why} × {_fmt(factor.points)} 分"
        if factor.max_points is not None and points > factor.max_points:
            points = factor.max_points
            why = f"{why}（封顶 {_fmt(factor.max_points)} 分）"
        hits.append(FactorHit(factor, points, why))
    score = max(sum((hit.points for hit in hits), ZERO), ZERO)
    grade = model.grade_for(score)
    forced_by = ""
    for hit in hits:
        floor = hit.factor.min_grade
        if floor and GRADE_RANK[floor] > GRADE_RANK[grade]:
            grade, forced_by = floor, hit.factor.code
    return Assessment(score=score, grade=grade, factors=tuple(hits), model_version=model.version, forced_by=forced_by)


# --- validation of factors as data (used by the model editor and the API) -------------------


def validate_factor(factor: Factor) -> None:
    """Raise ValidationError (Chinese, naming the factor) when a factor's rule and params do not fit."""
    problems: list[str] = []
    params = factor.params if isinstance(factor.params, Mapping) else {}
    if not isinstance(factor.params, Mapping):
        problems.append("判定参数应为 JSON 对象")
    if factor.side not in FactorSide.values:
        problems.append(f"所属库应为 {'/'.join(FactorSide.values)}")
    if factor.min_grade and factor.min_grade not in RiskGrade.values:
        problems.append(f"最低等级应为 {'/'.join(RiskGrade.values)} 或留空")
    if factor.max_points is not None and factor.max_points < 0:
        problems.append("封顶分值不能为负数")
    rule = factor.rule
    if rule == FactorRule.KIND_CATEGORY:
        values = params.get("categories")
        if not values or not isinstance(values, list) or set(values) - set(PlaceCategory.values):
            problems.append(f"categories 应为场所大类代码列表：{', '.join(PlaceCategory.values)}")
    elif rule == FactorRule.KIND_CODE:
        values = params.get("kinds")
        if not values or not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.append("kinds 应为场所类型代码列表")
    elif rule == FactorRule.KIND_FLAG:
        if params.get("flag") not in KIND_FLAGS:
            problems.append(f"flag 应为 {', '.join(KIND_FLAGS)} 之一")
    elif rule == FactorRule.PLACE_FLAG:
        if params.get("flag") not in PLACE_FLAGS:
            problems.append(f"flag 应为 {', '.join(PLACE_FLAGS)} 之一")
    elif rule == FactorRule.NUMERIC_BAND:
        if params.get("field") not in NUMERIC_FIELDS:
            problems.append(f"field 应为 {', '.join(NUMERIC_FIELDS)} 之一")
        try:
            low, high = _number(params.get("min")), _number(params.get("max"))
        except ArithmeticError:
            problems.append("min/max 应为数字")
        else:
            if low is None and high is None:
                problems.append("数值区间至少要有 min 或 max")
            elif low is not None and high is not None and low >= high:
                problems.append("min 应小于 max")
    elif rule in (FactorRule.SIGNAL_ACTIVE, FactorRule.SIGNAL_RECENT):
        if params.get("kind") not in SignalKind.values:
            problems.append(f"kind 应为 {', '.join(SignalKind.values)} 之一")
        if params.get("severity") and params["severity"] not in SignalSeverity.values:
            problems.append(f"severity 应为 {', '.join(SignalSeverity.values)} 之一或留空")
        if rule == FactorRule.SIGNAL_RECENT and not _positive_int(params.get("days")):
            problems.append("days 应为正整数（统计近多少天）")
    elif rule in (FactorRule.INSPECTION_OVERDUE, FactorRule.INSPECTION_RECENT_PASS):
        if params.get("which") not in INSPECTIONS:
            problems.append("which 应为 self（单位自查）或 supervision（监督检查）")
        if rule == FactorRule.INSPECTION_RECENT_PASS and not _positive_int(params.get("days")):
            problems.append("days 应为正整数")
    else:
        problems.append(f"判定方式应为 {', '.join(FactorRule.values)} 之一")
    if problems:
        raise ValidationError({"factors": [f"因子“{factor.name or factor.code}”：{p}" for p in problems]})


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
