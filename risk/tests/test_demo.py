"""The demo step leaves a realistic spread of grades, signals and inspection dates."""

from __future__ import annotations

import pytest
from django.db.models import Count

from places.models import Place
from risk.models import PlaceSignal, RiskAssessment

pytestmark = pytest.mark.django_db


def test_demo_places_are_graded_with_all_four_grades_mostly_low_and_general() -> None:
    places = Place.unscoped.filter(archived_at__isnull=True)
    counts = dict(places.values_list("risk_grade").order_by().annotate(n=Count("id")))
    total = sum(counts.values())
    assert total > 0
    assert counts.get("", 0) == 0
    assert all(counts.get(grade, 0) > 0 for grade in ("major", "large", "general", "low")), counts
    assert counts["low"] + counts["general"] > total * 0.6, counts
    assert counts["major"] < total * 0.1, counts


def test_demo_signals_and_dates_are_in_place() -> None:
    kinds = set(PlaceSignal.unscoped.filter(source_app="demo").values_list("kind", flat=True))
    assert {"hazard_open", "accident", "inspection_failed", "alarm"} <= kinds
    assert Place.unscoped.exclude(last_self_inspection_on=None).exists()
    assert Place.unscoped.filter(next_self_inspection_due__isnull=False).count() > 0
    graded = Place.unscoped.exclude(risk_grade="").count()
    assert RiskAssessment.unscoped.filter(cause="initial").values("place").distinct().count() == graded
