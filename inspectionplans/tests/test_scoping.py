"""A user of township B (石浦镇) sees and changes nothing of township A's plans, draws and tasks."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from demo.constants import TOWNSHIP_A
from inspectionplans import actions
from inspectionplans.models import InspectionPlan, InspectionTask, RandomDraw

pytestmark = pytest.mark.django_db
ROLES = ["township_admin", "township_staff", "village_cadre", "grid_worker", "leader", "auditor", "enterprise_user"]
JSON = "application/json"


@pytest.fixture
def drawn(draw_plan: InspectionPlan, demo_user: Any, inspectors: list[Any]) -> RandomDraw:
    return actions.draw(
        draw_plan,
        by=demo_user("township_staff"),
        criteria={},
        sample_size=2,
        inspectors=inspectors,
        team_size=2,
        seed="scope",
    )


@pytest.mark.parametrize("role", ROLES)
def test_outsider_api_sees_nothing_of_township_a(
    role: str, outsiders: dict[str, Any], api_as: Any, drawn: RandomDraw
) -> None:
    client = api_as(outsiders[role])
    plan_id = drawn.plan_id
    task_id = InspectionTask.unscoped.filter(draw=drawn).values_list("pk", flat=True)[0]
    annual_id = InspectionPlan.unscoped.get(pk=plan_id).annual_plan_id
    for url in ("/api/v1/inspection-plans", "/api/v1/draws", "/api/v1/inspection-tasks", "/api/v1/annual-plans"):
        items = client.get(url, {"page_size": 100}).json()["items"]
        assert not [i for i in items if str(i.get("jurisdiction_code", "")).startswith(TOWNSHIP_A)], url
        assert plan_id not in [i.get("plan_id") for i in items] and task_id not in [
            i["id"] for i in items if "place_id" in i
        ], url
    for url in (
        f"/api/v1/inspection-plans/{plan_id}",
        f"/api/v1/draws/{drawn.pk}",
        f"/api/v1/draws/{drawn.pk}/verify",
        f"/api/v1/draws/{drawn.pk}/result.xlsx",
        f"/api/v1/inspection-plans/{plan_id}/tasks.xlsx",
        f"/api/v1/inspection-tasks/{task_id}",
    ):
        assert client.get(url).status_code == 404, url
    if annual_id:
        assert client.get(f"/api/v1/annual-plans/{annual_id}").status_code == 404


@pytest.mark.parametrize("role", ["township_admin", "township_staff"])
def test_outsider_planner_cannot_write_to_township_a(
    role: str, outsiders: dict[str, Any], api_as: Any, drawn: RandomDraw, inspectors: list[Any]
) -> None:
    client = api_as(outsiders[role])
    task_id = InspectionTask.unscoped.filter(draw=drawn).values_list("pk", flat=True)[0]
    body = {"sample_size": 1, "inspectors": [u.pk for u in inspectors]}
    assert client.post(f"/api/v1/inspection-plans/{drawn.plan_id}/draws", body, content_type=JSON).status_code == 404
    assert client.post(f"/api/v1/inspection-plans/{drawn.plan_id}/close", {}, content_type=JSON).status_code == 404
    assert (
        client.post(
            f"/api/v1/inspection-tasks/{task_id}/actions/cancel", {"reason": "x"}, content_type=JSON
        ).status_code
        == 404
    )
    generate = {"jurisdiction_code": TOWNSHIP_A, "period_start": "2026-01-01", "period_end": "2026-01-31"}
    assert client.post("/api/v1/inspection-plans/generate", generate, content_type=JSON).status_code == 404
    plan = {"jurisdiction_code": TOWNSHIP_A, "title": "越界", "period_start": "2026-01-01", "period_end": "2026-01-31"}
    assert client.post("/api/v1/inspection-plans", plan, content_type=JSON).status_code == 404
    assert RandomDraw.unscoped.filter(plan_id=drawn.plan_id).count() == 1
    assert InspectionTask.unscoped.get(pk=task_id).state == "pending"


def test_outsider_pages_answer_404(outsiders: dict[str, Any], drawn: RandomDraw) -> None:
    client = Client()
    client.force_login(outsiders["township_admin"])
    task_id = InspectionTask.unscoped.filter(draw=drawn).values_list("pk", flat=True)[0]
    for name, pk in (
        ("detail", drawn.plan_id),
        ("export", drawn.plan_id),
        ("draw_new", drawn.plan_id),
        ("draw", drawn.pk),
        ("draw_verify", drawn.pk),
        ("draw_export", drawn.pk),
        ("task", task_id),
    ):
        assert client.get(reverse(f"inspectionplans:{name}", args=[pk])).status_code == 404, name
    assert client.post(reverse("inspectionplans:status", args=[drawn.plan_id]), {"do": "close"}).status_code == 404
    assert (
        client.post(reverse("inspectionplans:task", args=[task_id]), {"do": "cancel", "reason": "x"}).status_code == 404
    )
    for name in ("list", "draws", "my_tasks"):
        page = client.get(reverse(f"inspectionplans:{name}")).content.decode()
        assert reverse("inspectionplans:detail", args=[drawn.plan_id]) not in page, name
        assert reverse("inspectionplans:draw", args=[drawn.pk]) not in page, name


def test_enterprise_user_sees_only_announced_tasks_of_their_places(
    demo_user: Any, api_as: Any, drawn: RandomDraw, make_plan: Any
) -> None:
    user = demo_user("enterprise_user")
    items = api_as(user).get("/api/v1/inspection-tasks", {"page_size": 100}).json()["items"]
    from places.models import PlaceAccount

    theirs = set(PlaceAccount.objects.filter(user=user).values_list("place_id", flat=True))
    assert all(i["place_id"] in theirs for i in items)
    assert not [i for i in items if i["unannounced"] and i["state"] != "done"]


def test_unannounced_tasks_stay_hidden_from_non_planners(demo_user: Any, api_as: Any, make_plan: Any) -> None:
    staff = demo_user("township_staff")
    plan = make_plan(unannounced=True, kind="special")
    from places.models import Place

    place = Place.unscoped.filter(jurisdiction__code__startswith=TOWNSHIP_A, archived_at__isnull=True).first()
    assert place is not None
    task = actions.create_task(
        by=staff, place=place, due_on=plan.period_end, plan=plan, inspectors=[staff, demo_user("township_admin")]
    )
    assert api_as(staff).get(f"/api/v1/inspection-tasks/{task.pk}").status_code == 200
    assert api_as(demo_user("village_cadre")).get(f"/api/v1/inspection-tasks/{task.pk}").status_code == 404


def test_outsider_task_export_is_empty_of_township_a(
    outsiders: dict[str, Any], api_as: Any, drawn: RandomDraw, make_plan: Any, their_plan: Any
) -> None:
    response = api_as(outsiders["township_admin"]).get(f"/api/v1/inspection-plans/{their_plan.pk}/tasks.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert len(list(sheet.iter_rows(min_row=2, values_only=True))) == 0
