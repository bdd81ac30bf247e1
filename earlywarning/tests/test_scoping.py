"""Leak tests: an account from township B sees nothing of township A's warnings, on every endpoint and page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.roles import Role
from earlywarning import actions
from earlywarning.models import EarlyWarning

OUTSIDER_ROLES = [r.value for r in Role if r != Role.COUNTY_ADMIN]


@pytest.fixture
def issued(make_draft: Any, staff: Any) -> EarlyWarning:
    return actions.issue(make_draft(title="丹东街道内部预警"), by=staff)


@pytest.fixture
def draft(make_draft: Any) -> EarlyWarning:
    return make_draft(title="丹东街道草稿")


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_api_reads_nothing(role: str, outsiders: dict[str, Any], api_as: Any, issued: EarlyWarning, draft: EarlyWarning) -> None:
    client = api_as(outsiders[role])
    listed = client.get("/api/v1/warnings?page_size=200").json()
    assert not {item["id"] for item in listed["items"]} & {issued.pk, draft.pk}
    for warning in (issued, draft):
        for suffix in ("", "/recipients", "/acknowledgements", "/deliveries", "/cap.xml"):
            response = client.get(f"/api/v1/warnings/{warning.pk}{suffix}")
            assert response.status_code == 404, (role, suffix, response.status_code)


@pytest.mark.parametrize("role", ["township_admin", "township_staff"])
def test_outsider_api_writes_fail_as_not_found(role: str, outsiders: dict[str, Any], api_as: Any, issued: EarlyWarning, draft: EarlyWarning) -> None:
    client = api_as(outsiders[role])
    assert client.patch(f"/api/v1/warnings/{draft.pk}", {"title": "x"}, content_type="application/json").status_code == 404
    for action in ("issue", "update", "extend", "lift"):
        target = draft if action == "issue" else issued
        assert client.post(f"/api/v1/warnings/{target.pk}/actions/{action}", {}, content_type="application/json").status_code == 404
        assert client.post(f"/api/v1/warnings/{target.pk}/{action}", {"ends_at": "2099-01-01T00:00:00+08:00"}, content_type="application/json").status_code == 404
    issued.refresh_from_db()
    assert issued.state == "issued" and issued.messages.count() == 1


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_pages_show_nothing(role: str, outsiders: dict[str, Any], issued: EarlyWarning, draft: EarlyWarning) -> None:
    client = Client()
    client.force_login(outsiders[role])
    listing = client.get("/warnings/").content.decode()
    assert issued.title not in listing and draft.title not in listing
    for warning in (issued, draft):
        assert client.get(f"/warnings/{warning.pk}/").status_code == 404
        assert client.get(f"/warnings/{warning.pk}/cap.xml").status_code == 404
        assert client.get(f"/warnings/{warning.pk}/board/").status_code in (403, 404)
        assert client.post(f"/warnings/{warning.pk}/lift/").status_code in (403, 404)
        assert client.get(f"/warnings/{warning.pk}/edit/").status_code in (403, 404)


def test_outsider_cannot_draft_into_another_township(outsiders: dict[str, Any], api_as: Any) -> None:
    client = api_as(outsiders["township_admin"])
    body = {"kind": "rainstorm", "level": "blue", "title": "越界", "area": ["330225001001"]}
    response = client.post("/api/v1/warnings", body, content_type="application/json")
    assert response.status_code == 422
    assert not EarlyWarning.objects.filter(title="越界").exists()
