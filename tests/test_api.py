"""The API's conventions: tokens, pagination, error shapes, audit, and query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import ObjectChange
from demo.constants import DEMO_PASSWORD, GRID_A, TOWNSHIP_A, VILLAGE_A
from people.models import Person

JSON = "application/json"


def test_token_is_issued_for_good_credentials_and_authenticates_requests(db: Any) -> None:
    client = Client()
    response = client.post("/api/v1/auth/token", {"username": "township_admin", "password": DEMO_PASSWORD}, content_type=JSON)
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json()["jurisdiction_code"] == TOWNSHIP_A


def test_wrong_password_is_refused_in_chinese(db: Any) -> None:
    response = Client().post("/api/v1/auth/token", {"username": "township_admin", "password": "nope"}, content_type=JSON)
    assert response.status_code == 401
    assert "密码" in response.json()["detail"]


def test_repeated_failures_lock_the_account_out(db: Any) -> None:
    client = Client()
    for _ in range(5):
        client.post("/api/v1/auth/token", {"username": "leader", "password": "wrong"}, content_type=JSON)
    response = client.post("/api/v1/auth/token", {"username": "leader", "password": DEMO_PASSWORD}, content_type=JSON)
    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]


def test_revoked_token_no_longer_works(demo_user: Any, api_as: Any) -> None:
    client = api_as(demo_user("grid_worker"))
    assert client.post("/api/v1/auth/token/revoke").status_code == 204
    assert client.get("/api/v1/people").status_code == 401


def test_anonymous_requests_get_401_with_a_hint(db: Any) -> None:
    response = Client().get("/api/v1/people")
    assert response.status_code == 401
    assert "/api/v1/auth/token" in response.json()["detail"]


def test_superuser_is_unscoped_and_can_get_a_token(db: Any) -> None:
    from accounts.models import User

    User.unscoped.create_superuser("root", password="Root@Secret99")
    client = Client()
    token = client.post("/api/v1/auth/token", {"username": "root", "password": "Root@Secret99"}, content_type=JSON).json()["token"]
    tops = client.get("/api/v1/jurisdictions", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [j["level"] for j in tops["items"]] == ["county"]


def test_lists_are_paginated_with_count_and_items(demo_user: Any, api_as: Any) -> None:
    client = api_as(demo_user("county_admin"))
    first = client.get("/api/v1/people?page_size=5").json()
    second = client.get("/api/v1/people?page_size=5&page=2").json()
    assert set(first) == {"count", "items"}
    assert len(first["items"]) == 5 and first["count"] > 10
    assert {p["id"] for p in first["items"]}.isdisjoint({p["id"] for p in second["items"]})


def test_jurisdiction_children_are_listed_by_parent(demo_user: Any, api_as: Any) -> None:
    client = api_as(demo_user("township_admin"))
    tops = client.get("/api/v1/jurisdictions").json()["items"]
    assert [t["code"] for t in tops] == [TOWNSHIP_A]
    children = client.get(f"/api/v1/jurisdictions?parent={TOWNSHIP_A}").json()["items"]
    assert children and all(c["parent_code"] == TOWNSHIP_A and c["level"] == "village" for c in children)
    detail = client.get(f"/api/v1/jurisdictions/{VILLAGE_A}").json()
    assert detail["ancestors"][-1]["code"] == TOWNSHIP_A
    assert detail["boundary"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "王五", "mobile": "123", "jurisdiction_code": VILLAGE_A}, "mobile"),
        ({"name": "王五", "mobile": "13811112222", "jurisdiction_code": "999999"}, "jurisdiction_code"),
        ({"name": "王五", "mobile": "13811112222", "jurisdiction_code": VILLAGE_A, "id_number": "110105194912310021"}, "id_number"),
        ({"mobile": "13811112222", "jurisdiction_code": VILLAGE_A}, "name"),
        ({"name": "王五", "mobile": "13811112222", "jurisdiction_code": VILLAGE_A, "gender": "X"}, "gender"),
    ],
)
def test_bad_input_gets_field_errors_and_changes_nothing(
    body: dict[str, Any], field: str, demo_user: Any, api_as: Any
) -> None:
    client = api_as(demo_user("township_staff"))
    before = Person.unscoped.count()
    response = client.post("/api/v1/people", body, content_type=JSON)
    assert response.status_code in (400, 422)
    payload = response.json()
    assert payload["detail"] and any(e["field"] == field for e in payload["errors"]), payload
    assert Person.unscoped.count() == before


def test_malformed_json_is_a_clear_400(demo_user: Any, api_as: Any) -> None:
    response = api_as(demo_user("township_staff")).post("/api/v1/people", "{oops", content_type=JSON)
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_edit_through_the_api_is_audited_with_the_right_user(demo_user: Any, api_as: Any) -> None:
    person = Person.unscoped.filter(jurisdiction__code=VILLAGE_A).first()
    staff = demo_user("township_staff")
    response = api_as(staff).patch(f"/api/v1/people/{person.pk}", {"mobile": "13700001111"}, content_type=JSON)
    assert response.status_code == 200
    change = ObjectChange.unscoped.filter(object_id=str(person.pk), content_type__model="person").first()
    assert change.user == staff and change.action == "update"
    assert change.before == {"mobile": person.mobile} and change.after == {"mobile": "13700001111"}
    history = api_as(staff).get(f"/api/v1/people/{person.pk}/history").json()
    assert history["items"][0]["user_name"] == "township_staff"


def test_archiving_keeps_the_person_and_ends_their_positions(demo_user: Any, api_as: Any) -> None:
    person = Person.unscoped.filter(jurisdiction__code=GRID_A).first()
    client = api_as(demo_user("township_admin"))
    response = client.post(f"/api/v1/people/{person.pk}/archive", {"reason": "调离"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["archived"] is True
    assert Person.unscoped.filter(pk=person.pk).exists()
    assert person.positions.current().count() == 0
    assert client.get(f"/api/v1/people?q={person.name}").json()["count"] == 0 or all(
        p["id"] != person.pk for p in client.get(f"/api/v1/people?q={person.name}").json()["items"]
    )
    assert client.post(f"/api/v1/people/{person.pk}/restore").json()["archived"] is False


def test_read_only_roles_cannot_write(demo_user: Any, api_as: Any) -> None:
    person = Person.unscoped.filter(jurisdiction__code=GRID_A).first()
    for username in ("leader", "auditor", "grid_worker", "enterprise_user"):
        response = api_as(demo_user(username)).patch(f"/api/v1/people/{person.pk}", {"title": "x"}, content_type=JSON)
        assert response.status_code == 403, username
        assert "权限" in response.json()["detail"]


def test_mobile_is_masked_for_grid_workers_and_shown_to_staff(demo_user: Any, api_as: Any) -> None:
    masked = api_as(demo_user("grid_worker")).get("/api/v1/people").json()["items"][0]["mobile"]
    shown = api_as(demo_user("township_staff")).get("/api/v1/people").json()["items"][0]["mobile"]
    assert "****" in masked
    assert shown.isdigit() and len(shown) == 11


def test_appointing_a_position_checks_level_and_duplicates(demo_user: Any, api_as: Any) -> None:
    client = api_as(demo_user("township_admin"))
    person = Person.unscoped.filter(jurisdiction__code=VILLAGE_A).first()
    wrong_level = client.post(
        "/api/v1/positions", {"person_id": person.pk, "kind": "grid_member", "jurisdiction_code": VILLAGE_A}, content_type=JSON
    )
    assert wrong_level.status_code == 400
    ok = client.post(
        "/api/v1/positions", {"person_id": person.pk, "kind": "grid_member", "jurisdiction_code": GRID_A}, content_type=JSON
    )
    assert ok.status_code == 201
    again = client.post(
        "/api/v1/positions", {"person_id": person.pk, "kind": "grid_member", "jurisdiction_code": GRID_A}, content_type=JSON
    )
    assert again.status_code == 400
    ended = client.post(f"/api/v1/positions/{ok.json()['id']}/end", {}, content_type=JSON)
    assert ended.json()["end_date"] is not None


def test_only_county_admin_edits_responsibility_lists(demo_user: Any, api_as: Any) -> None:
    body = {"responsibilities": "每日巡查网格；发现隐患立即上报。"}
    assert api_as(demo_user("township_admin")).patch("/api/v1/position-kinds/grid_member", body, content_type=JSON).status_code == 403
    response = api_as(demo_user("county_admin")).patch("/api/v1/position-kinds/grid_member", body, content_type=JSON)
    assert response.status_code == 200 and response.json()["responsibilities"] == body["responsibilities"]
    assert ObjectChange.unscoped.filter(content_type__model="positionkind", user_name="county_admin").exists()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/people?page_size=200", "/api/v1/positions?page_size=200", "/api/v1/jurisdictions?level=grid&page_size=200",
     "/api/v1/audit/changes?page_size=200", "/api/v1/map/jurisdictions?parent=" + TOWNSHIP_A],
)
def test_list_endpoints_use_a_fixed_number_of_queries(
    url: str, demo_user: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_as(demo_user("county_admin"))
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200


def test_openapi_schema_and_docs_are_served(db: Any) -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/people" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_healthz_reports_the_database(db: Any) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_absurd_page_numbers_are_refused_not_a_server_error(demo_user: Any, api_as: Any) -> None:
    response = api_as(demo_user("county_admin")).get("/api/v1/people?page=571338042885624448&page_size=50")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "page"


def test_explicit_null_for_a_text_field_clears_it(demo_user: Any, api_as: Any) -> None:
    from jurisdictions.models import Jurisdiction

    response = api_as(demo_user("township_admin")).patch(f"/api/v1/jurisdictions/{GRID_A}", {"note": None}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert Jurisdiction.unscoped.get(code=GRID_A).note == ""
    refused = api_as(demo_user("township_admin")).patch(f"/api/v1/jurisdictions/{GRID_A}", {"name": None}, content_type=JSON)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "name"
