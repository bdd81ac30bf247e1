"""Leak tests: an account from township B sees nothing of township A's rosters, on every endpoint and page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from demo.constants import TOWNSHIP_A
from duty import actions
from duty.actions import Standing
from duty.choices import DutyRole
from duty.models import DutyShift

OUTSIDER_ROLES = [r.value for r in Role if r != Role.COUNTY_ADMIN]


@pytest.fixture
def shift(demo_user: Any, village: Any, staff: Any) -> DutyShift:
    start = timezone.now() - timedelta(hours=1)
    return actions.create_shift(
        by=demo_user("township_admin"),
        jurisdiction=village,
        starts_at=start,
        ends_at=start + timedelta(hours=24),
        standing=[Standing(staff[0]), Standing(staff[1], DutyRole.LEADER)],
        note="丹东内部班次",
    )


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_api_reads_nothing(role: str, outsiders: dict[str, Any], api_as: Any, shift: DutyShift) -> None:
    client = api_as(outsiders[role])
    listed = client.get("/api/v1/duty/shifts?page_size=200").json()
    assert shift.pk not in {item["id"] for item in listed["items"]}
    assert client.get(f"/api/v1/duty/shifts/{shift.pk}").status_code == 404
    assert client.get(f"/api/v1/duty/now?jurisdiction={TOWNSHIP_A}").status_code == 404
    exported = client.get("/api/v1/duty/shifts/export.xlsx")
    assert "丹东内部班次".encode() not in b"".join(exported.streaming_content)


@pytest.mark.parametrize("role", ["township_admin", "township_staff"])
def test_outsider_writes_fail_as_not_found(role: str, outsiders: dict[str, Any], api_as: Any, shift: DutyShift, staff: Any) -> None:
    client = api_as(outsiders[role])
    assert client.patch(f"/api/v1/duty/shifts/{shift.pk}", {"note": "x"}, content_type="application/json").status_code == 404
    assert client.post(f"/api/v1/duty/shifts/{shift.pk}/cancel", {"reason": "x"}, content_type="application/json").status_code == 404
    assignment = shift.assignments.get(role="officer")
    body = {"person_id": staff[2].pk, "reason": "x"}
    assert client.post(f"/api/v1/duty/assignments/{assignment.pk}/override", body, content_type="application/json").status_code == 404
    body = {"jurisdiction_code": TOWNSHIP_A, "starts_at": "2031-01-01T08:30:00+08:00", "ends_at": "2031-01-02T08:30:00+08:00", "officers": [staff[0].pk]}
    assert client.post("/api/v1/duty/shifts", body, content_type="application/json").status_code == 400
    shift.refresh_from_db()
    assert shift.note == "丹东内部班次" and shift.archived_at is None


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_pages_show_nothing(role: str, outsiders: dict[str, Any], shift: DutyShift, staff: Any) -> None:
    client = Client()
    client.force_login(outsiders[role])
    body = client.get("/duty/").content.decode()
    assert staff[0].name not in body and "丹东街道" not in body
    assert client.get(f"/duty/shifts/{shift.pk}/").status_code == 404
    assignment = shift.assignments.get(role="officer")
    assert client.post(f"/duty/assignments/{assignment.pk}/override/", {"person": staff[2].pk, "reason": "x"}).status_code in (403, 404)
