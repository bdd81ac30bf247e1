"""Plan, drill and training pages: render, htmx partials, forms, printable cards, permissions, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from demo.constants import TOWNSHIP_A
from people.models import PositionKind
from plans import actions
from plans.models import Drill, Plan

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def test_plan_list_renders_with_handbook_links_and_htmx_partial(client: Client, plan: Plan) -> None:
    login(client, "township_staff")
    body = client.get(reverse("plans:list")).content.decode()
    assert plan.title in body and reverse("plans:handbook", args=[TOWNSHIP_A]) in body
    partial = client.get(reverse("plans:list"), {"q": plan.title}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="plan-results")
    assert partial.content.decode().startswith('<div id="plan-results"')


def test_plan_detail_shows_sections_and_status_buttons(client: Client, plan: Plan) -> None:
    login(client, "township_staff")
    body = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "总则" in body and 'value="under_revision"' in body


def test_plan_create_then_sections_form(client: Client) -> None:
    login(client, "township_staff")
    response = client.post(reverse("plans:create"), {"title": "页面预案", "kind": "fire", "jurisdiction": TOWNSHIP_A, "version": "1.0"})
    plan = Plan.unscoped.get(title="页面预案")
    assert response.status_code == 302 and response.url == reverse("plans:sections", args=[plan.pk])
    assert plan.sections.count() == 8  # the default headings to fill in
    client.post(reverse("plans:sections", args=[plan.pk]), {"text": "# 总则\n第一条\n# 附则\n施行"})
    assert [(s.heading, s.body) for s in plan.sections.order_by("position")] == [("总则", "第一条"), ("附则", "施行")]


def test_cards_print_page_uses_the_print_stylesheet(client: Client, plan: Plan, demo_user: Any) -> None:
    actions.create_card(plan, by=demo_user("county_admin"), position_kind=PositionKind.objects.get(code="station_chief"), steps=["核实", "报告"])
    login(client, "township_staff")
    body = client.get(reverse("plans:cards_print", args=[plan.pk]), {"size": "a5"}).content.decode()
    assert "plans/cards.css" in body and "cards-a5" in body and "核实" in body and "<script" not in body


def test_drill_page_shows_targets_and_chart_data(client: Client, drill: Drill) -> None:
    login(client, "county_admin")
    body = client.get(reverse("plans:drills"), {"year": 2025}).content.decode()
    assert 'id="drill-chart-data"' in body and "丹东街道" in body and "vendor/echarts/echarts.min.js" in body


def test_drill_create_from_a_plan_and_record_follow_up(client: Client, plan: Plan) -> None:
    login(client, "township_staff")
    response = client.post(reverse("plans:drill_create"), {"title": "页面演练", "kind": "live", "jurisdiction": TOWNSHIP_A, "plan": plan.pk,
                                                           "conducted_on": "2025-06-01", "participants": "30"})
    drill = Drill.unscoped.get(title="页面演练")
    assert response.status_code == 302 and drill.plan_id == plan.pk
    client.post(reverse("plans:drill_action_add", args=[drill.pk]), {"description": "补指示牌", "becomes_hazard": "on", "hazard_note": "路口"})
    assert drill.actions.get().becomes_hazard


def test_read_only_role_cannot_open_forms(client: Client, plan: Plan) -> None:
    login(client, "leader")
    assert client.get(reverse("plans:create")).status_code == 403
    assert client.get(reverse("plans:sections", args=[plan.pk])).status_code == 403
    assert client.get(reverse("plans:drill_create")).status_code == 403


def test_training_page_summarises_the_year(client: Client, training: Any) -> None:
    login(client, "township_staff")
    body = client.get(reverse("plans:trainings"), {"year": 2025}).content.decode()
    assert training.topic in body and "进社区" in body


@pytest.mark.parametrize(("name", "params"), [("plans:list", {}), ("plans:drills", {"year": 2025}), ("plans:trainings", {"year": 2025})])
def test_list_pages_query_count_is_bounded(name: str, params: dict[str, Any], client: Client, django_assert_max_num_queries: Any) -> None:
    login(client, "county_admin")
    with django_assert_max_num_queries(16):
        assert client.get(reverse(name), params).status_code == 200


@pytest.mark.parametrize("name", ["plans:import", "drill_import", "training_import"])
def test_import_pages_render(name: str, client: Client) -> None:
    login(client, "township_staff")
    url = reverse(name if ":" in name else f"plans:{name}")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("username", ["county_admin", "leader", "auditor", "township_admin", "township_staff", "village_cadre", "grid_worker", "enterprise_user"])
def test_every_role_can_open_the_index_pages(username: str, client: Client) -> None:
    login(client, username)
    for name in ("plans:list", "plans:drills", "plans:trainings", "shelters:list", "shelters:capacity"):
        assert client.get(reverse(name)).status_code == 200, name


def test_plan_edits_through_the_api_are_in_its_history(api_as: Any, demo_user: Any, plan: Plan) -> None:
    client = api_as(demo_user("township_staff"))
    client.patch(f"/api/v1/plans/{plan.pk}", {"version": "3.1"}, content_type="application/json")
    history = client.get(f"/api/v1/plans/{plan.pk}/history").json()["items"]
    assert any(item["after"].get("version") == "3.1" and item["user_name"] == "township_staff" for item in history)
