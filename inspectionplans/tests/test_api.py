"""The inspection-plan API end to end: plans, generation, draws with verification, tasks."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from demo.constants import TOWNSHIP_A
from inspectionplans.models import InspectionTask, RandomDraw

pytestmark = pytest.mark.django_db


def _plan_payload(**extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {
        "jurisdiction_code": TOWNSHIP_A,
        "title": "接口双随机计划",
        "kind": "random_draw",
        "period_start": today.isoformat(),
        "period_end": (today + timedelta(days=20)).isoformat(),
    }
    data.update(extra)
    return data


def test_plan_draw_verify_and_tasks(api_as: Any, demo_user: Any, inspectors: list[Any]) -> None:
    client = api_as(demo_user("township_staff"))
    response = client.post("/api/v1/inspection-plans", _plan_payload(unannounced=True), content_type="application/json")
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["unannounced"] is True and plan["progress"] == {"total": 0, "done": 0, "overdue": 0}

    body = {
        "criteria": {},
        "sample_size": 3,
        "inspectors": [u.pk for u in inspectors],
        "team_size": 2,
        "seed": "api-seed",
    }
    response = client.post(f"/api/v1/inspection-plans/{plan['id']}/draws", body, content_type="application/json")
    assert response.status_code == 201, response.content
    draw = response.json()
    assert draw["seed"] == "api-seed" and len(draw["place_ids"]) == 3
    assert draw["drawn_by"] and draw["pool_size"] >= 3
    assert all(len(row["team"]) >= 2 and all(row["team_names"]) for row in draw["result"])

    verify = client.get(f"/api/v1/draws/{draw['id']}/verify").json()
    assert verify["matches"] is True and verify["seed"] == "api-seed"
    assert client.get(f"/api/v1/draws/{draw['id']}").json()["place_ids"] == draw["place_ids"]
    assert [d["id"] for d in client.get("/api/v1/draws", {"plan_id": plan["id"]}).json()["items"]] == [draw["id"]]

    detail = client.get(f"/api/v1/inspection-plans/{plan['id']}").json()
    assert [t["place_id"] for t in detail["tasks"]] == sorted(
        draw["place_ids"], key=lambda pk: [t["place_id"] for t in detail["tasks"]].index(pk)
    )
    assert {t["place_id"] for t in detail["tasks"]} == set(draw["place_ids"])
    assert all(t["unannounced"] for t in detail["tasks"])
    assert detail["progress"]["total"] == 3

    # Tampering with the stored result is caught by the verification.
    RandomDraw.objects.filter(pk=draw["id"]).update(place_ids=list(reversed(draw["place_ids"])))
    assert client.get(f"/api/v1/draws/{draw['id']}/verify").json()["matches"] is False


def test_bad_draws_answer_400_with_the_reason(api_as: Any, demo_user: Any, inspectors: list[Any]) -> None:
    client = api_as(demo_user("township_staff"))
    plan = client.post("/api/v1/inspection-plans", _plan_payload(), content_type="application/json").json()
    url = f"/api/v1/inspection-plans/{plan['id']}/draws"
    too_many = client.post(
        url, {"sample_size": 5000, "inspectors": [u.pk for u in inspectors]}, content_type="application/json"
    )
    assert too_many.status_code == 400 and "抽取池" in too_many.json()["detail"]
    alone = client.post(
        url, {"sample_size": 1, "inspectors": [inspectors[0].pk], "team_size": 2}, content_type="application/json"
    )
    assert alone.status_code == 400 and "少于每组人数" in alone.json()["detail"]
    assert not RandomDraw.objects.filter(plan_id=plan["id"]).exists()


def test_generate_and_my_tasks(api_as: Any, demo_user: Any) -> None:
    today = timezone.localdate()
    client = api_as(demo_user("township_staff"))
    response = client.post(
        "/api/v1/inspection-plans/generate",
        {
            "jurisdiction_code": TOWNSHIP_A,
            "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=90)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["kind"] == "periodic"
    if not plan["tasks"]:
        pytest.skip("no place of the demo township is due within 90 days")
    task_id = plan["tasks"][0]["id"]
    worker = demo_user("grid_worker")
    assign = client.post(
        f"/api/v1/inspection-tasks/{task_id}/actions/assign",
        {"inspectors": [worker.pk, demo_user("township_admin").pk]},
        content_type="application/json",
    )
    assert assign.status_code == 200, assign.content
    mine = api_as(worker).get("/api/v1/inspection-tasks", {"mine": 1}).json()["items"]
    assert task_id in [t["id"] for t in mine]
    start = api_as(worker).post(
        f"/api/v1/inspection-tasks/{task_id}/actions/start", {}, content_type="application/json"
    )
    assert start.status_code == 200 and start.json()["state"] == "in_progress"
    cancel = client.post(
        f"/api/v1/inspection-tasks/{task_id}/actions/cancel", {"reason": ""}, content_type="application/json"
    )
    assert cancel.status_code == 400
    bad = client.post(f"/api/v1/inspection-tasks/{task_id}/actions/explode", {}, content_type="application/json")
    assert bad.status_code == 422


def test_planning_needs_the_capability(api_as: Any, demo_user: Any) -> None:
    for role in ("grid_worker", "village_cadre", "leader", "enterprise_user"):
        response = api_as(demo_user(role)).post(
            "/api/v1/inspection-plans", _plan_payload(), content_type="application/json"
        )
        assert response.status_code in (403, 404), role


def test_annual_plan_create_and_approve(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("township_admin"))
    year = timezone.localdate().year + 1
    body = {
        "jurisdiction_code": TOWNSHIP_A,
        "year": year,
        "title": f"{year}年度执法计划",
        "monthly_counts": [5] * 12,
        "targets": [{"kind": "", "grade": "major", "count": 12}],
    }
    response = client.post("/api/v1/annual-plans", body, content_type="application/json")
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["planned_total"] == 60 and plan["quarterly_counts"] == [15, 15, 15, 15]
    assert client.post("/api/v1/annual-plans", body, content_type="application/json").status_code == 400  # one per year
    approved = client.post(f"/api/v1/annual-plans/{plan['id']}/approve").json()
    assert approved["status"] == "approved" and approved["approved_by"]


def test_exports(api_as: Any, demo_user: Any, inspectors: list[Any]) -> None:
    client = api_as(demo_user("township_staff"))
    plan = client.post("/api/v1/inspection-plans", _plan_payload(), content_type="application/json").json()
    draw = client.post(
        f"/api/v1/inspection-plans/{plan['id']}/draws",
        {"sample_size": 2, "inspectors": [u.pk for u in inspectors], "seed": "xlsx"},
        content_type="application/json",
    ).json()
    sheet = load_workbook(
        BytesIO(b"".join(client.get(f"/api/v1/draws/{draw['id']}/result.xlsx").streaming_content))
    ).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("xlsx" in row for row in values)
    tasks = load_workbook(
        BytesIO(b"".join(client.get(f"/api/v1/inspection-plans/{plan['id']}/tasks.xlsx").streaming_content))
    )
    names = {t.place.name for t in InspectionTask.objects.filter(plan_id=plan["id"]).select_related("place")}
    cells = {c.value for row in tasks.worksheets[0].iter_rows() for c in row}
    assert names <= cells
