"""Account management (账号管理): a township admin runs their own people's accounts.

Personas: the demo township admin of township A (丹东街道), a county admin above them,
roles that manage nothing, and `outsiders` holding every role in township B (石浦镇).
"""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from accounts import actions
from accounts.models import ApiToken, User
from accounts.roles import GRANTABLE_ROLES, Role
from audit.models import ObjectChange
from demo.constants import DEMO_PASSWORD, GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from people.models import Person

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Reset-Pass-2026x"
JSON = "application/json"


def _new_account(client: Client, **overrides: Any) -> Any:
    payload = {"username": "new_cadre", "password": DEMO_PASSWORD, "role": "village_cadre", "jurisdiction_code": VILLAGE_A}
    payload.update(overrides)
    return client.post("/api/v1/users", payload, content_type=JSON)


def _token_login(username: str, password: str = DEMO_PASSWORD) -> Any:
    return Client().post("/api/v1/auth/token", {"username": username, "password": password}, content_type=JSON)


def _changes_of(user: User) -> Any:
    return ObjectChange.unscoped.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))


# --- creating accounts -----------------------------------------------------------------


def test_township_admin_creates_a_village_cadre_in_their_own_village(demo_user: Any, api_as: Any) -> None:
    admin = demo_user("township_admin")
    response = _new_account(api_as(admin))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "village_cadre" and body["role_label"] == "村社干部"
    assert body["jurisdiction_code"] == VILLAGE_A and body["is_active"] is True and body["locked_out"] is False
    assert "password" not in body
    created = User.unscoped.get(username="new_cadre")
    assert created.check_password(DEMO_PASSWORD)
    change = _changes_of(created).get()
    assert change.action == "create" and change.user_id == admin.pk
    assert "password" not in change.after
    assert _token_login("new_cadre").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"role": "county_admin", "jurisdiction_code": "330225"}, (400, 403)),
        ({"role": "township_admin", "jurisdiction_code": TOWNSHIP_A}, (403,)),
        ({"role": "village_cadre", "jurisdiction_code": f"{TOWNSHIP_B}001"}, (400,)),
        ({"role": "township_staff", "jurisdiction_code": TOWNSHIP_B}, (400,)),
        ({"role": "village_cadre", "jurisdiction_code": TOWNSHIP_A}, (400,)),
    ],
    ids=["county-admin", "peer-township-admin", "other-townships-village", "other-township", "wrong-level"],
)
def test_township_admin_cannot_grant_beyond_their_rank_or_subtree(
    overrides: dict[str, str], status: tuple[int, ...], demo_user: Any, api_as: Any
) -> None:
    response = _new_account(api_as(demo_user("township_admin")), **overrides)
    assert response.status_code in status, response.content
    assert "detail" in response.json()
    assert not User.unscoped.filter(username="new_cadre").exists()


def test_county_admin_may_appoint_a_township_admin(demo_user: Any, api_as: Any) -> None:
    response = _new_account(api_as(demo_user("county_admin")), role="township_admin", jurisdiction_code=TOWNSHIP_B)
    assert response.status_code == 201, response.content


def test_a_weak_password_or_taken_username_is_explained_per_field(demo_user: Any, api_as: Any) -> None:
    client = api_as(demo_user("township_admin"))
    weak = _new_account(client, password="12345678")
    assert weak.status_code == 400
    assert {e["field"] for e in weak.json()["errors"]} == {"password"}
    taken = _new_account(client, username="grid_worker")
    assert taken.status_code == 400
    assert {e["field"] for e in taken.json()["errors"]} == {"username"}


def test_the_grant_table_never_lets_a_township_admin_create_an_admin() -> None:
    assert not GRANTABLE_ROLES[Role.TOWNSHIP_ADMIN] & {Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN}


# --- who may manage ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["grid_worker", "leader", "auditor", "village_cadre", "township_staff", "enterprise_user"])
def test_roles_without_manage_users_cannot_manage_accounts(role: str, demo_user: Any, api_as: Any, client: Client) -> None:
    actor = demo_user(role)
    target = demo_user("grid_worker") if role != "grid_worker" else demo_user("enterprise_user")
    api = api_as(actor)
    assert api.get("/api/v1/users").status_code == 403
    assert _new_account(api).status_code == 403
    assert api.post(f"/api/v1/users/{actor.pk}/deactivate", {}, content_type=JSON).status_code in (403, 404)
    assert not User.unscoped.filter(username="new_cadre").exists()
    client.force_login(actor)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.post(reverse("accounts:user_deactivate", args=[target.pk])).status_code in (403, 404)
    assert User.unscoped.get(pk=target.pk).is_active


