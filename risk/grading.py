"""Grading places and keeping their risk columns and due dates current.

The place's `risk_grade`, `risk_score`, `risk_graded_at` and `next_*_due` columns are a
cache of the latest `RiskAssessment` and of the inspection policy, kept on the row so that
lists, maps and overdue counts are single indexed queries. They are written with a
queryset `update()` / `bulk_update()` rather than an audited `save()`: the daily re-grade
touches every place, and an audit row per place per day would bury the real edits in the
place's timeline. The history that matters is `RiskAssessment` (one row per change of
grade or score, with cause and factors), which is shown on the place page instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from places.choices import OccupancyStatus, RiskGrade
from places.models import Place, PlaceKind
from risk.choices import AssessmentCause
from risk.models import InspectionPolicy, PlaceSignal, RiskAssessment, RiskFactor, RiskModel
from risk.scoring import Assessment, Factor, ScoringModel, assess, local_date

RISK_COLUMNS = ["risk_grade", "risk_score", "risk_graded_at", "next_self_inspection_due", "next_supervision_due"]
SCORE_PLACES = Decimal("0.01")

_model_cache: dict[tuple[int, int, datetime], ScoringModel] = {}


def snapshot_model(model: RiskModel) -> ScoringModel:
    factors = tuple(
        Factor(
            code=f.code,
            name=f.name,
            side=f.side,
            rule=f.rule,
            params=f.params or {},
            points=f.points,
            max_points=f.max_points,
            min_grade=f.min_grade,
            source=f.source,
        )
        for f in RiskFactor.objects.filter(model=model, active=True).order_by("sort_order", "id")
    )
    return ScoringModel(
        version=model.version,
        major_min=model.major_min,
        large_min=model.large_min,
        general_min=model.general_min,
        factors=factors,
        pk=model.pk,
    )


def current_model() -> ScoringModel | None:
    """The highest model version, detached; factors are read once per version and process."""
    row = RiskModel.objects.order_by("-version").first()
    if row is None:
        return None
    key = (row.pk, row.version, row.created_at)
    if key not in _model_cache:
        _model_cache[key] = snapshot_model(row)
    return _model_cache[key]


@dataclass(frozen=True)
class Interval:
    self_days: int
    supervision_days: int
    policy_id: int | None = None


class PolicyTable:
    """Inspection intervals by grade, with per-kind rows overriding the grade's general row."""

    def __init__(self, policies: Iterable[InspectionPolicy]) -> None:
        self._rows: dict[tuple[str, int | None], Interval] = {
            (p.grade, p.kind_id): Interval(p.self_interval_days, p.supervision_interval_days, p.pk) for p in policies
        }

    @classmethod
    def load(cls) -> PolicyTable:
        return cls(InspectionPolicy.objects.all())

    def resolve(self, grade: str, kind_id: int | None) -> Interval | None:
        if not grade:
            return None
        return self._rows.get((grade, kind_id)) or self._rows.get((grade, None))


def registered_on(place: Any) -> date:
    """The local date a place was registered (the start of its inspection clock)."""
    return local_date(place.created_at) if place.created_at else timezone.localdate()


def due_dates(
    place: Any, grade: str, policies: PolicyTable, *, registered: date | None = None
) -> tuple[date | None, date | None]:
    """Next self-inspection and supervision due dates: last inspection (or registration) + interval.

    A demolished or archived place is due for nothing. Intervals are whole days, so month
    ends and 29 February need no special case (2024-02-29 + 30 days = 2024-03-30).
    """
    if place.occupancy_status == OccupancyStatus.DEMOLISHED or place.archived_at is not None:
        return None, None
    interval = policies.resolve(grade, place.kind_id)
    if interval is None:
        return None, None
    registered = registered or registered_on(place)
    own = (place.last_self_inspection_on or registered) + timedelta(days=interval.self_days)
    sup = (place.last_supervision_on or registered) + timedelta(days=interval.supervision_days)
    return own, sup


@dataclass
class GradeOutcome:
    place: Place
    assessment: Assessment
    history: RiskAssessment | None
    columns_changed: bool


def _assess_with_dues(
    place: Place, model: ScoringModel, signals: list[SignalFact], policies: PolicyTable, today: date
) -> Assessment:
    """Assess with due dates that agree with the grade they produce.

    Overdue factors read the due dates, and the due dates depend on the grade. Starting
    from the stored grade (or 低), the due dates of the guessed grade are set on the place
    and it is assessed again until the grade stops moving; a higher grade only shortens
    intervals, so this settles within a few rounds.
    """
    registered = registered_on(place)
    guess = place.risk_grade or RiskGrade.LOW.value
    place.next_self_inspection_due, place.next_supervision_due = due_dates(place, guess, policies, registered=registered)
    result = assess(place, model, signals, today)
    for _round in range(3):
        if result.grade == guess:
            return result
        guess = result.grade
        place.next_self_inspection_due, place.next_supervision_due = due_dates(
            place, guess, policies, registered=registered
        )
        result = assess(place, model, signals, today)
    # Not settled (cannot happen with intervals that shrink as grades rise): dues follow the result.
    place.next_self_inspection_due, place.next_supervision_due = due_dates(
        place, result.grade, policies, registered=registered
    )
    return result


