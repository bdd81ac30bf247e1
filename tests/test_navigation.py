"""The main menu: grouped links, shown by capability, current page marked, broken names skipped."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from yingji import navigation
from yingji.navigation import NavGroup, NavLink, build_navigation

pytestmark = pytest.mark.django_db


def labels(groups: list[dict[str, Any]]) -> set[str]:
    return {str(link["label"]) for group in groups for link in group["links"]}


def test_links_follow_capabilities(client: Any, demo_user: Any) -> None:
    client.force_login(demo_user("township_admin"))
    admin_page = client.get("/people/")
    admin_links = labels(admin_page.context["navigation"])
    assert {"人员", "账号", "审计", "人员配备"} <= admin_links
    client.force_login(demo_user("grid_worker"))
    worker_links = labels(client.get("/people/").context["navigation"])
    assert "人员" in worker_links and "账号" not in worker_links and "审计" not in worker_links


def test_current_page_is_marked(client: Any, demo_user: Any) -> None:
    client.force_login(demo_user("township_admin"))
    groups = client.get("/staffing/").context["navigation"]
    current = [(str(g["label"]), str(link["label"])) for g in groups for link in g["links"] if link["current"]]
    assert current == [("风险防控", "人员配备")]
    assert 'aria-current="page">人员配备<' in client.get("/staffing/").content.decode()


def test_unresolvable_links_are_left_out(monkeypatch: pytest.MonkeyPatch, demo_user: Any) -> None:
    monkeypatch.setattr(
        navigation, "NAVIGATION", (NavGroup("组", (NavLink("有", "people:list"), NavLink("无", "nowhere:page"))),)
    )
    request = RequestFactory().get("/")
    request.user = demo_user("township_admin")
    assert labels(build_navigation(request)) == {"有"}


def test_anonymous_users_get_no_menu() -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert build_navigation(request) == []


def test_the_most_specific_link_is_current(client: Any, demo_user: Any) -> None:
    client.force_login(demo_user("township_admin"))
    nearest = client.get("/teams/nearest/").context["navigation"]
    current = [str(link["label"]) for g in nearest for link in g["links"] if link["current"]]
    assert current == ["附近队伍"]
    listing = client.get("/teams/").context["navigation"]
    assert [str(link["label"]) for g in listing for link in g["links"] if link["current"]] == ["救援队伍"]