def test_township_admin_cannot_touch_a_fellow_township_admin(demo_user: Any, api_as: Any) -> None:
    colleague = actions.create_account_for(
        demo_user("county_admin"), username="colleague", role="township_admin",
        jurisdiction=Jurisdiction.unscoped.get(code=TOWNSHIP_A), password=DEMO_PASSWORD,
    )
    client = api_as(demo_user("township_admin"))
    detail = client.get(f"/api/v1/users/{colleague.pk}")
    assert detail.status_code == 200 and detail.json()["manageable"] is False
    assert client.post(f"/api/v1/users/{colleague.pk}/reset-password", {"new_password": NEW_PASSWORD}, content_type=JSON).status_code == 403
    assert client.post(f"/api/v1/users/{colleague.pk}/deactivate", {}, content_type=JSON).status_code == 403
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.check_password(DEMO_PASSWORD)


def test_nobody_can_deactivate_or_demote_themselves(demo_user: Any, api_as: Any, client: Client) -> None:
    for username in ("township_admin", "county_admin"):
        me = demo_user(username)
        api = api_as(me)
        assert api.post(f"/api/v1/users/{me.pk}/deactivate", {}, content_type=JSON).status_code == 403
        assert api.patch(f"/api/v1/users/{me.pk}", {"role": "township_staff"}, content_type=JSON).status_code == 403
        client.force_login(me)
        assert client.post(reverse("accounts:user_deactivate", args=[me.pk])).status_code == 403
        me.refresh_from_db()
        assert me.is_active and me.role == username


# --- outsiders ----------------------------------------------------------------------------


def test_outsiders_cannot_see_or_edit_our_accounts(outsiders: dict[str, Any], demo_user: Any, api_as: Any, client: Client) -> None:
    ours = demo_user("village_cadre")
    admin = outsiders["township_admin"]
    api = api_as(admin)
    listed = api.get("/api/v1/users?page_size=500").json()
    assert listed["count"] > 0
    assert all(item["jurisdiction_code"].startswith(TOWNSHIP_B) for item in listed["items"])
    assert api.get(f"/api/v1/users?jurisdiction={TOWNSHIP_A}").status_code == 404
    assert api.get(f"/api/v1/users/{ours.pk}").status_code == 404
    assert api.patch(f"/api/v1/users/{ours.pk}", {"role": "grid_worker"}, content_type=JSON).status_code == 404
    for verb in ("deactivate", "reactivate", "unlock"):
        assert api.post(f"/api/v1/users/{ours.pk}/{verb}", {}, content_type=JSON).status_code == 404
    reset = api.post(f"/api/v1/users/{ours.pk}/reset-password", {"new_password": NEW_PASSWORD}, content_type=JSON)
    assert reset.status_code == 404
    client.force_login(admin)
    html = client.get(reverse("accounts:user_list") + "?status=").content.decode()
    assert reverse("accounts:user_detail", args=[ours.pk]) not in html and "丹东" not in html
    for name in ("user_detail", "user_role", "user_password"):
        assert client.get(reverse(f"accounts:{name}", args=[ours.pk])).status_code == 404
    for name in ("user_deactivate", "user_unlock", "user_person"):
        assert client.post(reverse(f"accounts:{name}", args=[ours.pk])).status_code == 404
    ours.refresh_from_db()
    assert ours.is_active and ours.role == "village_cadre" and ours.check_password(DEMO_PASSWORD)


