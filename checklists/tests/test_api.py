"""API shapes and the draft workflow through the API."""

from __future__ import annotations

from typing import Any

import pytest

from checklists.models import Checklist, ChecklistItem, ChecklistStatus
from checklists.tests.conftest import make_place

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_list_and_detail_shapes(api_as: Any, demo_user: Any, small_place_list: Checklist) -> None:
    client = api_as(demo_user("grid_worker"))
    listed = client.get("/api/v1/checklists").json()
    assert listed["count"] >= 10
    row = next(r for r in listed["items"] if r["id"] == small_place_list.pk)
    assert row["status"] == "active" and row["version"] == 1 and row["county_wide"] is True
    assert row["item_count"] == small_place_list.items.count() and "items" not in row
    detail = client.get(f"/api/v1/checklists/{small_place_list.pk}").json()
    assert [i["order"] for i in detail["items"]] == sorted(i["order"] for i in detail["items"])
    item = detail["items"][0]
    assert set(item) >= {
        "matter",
        "content",
        "department",
        "level",
        "frequency",
        "rule_refs",
        "hazard_type",
        "category",
        "major_if_failed",
        "requires_photo",
    }
    assert all(set(ref) == {"code", "label"} for i in detail["items"] for ref in i["rule_refs"])


def test_list_filters(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("township_staff"))
    by_kind = client.get("/api/v1/checklists?kind=ind_woodwork").json()["items"]
    assert [r["lineage"] for r in by_kind] == ["dust-explosion"]
    by_category = client.get("/api/v1/checklists?category=hazchem").json()["items"]
    assert [r["lineage"] for r in by_category] == ["hazchem"]
    assert client.get("/api/v1/checklists?q=粉尘").json()["count"] >= 1
    assert client.get("/api/v1/checklists?status=draft").json()["count"] == 0
    assert client.get("/api/v1/checklists?status=nonsense").status_code == 422


def test_for_place(api_as: Any, demo_user: Any) -> None:
    place = make_place("ind_seafood")
    body = api_as(demo_user("grid_worker")).get(f"/api/v1/checklists/for-place/{place.pk}").json()
    assert body["lineage"] == "ammonia-refrigeration" and body["items"]
    assert any(ref["code"] == "应急管理部令第10号:第十二条(二)" for i in body["items"] for ref in i["rule_refs"])
    missing = api_as(demo_user("grid_worker")).get(f"/api/v1/checklists/for-place/{place.pk}?on=2020-01-01")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_draft_workflow_through_the_api(api_as: Any, county_admin: Any, small_place_list: Checklist) -> None:
    client = api_as(county_admin)
    response = client.post(f"/api/v1/checklists/{small_place_list.pk}/new-version")
    assert response.status_code == 201, response.content
    draft = response.json()
    assert draft["status"] == "draft" and draft["version"] == 2 and draft["supersedes_id"] == small_place_list.pk
    again = client.post(f"/api/v1/checklists/{small_place_list.pk}/new-version")
    assert again.status_code == 400 and "草稿" in again.json()["detail"]

    added = client.post(
        f"/api/v1/checklists/{draft['id']}/items",
        {
            "matter": "防烟排烟",
            "content": "排烟口未被遮挡",
            "rule_refs": [{"code": "GB35181-2017:7.5", "label": "防烟排烟"}],
            "department": "fire",
        },
        content_type=JSON,
    )
    assert added.status_code == 201, added.content
    item_id = added.json()["id"]
    assert (
        client.post(
            f"/api/v1/checklists/{draft['id']}/items",
            {"matter": "x", "content": "y", "hazard_type": "meteor"},
            content_type=JSON,
        ).status_code
        == 422
    )
    patched = client.patch(
        f"/api/v1/checklists/{draft['id']}/items/{item_id}", {"content": "排烟口、排烟窗未被遮挡"}, content_type=JSON
    )
    assert patched.status_code == 200 and patched.json()["content"] == "排烟口、排烟窗未被遮挡"
    first = draft["items"][0]["id"]
    assert client.delete(f"/api/v1/checklists/{draft['id']}/items/{first}").status_code == 204
    ids = [i["id"] for i in client.get(f"/api/v1/checklists/{draft['id']}").json()["items"]]
    reordered = client.post(
        f"/api/v1/checklists/{draft['id']}/items/reorder", {"item_ids": list(reversed(ids))}, content_type=JSON
    )
    assert reordered.status_code == 200 and [i["id"] for i in reordered.json()] == list(reversed(ids))

    # Items of an active version cannot be touched.
    active_item = small_place_list.items.first()
    refused = client.patch(
        f"/api/v1/checklists/{small_place_list.pk}/items/{active_item.pk}", {"content": "x"}, content_type=JSON
    )
    assert refused.status_code == 400 and "新版本" in refused.json()["detail"]

    published = client.post(f"/api/v1/checklists/{draft['id']}/publish", {}, content_type=JSON)
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "active"
    small_place_list.refresh_from_db()
    assert small_place_list.status == ChecklistStatus.SUPERSEDED
    versions = client.get(f"/api/v1/checklists/{draft['id']}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert not ChecklistItem.objects.filter(pk=first).exists()  # a draft's item is really removed
    assert small_place_list.items.count() == len(ids)  # v1 kept its items (v2 = v1 - 1 + 1)


def test_create_and_patch_a_local_list(api_as: Any, township_admin: Any) -> None:
    client = api_as(township_admin)
    created = client.post(
        "/api/v1/checklists",
        {"name": "台风前检查", "jurisdiction": "330225001", "place_kinds": ["farmstay"]},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["county_wide"] is False and body["jurisdiction_code"] == "330225001" and body["status"] == "draft"
    patched = client.patch(f"/api/v1/checklists/{body['id']}", {"place_kinds": ["nope"]}, content_type=JSON)
    assert patched.status_code == 400 and "nope" in patched.json()["detail"]
    assert client.post("/api/v1/checklists", {"name": "全县"}, content_type=JSON).status_code == 403


def test_read_only_roles_get_403(api_as: Any, demo_user: Any, small_place_list: Checklist) -> None:
    for role in ("grid_worker", "township_staff", "township_admin"):
        client = api_as(demo_user(role))
        assert client.post(f"/api/v1/checklists/{small_place_list.pk}/new-version").status_code == 403, role
        assert client.get(f"/api/v1/checklists/{small_place_list.pk}").status_code == 200


def test_import_endpoint(api_as: Any, county_admin: Any, small_place_list: Checklist) -> None:
    from checklists.tests.test_import import GOOD, _xlsx

    client = api_as(county_admin)
    active = client.post(f"/api/v1/checklists/{small_place_list.pk}/import", {"file": _xlsx(GOOD), "dry_run": "false"})
    assert active.status_code == 403
    draft = client.post(f"/api/v1/checklists/{small_place_list.pk}/new-version").json()
    checked = client.post(f"/api/v1/checklists/{draft['id']}/import", {"file": _xlsx(GOOD)})
    assert checked.status_code == 200 and checked.json()["dry_run"] is True and checked.json()["imported"] is False
    done = client.post(f"/api/v1/checklists/{draft['id']}/import", {"file": _xlsx(GOOD), "dry_run": "false"})
    assert done.status_code == 200 and done.json()["imported"] is True
    assert Checklist.objects.get(pk=draft["id"]).items.count() == 2
