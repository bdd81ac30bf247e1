"""Sign in, sign out, lock-out, the account page and the language switch."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from demo.constants import DEMO_PASSWORD, TOWNSHIP_B

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Yingji-new-2026x"


def test_login_page_is_in_chinese(client: Client) -> None:
    body = client.get(reverse("accounts:login")).content.decode()
    assert "登录" in body and "用户名" in body and "密码" in body


def test_signing_in_with_the_form_leads_to_the_home_page(client: Client) -> None:
    response = client.post(reverse("accounts:login"), {"username": "grid_worker", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")
    assert client.get(response.url).status_code == 200


def test_a_wrong_password_is_refused_with_a_chinese_message(client: Client) -> None:
    response = client.post(reverse("accounts:login"), {"username": "grid_worker", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_repeated_failures_lock_the_account_out(client: Client) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("accounts:login"), {"username": "grid_worker", "password": "wrong-password"})
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert "账号已暂时锁定" in response.content.decode()
    response = client.post(reverse("accounts:login"), {"username": "grid_worker", "password": DEMO_PASSWORD})
    assert "账号已暂时锁定" in response.content.decode()


def test_logout_needs_a_post(client: Client) -> None:
    client.force_login(User.unscoped.get(username="grid_worker"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_account_page_shows_role_and_jurisdiction(client: Client) -> None:
    client.force_login(User.unscoped.get(username="shipu_admin"))
    body = client.get(reverse("accounts:me")).content.decode()
    assert "乡镇管理员" in body and "石浦镇" in body
    assert f'href="{reverse("jurisdictions:detail", args=[TOWNSHIP_B])}"' in body


def test_changing_the_password_on_the_account_page(client: Client) -> None:
    user = User.unscoped.get(username="village_cadre")
    client.force_login(user)
    response = client.post(
        reverse("accounts:me"),
        {"old_password": DEMO_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:me")).status_code == 200  # still signed in


def test_a_weak_new_password_is_refused(client: Client) -> None:
    client.force_login(User.unscoped.get(username="village_cadre"))
    response = client.post(
        reverse("accounts:me"), {"old_password": DEMO_PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def test_switching_the_language_to_english_shows_english_pages(client: Client) -> None:
    client.force_login(User.unscoped.get(username="township_staff"))
    assert "人员名录" in client.get(reverse("people:list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("people:list")})
    body = client.get(reverse("people:list")).content.decode()
    assert "People directory" in body
    assert "人员名录" not in body
    assert 'lang="en"' in body


def test_missing_pages_answer_with_the_chinese_404_page(client: Client) -> None:
    client.force_login(User.unscoped.get(username="grid_worker"))
    response = client.get("/jurisdictions/999999/")
    assert response.status_code == 404
    assert "不在您的辖区范围内" in response.content.decode()
