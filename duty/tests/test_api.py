"""Duty API: shifts list/create/patch, swaps and overrides with history, generation, who is on duty now, Excel."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from demo.constants import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from duty.models import DutyAssignment, DutyShift

from .conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_as: Any, demo_user: Any) -> Any:
    return api_as(demo_user("township_admin"))


def make(client: Any, staff: Any, start: Any, officer: int = 0, leader: int | None = 1, code: str = TOWNSHIP_A) -> Any:
    body = {
        "jurisdiction_code": code,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=24)).isoformat(),
        "officers": [staff[officer].pk],
        "leader": staff[leader].pk if leader is not None else None,
        "duty_phone": "0574-65551234",
    }
    return client.post("/api/v1/duty/shifts", body, content_type="application/json")


def test_create_list_and_now(client: Any, staff: Any) -> None:
    created = make(client, staff, local(2031, 7, 1, 8, 30))
    assert created.status_code == 201, created.json()
    shift = created.json()
    assert shift["jurisdiction_code"] == TOWNSHIP_A
    assert [a["role"] for a in shift["assignments"]] == ["leader", "officer"]
    listed = client.get("/api/v1/duty/shifts?date_from=2031-07-01&date_to=2031-07-01").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == shift["id"]
    now = client.get(f"/api/v1/duty/now?jurisdiction={VILLAGE_A}&at=2031-07-02T02:00:00%2B08:00").json()
    assert [e["person_id"] for e in now["on_duty"]] == [staff[0].pk, staff[1].pk]
    assert now["on_duty"][0]["roster_jurisdiction_code"] == TOWNSHIP_A
    assert now["on_duty"][0]["phone"] == "0574-65551234"


def test_overlap_and_bad_times_are_explained(client: Any, staff: Any) -> None:
    make(client, staff, local(2031, 7, 1, 8, 30))
    clash = make(client, staff, local(2031, 7, 1, 20, 0))
    assert clash.status_code == 400
    assert "时间重叠" in clash.json()["detail"]
    body = {"jurisdiction_code": TOWNSHIP_A, "starts_at": "2031-07-05T08:00:00+08:00", "ends_at": "2031-07-05T07:00:00+08:00", "officers": [staff[0].pk]}
    bad = client.post("/api/v1/duty/shifts", body, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "ends_at"


def test_patch_shift(client: Any, staff: Any) -> None:
    shift = make(client, staff, local(2031, 7, 1, 8, 30)).json()
    patched = client.patch(f"/api/v1/duty/shifts/{shift['id']}", {"note": "防台加强值班"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["note"] == "防台加强值班"


def test_override_keeps_history(client: Any, staff: Any) -> None:
    shift = make(client, staff, local(2031, 7, 1, 8, 30)).json()
    officer = next(a for a in shift["assignments"] if a["role"] == "officer")
    body = {"person_id": staff[3].pk, "reason": "家中有事"}
    after = client.post(f"/api/v1/duty/assignments/{officer['id']}/override", body, content_type="application/json").json()
    old = next(a for a in after["assignments"] if a["id"] == officer["id"])
    new = next(a for a in after["assignments"] if a["replaces_id"] == officer["id"])
    assert old["standing"] is False and old["change_reason"] == "家中有事"
    assert new["standing"] is True and new["person_id"] == staff[3].pk and new["change_kind"] == "override"
    again = client.post(f"/api/v1/duty/assignments/{officer['id']}/override", body, content_type="application/json")
    assert again.status_code == 400 and "已被替换" in again.json()["detail"]


def test_swap_exchanges_people_and_records_reason(client: Any, staff: Any) -> None:
    first = make(client, staff, local(2031, 7, 1, 8, 30), officer=0).json()
    second = make(client, staff, local(2031, 7, 2, 8, 30), officer=2).json()
    a = next(x["id"] for x in first["assignments"] if x["role"] == "officer")
    b = next(x["id"] for x in second["assignments"] if x["role"] == "officer")
    swapped = client.post("/api/v1/duty/assignments/swap", {"first": a, "second": b, "reason": "调休"}, content_type="application/json")
    assert swapped.status_code == 200, swapped.json()
    assert DutyAssignment.objects.standing().get(shift_id=first["id"], role="officer").person_id == staff[2].pk
    assert DutyAssignment.objects.standing().get(shift_id=second["id"], role="officer").person_id == staff[0].pk
    assert DutyAssignment.objects.filter(shift_id__in=[first["id"], second["id"]], change_kind="swap").count() == 4
    no_reason = client.post("/api/v1/duty/assignments/swap", {"first": a, "second": b, "reason": ""}, content_type="application/json")
    assert no_reason.status_code == 422


def test_generate_month_rotates(client: Any, staff: Any) -> None:
    body = {"jurisdiction_code": TOWNSHIP_A, "month": "2031-02", "officers": [p.pk for p in staff[:3]], "leaders": [staff[3].pk]}
    generated = client.post("/api/v1/duty/rosters/generate", body, content_type="application/json")
    assert generated.status_code == 201, generated.json()
    assert generated.json()["created"] == 28
    officers = list(
        DutyAssignment.objects.filter(shift__jurisdiction__code=TOWNSHIP_A, role="officer", shift__starts_at__year=2031)
        .order_by("shift__starts_at")
        .values_list("person_id", flat=True)[:6]
    )
    assert officers == [staff[0].pk, staff[1].pk, staff[2].pk] * 2
    again = client.post("/api/v1/duty/rosters/generate", body, content_type="application/json")
    assert again.status_code == 400 and DutyShift.objects.filter(starts_at__year=2031).count() == 28


def test_grid_worker_cannot_create(api_as: Any, demo_user: Any, staff: Any) -> None:
    assert make(api_as(demo_user("grid_worker")), staff, local(2031, 7, 1, 8, 30)).status_code == 403


def test_excel_round_trip(client: Any, staff: Any) -> None:
    make(client, staff, local(2031, 7, 1, 8, 30))
    make(client, staff, local(2031, 7, 2, 8, 30), officer=2, leader=None)
    exported = client.get("/api/v1/duty/shifts/export.xlsx?date_from=2031-07-01&date_to=2031-07-02")
    assert exported.status_code == 200
    data = b"".join(exported.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "辖区代码" and len(rows) == 3
    response = client.post(
        "/api/v1/duty/shifts/import",
        {"file": _named(data), "dry_run": "false"},
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["unchanged"] == 2 and body["created"] == 0


def test_import_creates_and_reports_bad_rows(client: Any, staff: Any) -> None:
    csv = (
        "辖区代码,开始时间,结束时间,值班员手机号,带班领导手机号\n"
        f"{TOWNSHIP_A},2031-08-01 08:30,2031-08-02 08:30,{staff[0].mobile},{staff[1].mobile}\n"
        f"{TOWNSHIP_B},2031-08-02 08:30,2031-08-03 08:30,{staff[0].mobile},\n"
    ).encode()
    response = client.post("/api/v1/duty/shifts/import", {"file": _named(csv, "roster.csv"), "dry_run": "false"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] == 3
    assert not DutyShift.objects.filter(starts_at__year=2031, starts_at__month=8).exists()
    good = csv.decode().splitlines()[:2]
    response = client.post("/api/v1/duty/shifts/import", {"file": _named("\n".join(good).encode(), "roster.csv"), "dry_run": "false"})
    assert response.status_code == 200 and response.json()["created"] == 1


def test_list_query_count(client: Any, staff: Any, django_assert_max_num_queries: Any) -> None:
    for day in range(1, 8):
        make(client, staff, local(2031, 7, day, 8, 30), officer=day % 3, leader=3)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/duty/shifts?page_size=50").json()["count"] >= 7


def _named(data: bytes, name: str = "roster.xlsx") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
