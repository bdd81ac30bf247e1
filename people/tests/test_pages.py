"""People pages: directory, person page, forms, positions and responsibility lists."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import ObjectChange
from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from people import actions
from people.models import Person, Position, PositionKind

pytestmark = pytest.mark.django_db

VALID_ID_NUMBER = "11010519491231002X"


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def person_in(code: str) -> Person:
    return Person.unscoped.filter(jurisdiction__code=code, archived_at__isnull=True).order_by("id").first()


def person_form_data(person: Person, **changes: str) -> dict[str, str]:
    data = {
        "name": person.name,
        "gender": person.gender,
        "mobile": person.mobile,
        "id_number": "",
        "jurisdiction": person.jurisdiction.code,
        "organization": person.organization,
        "title": person.title,
        "note": person.note,
    }
    data.update(changes)
    return data


def test_directory_lists_people_of_the_users_township_only(client: Client) -> None:
    login(client, "township_staff")
    ours, theirs = person_in(TOWNSHIP_A), person_in(TOWNSHIP_B)
    response = client.get(reverse("people:list"), {"q": ours.name})
    assert response.status_code == 200
    assert ours.name in response.content.decode()
    response = client.get(reverse("people:list"), {"q": theirs.name})
    assert reverse("people:detail", args=[theirs.pk]) not in response.content.decode()


def test_directory_query_count_does_not_grow_with_the_page(client: Client, django_assert_max_num_queries) -> None:
    login(client, "county_admin")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25


def test_directory_filters_by_position_kind_and_jurisdiction(client: Client) -> None:
    login(client, "county_admin")
    response = client.get(reverse("people:list"), {"kind": "grid_member", "jurisdiction": VILLAGE_A})
    people = list(response.context["page"].object_list)
    assert people
    for person in people:
        assert person.jurisdiction_path.split("/")[3] == VILLAGE_A
        assert any(p.kind.code == "grid_member" for p in person.current_positions)


def test_live_search_answers_htmx_with_the_results_fragment_only(client: Client) -> None:
    login(client, "township_staff")
    response = client.get(
        reverse("people:list"),
        {"q": person_in(TOWNSHIP_A).name},
        headers={"HX-Request": "true", "HX-Target": "people-results"},
    )
    body = response.content.decode()
    assert 'id="people-results"' in body
    assert "<html" not in body


def test_grid_worker_sees_mobile_numbers_masked(client: Client) -> None:
    login(client, "grid_worker")
    person = person_in(GRID_A)
    body = client.get(reverse("people:list")).content.decode()
    assert person.masked_mobile in body
    assert person.mobile not in body
    detail = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert person.mobile not in detail


def test_township_staff_sees_full_mobile_numbers(client: Client) -> None:
    login(client, "township_staff")
    person = person_in(GRID_A)
    assert person.mobile in client.get(reverse("people:list")).content.decode()
    assert person.mobile in client.get(reverse("people:detail", args=[person.pk])).content.decode()


def test_grid_worker_cannot_find_people_by_digits_of_a_mobile_number(client: Client) -> None:
    login(client, "grid_worker")
    person = person_in(GRID_A)
    response = client.get(reverse("people:list"), {"q": person.mobile[:7]})
    assert response.context["page"].paginator.count == 0


def test_person_page_shows_positions_duties_and_history(client: Client) -> None:
    login(client, "township_staff")
    position = Position.unscoped.filter(jurisdiction__code=GRID_A, kind__code="grid_member").first()
    body = client.get(reverse("people:detail", args=[position.person_id])).content.decode()
    assert "网格员" in body
    assert position.kind.responsibilities[:10] in body
    assert "变更记录" in body


def test_person_of_another_township_is_not_found(client: Client) -> None:
    login(client, "township_admin")
    other = person_in(TOWNSHIP_B)
    for name in ("people:detail", "people:edit", "people:appoint"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    assert client.post(reverse("people:archive", args=[other.pk])).status_code == 404


def test_editing_a_person_through_the_page_is_recorded_with_the_editor(client: Client) -> None:
    user = login(client, "township_staff")
    person = person_in(VILLAGE_A)
    response = client.post(reverse("people:edit", args=[person.pk]), person_form_data(person, title="应急联络员"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.title == "应急联络员"
    change = ObjectChange.unscoped.filter(
        content_type=ContentType.objects.get_for_model(Person), object_id=str(person.pk)
    ).first()
    assert change.user == user
    assert change.after["title"] == "应急联络员"


def test_creating_a_person_with_a_bad_id_number_says_what_to_fix(client: Client) -> None:
    login(client, "township_staff")
    data = {"name": "测试人", "mobile": "13800000001", "id_number": "110105194912310021", "jurisdiction": VILLAGE_A}
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200
    assert "身份证号校验位不正确" in response.content.decode()
    assert not Person.unscoped.filter(name="测试人").exists()


def test_creating_a_person_stores_the_id_number_masked(client: Client) -> None:
    login(client, "township_staff")
    data = {"name": "测试人", "mobile": "13800000001", "id_number": VALID_ID_NUMBER, "jurisdiction": VILLAGE_A}
    response = client.post(reverse("people:create"), data)
    person = Person.unscoped.get(name="测试人")
    assert response.url == reverse("people:detail", args=[person.pk])
    body = client.get(response.url).content.decode()
    assert person.id_number_masked in body
    assert VALID_ID_NUMBER not in body


def test_grid_worker_has_no_edit_button_and_cannot_post_an_edit(client: Client) -> None:
    login(client, "grid_worker")
    person = person_in(GRID_A)
    body = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert reverse("people:edit", args=[person.pk]) not in body
    response = client.post(reverse("people:edit", args=[person.pk]), person_form_data(person, title="改不了"))
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.title != "改不了"


def test_grid_worker_cannot_archive_a_person(client: Client) -> None:
    login(client, "grid_worker")
    person = person_in(GRID_A)
    assert client.post(reverse("people:archive", args=[person.pk])).status_code == 403
    person.refresh_from_db()
    assert not person.is_archived


def test_archiving_and_restoring_through_the_page(client: Client) -> None:
    login(client, "township_staff")
    person = person_in(GRID_A)
    client.post(reverse("people:archive", args=[person.pk]), {"reason": "调离本镇"})
    person.refresh_from_db()
    assert person.is_archived and person.archive_reason == "调离本镇"
    assert not Position.objects.current().filter(person=person).exists()
    listed = client.get(reverse("people:list"), {"q": person.name}).context["page"].object_list
    assert person not in listed
    listed = client.get(reverse("people:list"), {"q": person.name, "archived": "on"}).context["page"].object_list
    assert person in listed
    client.post(reverse("people:restore", args=[person.pk]))
    person.refresh_from_db()
    assert not person.is_archived


def test_appointing_and_ending_a_position_through_the_pages(client: Client) -> None:
    login(client, "township_staff")
    person = person_in(VILLAGE_A)
    response = client.post(
        reverse("people:appoint", args=[person.pk]),
        {"kind": PositionKind.objects.get(code="info_reporter").pk, "jurisdiction": VILLAGE_A},
    )
    assert response.status_code == 302
    position = Position.objects.current().get(person=person, kind__code="info_reporter", jurisdiction__code=VILLAGE_A)
    client.post(reverse("people:end_position", args=[position.pk]))
    position.refresh_from_db()
    assert position.end_date is not None


def test_appointing_at_the_wrong_level_shows_the_reason(client: Client) -> None:
    login(client, "township_staff")
    person = person_in(VILLAGE_A)
    response = client.post(
        reverse("people:appoint", args=[person.pk]),
        {"kind": PositionKind.objects.get(code="grid_member").pk, "jurisdiction": VILLAGE_A},
    )
    assert response.status_code == 200
    assert "岗位只能设在" in response.content.decode()


def test_village_cadre_cannot_appoint(client: Client) -> None:
    login(client, "village_cadre")
    person = person_in(VILLAGE_A)
    assert client.get(reverse("people:appoint", args=[person.pk])).status_code == 403


def test_position_kinds_page_lists_responsibilities(client: Client) -> None:
    login(client, "grid_worker")
    body = client.get(reverse("people:kinds")).content.decode()
    assert "网格员" in body and "责任清单" in body
    assert reverse("people:kind_edit", args=[PositionKind.objects.first().pk]) not in body


def test_county_admin_edits_a_responsibility_list(client: Client) -> None:
    login(client, "county_admin")
    kind = PositionKind.objects.get(code="grid_member")
    client.post(reverse("people:kind_edit", args=[kind.pk]), {"responsibilities": "巡查网格\n上报隐患"})
    kind.refresh_from_db()
    assert kind.responsibilities == "巡查网格\n上报隐患"


def test_township_admin_cannot_edit_a_responsibility_list(client: Client) -> None:
    login(client, "township_admin")
    kind = PositionKind.objects.get(code="grid_member")
    response = client.post(reverse("people:kind_edit", args=[kind.pk]), {"responsibilities": "x"})
    assert response.status_code == 403
    kind.refresh_from_db()
    assert kind.responsibilities != "x"


def test_actions_still_refuse_what_the_pages_hide() -> None:
    """The pages hide buttons, but the actions are what refuse; check one directly."""
    grid_worker = User.unscoped.get(username="grid_worker")
    with pytest.raises(PermissionDenied, match="无权"):
        actions.update_person(person_in(GRID_A), by=grid_worker, title="x")


def test_directory_pages_through_results_keeping_filters_and_htmx_target(client: Client, demo_user: object) -> None:
    client.force_login(demo_user("county_admin"))  # type: ignore[operator]
    first = client.get("/people/?q=")
    html = first.content.decode()
    assert 'aria-label="分页"' in html
    assert 'hx-target="#people-results"' in html and "page=2" in html
    second = client.get("/people/?q=&page=2").content.decode()
    assert "第 2 /" in second


def test_person_page_history_includes_their_appointments(client: Client, demo_user: object) -> None:
    from demo.constants import GRID_A
    from people.models import Person

    user = demo_user("township_admin")  # type: ignore[operator]
    client.force_login(user)
    person = Person.unscoped.filter(jurisdiction__code=GRID_A).order_by("id").first()
    kind = PositionKind.objects.get(code="info_reporter")
    village = person.jurisdiction.parent
    response = client.post(f"/people/{person.pk}/appoint/", {"kind": kind.pk, "jurisdiction": village.code})
    assert response.status_code in (200, 302)
    history = client.get(f"/people/{person.pk}/").context["history"]
    assert any(r.content_type.model == "position" and r.user == user and r.action == "create" for r in history)
