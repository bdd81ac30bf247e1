"""Warning pages: list, draft form with kind → colours, preview, issue, board partial, permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from demo.constants import VILLAGE_A
from earlywarning import actions
from earlywarning.models import EarlyWarning

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_levels_partial_offers_only_the_kind_colours(demo_user: Any) -> None:
    body = login(demo_user("township_staff")).get("/warnings/levels/?kind=hail", HTTP_HX_REQUEST="true").content.decode()
    assert 'value="red"' in body and 'value="orange"' in body
    assert 'value="blue"' not in body and 'value="yellow"' not in body


def test_draft_form_then_preview_then_issue(demo_user: Any) -> None:
    client = login(demo_user("township_staff"))
    assert client.get("/warnings/new/").status_code == 200
    now = timezone.localtime()
    response = client.post(
        "/warnings/new/",
        {
            "kind": "rainstorm",
            "level": "blue",
            "title": "暴雨蓝色预警",
            "area": [VILLAGE_A],
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timezone.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
            "watch_for": "短时强降雨",
            "measures": "巡查低洼易涝点",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    warning = EarlyWarning.objects.latest("id")
    page = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert "接收人预览" in page and 'data-issue' in page
    assert client.post(f"/warnings/{warning.pk}/issue/").status_code == 302
    warning.refresh_from_db()
    assert warning.state == "issued"
    board = client.get(f"/warnings/{warning.pk}/board/", HTTP_HX_REQUEST="true")
    assert board.status_code == 200
    assert 'id="ack-board"' in board.content.decode() and "every 10s" in board.content.decode()
    assert client.get(f"/warnings/{warning.pk}/board.xlsx").status_code == 200


def test_invalid_colour_in_form_is_shown(demo_user: Any) -> None:
    client = login(demo_user("township_staff"))
    response = client.post("/warnings/new/", {"kind": "frost", "level": "red", "title": "霜冻"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode() or "霜冻预警没有" in response.content.decode()
    assert not EarlyWarning.objects.filter(title="霜冻").exists()


def test_grid_worker_sees_the_township_warning_for_their_area_but_no_actions(make_draft: Any, staff: Any, demo_user: Any) -> None:
    warning = actions.issue(make_draft(), by=staff)
    client = login(demo_user("grid_worker"))
    listing = client.get("/warnings/").content.decode()
    assert warning.title in listing
    page = client.get(f"/warnings/{warning.pk}/").content.decode()
    assert warning.measures in page
    assert "ack-board" not in page and "/board/" not in page
    assert client.get(f"/warnings/{warning.pk}/board/").status_code == 403
    assert client.post(f"/warnings/{warning.pk}/lift/").status_code == 403
    assert client.get("/warnings/new/").status_code == 403


def test_draft_is_not_visible_to_the_area(make_draft: Any, demo_user: Any) -> None:
    draft = make_draft()
    assert login(demo_user("grid_worker")).get(f"/warnings/{draft.pk}/").status_code == 404


def test_list_query_count(make_draft: Any, demo_user: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(5):
        make_draft(title=f"草稿{n}")
    client = login(demo_user("township_staff"))
    with django_assert_max_num_queries(12):
        assert client.get("/warnings/").status_code == 200


def test_cap_import_page_pre_fills_a_draft(make_draft: Any, staff: Any, demo_user: Any) -> None:
    xml = actions.issue(make_draft(level="yellow"), by=staff).messages.get().cap_xml
    client = login(demo_user("township_staff"))
    assert client.get("/warnings/from-cap/").status_code == 200
    response = client.post("/warnings/from-cap/", {"cap_xml": xml})
    assert response.status_code == 302
    draft = EarlyWarning.objects.latest("id")
    assert (draft.state, draft.kind.code, draft.level) == ("draft", "rainstorm", "yellow")
    bad = client.post("/warnings/from-cap/", {"cap_xml": "<x/>"})
    assert bad.status_code == 200 and "不是 CAP 1.2 报文" in bad.content.decode()
    assert login(demo_user("grid_worker")).get("/warnings/from-cap/").status_code == 403


def test_rules_page_lists_colours_and_county_admin_edits_recipients(demo_user: Any) -> None:
    from earlywarning.models import WarningKind

    staff = login(demo_user("township_staff"))
    page = staff.get("/warnings/rules/").content.decode()
    assert "霜冻" in page and "二级（橙色）" in page and 'name="frost-position_kinds"' not in page
    assert staff.post("/warnings/rules/kinds/frost/", {"frost-position_kinds": ["grid_member"]}).status_code == 403
    admin = login(demo_user("county_admin"))
    assert admin.post("/warnings/rules/kinds/frost/", {"frost-position_kinds": ["grid_member"]}).status_code == 302
    assert list(WarningKind.objects.get(code="frost").position_kinds.values_list("code", flat=True)) == ["grid_member"]
    assert admin.post("/warnings/rules/levels/red/", {"red-policy_code": "red-night"}).status_code == 302
    from earlywarning.models import LevelPolicy

    assert LevelPolicy.objects.get(level="red").policy_code == "red-night"
