"""The aid page (重大隐患判定), its htmx result, saving onto a hazard, and the tables page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from demo.constants import TOWNSHIP_A
from hazardrules import views
from hazardrules.models import RuleTable
from hazardrules.tests.helpers import hazard_on, place_in

pytestmark = pytest.mark.django_db

AID = reverse("hazardrules:aid")


def login(demo_user: Any, name: str) -> Client:
    client = Client()
    client.force_login(demo_user(name))
    return client


def test_aid_page_lists_grouped_elements_and_shows_the_result(demo_user: Any) -> None:
    client = login(demo_user, "grid_worker")
    response = client.get(AID, {"date": "2024-06-01", "category": "crowded", "composite": ["7.3.3", "7.3.5", "7.5"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "GB35181-2017" in html and "安全疏散设施及灭火救援条件" in html
    assert 'value="7.3.3" id=' in html and "checked" in html
    assert 'data-major="1"' in html and "7.3.3、7.3.5、7.5" in html
    assert "[R]" in html  # unverified elements are flagged


def test_htmx_request_for_the_result_returns_only_the_result(demo_user: Any) -> None:
    client = login(demo_user, "grid_worker")
    response = client.get(
        AID,
        {"date": "2024-06-01", "category": "crowded", "direct": "6.6"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="aid-result",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="aid-result"')
    assert 'data-major="1"' in html and "<html" not in html


def test_2025_date_shows_the_missing_table_and_no_result(demo_user: Any) -> None:
    html = login(demo_user, "grid_worker").get(AID, {"date": "2025-11-01", "direct": "6.6"}).content.decode()
    assert "GB35181-2025" in html and "尚未录入判定要素" in html
    assert "data-major" not in html


def test_bad_date_and_unknown_code_are_explained_not_crashed(demo_user: Any) -> None:
    client = login(demo_user, "grid_worker")
    html = client.get(AID, {"date": "2024-02-30", "category": "crowded"}).content.decode()
    assert "格式有误" in html
    html = client.get(AID, {"date": "2024-06-01", "category": "crowded", "direct": "6.99"}).content.decode()
    assert "6.99" in html and "data-major" not in html


def test_industry_checklist_for_a_place_of_an_industry_kind(demo_user: Any) -> None:
    place = place_in(TOWNSHIP_A, "ind_seafood")
    html = login(demo_user, "township_staff").get(AID, {"place": place.pk, "date": "2024-06-01"}).content.decode()
    assert "对应令第10号的“轻工”行业" in html
    assert 'value="12.2"' in html  # ammonia suggested for seafood processing
    assert "第二条" in html and "特种设备" in html
    ticked = login(demo_user, "township_staff").get(
        AID, {"place": place.pk, "date": "2024-06-01", "industry": "轻工", "ammonia": "1", "items": "12.2"}
    )
    assert "重大事故隐患" in ticked.content.decode()


def test_category_is_prefilled_from_the_hazards_place(demo_user: Any) -> None:
    hazard = hazard_on(place_in(TOWNSHIP_A, "pg_entertainment"))
    html = login(demo_user, "township_staff").get(AID, {"hazard": hazard.pk}).content.decode()
    assert 'value="crowded" selected' in html
    assert hazard.number in html


def test_save_records_the_determination_on_the_hazard(demo_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def record(h: Any, *, by: Any, result: dict[str, Any], major: bool) -> Any:
        calls.append({"hazard": h, "by": by, "result": result, "major": major})
        return h

    monkeypatch.setattr(views, "record_determination_func", lambda: record)
    hazard = hazard_on(place_in(TOWNSHIP_A, "pg_entertainment"))
    client = login(demo_user, "township_staff")
    page = client.get(AID, {"hazard": hazard.pk, "date": "2024-06-01", "direct": "6.6"}).content.decode()
    assert "保存判定结果" in page
    response = client.post(
        reverse("hazardrules:save"),
        {
            "hazard": hazard.pk,
            "date": "2024-06-01",
            "category": "crowded",
            "direct": "6.6",
            "industry": "纺织",
            "items": "3.2",
        },
    )
    assert response.status_code == 302
    (call,) = calls
    assert call["hazard"].pk == hazard.pk and call["by"].username == "township_staff"
    assert call["major"] is True
    result = call["result"]
    assert (result["rule_version"], result["basis"], result["major_fire"]) == ("GB35181-2017", ["6.6"], True)
    assert result["industry"]["items"] == ["3.2"]


def test_save_is_offered_only_to_hazard_managers(demo_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "record_determination_func", lambda: lambda *a, **k: None)
    hazard = hazard_on(place_in(TOWNSHIP_A))
    grid = login(demo_user, "grid_worker")
    assert "保存判定结果" not in grid.get(AID, {"hazard": hazard.pk, "date": "2024-06-01"}).content.decode()
    refused = grid.post(reverse("hazardrules:save"), {"hazard": hazard.pk, "date": "2024-06-01", "category": "other"})
    assert refused.status_code == 403


def test_save_without_the_hazards_helper_says_so(demo_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "record_determination_func", lambda: None)
    hazard = hazard_on(place_in(TOWNSHIP_A))
    client = login(demo_user, "township_staff")
    response = client.post(
        reverse("hazardrules:save"), {"hazard": hazard.pk, "date": "2024-06-01", "category": "other"}, follow=True
    )
    assert "尚未提供保存判定结果" in response.content.decode()


def test_tables_page_shows_versions_and_lets_the_county_admin_fill_2025(demo_user: Any) -> None:
    url = reverse("hazardrules:tables")
    staff = login(demo_user, "township_staff")
    html = staff.get(url).content.decode()
    assert "GB35181-2017" in html and "待录入，不能判定" in html and "录入要素" not in html
    assert staff.post(url, {"table": "GB35181-2025", "what": "publish"}).status_code == 403

    admin = login(demo_user, "county_admin")
    assert "录入要素" in admin.get(url).content.decode()
    bad = admin.post(url, {"table": "GB35181-2025", "what": "load", "load-lines": "5.1 | direct | 5 | R"})
    assert bad.status_code == 400 and "第 1 行" in bad.content.decode()
    lines = "5.1 | direct | 5 | R | 直接要素\n6.1 | composite | 6 | R | 综合要素一\n6.2 | 综合 | 6 | R | 综合要素二"
    assert admin.post(url, {"table": "GB35181-2025", "what": "load", "load-lines": lines}).status_code == 302
    rule = {
        "table": "GB35181-2025",
        "what": "rule",
        "rule-label": "a",
        "rule-categories": ["crowded"],
        "rule-counted": "6.1, 6.2",
        "rule-threshold": "2",
        "rule-verification": "R",
        "rule-text": "测试",
    }
    assert admin.post(url, rule).status_code == 302
    assert admin.post(url, {"table": "GB35181-2025", "what": "publish"}).status_code == 302
    assert RuleTable.objects.get(code="GB35181-2025").status == "published"


def test_save_through_the_hazards_action_raises_the_hazard_to_major(demo_user: Any) -> None:
    if views.record_determination_func() is None:
        pytest.skip("hazards.actions.record_determination is not there yet")
    hazard = hazard_on(place_in(TOWNSHIP_A, "pg_entertainment"))
    client = login(demo_user, "township_staff")
    response = client.post(
        reverse("hazardrules:save"), {"hazard": hazard.pk, "date": "2024-06-01", "category": "crowded", "direct": "6.6"}
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.severity == "major"
    assert hazard.determination["rule_version"] == "GB35181-2017"
    assert hazard.determination["basis"] == ["6.6"] and hazard.determination["major"] is True


def test_save_on_a_closed_hazard_is_refused_with_the_reason(demo_user: Any) -> None:
    if views.record_determination_func() is None:
        pytest.skip("hazards.actions.record_determination is not there yet")
    hazard = hazard_on(place_in(TOWNSHIP_A), state="closed")
    client = login(demo_user, "township_staff")
    response = client.post(
        reverse("hazardrules:save"),
        {"hazard": hazard.pk, "date": "2024-06-01", "category": "crowded", "direct": "6.6"},
        follow=True,
    )
    assert "不能记录重大隐患判定" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.determination == {}


def test_place_page_links_to_the_aid_with_the_suggested_category(demo_user: Any) -> None:
    place = place_in(TOWNSHIP_A, "pg_entertainment")
    html = login(demo_user, "township_staff").get(reverse("places:detail", args=[place.pk])).content.decode()
    assert f"{AID}?place={place.pk}" in html
    assert "GB 35181 场所类别建议" in html


def test_aid_page_in_english(demo_user: Any) -> None:
    from django.conf import settings

    client = login(demo_user, "grid_worker")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(AID, {"date": "2024-06-01", "category": "crowded", "direct": "6.6"}).content.decode()
    assert "Major fire hazard" in html and "Rule version" in html
