"""A user of township B (石浦镇) sees and changes nothing of township A's plans, drills and training."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from demo.constants import TOWNSHIP_A
from plans import actions
from plans.models import Drill, Plan, Training

pytestmark = pytest.mark.django_db
ROLES = ["township_admin", "township_staff", "village_cadre", "grid_worker", "leader", "auditor", "enterprise_user"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["/api/v1/plans", "/api/v1/drills", "/api/v1/trainings", "/api/v1/plans/revision-overdue"])
def test_outsider_lists_contain_nothing_of_township_a(
    role: str, url: str, outsiders: dict[str, Any], api_as: Any, plan: Plan, drill: Drill, training: Training
) -> None:
    items = api_as(outsiders[role]).get(url, {"page_size": 100}).json()["items"]
    assert not [i for i in items if i["jurisdiction_code"].startswith(TOWNSHIP_A)]


@pytest.mark.parametrize("role", ROLES)
def test_outsider_gets_404_for_township_a_records_and_reports(
    role: str, outsiders: dict[str, Any], api_as: Any, plan: Plan, drill: Drill, training: Training
) -> None:
    client = api_as(outsiders[role])
    for url in (
        f"/api/v1/plans/{plan.pk}", f"/api/v1/plans/{plan.pk}/cards", f"/api/v1/plans/{plan.pk}/history", f"/api/v1/drills/{drill.pk}",
        f"/api/v1/drills/{drill.pk}/history", f"/api/v1/trainings/{training.pk}",
    ):
        assert client.get(url).status_code == 404, url
    for url, params in (
        ("/api/v1/plans/handbook", {"jurisdiction": TOWNSHIP_A}),
        ("/api/v1/plans/handbook.docx", {"jurisdiction": TOWNSHIP_A}),
        ("/api/v1/drills/targets", {"jurisdiction": TOWNSHIP_A}),
        ("/api/v1/trainings/summary", {"jurisdiction": TOWNSHIP_A}),
        ("/api/v1/plans", {"jurisdiction": TOWNSHIP_A}),
    ):
        assert client.get(url, params).status_code == 404, url


def test_outsider_cannot_download_township_a_attachments(outsiders: dict[str, Any], api_as: Any, demo_user: Any, plan: Plan, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    attachment = actions.add_attachment(plan, by=demo_user("township_staff"), upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"))
    assert api_as(outsiders["township_admin"]).get(f"/api/v1/plan-attachments/{attachment.pk}").status_code == 404
    client = Client()
    client.force_login(outsiders["township_admin"])
    assert client.get(reverse("plans:attachment", args=[attachment.pk])).status_code == 404


@pytest.mark.parametrize("role", ["township_admin", "township_staff", "village_cadre"])
def test_outsider_cannot_write_to_township_a(role: str, outsiders: dict[str, Any], api_as: Any, plan: Plan, drill: Drill, training: Training) -> None:
    client = api_as(outsiders[role])
    json = "application/json"
    assert client.patch(f"/api/v1/plans/{plan.pk}", {"title": "改"}, content_type=json).status_code == 404
    assert client.post(f"/api/v1/plans/{plan.pk}/status", {"status": "superseded"}, content_type=json).status_code == 404
    assert client.put(f"/api/v1/plans/{plan.pk}/sections", {"sections": []}, content_type=json).status_code == 404
    assert client.post(f"/api/v1/plans/{plan.pk}/cards", {"position_kind": "grid_member", "steps": ["x"]}, content_type=json).status_code == 404
    assert client.patch(f"/api/v1/drills/{drill.pk}", {"title": "改"}, content_type=json).status_code == 404
    assert client.post(f"/api/v1/drills/{drill.pk}/actions", {"description": "x"}, content_type=json).status_code == 404
    assert client.patch(f"/api/v1/trainings/{training.pk}", {"topic": "改"}, content_type=json).status_code == 404
    assert client.post("/api/v1/plans", {"title": "越界", "kind": "fire", "jurisdiction_code": TOWNSHIP_A}, content_type=json).status_code == 400
    assert Plan.unscoped.get(pk=plan.pk).title == plan.title and Plan.unscoped.get(pk=plan.pk).status == plan.status
    assert Drill.unscoped.get(pk=drill.pk).title == drill.title and Training.unscoped.get(pk=training.pk).topic == training.topic


@pytest.mark.parametrize("url", ["/api/v1/plans/export.xlsx", "/api/v1/drills/export.xlsx", "/api/v1/trainings/export.xlsx"])
def test_outsider_exports_contain_nothing_of_township_a(url: str, outsiders: dict[str, Any], api_as: Any, plan: Plan, drill: Drill,
                                                        training: Training, their_plan: Plan, their_drill: Drill, their_training: Training) -> None:
    response = api_as(outsiders["township_admin"]).get(url)
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    codes = [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert codes and not [c for c in codes if c.startswith(TOWNSHIP_A)]


def test_outsider_pages_answer_404(outsiders: dict[str, Any], plan: Plan, drill: Drill, training: Training) -> None:
    client = Client()
    client.force_login(outsiders["township_admin"])
    for name, pk in (("detail", plan.pk), ("edit", plan.pk), ("sections", plan.pk), ("cards_print", plan.pk), ("card_create", plan.pk),
                     ("drill_detail", drill.pk), ("drill_edit", drill.pk), ("training_detail", training.pk)):
        assert client.get(reverse(f"plans:{name}", args=[pk])).status_code == 404, name
    assert client.get(reverse("plans:handbook", args=[TOWNSHIP_A])).status_code == 404
    assert client.get(reverse("plans:drills"), {"code": TOWNSHIP_A}).status_code == 404
    assert client.get(reverse("plans:trainings"), {"code": TOWNSHIP_A}).status_code == 404
    assert client.post(reverse("plans:status", args=[plan.pk]), {"status": "superseded"}).status_code == 404


def test_outsider_list_pages_show_nothing_of_township_a(outsiders: dict[str, Any], plan: Plan, drill: Drill) -> None:
    client = Client()
    client.force_login(outsiders["township_staff"])
    assert reverse("plans:detail", args=[plan.pk]) not in client.get(reverse("plans:list")).content.decode()
    drills_page = client.get(reverse("plans:drills"), {"year": 2025}).content.decode()
    assert reverse("plans:drill_detail", args=[drill.pk]) not in drills_page and "丹东街道" not in drills_page
