"""The demo step leaves reports in every state, through the real actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from publicreports.choices import ReportState
from publicreports.models import PublicReport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_demo_reports() -> None:
    """Keep the seeded reports here (overrides the package fixture that removes them)."""


def test_demo_reports_cover_every_state(demo_user: Any) -> None:
    reports = list(PublicReport.unscoped.all())
    assert {r.state for r in reports} == set(ReportState.values)
    accepted = [r for r in reports if r.state == ReportState.ACCEPTED]
    assert all(r.hazard_id for r in accepted)
    assert any(r.reward_amount for r in accepted)
    assert all(not r.phone for r in reports if r.anonymous)
    body = Client().get(f"/api/v1/public/reports/{accepted[0].receipt}").json()
    assert body["state"] == "accepted" and body["hazard_state"]