def grade_places(
    places: Sequence[Place],
    signals_by_place: dict[int, list[SignalFact]],
    model: ScoringModel,
    policies: PolicyTable,
    *,
    cause: str,
    today: date,
    now: datetime,
) -> list[GradeOutcome]:
    """Grade fetched places in memory; set their risk columns and build history rows (not saved)."""
    outcomes = []
    for place in places:
        stored_dues = (place.next_self_inspection_due, place.next_supervision_due)
        result = _assess_with_dues(place, model, signals_by_place.get(place.pk, []), policies, today)
        score = result.score.quantize(SCORE_PLACES)
        old_grade, old_score = place.risk_grade, place.risk_score
        grade_changed = old_grade != result.grade or old_score is None or old_score != score
        history = None
        if grade_changed:
            history = RiskAssessment(
                place=place,
                jurisdiction_id=place.jurisdiction_id,
                jurisdiction_path=place.jurisdiction_path,
                model_id=model.pk,
                assessed_at=now,
                cause=AssessmentCause.INITIAL if not old_grade else cause,
                grade_before=old_grade or "",
                grade_after=result.grade,
                score_before=old_score,
                score_after=score,
                factors=result.factors_json(),
            )
            place.risk_grade, place.risk_score, place.risk_graded_at = result.grade, score, now
        dues_changed = (place.next_self_inspection_due, place.next_supervision_due) != stored_dues
        outcomes.append(GradeOutcome(place, result, history, grade_changed or dues_changed))
    return outcomes


@dataclass(frozen=True, slots=True)
class SignalFact:
    """What grading needs of a signal (read as plain tuples: a chunk can hold thousands)."""

    kind: str
    severity: str
    occurred_at: datetime
    resolved_at: datetime | None


def signals_for(place_ids: Sequence[int], model: ScoringModel, today: date) -> dict[int, list[SignalFact]]:
    """The signals the model can read for these places: active ones plus those inside its longest window."""
    start = datetime.combine(today - timedelta(days=model.longest_signal_window + 1), datetime.min.time())
    since = timezone.make_aware(start)
    rows = (
        PlaceSignal.unscoped.filter(place_id__in=place_ids, archived_at__isnull=True)
        .filter(Q(resolved_at__isnull=True) | Q(occurred_at__gte=since))
        .values_list("place_id", "kind", "severity", "occurred_at", "resolved_at")
    )
    grouped: dict[int, list[SignalFact]] = defaultdict(list)
    for place_id, kind, severity, occurred_at, resolved_at in rows:
        grouped[place_id].append(SignalFact(kind, severity, occurred_at, resolved_at))
    return grouped


def attach_kinds(places: Sequence[Place]) -> None:
    """Give each place its kind from one query (a few dozen kinds) instead of a join per row."""
    kinds = PlaceKind.objects.in_bulk({place.kind_id for place in places})
    for place in places:
        place.kind = kinds[place.kind_id]


def write_columns(places: Sequence[Place]) -> None:
    """UPDATE the cached risk columns of these places in one `executemany`.

    `bulk_update` builds one CASE expression per column over the whole batch, which made
    it the slowest step of the daily run; a prepared statement per row is linear and runs
    the same on SQLite and PostgreSQL. The values go through each field's own database
    conversion, exactly as `save()` would do.
    """
    if not places:
        return
    quote = connection.ops.quote_name
    fields = [cast("models.Field[Any, Any]", Place._meta.get_field(name)) for name in RISK_COLUMNS]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(Place._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 - names from model metadata
    params = [
        [f.get_db_prep_value(getattr(place, f.attname), connection) for f in fields] + [place.pk]
        for place in places
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def save_outcomes(outcomes: Sequence[GradeOutcome]) -> int:
    """Write changed risk columns (no audit rows, see the module docstring) and history rows."""
    write_columns([o.place for o in outcomes if o.columns_changed])
    history = [o.history for o in outcomes if o.history is not None]
    if history:
        RiskAssessment.objects.bulk_create(history, batch_size=500)
    return len(history)


def regrade_place(place: Place, cause: str = AssessmentCause.MANUAL, *, today: date | None = None) -> Assessment | None:
    """Re-grade one place now and store the result; the places app and the signal actions call this.

    Returns the assessment, or None when no scoring model exists (before migrations load one).
    """
    model = current_model()
    if model is None:
        return None
    today = today or timezone.localdate()
    fresh = Place.unscoped.select_related("kind").get(pk=place.pk)
    signals = signals_for([fresh.pk], model, today)
    [outcome] = grade_places([fresh], signals, model, PolicyTable.load(), cause=cause, today=today, now=timezone.now())
    if outcome.columns_changed:
        Place.unscoped.filter(pk=fresh.pk).update(**{name: getattr(fresh, name) for name in RISK_COLUMNS})
    if outcome.history is not None:
        outcome.history.save()
    for name in RISK_COLUMNS:
        setattr(place, name, getattr(fresh, name))
    return outcome.assessment