def test_an_action_refuses_an_account_outside_the_managers_subtree_even_without_a_request(demo_user: Any, outsiders: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.deactivate_account(outsiders["township_admin"], demo_user("village_cadre"), "越权")
    assert demo_user("village_cadre").is_active


# --- deactivation, passwords, tokens ----------------------------------------------------


def test_a_deactivated_user_cannot_log_in_and_their_tokens_stop_working(demo_user: Any, api_as: Any, client: Client) -> None:
    cadre = demo_user("village_cadre")
    cadre_api = api_as(cadre)
    assert cadre_api.get("/api/v1/auth/me").status_code == 200
    session = Client()
    session.force_login(cadre)
    response = api_as(demo_user("township_admin")).post(
        f"/api/v1/users/{cadre.pk}/deactivate", {"reason": "调离本村"}, content_type=JSON
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert response.json()["deactivation_reason"] == "调离本村"
    assert cadre_api.get("/api/v1/auth/me").status_code == 401
    assert not ApiToken.objects.filter(user=cadre, revoked_at__isnull=True).exists()
    assert session.get(reverse("dashboard:home")).status_code == 302
    assert _token_login("village_cadre").status_code == 401
    page = client.post(reverse("accounts:login"), {"username": "village_cadre", "password": DEMO_PASSWORD})
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    change = _changes_of(cadre).filter(action="update").latest("time")
    assert change.after["is_active"] is False and change.user_name == "township_admin"


def test_reactivating_lets_the_user_sign_in_again(demo_user: Any, api_as: Any) -> None:
    admin, cadre = demo_user("township_admin"), demo_user("village_cadre")
    actions.deactivate_account(admin, cadre, "")
    assert api_as(admin).post(f"/api/v1/users/{cadre.pk}/reactivate", content_type=JSON).json()["is_active"] is True
    assert _token_login("village_cadre").status_code == 200


def test_deactivating_twice_changes_nothing_the_second_time(demo_user: Any) -> None:
    admin, cadre = demo_user("township_admin"), demo_user("village_cadre")
    actions.deactivate_account(admin, cadre, "第一次")
    actions.deactivate_account(admin, cadre, "第二次")
    cadre.refresh_from_db()
    assert cadre.deactivation_reason == "第一次"
    assert _changes_of(cadre).filter(action="update").count() == 1


def test_reset_password_revokes_tokens_and_is_logged_without_the_hash(demo_user: Any, api_as: Any) -> None:
    cadre = demo_user("village_cadre")
    cadre_api = api_as(cadre)
    response = api_as(demo_user("township_admin")).post(
        f"/api/v1/users/{cadre.pk}/reset-password", {"new_password": NEW_PASSWORD}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert cadre_api.get("/api/v1/auth/me").status_code == 401
    assert _token_login("village_cadre").status_code == 401
    assert _token_login("village_cadre", NEW_PASSWORD).status_code == 200
    change = _changes_of(cadre).latest("time")
    assert change.user_name == "township_admin" and "pbkdf2" not in str(change.after) and "md5" not in str(change.after)


def test_reset_password_refuses_a_weak_password(demo_user: Any, api_as: Any) -> None:
    cadre = demo_user("village_cadre")
    response = api_as(demo_user("township_admin")).post(
        f"/api/v1/users/{cadre.pk}/reset-password", {"new_password": "password1"}, content_type=JSON
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"new_password"}
    cadre.refresh_from_db()
    assert cadre.check_password(DEMO_PASSWORD)


def test_unlock_clears_a_lockout(demo_user: Any, api_as: Any) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        assert _token_login("village_cadre", "wrong-password").status_code in (401, 429)
    assert _token_login("village_cadre").status_code == 429
    cadre = demo_user("village_cadre")
    admin_api = api_as(demo_user("township_admin"))
    assert admin_api.get(f"/api/v1/users/{cadre.pk}").json()["locked_out"] is True
    locked = admin_api.get("/api/v1/users?q=village_cadre").json()["items"]
    assert [item["locked_out"] for item in locked] == [True]
    response = admin_api.post(f"/api/v1/users/{cadre.pk}/unlock", content_type=JSON)
    assert response.status_code == 200 and response.json()["locked_out"] is False
    assert not AccessAttempt.objects.filter(username="village_cadre").exists()
    assert _token_login("village_cadre").status_code == 200


# --- role, jurisdiction, person -----------------------------------------------------------


def test_changing_a_role_must_fit_the_level_of_the_node(demo_user: Any, api_as: Any) -> None:
    worker = demo_user("grid_worker")
    client = api_as(demo_user("township_admin"))
    wrong = client.patch(f"/api/v1/users/{worker.pk}", {"role": "village_cadre"}, content_type=JSON)
    assert wrong.status_code == 400
    moved = client.patch(f"/api/v1/users/{worker.pk}", {"role": "village_cadre", "jurisdiction_code": VILLAGE_A}, content_type=JSON)
    assert moved.status_code == 200, moved.content
    assert moved.json()["role"] == "village_cadre" and moved.json()["jurisdiction_code"] == VILLAGE_A
    worker.refresh_from_db()
    assert worker.jurisdiction_path.endswith(f"/{VILLAGE_A}/")
    change = _changes_of(worker).latest("time")
    assert change.before == {"role": "grid_worker", "jurisdiction_id": Jurisdiction.unscoped.get(code=GRID_A).pk}


def test_linking_a_person_of_the_subtree_and_refusing_an_outsiders_person(demo_user: Any, api_as: Any) -> None:
    worker = demo_user("grid_worker")
    client = api_as(demo_user("township_admin"))
    ours = Person.unscoped.filter(jurisdiction__code=GRID_A, account__isnull=True).order_by("id").first()
    theirs = Person.unscoped.filter(jurisdiction_path__startswith=f"/330225/{TOWNSHIP_B}/").order_by("id").first()
    assert client.patch(f"/api/v1/users/{worker.pk}", {"person_id": theirs.pk}, content_type=JSON).status_code == 400
    linked = client.patch(f"/api/v1/users/{worker.pk}", {"person_id": ours.pk}, content_type=JSON)
    assert linked.status_code == 200 and linked.json()["person_name"] == ours.name
    unlinked = client.patch(f"/api/v1/users/{worker.pk}", {"person_id": None}, content_type=JSON)
    assert unlinked.json()["person_id"] is None


# --- lists, pages, query counts ---------------------------------------------------------


def test_list_filters_by_subtree_role_and_status(demo_user: Any, api_as: Any) -> None:
    admin = demo_user("township_admin")
    actions.deactivate_account(admin, demo_user("enterprise_user"), "")
    client = api_as(admin)
    in_grid = client.get(f"/api/v1/users?jurisdiction={GRID_A}").json()
    assert {i["username"] for i in in_grid["items"]} == {"grid_worker", "enterprise_user"}
    assert [i["username"] for i in client.get("/api/v1/users?role=village_cadre").json()["items"]] == ["village_cadre"]
    assert [i["username"] for i in client.get("/api/v1/users?active=false").json()["items"]] == ["enterprise_user"]


@pytest.fixture
def many_accounts(db: Any) -> int:
    """A dozen grid workers with person records and a lock-out each, so an N+1 would show."""
    from axes.models import AccessAttempt

    from accounts.services import create_account

    grid = Jurisdiction.unscoped.get(code=GRID_A)
    people = list(Person.unscoped.filter(jurisdiction__code__startswith=TOWNSHIP_A, account__isnull=True)[:12])
    for n, person in enumerate(people):
        create_account(username=f"bulk_{n}", role="grid_worker", jurisdiction=grid, password="x", person=person, check_password=False)
        AccessAttempt.objects.create(username=f"bulk_{n}", ip_address="10.0.0.1", user_agent="t", failures_since_start=9)
    return len(people)


def test_list_api_query_count_does_not_grow_with_the_page(
    many_accounts: int, demo_user: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_as(demo_user("county_admin"))
    with django_assert_max_num_queries(4):  # token, token touch, count, page
        payload = client.get("/api/v1/users?page_size=100").json()
    bulk = [i for i in payload["items"] if i["username"].startswith("bulk_")]
    assert len(bulk) == many_accounts >= 10
    assert all(i["locked_out"] and i["person_name"] for i in bulk)


def test_list_page_shows_cards_and_keeps_its_query_count(
    many_accounts: int, demo_user: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    client.force_login(demo_user("county_admin"))
    with django_assert_max_num_queries(5):  # session, user, filter choices, count, page
        response = client.get(reverse("accounts:user_list"))
    html = response.content.decode()
    assert response.status_code == 200 and "table-cards" in html and "village_cadre" in html
    assert html.count("登录锁定</span>") >= 10


def test_create_page_offers_only_grantable_roles_and_creates_the_account(demo_user: Any, client: Client) -> None:
    admin = demo_user("township_admin")
    client.force_login(admin)
    form = client.get(reverse("accounts:user_create")).content.decode()
    assert 'value="village_cadre"' in form and 'value="township_admin"' not in form and 'value="county_admin"' not in form
    response = client.post(
        reverse("accounts:user_create"),
        {"username": "page_cadre", "role": "village_cadre", "jurisdiction": VILLAGE_A, "password1": DEMO_PASSWORD, "password2": DEMO_PASSWORD},
    )
    created = User.unscoped.get(username="page_cadre")
    assert response.status_code == 302 and response.url == reverse("accounts:user_detail", args=[created.pk])
    assert _changes_of(created).get().user_id == admin.pk


def test_detail_page_shows_lock_status_history_and_the_buttons(demo_user: Any, client: Client) -> None:
    admin, cadre = demo_user("township_admin"), demo_user("village_cadre")
    actions.deactivate_account(admin, cadre, "长期不使用")
    client.force_login(admin)
    html = client.get(reverse("accounts:user_detail", args=[cadre.pk])).content.decode()
    assert "长期不使用" in html and "重新启用" in html and "重置密码" in html and "变更记录" in html
    assert reverse("accounts:user_reactivate", args=[cadre.pk]) in html


def test_reset_password_page_and_unlock_button(demo_user: Any, client: Client) -> None:
    admin, cadre = demo_user("township_admin"), demo_user("village_cadre")
    client.force_login(admin)
    url = reverse("accounts:user_password", args=[cadre.pk])
    mismatch = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 200 and mismatch.context["form"].errors["new_password2"]
    assert client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    cadre.refresh_from_db()
    assert cadre.check_password(NEW_PASSWORD)


def test_nav_shows_accounts_only_to_managers(demo_user: Any, client: Client) -> None:
    link = f'href="{reverse("accounts:user_list")}"'
    client.force_login(demo_user("township_admin"))
    assert link in client.get(reverse("dashboard:home")).content.decode()
    client.force_login(demo_user("grid_worker"))
    assert link not in client.get(reverse("dashboard:home")).content.decode()
