"""Pages: list, detail, the htmx draft editor, new version → publish, versions diff, Excel import."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from checklists.models import Checklist, ChecklistStatus
from checklists.tests.test_import import GOOD, _xlsx

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_filters_and_htmx_partial(demo_user: Any) -> None:
    client = _client(demo_user("grid_worker"))
    page = client.get("/checklists/")
    text = page.content.decode()
    assert page.status_code == 200 and "九小场所消防安全检查清单" in text and "新建清单" not in text
    found = client.get(
        "/checklists/?kind=ind_woodwork", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="checklist-results"
    ).content.decode()
    assert "粉尘涉爆企业安全检查清单" in found and "九小场所消防安全检查清单" not in found and "<html" not in found
    assert "危险化学品" in client.get("/checklists/?q=危险化学品").content.decode()


def test_detail_groups_items_and_shows_rule_refs(demo_user: Any) -> None:
    crowded = Checklist.unscoped.get(lineage="crowded-fire", version=1)
    text = _client(demo_user("grid_worker")).get(f"/checklists/{crowded.pk}/").content.decode()
    assert "GB35181-2017:6.6" in text and "自动喷水灭火系统" in text
    assert "生成新版本" not in text  # read-only


def test_township_admin_cannot_open_the_county_list_editor(township_admin: Any, small_place_list: Checklist) -> None:
    client = _client(township_admin)
    assert "生成新版本" not in client.get(f"/checklists/{small_place_list.pk}/").content.decode()
    assert client.post(f"/checklists/{small_place_list.pk}/new-version/").status_code == 403
    assert client.get(f"/checklists/{small_place_list.pk}/edit/").status_code == 403


def test_new_version_edit_with_htmx_and_publish(county_admin: Any, small_place_list: Checklist) -> None:
    client = _client(county_admin)
    response = client.post(f"/checklists/{small_place_list.pk}/new-version/")
    draft = Checklist.unscoped.get(lineage=small_place_list.lineage, version=2)
    assert response.status_code == 302 and response.url == f"/checklists/{draft.pk}/edit/"
    assert client.get(response.url).status_code == 200

    item = {
        "matter": "新事项",
        "content": "新内容",
        "department": "fire",
        "level": "township",
        "hazard_type": "fire",
        "category": "unsafe_condition",
        "rule_refs": "GB35181-2017:7.5 防烟排烟",
    }
    added = client.post(f"/checklists/{draft.pk}/items/add/", item, **HTMX)
    assert (
        added.status_code == 200
        and 'id="editor-items"' in added.content.decode()
        and "新事项" in added.content.decode()
    )
    assert draft.items.filter(matter="新事项", rule_refs=[{"code": "GB35181-2017:7.5", "label": "防烟排烟"}]).exists()
    bad = client.post(f"/checklists/{draft.pk}/items/add/", {**item, "rule_refs": "没有代码"}, **HTMX)
    assert "条款代码" in bad.content.decode()

    last = draft.items.order_by("-order").first()
    client.post(f"/checklists/{draft.pk}/items/{last.pk}/move/", {"direction": "up"}, **HTMX)
    assert list(draft.items.order_by("-order").values_list("pk", flat=True))[1] == last.pk
    first = draft.items.order_by("order").first()
    client.post(f"/checklists/{draft.pk}/items/{first.pk}/remove/", **HTMX)
    assert not draft.items.filter(pk=first.pk).exists()
    edited = client.post(f"/checklists/{draft.pk}/items/{last.pk}/edit/", {**item, "content": "改过的内容"})
    assert edited.status_code == 302
    last.refresh_from_db()
    assert last.content == "改过的内容"

    client.post(f"/checklists/{draft.pk}/publish/", {"effective_from": "2026-01-01"})
    draft.refresh_from_db()
    small_place_list.refresh_from_db()
    assert draft.status == ChecklistStatus.ACTIVE and small_place_list.status == ChecklistStatus.SUPERSEDED
    versions = client.get(f"/checklists/{draft.pk}/versions/").content.decode()
    assert "新事项" in versions and "已删除" in versions and "第2版相对第1版的变化" in versions
    # The active version's editor is closed.
    assert client.get(f"/checklists/{draft.pk}/edit/").status_code == 302


def test_create_a_local_list_from_the_page(township_admin: Any) -> None:
    client = _client(township_admin)
    form = client.get("/checklists/new/").content.decode()
    assert '<option value="">' not in form and "本地清单" in form  # a township admin cannot pick county-wide
    response = client.post(
        "/checklists/new/",
        {"name": "汛前检查", "jurisdiction": "330225001", "effective_from": "2026-01-01", "place_kinds": ["farmstay"]},
    )
    assert response.status_code == 302
    created = Checklist.unscoped.get(name="汛前检查")
    assert created.jurisdiction.code == "330225001" and created.status == ChecklistStatus.DRAFT


def test_excel_import_pages_into_a_draft(county_admin: Any, small_place_list: Checklist) -> None:
    client = _client(county_admin)
    assert client.get(f"/checklists/{small_place_list.pk}/import/").status_code == 302  # active: drafts only
    client.post(f"/checklists/{small_place_list.pk}/new-version/")
    draft = Checklist.unscoped.get(lineage=small_place_list.lineage, version=2)
    assert client.get(f"/checklists/{draft.pk}/import/").status_code == 200
    template = client.get(f"/checklists/{draft.pk}/import/template.xlsx")
    assert template.status_code == 200
    preview = client.post(f"/checklists/{draft.pk}/import/", {"file": _xlsx(GOOD)})
    assert preview.status_code == 200
    token = preview.context["pending"].token
    assert draft.items.count() == small_place_list.items.count()  # nothing written by the preview
    confirmed = client.post(f"/checklists/{draft.pk}/import/confirm/", {"token": token})
    assert confirmed.status_code == 200
    assert list(draft.items.order_by("order").values_list("matter", flat=True)) == ["安全出口", "粉尘清理"]


def test_pages_speak_english_when_chosen(township_admin: Any, small_place_list: Checklist) -> None:
    from django.conf import settings

    client = _client(township_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/checklists/").content.decode()
    assert "Checklist name or matter" in html and "Active and drafts" in html
    detail = client.get(f"/checklists/{small_place_list.pk}/").content.decode()
    assert "Applies to" in detail and "County-wide" in detail, detail[detail.find("<main") :][:3000]
