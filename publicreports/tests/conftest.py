"""Shared helpers of the public-report tests: a clean cache, points inside the demo county, photos."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.fixture(autouse=True)
def _clean_cache() -> Any:
    """Refusals and look-up budgets live in the cache; no test may inherit another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture(autouse=True)
def _no_demo_reports(db: Any) -> None:
    """Start from no reports: the demo step's rows would count toward the limits under test.

    The test's transaction is rolled back afterwards, so the seeded rows come back.
    """
    from publicreports.models import PublicReport, ReportPhoto

    ReportPhoto.objects.all().delete()
    PublicReport.unscoped.update(duplicate_of=None)
    PublicReport.unscoped.all().delete()


def jpeg(name: str = "photo.jpg", size: int = 2048) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG_HEAD + b"\x00" * max(0, size - len(JPEG_HEAD)), content_type="image/jpeg")


def point_in(code: str) -> tuple[float, float]:
    """A (lng, lat) inside the boundary of the jurisdiction with this code."""
    from shapely.geometry import shape

    from jurisdictions.models import Jurisdiction

    node = Jurisdiction.unscoped.get(code=code)
    point = shape(node.boundary).representative_point()
    return round(point.x, 7), round(point.y, 7)


def slow_token() -> str:
    """The form's time stamp as if the page had been open for half a minute."""
    from publicreports.forms import form_token

    return form_token(at=time.time() - 30)


def make_report(
    code: str | None = None,
    *,
    fingerprint: str = "f" * 64,
    description: str = "消防通道被杂物堵塞，已经有一周了",
    **extra: Any,
) -> Any:
    """A received report in the jurisdiction `code` (by its point), straight through the action."""
    from publicreports import actions

    if code is not None:
        lng, lat = point_in(code)
        extra.setdefault("lng", lng)
        extra.setdefault("lat", lat)
    report, _created = actions.submit_report(description=description, fingerprint=fingerprint, **extra)
    return report
