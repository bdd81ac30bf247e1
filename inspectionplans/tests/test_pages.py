"""The inspection-plan pages: lists, forms, the draw page with verification, my tasks, exports."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from demo.constants import TOWNSHIP_A
from inspectionplans import actions, services
from inspectionplans.choices import AnnualPlanStatus, TaskState
from inspectionplans.demo_data import DRAW_SEED
from inspectionplans.models import AnnualPlan, InspectionPlan, InspectionTask, RandomDraw
from jurisdictions.models import Jurisdiction
from places.models import Place

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_demo_has_an_approved_annual_plan_and_a_verifiable_draw() -> None:
    year = timezone.localdate().year
    annual = AnnualPlan.unscoped.get(jurisdiction__code=TOWNSHIP_A, year=year, archived_at__isnull=True)
    assert annual.status == AnnualPlanStatus.APPROVED and annual.approved_by is not None
    record = RandomDraw.unscoped.get(seed=DRAW_SEED)
    assert services.verify_draw(record)
    assert InspectionTask.unscoped.filter(draw=record).count() == len(record.place_ids)
    assert InspectionPlan.unscoped.filter(annual_plan=annual, kind="periodic").exists()


def test_list_and_draw_pages_render(demo_user: Any) -> None:
    client = login(demo_user("township_staff"))
    page = client.get(reverse("inspectionplans:list")).content.decode()
    assert "年度执法计划" in page and "双随机联合抽查" in page
    record = RandomDraw.unscoped.get(seed=DRAW_SEED)
    assert DRAW_SEED in client.get(reverse("inspectionplans:draws")).content.decode()
    detail = client.get(reverse("inspectionplans:draw", args=[record.pk])).content.decode()
    assert DRAW_SEED in detail and "可复核" in detail and "复核抽取" in detail
    verify = client.get(
        reverse("inspectionplans:draw_verify", args=[record.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-verified="1"' in verify
    plan_page = client.get(reverse("inspectionplans:detail", args=[record.plan_id])).content.decode()
    assert "联合检查" in plan_page


def test_draw_page_previews_the_pool_and_draws(demo_user: Any) -> None:
    staff = demo_user("township_staff")
    client = login(staff)
    today = timezone.localdate()
    response = client.post(
        reverse("inspectionplans:create"),
        {
            "jurisdiction": Jurisdiction.unscoped.get(code=TOWNSHIP_A).pk,
            "title": "页面双随机",
            "kind": "random_draw",
            "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=10)).isoformat(),
        },
    )
    plan = InspectionPlan.unscoped.get(title="页面双随机")
    assert response.status_code == 302 and response["Location"] == reverse("inspectionplans:draw_new", args=[plan.pk])
    preview = client.get(
        reverse("inspectionplans:draw_new", args=[plan.pk]),
        {"preview": 1, "key_units_only": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert "抽取池" in preview.content.decode()
    form = client.get(reverse("inspectionplans:draw_new", args=[plan.pk]))
    assert form.status_code == 200
    inspectors = [demo_user("township_admin").pk, staff.pk]
    response = client.post(
        reverse("inspectionplans:draw_new", args=[plan.pk]),
        {"sample_size": 2, "inspectors": inspectors, "team_size": 2, "seed": "page-seed"},
    )
    record = RandomDraw.unscoped.get(plan=plan)
    assert response.status_code == 302 and record.seed == "page-seed"
    # Too large a sample: the form shows the reason and nothing is drawn.
    response = client.post(
        reverse("inspectionplans:draw_new", args=[plan.pk]),
        {"sample_size": 9999, "inspectors": inspectors, "team_size": 2},
    )
    assert response.status_code == 200 and "抽取池" in response.content.decode()
    assert RandomDraw.unscoped.filter(plan=plan).count() == 1


def test_generate_form_and_task_actions(demo_user: Any) -> None:
    staff = demo_user("township_staff")
    client = login(staff)
    today = timezone.localdate()
    response = client.post(
        reverse("inspectionplans:generate"),
        {
            "jurisdiction": Jurisdiction.unscoped.get(code=TOWNSHIP_A).pk,
            "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=365)).isoformat(),
            "title": "页面定期计划",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = InspectionPlan.unscoped.get(title="页面定期计划")
    task = InspectionTask.unscoped.filter(plan=plan).first()
    if task is None:
        pytest.skip("every due place of the demo township already has an open task")
    url = reverse("inspectionplans:task", args=[task.pk])
    assert (
        client.post(url, {"do": "assign", "inspectors": [demo_user("township_admin").pk, staff.pk]}).status_code == 302
    )
    assert client.post(url, {"do": "cancel", "reason": "场所已关停"}).status_code == 302
    assert InspectionTask.unscoped.get(pk=task.pk).state == TaskState.CANCELLED
    filtered = client.get(
        reverse("inspectionplans:detail", args=[plan.pk]),
        {"state": "cancelled"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="task-results",
    ).content.decode()
    assert task.place.name in filtered
    book = load_workbook(
        BytesIO(b"".join(client.get(reverse("inspectionplans:export", args=[plan.pk])).streaming_content))
    )
    assert task.place.name in {c.value for row in book.worksheets[0].iter_rows() for c in row}


def test_annual_plan_pages(demo_user: Any) -> None:
    admin = demo_user("township_admin")
    client = login(admin)
    year = timezone.localdate().year + 2
    data: dict[str, Any] = {
        "jurisdiction": Jurisdiction.unscoped.get(code=TOWNSHIP_A).pk,
        "year": year,
        "title": "页面年度计划",
        "targets": ",major,5\n,,10",
    }
    data.update({f"month_{m}": 2 for m in range(1, 13)})
    response = client.post(reverse("inspectionplans:annual_create"), data)
    assert response.status_code == 302
    plan = AnnualPlan.unscoped.get(title="页面年度计划")
    assert plan.targets == [{"kind": "", "grade": "major", "count": 5}, {"kind": "", "grade": "", "count": 10}]
    assert "24" in client.get(reverse("inspectionplans:annual", args=[plan.pk])).content.decode()
    client.post(reverse("inspectionplans:annual_status", args=[plan.pk]), {"do": "approve"})
    assert AnnualPlan.unscoped.get(pk=plan.pk).status == AnnualPlanStatus.APPROVED
    bad = dict(data, targets="nonsense")
    assert "第 1 行" in client.post(reverse("inspectionplans:annual_create"), bad).content.decode()


def test_my_tasks_links_to_the_task(demo_user: Any) -> None:
    worker, staff = demo_user("grid_worker"), demo_user("township_staff")
    place = Place.unscoped.filter(
        jurisdiction_path__startswith=worker.jurisdiction_path, archived_at__isnull=True
    ).first()
    assert place is not None
    actions.create_task(by=staff, place=place, due_on=timezone.localdate(), inspectors=[worker, staff])
    tasks = list(services.open_tasks_for(worker))
    page = login(worker).get(reverse("inspectionplans:my_tasks")).content.decode()
    for task in tasks[:3]:
        assert f'data-task="{task.pk}"' in page and task.place.name in page


def test_pages_need_the_planning_capability(demo_user: Any) -> None:
    client = login(demo_user("grid_worker"))
    for name in ("create", "generate", "annual_create"):
        assert client.get(reverse(f"inspectionplans:{name}")).status_code == 403, name
    record = RandomDraw.unscoped.get(seed=DRAW_SEED)
    leader = login(demo_user("leader"))
    assert leader.get(reverse("inspectionplans:draw_new", args=[record.plan_id])).status_code == 403
    assert leader.post(reverse("inspectionplans:status", args=[record.plan_id]), {"do": "close"}).status_code == 403


def test_pages_speak_english(demo_user: Any, settings: Any) -> None:
    client = login(demo_user("township_staff"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    record = RandomDraw.unscoped.get(seed=DRAW_SEED)
    assert "New inspection plan" in client.get(reverse("inspectionplans:list")).content.decode()
    page = client.get(reverse("inspectionplans:draw", args=[record.pk])).content.decode()
    assert "Verify draw" in page and "Verifiable" in page
    assert "Draw" in client.get(reverse("inspectionplans:draw_new", args=[record.plan_id])).content.decode()
    assert "Tasks" in client.get(reverse("inspectionplans:detail", args=[record.plan_id])).content.decode()
    assert client.get(reverse("inspectionplans:my_tasks")).status_code == 200
    assert "Random seed" in client.get(reverse("inspectionplans:draws")).content.decode()


def test_place_page_lists_tasks_but_hides_unannounced_ones(demo_user: Any, make_plan: Any) -> None:
    staff = demo_user("township_staff")
    place = Place.unscoped.filter(
        jurisdiction_path__startswith=demo_user("village_cadre").jurisdiction_path, archived_at__isnull=True
    ).first()
    assert place is not None
    plan = make_plan(kind="special", unannounced=True, title="暗访专项检查")
    task = actions.create_task(
        by=staff, place=place, due_on=timezone.localdate(), plan=plan, inspectors=[staff, demo_user("township_admin")]
    )
    url = reverse("places:detail", args=[place.pk])
    assert reverse("inspectionplans:task", args=[task.pk]) in login(staff).get(url).content.decode()
    assert "暗访专项检查" not in login(demo_user("village_cadre")).get(url).content.decode()
