"""The fixed interface POST /api/v1/rules/major-fire-hazard and the other rule endpoints."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hazardrules.models import RuleTable

pytestmark = pytest.mark.django_db

URL = "/api/v1/rules/major-fire-hazard"


def post(client: Any, body: Any) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def client(api_as: Any, demo_user: Any) -> Any:
    return api_as(demo_user("grid_worker"))


def test_fixed_interface_answers_the_literal_shape(client: Any) -> None:
    response = post(
        client, {"date": "2024-06-01", "category": "crowded", "direct": ["6.6"], "composite": [], "exclusions": []}
    )
    assert response.status_code == 200
    body = response.json()
    assert {"major", "basis", "rule_version"} <= set(body)
    assert body["major"] is True
    assert body["basis"] == ["6.6"]
    assert body["rule_version"] == "GB35181-2017"
    assert isinstance(body["explanation"], list)


def test_composite_rule_a_through_the_api(client: Any) -> None:
    body = post(
        client,
        {
            "date": "2024-06-01",
            "category": "crowded",
            "direct": [],
            "composite": ["7.3.3", "7.3.5", "7.5"],
            "exclusions": [],
        },
    ).json()
    assert (body["major"], body["basis"]) == (True, ["7.3.3", "7.3.5", "7.5"])


def test_lists_may_be_omitted(client: Any) -> None:
    body = post(client, {"date": "2024-06-01", "category": "other"}).json()
    assert (body["major"], body["basis"]) == (False, [])


def test_exclusion_through_the_api(client: Any) -> None:
    body = post(
        client, {"date": "2024-06-01", "category": "crowded", "direct": ["6.6"], "exclusions": ["5.1.3b"]}
    ).json()
    assert (body["major"], body["basis"]) == (False, ["5.1.3b"])


def test_2025_date_is_refused_with_a_message_naming_the_missing_table(client: Any) -> None:
    response = post(client, {"date": "2025-11-01", "category": "crowded", "direct": ["6.6"]})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "GB35181-2025" in detail and "尚未录入" in detail and "2025-11-01 之前" in detail


def test_bad_input_answers_clear_errors(client: Any) -> None:
    unknown = post(client, {"date": "2024-06-01", "category": "crowded", "direct": ["6.99"]})
    assert unknown.status_code == 400
    assert "6.99" in unknown.json()["detail"]
    assert unknown.json()["errors"][0]["field"] == "direct"
    category = post(client, {"date": "2024-06-01", "category": "school"})
    assert category.status_code == 400 and "school" in category.json()["detail"]
    bad_date = post(client, {"date": "2024-13-01", "category": "crowded"})
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"][0]["field"] == "date"
    missing = post(client, {"category": "crowded"})
    assert missing.status_code == 422
    wrong_kind = post(client, {"date": "2024-06-01", "category": "crowded", "composite": ["6.6"]})
    assert wrong_kind.status_code == 400 and "6.6 是直接判定要素" in wrong_kind.json()["detail"]


def test_anonymous_callers_are_refused() -> None:
    from django.test import Client

    assert post(Client(), {"date": "2024-06-01", "category": "crowded"}).status_code == 401


def test_every_role_may_compute(api_as: Any, outsiders: dict[str, Any]) -> None:
    for user in outsiders.values():
        assert post(api_as(user), {"date": "2024-06-01", "category": "crowded", "direct": ["6.6"]}).status_code == 200


def test_tables_lists_versions_with_elements(client: Any) -> None:
    response = client.get(f"{URL}/tables")
    assert response.status_code == 200
    tables = {t["code"]: t for t in response.json()}
    old, new = tables["GB35181-2017"], tables["GB35181-2025"]
    assert old["usable"] is True and old["effective_from"] == "2018-07-01" and old["effective_until"] == "2025-10-31"
    assert new["usable"] is False and new["elements"] == [] and new["effective_from"] == "2025-11-01"
    elements = {e["code"]: e for e in old["elements"]}
    assert elements["6.6"]["kind"] == "direct" and elements["6.6"]["verification"] == "[S]"
    assert elements["7.9.3"]["verification"] == "[R]"
    assert elements["5.1.3b"]["kind"] == "exclusion"
    assert [r["label"] for r in old["rules"]] == ["a", "b", "c", "d"]


def test_industry_endpoint(client: Any) -> None:
    response = client.get(
        "/api/v1/rules/industry-major-hazards", {"industry": "轻工", "dust": "1", "date": "2024-06-01"}
    )
    assert response.status_code == 200
    body = response.json()
    codes = [i["code"] for i in body["items"]]
    assert codes[0] == "2" and "11.3" in codes and "12.1" not in codes
    assert body["items"][0]["decisive"] is False
    bad = client.get("/api/v1/rules/industry-major-hazards", {"industry": "化工"})
    assert bad.status_code == 400 and "化工" in bad.json()["detail"]


def test_only_county_admin_can_load_a_table(api_as: Any, demo_user: Any) -> None:
    township = api_as(demo_user("township_admin"))
    body = {"code": "6.1", "kind": "direct", "group": "5", "text": "……", "verification": "NF"}
    assert (
        township.post(
            f"{URL}/tables/GB35181-2025/elements", data=json.dumps(body), content_type="application/json"
        ).status_code
        == 403
    )


def test_county_admin_loads_and_publishes_the_2025_table(api_as: Any, demo_user: Any, client: Any) -> None:
    admin = api_as(demo_user("county_admin"))
    base = f"{URL}/tables/GB35181-2025"

    def send(path: str, data: Any = None) -> Any:
        return admin.post(f"{base}{path}", data=json.dumps(data or {}), content_type="application/json")

    refused = send("/publish")
    assert refused.status_code == 400 and "没有直接判定要素" in refused.json()["detail"]
    for code, kind in [("5.1", "direct"), ("6.1", "composite"), ("6.2", "composite"), ("4.2a", "exclusion")]:
        assert (
            send(
                "/elements", {"code": code, "kind": kind, "group": code[0], "text": "测试条文", "verification": "R"}
            ).status_code
            == 201
        )
    duplicate = send("/elements", {"code": "5.1", "kind": "direct", "text": "x", "verification": "R"})
    assert duplicate.status_code == 400
    bad_rule = send(
        "/rules", {"label": "a", "categories": ["crowded"], "counted": ["9.9"], "threshold": 2, "verification": "R"}
    )
    assert bad_rule.status_code == 400 and "9.9" in bad_rule.json()["detail"]
    assert (
        send(
            "/rules",
            {"label": "a", "categories": ["crowded", "other"], "counted": [], "threshold": 2, "verification": "R"},
        ).status_code
        == 201
    )
    assert send("/publish").status_code == 200
    assert RuleTable.objects.get(code="GB35181-2025").status == "published"
    after = post(client, {"date": "2025-11-01", "category": "crowded", "composite": ["6.1", "6.2"]}).json()
    assert (after["major"], after["rule_version"]) == (True, "GB35181-2025")
    # 重要场所 was deleted in 2025: a table without a rule for the category says so.
    important = post(client, {"date": "2025-11-01", "category": "important", "composite": ["6.1"]})
    assert important.status_code == 400 and "重要场所" in important.json()["detail"]
    # The 2017 table still decides 2025-10-31.
    assert (
        post(client, {"date": "2025-10-31", "category": "crowded", "direct": ["6.6"]}).json()["rule_version"]
        == "GB35181-2017"
    )
    # Published tables keep their elements.
    late = send("/elements", {"code": "5.2", "kind": "direct", "text": "x", "verification": "R"})
    assert late.status_code == 400 and "已发布" in late.json()["detail"]


def test_overlong_codes_and_lists_are_refused(client: Any) -> None:
    response = post(client, {"date": "2024-06-01", "category": "crowded", "direct": ["6" * 200]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("direct")
    too_many = post(client, {"date": "2024-06-01", "category": "crowded", "composite": ["7.3.3"] * 101})
    assert too_many.status_code == 422
