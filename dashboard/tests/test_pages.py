"""Home page: the user's node, counts below it and staffing gaps."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from demo.constants import GRID_A, TOWNSHIP_A
from jurisdictions.models import Jurisdiction
from people import actions
from people.models import Position

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_home_summarises_the_users_township(client: Client) -> None:
    login(client, "township_staff")
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    summary = response.context["summaries"][0]
    assert summary["node"].code == TOWNSHIP_A
    counts = {row["level"]: row["count"] for row in summary["levels"]}
    assert counts["village"] == Jurisdiction.unscoped.filter(parent__code=TOWNSHIP_A).count()
    assert summary["positions"] > 0
    assert "石浦镇" not in response.content.decode()


def test_a_grid_without_a_grid_member_shows_up_as_a_gap(client: Client) -> None:
    user = login(client, "township_staff")
    for position in Position.objects.current().filter(jurisdiction__code=GRID_A, kind__code="grid_member"):
        actions.end_position(position, by=user)
    response = client.get(reverse("dashboard:home"))
    gaps = {g["kind"].code: g for g in response.context["summaries"][0]["gaps"]}
    assert gaps["grid_member"]["count"] >= 1
    assert GRID_A in [node.code for node in gaps["grid_member"]["examples"]]


def test_home_query_count_does_not_depend_on_the_size_of_the_tree(
    client: Client, django_assert_max_num_queries
) -> None:
    login(client, "county_admin")
    # The summary (about 14) plus the domain cards (about 24, each a fixed number of grouped reads).
    with django_assert_max_num_queries(42):
        assert client.get(reverse("dashboard:home")).status_code == 200


def test_grid_worker_home_has_no_link_to_register_people(client: Client) -> None:
    login(client, "grid_worker")
    body = client.get(reverse("dashboard:home")).content.decode()
    assert reverse("people:create") not in body
    assert reverse("audit:changes") not in body
