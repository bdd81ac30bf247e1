"""Plan, drill and training API: shapes, pagination, jurisdiction_code, validation, targets and summary."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demo.constants import TOWNSHIP_A, VILLAGE_A
from plans.models import Drill, Plan, Training

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/plans", "/api/v1/drills", "/api/v1/trainings"])
def test_lists_have_count_items_and_jurisdiction_code(url: str, api_as: Any, demo_user: Any, plan: Plan, drill: Drill, training: Training) -> None:
    client = api_as(demo_user("township_staff"))
    body = client.get(url, {"page_size": 3}).json()
    assert set(body) == {"count", "items"} and body["count"] >= 1 and len(body["items"]) <= 3
    assert all(item["jurisdiction_code"].startswith(TOWNSHIP_A) for item in body["items"])
    second = client.get(url, {"page_size": 3, "page": 2}).json()
    assert not {i["id"] for i in body["items"]} & {i["id"] for i in second["items"]}


def test_plan_create_detail_and_patch(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("township_staff"))
    payload = {"title": "接口预案", "kind": "fire", "jurisdiction_code": TOWNSHIP_A, "approved_on": "2024-05-01", "status": "in_force",
               "sections": [{"heading": "总则", "body": "正文"}]}
    created = client.post("/api/v1/plans", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["revision_due"] == "2027-05-01" and body["sections"] == [{"heading": "总则", "body": "正文"}]
    patched = client.patch(f"/api/v1/plans/{body['id']}", {"approved_on": "2025-02-01", "version": "2.0"}, content_type="application/json")
    assert patched.json()["revision_due"] == "2028-02-01"
    sections = client.put(f"/api/v1/plans/{body['id']}/sections", {"sections": [{"heading": "附则", "body": ""}]}, content_type="application/json")
    assert sections.json()["sections"] == [{"heading": "附则", "body": ""}]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"approved_on": "2024-13-01"}, "approved_on"),
        ({"status": "in_force", "approved_on": None}, "approved_on"),
        ({"jurisdiction_code": "330225100"}, "jurisdiction_code"),
    ],
)
def test_bad_plan_input_names_the_field(api_as: Any, demo_user: Any, payload: dict[str, Any], field: str) -> None:
    data = {"title": "坏预案", "kind": "fire", "jurisdiction_code": TOWNSHIP_A, **payload}
    before = Plan.unscoped.count()
    response = api_as(demo_user("township_staff")).post("/api/v1/plans", data, content_type="application/json")
    assert response.status_code in (400, 422)
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Plan.unscoped.count() == before


def test_attachment_upload_refuses_renamed_files(api_as: Any, demo_user: Any, plan: Plan, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = api_as(demo_user("township_staff"))
    bad = client.post(f"/api/v1/plans/{plan.pk}/attachments", {"file": SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "file"
    good = client.post(f"/api/v1/plans/{plan.pk}/attachments", {"file": SimpleUploadedFile("签发稿.pdf", b"%PDF-1.4 ...")})
    assert good.status_code == 201 and good.json()["name"] == "签发稿.pdf"
    download = client.get(good.json()["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_drill_planned_then_conducted_with_follow_up(api_as: Any, demo_user: Any, plan: Plan) -> None:
    client = api_as(demo_user("township_staff"))
    created = client.post("/api/v1/drills", {"title": "接口演练", "kind": "tabletop", "jurisdiction_code": TOWNSHIP_A, "plan_id": plan.pk,
                                             "planned_on": "2025-05-01"}, content_type="application/json")
    assert created.status_code == 201, created.content
    drill = created.json()
    assert drill["plan_title"] == plan.title and drill["overdue"] is True and drill["conducted_on"] is None
    done = client.patch(f"/api/v1/drills/{drill['id']}", {"conducted_on": "2025-05-10", "participants": 50, "evaluation": "良好", "rating": "good"},
                        content_type="application/json")
    assert done.status_code == 200 and done.json()["overdue"] is False
    item = client.post(f"/api/v1/drills/{drill['id']}/actions", {"description": "补充指示牌", "becomes_hazard": True, "hazard_note": "路口无指示"},
                       content_type="application/json")
    assert item.status_code == 201 and item.json()["becomes_hazard"] is True
    patched = client.patch(f"/api/v1/drill-actions/{item.json()['id']}", {"done": True}, content_type="application/json")
    assert patched.json()["done"] is True and patched.json()["done_on"]


def test_drill_with_a_plan_outside_the_scope_is_refused(api_as: Any, demo_user: Any, their_plan: Plan) -> None:
    response = api_as(demo_user("township_staff")).post(
        "/api/v1/drills", {"title": "x", "kind": "live", "jurisdiction_code": TOWNSHIP_A, "plan_id": their_plan.pk, "planned_on": "2025-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "plan_id"


def test_targets_endpoint_shape(api_as: Any, demo_user: Any) -> None:
    body = api_as(demo_user("county_admin")).get("/api/v1/drills/targets", {"jurisdiction": "330225", "year": 2025}).json()
    for key in ("year", "jurisdiction_code", "met", "revised_plans", "other_plans", "units", "townships_without_drill",
                "villages_without_drill", "plans_not_drilled", "overdue_drills"):
        assert key in body
    assert body["year"] == 2025 and body["revised_plans"]["required"] == 100 and body["other_plans"]["required"] == 50
    assert {u["code"] for u in body["units"]} == {"330225001", "330225100", "330225200"}
    assert api_as(demo_user("county_admin")).get("/api/v1/drills/targets", {"jurisdiction": "330225", "year": 1999}).status_code == 422


def test_training_summary_counts_per_child_and_audience(api_as: Any, demo_user: Any, training: Training) -> None:
    client = api_as(demo_user("township_staff"))
    before = client.get("/api/v1/trainings/summary", {"jurisdiction": TOWNSHIP_A, "year": 2025}).json()
    created = client.post("/api/v1/trainings", {"held_on": "2025-09-01", "kind": "training", "audience": "school", "topic": "校园安全",
                                                "jurisdiction_code": VILLAGE_A, "attendance": 45}, content_type="application/json")
    assert created.status_code == 201 and created.json()["audience_label"] == "进学校"
    after = client.get("/api/v1/trainings/summary", {"jurisdiction": TOWNSHIP_A, "year": 2025}).json()
    assert after["total"]["events"] == before["total"]["events"] + 1
    assert after["total"]["attendance"] == before["total"]["attendance"] + 45
    village = next(c for c in after["children"] if c["code"] == VILLAGE_A)
    village_before = next(c for c in before["children"] if c["code"] == VILLAGE_A)
    assert village["by_audience"]["school"] == village_before["by_audience"]["school"] + 1
    assert client.get("/api/v1/trainings/summary", {"jurisdiction": TOWNSHIP_A, "year": 2024}).json()["year"] == 2024


def test_revision_overdue_endpoint(api_as: Any, demo_user: Any, make_plan: Any) -> None:
    old = make_plan(title="很旧的预案", approved_on=date(2019, 1, 1))
    items = api_as(demo_user("township_staff")).get("/api/v1/plans/revision-overdue", {"page_size": 100}).json()["items"]
    assert old.pk in [i["id"] for i in items] and all(i["revision_overdue"] for i in items)


@pytest.mark.parametrize("url", ["/api/v1/plans", "/api/v1/drills", "/api/v1/trainings", "/api/v1/plans/revision-overdue"])
def test_list_query_count_is_bounded(url: str, api_as: Any, demo_user: Any, django_assert_max_num_queries: Any) -> None:
    client = api_as(demo_user("county_admin"))
    with django_assert_max_num_queries(8):
        assert client.get(url, {"page_size": 100}).status_code == 200
