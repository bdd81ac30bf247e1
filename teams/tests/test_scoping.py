"""Leak tests: an account from township B sees and changes nothing of township A's teams.

Every list must omit A's teams, every detail and write must answer 404 (as if the team
did not exist), every page must 404, and exports must hold none of A's rows.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from accounts.roles import Role
from demo.constants import TOWNSHIP_A
from teams.models import Certificate, Team, TeamMember, Vehicle

pytestmark = pytest.mark.django_db

OUTSIDER_ROLES = [r.value for r in Role if r != Role.COUNTY_ADMIN]


def _team() -> Team:
    return Team.unscoped.filter(jurisdiction__code=TOWNSHIP_A).order_by("id").first()


def _member() -> TeamMember:
    return TeamMember.unscoped.filter(team=_team()).order_by("id").first()


def _codes(payload: Any) -> list[str]:
    if "features" in payload:
        return [f["properties"]["jurisdiction_code"] for f in payload["features"]]
    if "children" in payload:
        return [payload["jurisdiction_code"], *(row["code"] for row in payload["children"])]
    return [item.get("jurisdiction_code") or "" for item in payload["items"]]


LIST_URLS = [
    "/api/v1/teams?page_size=500",
    "/api/v1/teams?q=丹东",
    "/api/v1/teams?include_archived=true&page_size=500",
    "/api/v1/teams/geojson",
    "/api/v1/teams/nearest?lng=121.87&lat=29.47&limit=100",
    "/api/v1/team-certificates?page_size=500",
    "/api/v1/team-certificates?state=expired&page_size=500",
    "/api/v1/teams/compliance",
]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
@pytest.mark.parametrize("url", LIST_URLS)
def test_outsider_lists_contain_nothing_of_ours(role: str, url: str, outsiders: dict[str, Any], api_as: Any) -> None:
    response = api_as(outsiders[role]).get(url)
    assert response.status_code == 200, response.content
    assert [c for c in _codes(response.json()) if c.startswith(TOWNSHIP_A)] == []


def _detail_urls() -> list[str]:
    team, member = _team(), _member()
    return [
        f"/api/v1/teams/{team.pk}",
        f"/api/v1/teams/{team.pk}/members",
        f"/api/v1/teams/{team.pk}/vehicles",
        f"/api/v1/teams/{team.pk}/status-history",
        f"/api/v1/teams/{team.pk}/history",
        f"/api/v1/teams/{team.pk}/compliance",
        f"/api/v1/teams?jurisdiction={TOWNSHIP_A}",
        f"/api/v1/teams/compliance?jurisdiction={TOWNSHIP_A}",
        f"/api/v1/team-certificates?jurisdiction={TOWNSHIP_A}",
        f"/api/v1/teams/geojson?jurisdiction={TOWNSHIP_A}",
        f"/api/v1/teams/export.xlsx?jurisdiction={TOWNSHIP_A}",
        f"/api/v1/teams/{member.team_id}/members?include_left=true",
    ]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_details_are_404(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    client = api_as(outsiders[role])
    for url in _detail_urls():
        assert client.get(url).status_code == 404, url


def _write_calls() -> list[tuple[str, str, dict[str, Any]]]:
    team, member = _team(), _member()
    certificate = Certificate.unscoped.filter(member__team=team).first() or Certificate.unscoped.filter(member__team__jurisdiction__code__startswith=TOWNSHIP_A).first()
    vehicle = Vehicle.unscoped.filter(jurisdiction_path__contains=f"/{TOWNSHIP_A}/").first()
    calls = [
        ("patch", f"/api/v1/teams/{team.pk}", {"name": "被改了"}),
        ("post", f"/api/v1/teams/{team.pk}/archive", {"reason": "x"}),
        ("post", f"/api/v1/teams/{team.pk}/restore", {}),
        ("post", f"/api/v1/teams/{team.pk}/status", {"status": "on_task", "reason": "x"}),
        ("post", f"/api/v1/teams/{team.pk}/members", {"person_id": member.person_id}),
        ("post", f"/api/v1/teams/{team.pk}/vehicles", {"plate": "浙B0000", "kind": "patrol"}),
        ("patch", f"/api/v1/team-members/{member.pk}", {"on_duty": False}),
        ("post", f"/api/v1/team-members/{member.pk}/end", {}),
        ("post", f"/api/v1/team-members/{member.pk}/certificates", {"name": "证"}),
    ]
    if certificate is not None:
        calls.append(("post", f"/api/v1/team-certificates/{certificate.pk}/renew", {"expires_on": "2099-01-01"}))
    if vehicle is not None:
        calls += [
            ("patch", f"/api/v1/team-vehicles/{vehicle.pk}", {"status": "repair"}),
            ("post", f"/api/v1/team-vehicles/{vehicle.pk}/archive", {}),
        ]
    return calls


@pytest.mark.parametrize("role", [Role.TOWNSHIP_ADMIN.value, Role.TOWNSHIP_STAFF.value, Role.VILLAGE_CADRE.value])
def test_outsider_writes_are_404_and_change_nothing(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    team = _team()
    before = (team.name, team.status, team.archived_at, team.updated_at)
    client = api_as(outsiders[role])
    for method, url, body in _write_calls():
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 404, (url, response.status_code, response.content[:200])
    team.refresh_from_db()
    assert (team.name, team.status, team.archived_at, team.updated_at) == before


def test_outsider_cannot_create_a_team_in_our_township(outsiders: dict[str, Any], api_as: Any) -> None:
    body = {"name": "外来队", "kind": "volunteer", "jurisdiction_code": TOWNSHIP_A, "lng": 121.8, "lat": 29.4}
    response = api_as(outsiders["township_admin"]).post("/api/v1/teams", body, content_type="application/json")
    assert response.status_code in (400, 404)
    assert not Team.unscoped.filter(name="外来队").exists()


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_exports_hold_none_of_our_rows(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    client = api_as(outsiders[role])
    for url in ("/api/v1/teams/export.xlsx", "/api/v1/team-members/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
        codes = [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]]
        assert [c for c in codes if c.startswith(TOWNSHIP_A)] == []


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_pages_are_404_and_lists_omit_ours(role: str, outsiders: dict[str, Any]) -> None:
    client = Client()
    client.force_login(outsiders[role])
    team, member = _team(), _member()
    for url in (
        f"/teams/{team.pk}/",
        f"/teams/{team.pk}/edit/",
        f"/teams/{team.pk}/members/new/",
        f"/teams/{team.pk}/vehicles/new/",
        f"/teams/members/{member.pk}/certificates/new/",
        f"/teams/compliance/?jurisdiction={TOWNSHIP_A}",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/teams/{team.pk}/status/", f"/teams/{team.pk}/archive/", f"/teams/members/{member.pk}/end/", f"/teams/members/{member.pk}/duty/"):
        assert client.post(url, {"status": "on_task", "reason": "x"}).status_code == 404, url
    html = client.get("/teams/?page=1").content.decode()
    assert team.name not in html
    html = client.get("/teams/export.xlsx")
    assert html.status_code == 200
