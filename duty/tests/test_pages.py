"""Duty pages: today's roster, editor, swap/override forms, permissions, Excel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from duty import actions
from duty.actions import Standing
from duty.choices import DutyRole
from duty.models import DutyAssignment, DutyShift

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def current_shift(demo_user: Any, village: Any, staff: Any) -> DutyShift:
    start = timezone.now() - timedelta(hours=2)
    return actions.create_shift(
        by=demo_user("township_admin"),
        jurisdiction=village,
        starts_at=start,
        ends_at=start + timedelta(hours=24),
        standing=[Standing(staff[0]), Standing(staff[1], DutyRole.LEADER)],
        duty_phone="0574-65550000",
    )


def test_index_shows_who_is_on_duty_now_with_tap_to_call(demo_user: Any, current_shift: DutyShift, staff: Any, django_assert_max_num_queries: Any) -> None:
    client = login(demo_user("township_staff"))
    with django_assert_max_num_queries(15):
        response = client.get("/duty/")
    body = response.content.decode()
    assert response.status_code == 200
    assert staff[0].name in body and staff[1].name in body
    assert 'href="tel:0574-65550000"' in body
    assert f'href="tel:{staff[0].mobile}"' in body


def test_grid_worker_sees_masked_numbers_and_no_editor(demo_user: Any, current_shift: DutyShift, staff: Any) -> None:
    body = login(demo_user("grid_worker")).get("/duty/").content.decode()
    assert staff[0].mobile not in body
    assert "/duty/shifts/new/" not in body


def test_editor_pages_need_manage_duty(demo_user: Any) -> None:
    assert login(demo_user("grid_worker")).get("/duty/shifts/new/").status_code == 403
    assert login(demo_user("township_admin")).get("/duty/shifts/new/").status_code == 200
    assert login(demo_user("township_admin")).get("/duty/generate/").status_code == 200


def test_create_shift_through_form(demo_user: Any, staff: Any) -> None:
    client = login(demo_user("township_admin"))
    response = client.post(
        "/duty/shifts/new/",
        {"jurisdiction": "330225001", "starts_at": "2031-09-01T08:30", "ends_at": "2031-09-02T08:30", "officers": [staff[0].pk], "leader": staff[1].pk},
    )
    assert response.status_code == 302
    shift = DutyShift.objects.get(starts_at__year=2031, starts_at__month=9)
    assert shift.assignments.count() == 2


def test_override_form_keeps_old_assignment(demo_user: Any, current_shift: DutyShift, staff: Any) -> None:
    client = login(demo_user("township_admin"))
    officer = current_shift.assignments.get(role="officer")
    response = client.post(f"/duty/assignments/{officer.pk}/override/", {"person": staff[2].pk, "reason": "出差"})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.replaced_at is not None
    page = client.get(f"/duty/shifts/{current_shift.pk}/").content.decode()
    assert "出差" in page and staff[0].name in page and staff[2].name in page
    assert DutyAssignment.objects.standing().get(shift=current_shift, role="officer").person == staff[2]


def test_generate_through_form(demo_user: Any, staff: Any) -> None:
    client = login(demo_user("township_admin"))
    response = client.post(
        "/duty/generate/",
        {"jurisdiction": "330225001", "month": "2031-04", "officers": [staff[0].pk, staff[2].pk], "leaders": [staff[1].pk], "start": "08:30", "hours": "12"},
    )
    assert response.status_code == 302
    assert DutyShift.objects.filter(starts_at__year=2031, starts_at__month=4).count() == 60


def test_export_download(demo_user: Any, current_shift: DutyShift) -> None:
    response = login(demo_user("township_admin")).get("/duty/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_grid_worker_sees_the_roster_that_answers_for_their_grid(demo_user: Any, current_shift: DutyShift, staff: Any) -> None:
    body = login(demo_user("grid_worker")).get("/duty/").content.decode()
    assert "duty-mine" in body and staff[0].name in body
