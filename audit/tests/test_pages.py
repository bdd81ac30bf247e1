"""Audit pages: the change log and the login records, each limited to the viewer's subtree."""

from __future__ import annotations

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse

from accounts.models import User
from demo.constants import TOWNSHIP_A, TOWNSHIP_B
from people import actions
from people.models import Person
from yingji.context import ActorContext, acting

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def person_in(code: str) -> Person:
    return Person.unscoped.filter(jurisdiction__code=code).order_by("id").first()


@pytest.fixture
def two_changes() -> tuple[Person, Person]:
    """One edit in each township, made by that township's admin."""
    ours, theirs = person_in(TOWNSHIP_A), person_in(TOWNSHIP_B)
    for person, username, title in ((ours, "township_admin", "丹东审计标记"), (theirs, "shipu_admin", "石浦审计标记")):
        user = User.unscoped.get(username=username)
        with acting(ActorContext(user=user)):
            actions.update_person(person, by=user, title=title)
    return ours, theirs


def test_change_log_shows_only_changes_in_the_viewers_township(client: Client, two_changes) -> None:
    login(client, "township_admin")
    body = client.get(reverse("audit:changes")).content.decode()
    assert "丹东审计标记" in body
    assert "石浦审计标记" not in body


def test_county_auditor_sees_changes_of_every_township(client: Client, two_changes) -> None:
    login(client, "auditor")
    body = client.get(reverse("audit:changes")).content.decode()
    assert "丹东审计标记" in body and "石浦审计标记" in body


def test_change_log_filters_by_record_type_action_and_user(client: Client, two_changes) -> None:
    login(client, "county_admin")
    response = client.get(
        reverse("audit:changes"), {"record_type": "people.person", "action": "update", "user": "shipu"}
    )
    rows = list(response.context["page"].object_list)
    assert rows
    assert all(r.user_name == "shipu_admin" and r.action == "update" for r in rows)
    response = client.get(reverse("audit:changes"), {"action": "archive", "user": "shipu"})
    assert not list(response.context["page"].object_list)


def test_change_log_refuses_a_reversed_date_range(client: Client) -> None:
    login(client, "county_admin")
    response = client.get(reverse("audit:changes"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_change_log_query_count_is_fixed(client: Client, django_assert_max_num_queries) -> None:
    user = login(client, "county_admin")
    with acting(ActorContext(user=user)):
        for index, person in enumerate(Person.unscoped.order_by("id")[:40]):
            actions.update_person(person, by=user, note=f"核对 {index}")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("audit:changes"))
    assert len(response.context["page"].object_list) == 30


@pytest.mark.parametrize("username", ["grid_worker", "township_staff", "leader"])
def test_roles_without_audit_capability_are_refused(client: Client, username: str) -> None:
    login(client, username)
    assert client.get(reverse("audit:changes")).status_code == 403
    assert client.get(reverse("audit:logins")).status_code == 403
    assert reverse("audit:changes") not in client.get(reverse("dashboard:home")).content.decode()


def test_login_records_are_limited_to_accounts_the_viewer_can_see(client: Client) -> None:
    for username in ("township_staff", "shipu_admin"):
        AccessLog.objects.create(
            username=username, ip_address="10.0.0.1", user_agent="test", http_accept="*/*", path_info="/"
        )
        AccessFailureLog.objects.create(
            username=username,
            ip_address="10.0.0.2",
            user_agent="test",
            http_accept="*/*",
            path_info="/",
            locked_out=False,
        )
    login(client, "township_admin")
    success = [r.username for r in client.get(reverse("audit:logins")).context["page"].object_list]
    assert "township_staff" in success and "shipu_admin" not in success
    failed = [r.username for r in client.get(reverse("audit:logins"), {"result": "failed"}).context["page"].object_list]
    assert "township_staff" in failed and "shipu_admin" not in failed


def test_person_history_include_shows_before_and_after(client: Client, two_changes) -> None:
    ours, _theirs = two_changes
    login(client, "township_admin")
    body = client.get(reverse("people:detail", args=[ours.pk])).content.decode()
    assert "职务" in body and "丹东审计标记" in body
