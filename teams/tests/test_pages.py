"""Team pages: render, htmx partial, forms through actions, one-tap status, permissions, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from demo.constants import TOWNSHIP_A
from teams.models import Team, TeamStandard, TeamStatusChange

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def a_team_of(code: str = TOWNSHIP_A) -> Team:
    return Team.unscoped.filter(jurisdiction_path__contains=f"/{code}/", archived_at__isnull=True).order_by("id").first()


def test_list_page_renders_with_map_and_filters(admin_a: Any) -> None:
    response = login(admin_a).get(reverse("teams:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="team-map"' in html and "teams/teams.js" in html
    assert a_team_of().name in html
    assert "<script>" not in html.replace('<script src=', "")  # no inline script


def test_list_htmx_partial_filters_by_kind(admin_a: Any) -> None:
    response = login(admin_a).get(reverse("teams:list"), {"kind": "micro_fire_station"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="team-results")
    html = response.content.decode()
    assert html.startswith('<div id="team-results"')
    assert "综合应急救援队" not in html
    assert "微型消防站" in html


def test_list_page_query_count(admin_a: Any, django_assert_max_num_queries: Any) -> None:
    client = login(admin_a)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("teams:list")).status_code == 200


def test_detail_page_shows_members_compliance_and_history(admin_a: Any, django_assert_max_num_queries: Any) -> None:
    team = a_team_of()
    client = login(admin_a)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("teams:detail", args=[team.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert team.name in html and 'id="compliance"' in html and 'id="members"' in html
    assert "data-compliant=" in html or "未设配备标准" in html


def test_one_tap_status_change_records_history(admin_a: Any) -> None:
    team = a_team_of()
    client = login(admin_a)
    url = reverse("teams:status", args=[team.pk])
    target = "unavailable" if team.status != "unavailable" else "on_task"
    response = client.post(url, {"status": target, "reason": "车辆维修"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.status == target
    assert TeamStatusChange.objects.filter(team=team, to_status=target, reason="车辆维修", changed_by=admin_a).exists()
    # without a reason: refused with a message, nothing changes
    response = client.post(url, {"status": "on_task" if target != "on_task" else "unavailable"}, follow=True)
    assert "请填写原因" in response.content.decode()
    team.refresh_from_db()
    assert team.status == target


def test_create_and_edit_team_through_the_form(admin_a: Any) -> None:
    client = login(admin_a)
    response = client.post(
        reverse("teams:create"),
        {"name": "表单测试突击队", "kind": "village_shock_team", "jurisdiction": TOWNSHIP_A, "lng": "121.88", "lat": "29.48", "coord_system": "wgs84"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(name="表单测试突击队")
    response = client.post(
        reverse("teams:edit", args=[team.pk]),
        {"name": "表单测试突击队", "kind": "village_shock_team", "jurisdiction": TOWNSHIP_A, "lng": "200", "lat": "29.48", "coord_system": "wgs84"},
    )
    assert response.status_code == 200  # the form shows the error
    team.refresh_from_db()
    assert team.lng == 121.88


def test_read_only_roles_get_403_on_forms_and_no_edit_buttons(demo_user: Any) -> None:
    leader = demo_user("leader")
    client = login(leader)
    team = a_team_of()
    assert client.get(reverse("teams:create")).status_code == 403
    assert client.get(reverse("teams:member_add", args=[team.pk])).status_code == 403
    assert client.post(reverse("teams:status", args=[team.pk]), {"status": "on_task", "reason": "x"}).status_code == 403
    html = client.get(reverse("teams:detail", args=[team.pk])).content.decode()
    assert reverse("teams:edit", args=[team.pk]) not in html


def test_nearest_compliance_standards_and_import_pages_render(admin_a: Any, demo_user: Any) -> None:
    client = login(admin_a)
    for name in ("teams:nearest", "teams:compliance", "teams:standards"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("teams:import", args=["teams"])).status_code == 200
    assert client.get(reverse("teams:import", args=["members"])).status_code == 200
    assert client.get(reverse("teams:import", args=["nothing"])).status_code == 404
    assert client.get(reverse("teams:import_template", args=["teams"])).status_code == 200


def test_only_county_admin_edits_standards(admin_a: Any, demo_user: Any) -> None:
    standard = TeamStandard.objects.get(kind="micro_fire_station")
    url = reverse("teams:standard_edit", args=[standard.pk])
    assert login(admin_a).get(url).status_code == 403
    client = login(demo_user("county_admin"))
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": standard.name,
            "min_members": "8",
            "min_on_duty": "2",
            "required_capabilities": ["灭火"],
            "required_certificates": "",
            "required_vehicles": "消防摩托车 1",
            "required_equipment": "灭火器 12\n水枪 2",
            "basis": "测试",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    standard.refresh_from_db()
    assert standard.min_members == 8
    assert standard.required_vehicles == [{"kind": "motorcycle", "count": 1}]
    assert standard.required_equipment == [{"name": "灭火器", "quantity": 12}, {"name": "水枪", "quantity": 2}]


def test_member_add_form_finds_person_by_mobile(admin_a: Any) -> None:
    from people.models import Person

    team = a_team_of()
    person = Person.objects.filter(jurisdiction__code=TOWNSHIP_A, archived_at__isnull=True).exclude(team_memberships__team=team).first()
    response = login(admin_a).post(reverse("teams:member_add", args=[team.pk]), {"person": person.mobile, "role": "member", "on_duty": "on"})
    assert response.status_code == 302
    assert team.members.filter(person=person, on_duty=True).exists()


def test_pages_are_translated_when_english_is_chosen(admin_a: Any, settings: Any) -> None:
    client = login(admin_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("teams:nearest")).content.decode()
    assert "Nearest available teams" in html and "Use my location" in html
