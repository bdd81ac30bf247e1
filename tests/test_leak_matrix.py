"""The leak matrix: for every role, an account from another township sees nothing of ours.

Township A (丹东街道) holds the demo data under test; each outsider holds one role in
township B (石浦镇). Every list must omit A's records, every detail must answer 404, and
every write must fail as if the record did not exist.
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.roles import Role
from demo.constants import GRID_A, TOWNSHIP_A, VILLAGE_A
from people.models import Person, Position

OUTSIDER_ROLES = [r.value for r in Role if r not in (Role.COUNTY_ADMIN,)]


def _a_person() -> Person:
    return Person.unscoped.filter(jurisdiction__code=VILLAGE_A).order_by("id").first()


def _a_position() -> Position:
    return Position.unscoped.filter(jurisdiction__code=GRID_A).order_by("id").first()


def _codes(payload: Any) -> list[str]:
    if "features" in payload:
        return [f["properties"]["code"] for f in payload["features"]]
    return [item.get("jurisdiction_code") or "" for item in payload["items"]]


@pytest.fixture
def township_a_change(demo_user: Any, api_as: Any) -> None:
    """An audited edit inside township A, so the audit log has something to leak."""
    person = _a_person()
    client = api_as(demo_user("township_admin"))
    response = client.patch(f"/api/v1/people/{person.pk}", {"title": "组长"}, content_type="application/json")
    assert response.status_code == 200


LIST_ENDPOINTS = [
    "/api/v1/jurisdictions",
    "/api/v1/jurisdictions?level=village",
    "/api/v1/jurisdictions?level=grid&page_size=500",
    "/api/v1/jurisdictions?q=丹东",
    "/api/v1/people?page_size=500",
    "/api/v1/people?q=1",
    "/api/v1/positions?page_size=500",
    "/api/v1/audit/changes?page_size=500",
    "/api/v1/map/jurisdictions",
]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_outsider_lists_contain_nothing_from_another_township(
    role: str, url: str, outsiders: dict[str, Any], api_as: Any, township_a_change: None
) -> None:
    response = api_as(outsiders[role]).get(url)
    if response.status_code == 403:  # e.g. the audit log for roles without VIEW_AUDIT
        return
    assert response.status_code == 200, response.content
    leaked = [c for c in _codes(response.json()) if c.startswith(TOWNSHIP_A)]
    assert leaked == []


def _detail_urls() -> list[str]:
    person, position = _a_person(), _a_position()
    return [
        f"/api/v1/jurisdictions/{TOWNSHIP_A}",
        f"/api/v1/jurisdictions/{VILLAGE_A}",
        f"/api/v1/jurisdictions?parent={TOWNSHIP_A}",
        f"/api/v1/map/jurisdictions?parent={VILLAGE_A}",
        f"/api/v1/map/jurisdictions?code={GRID_A}",
        f"/api/v1/people/{person.pk}",
        f"/api/v1/people/{person.pk}/history",
        f"/api/v1/people?jurisdiction={VILLAGE_A}",
        f"/api/v1/positions?jurisdiction={GRID_A}",
        f"/api/v1/positions/{position.pk}/end",
    ]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_for_every_record_of_another_township(
    role: str, outsiders: dict[str, Any], api_as: Any
) -> None:
    client = api_as(outsiders[role])
    for url in _detail_urls():
        response = client.post(url, {}, content_type="application/json") if url.endswith("/end") else client.get(url)
        assert response.status_code == 404, (url, response.status_code, response.content[:200])


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_cannot_write_to_another_townships_records(role: str, outsiders: dict[str, Any], api_as: Any) -> None:
    client = api_as(outsiders[role])
    person = _a_person()
    before = (person.name, person.mobile, person.archived_at)
    assert client.patch(f"/api/v1/people/{person.pk}", {"name": "篡改"}, content_type="application/json").status_code == 404
    assert client.post(f"/api/v1/people/{person.pk}/archive", {}, content_type="application/json").status_code == 404
    assert client.patch(f"/api/v1/jurisdictions/{VILLAGE_A}", {"name": "篡改"}, content_type="application/json").status_code == 404
    created = client.post(
        "/api/v1/people",
        {"name": "越界登记", "mobile": "13900000001", "jurisdiction_code": VILLAGE_A},
        content_type="application/json",
    )
    assert created.status_code in (400, 403)
    person.refresh_from_db()
    assert (person.name, person.mobile, person.archived_at) == before
    assert not Person.unscoped.filter(name="越界登记").exists()


def test_county_admin_sees_every_township(demo_user: Any, api_as: Any) -> None:
    payload = api_as(demo_user("county_admin")).get("/api/v1/jurisdictions?level=township").json()
    assert payload["count"] >= 3


def test_the_same_role_inside_the_township_does_see_its_records(demo_user: Any, api_as: Any) -> None:
    """Guards the matrix above against passing because nothing is visible to anyone."""
    client = api_as(demo_user("village_cadre"))
    person = _a_person()
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
    codes = _codes(client.get("/api/v1/people?page_size=500").json())
    assert codes and all(c.startswith(VILLAGE_A) for c in codes)


# --- pages ------------------------------------------------------------------------------


def _township_a_names() -> list[str]:
    from jurisdictions.models import Jurisdiction

    names = list(Jurisdiction.unscoped.filter(path__within=f"/330225/{TOWNSHIP_A}/").values_list("name", flat=True))
    names += list(Person.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/").values_list("name", flat=True))
    return names


LIST_PAGES = ["/", "/jurisdictions/", "/jurisdictions/map/", "/people/?page_size=200", "/people/kinds/", "/audit/", "/audit/logins/"]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_pages_show_nothing_from_another_township(
    role: str, outsiders: dict[str, Any], township_a_change: None, client: Any
) -> None:
    client.force_login(outsiders[role])
    own_names = set(Person.unscoped.filter(jurisdiction__code__startswith="330225100").values_list("name", flat=True))
    foreign = [n for n in _township_a_names() if n not in own_names and len(n) >= 3]
    for url in LIST_PAGES:
        response = client.get(url)
        if response.status_code in (403, 302):
            continue
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        leaked = [n for n in foreign if n in html]
        assert leaked == [], (url, leaked[:5])


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_for_every_page_of_another_townships_records(
    role: str, outsiders: dict[str, Any], client: Any
) -> None:
    client.force_login(outsiders[role])
    person, position = _a_person(), _a_position()
    for url in [
        f"/jurisdictions/{TOWNSHIP_A}/",
        f"/jurisdictions/{VILLAGE_A}/",
        f"/jurisdictions/{VILLAGE_A}/edit/",
        f"/people/{person.pk}/",
        f"/people/{person.pk}/edit/",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [f"/people/{person.pk}/archive/", f"/people/{person.pk}/appoint/", f"/people/positions/{position.pk}/end/"]:
        assert client.post(url, {}).status_code == 404, url


# --- accounts (账号管理) -------------------------------------------------------------------


def _township_a_accounts() -> list[Any]:
    from accounts.models import User

    return list(User.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/").order_by("id"))


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_account_lists_contain_nothing_from_another_township(
    role: str, outsiders: dict[str, Any], api_as: Any, client: Any
) -> None:
    from django.urls import reverse

    ours = _township_a_accounts()
    assert ours
    response = api_as(outsiders[role]).get("/api/v1/users?page_size=500")
    assert response.status_code in (200, 403), response.content
    if response.status_code == 200:
        payload = response.json()
        assert [c for c in _codes(payload) if c.startswith(TOWNSHIP_A)] == []
        assert {item["id"] for item in payload["items"]}.isdisjoint({u.pk for u in ours})
    client.force_login(outsiders[role])
    page = client.get("/accounts/users/?status=")
    assert page.status_code in (200, 403)
    html = page.content.decode()
    foreign = [n for n in _township_a_names() if len(n) >= 3]
    assert [n for n in foreign if n in html] == []
    assert [u.username for u in ours if reverse("accounts:user_detail", args=[u.pk]) in html] == []


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_for_every_account_of_another_township(
    role: str, outsiders: dict[str, Any], api_as: Any, client: Any
) -> None:
    outsider = outsiders[role]
    api = api_as(outsider)
    client.force_login(outsider)
    filtered = api.get(f"/api/v1/users?jurisdiction={TOWNSHIP_A}")
    assert filtered.status_code == (404 if outsider.can("accounts.manage") else 403)
    for account in _township_a_accounts():
        assert api.get(f"/api/v1/users/{account.pk}").status_code == 404, account.username
        assert api.patch(f"/api/v1/users/{account.pk}", {"role": "grid_worker"}, content_type="application/json").status_code == 404
        for verb in ("deactivate", "reactivate", "unlock", "reset-password"):
            body = {"new_password": "Leak-Matrix-2026x"} if verb == "reset-password" else {}
            assert api.post(f"/api/v1/users/{account.pk}/{verb}", body, content_type="application/json").status_code == 404, verb
        for url in (f"/accounts/users/{account.pk}/", f"/accounts/users/{account.pk}/role/", f"/accounts/users/{account.pk}/password/"):
            assert client.get(url).status_code == 404, url
        for url in (f"/accounts/users/{account.pk}/deactivate/", f"/accounts/users/{account.pk}/unlock/", f"/accounts/users/{account.pk}/person/"):
            assert client.post(url, {}).status_code == 404, url
    assert all(u.is_active for u in _township_a_accounts())


# --- ledger exports ---------------------------------------------------------------------------


def _downloaded_text(response: Any) -> str:
    """Every cell of an .xlsx download's data sheet (or the body of a GeoJSON one) as one string.

    The instructions sheet is static text (its examples are codes of the demo county).
    """
    import io

    from openpyxl import load_workbook

    content = b"".join(response.streaming_content)
    if not content.startswith(b"PK"):
        return content.decode()
    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(v) for row in book.worksheets[0].iter_rows(values_only=True) for v in row if v)


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_exports_contain_nothing_from_another_township(
    role: str, outsiders: dict[str, Any], api_as: Any, client: Any
) -> None:
    client.force_login(outsiders[role])
    api = api_as(outsiders[role])
    ours_mobiles = set(Person.unscoped.filter(jurisdiction_path__within=f"/330225/{TOWNSHIP_A}/").values_list("mobile", flat=True))
    foreign_names = [n for n in _township_a_names() if len(n) >= 3]
    for response in [
        client.get("/people/export.xlsx"),
        client.get("/people/export.xlsx?archived=on"),
        client.get("/jurisdictions/export.xlsx"),
        client.get("/jurisdictions/boundaries.geojson"),
        api.get("/api/v1/people/export.xlsx?include_archived=true"),
        api.get("/api/v1/jurisdictions/export.xlsx"),
        api.get("/api/v1/map/jurisdictions.geojson"),
    ]:
        assert response.status_code == 200
        text = _downloaded_text(response)
        assert TOWNSHIP_A not in text
        assert [m for m in ours_mobiles if m in text] == []
        assert [n for n in foreign_names if n in text] == []
