"""The jurisdiction ledger: the visible tree as .xlsx with counts, and boundaries as GeoJSON."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from demo.constants import TOWNSHIP_A, VILLAGE_A
from jurisdictions.models import Jurisdiction
from people.models import Person, Position

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def sheet_rows(response: Any) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_export_lists_the_visible_tree_with_counts_of_each_subtree(client: Client) -> None:
    login(client, "township_admin")
    rows = {row["代码"]: row for row in sheet_rows(client.get(reverse("jurisdictions:export")))}
    expected = Jurisdiction.unscoped.filter(path__startswith=f"/330225/{TOWNSHIP_A}/", archived_at__isnull=True)
    assert set(rows) == set(expected.values_list("code", flat=True))
    village = rows[VILLAGE_A]
    node = Jurisdiction.unscoped.get(code=VILLAGE_A)
    assert (village["名称"], village["层级"], village["上级代码"]) == (node.name, "村（社区）", TOWNSHIP_A)
    assert village["下级辖区数"] == Jurisdiction.unscoped.filter(parent=node, archived_at__isnull=True).count()
    assert village["网格数"] == expected.filter(path__startswith=node.path, level="grid").count()
    assert village["登记人员数"] == Person.unscoped.filter(jurisdiction_path__startswith=node.path, archived_at__isnull=True).count()
    current = Position.objects.current().filter(jurisdiction_path__startswith=node.path)  # tests run unrestricted
    assert village["在岗人数"] == current.count()
    assert village["网格员人数"] == current.filter(kind__code="grid_member").count() > 0
    assert rows[TOWNSHIP_A]["登记人员数"] >= village["登记人员数"]
    assert village["中心经度"] == pytest.approx(node.centroid_lng)


def test_export_of_the_whole_county_costs_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    login(client, "county_admin")
    with django_assert_max_num_queries(8):
        rows = sheet_rows(client.get(reverse("jurisdictions:export")))
    assert len(rows) == Jurisdiction.unscoped.filter(archived_at__isnull=True).count()


def test_export_below_a_node_outside_the_scope_answers_404(client: Client) -> None:
    login(client, "shipu_admin")
    assert client.get(reverse("jurisdictions:export"), {"code": VILLAGE_A}).status_code == 404
    assert client.get(reverse("jurisdictions:export_geojson"), {"code": VILLAGE_A}).status_code == 404


def test_boundaries_download_as_a_geojson_feature_collection(client: Client) -> None:
    login(client, "village_cadre")
    response = client.get(reverse("jurisdictions:export_geojson"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Disposition"].startswith("attachment;") and ".geojson" in response["Content-Disposition"]
    payload = json.loads(b"".join(response.streaming_content))
    assert payload["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in payload["features"]]
    assert codes[0] == VILLAGE_A and all(c.startswith(VILLAGE_A) for c in codes) and len(codes) > 1
    assert payload["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_api_export_and_geojson_are_not_taken_for_a_jurisdiction_code(api_as: Any, demo_user: Any) -> None:
    client = api_as(demo_user("township_admin"))
    response = client.get("/api/v1/jurisdictions/export.xlsx")
    assert response.status_code == 200, response.content[:300]
    assert {row["代码"][:9] for row in sheet_rows(response)} == {TOWNSHIP_A}
    geojson = client.get("/api/v1/map/jurisdictions.geojson", {"code": VILLAGE_A})
    assert geojson.status_code == 200
    assert json.loads(b"".join(geojson.streaming_content))["features"][0]["id"] == VILLAGE_A


def test_jurisdiction_page_offers_exports_and_says_there_is_no_import(client: Client) -> None:
    login(client, "township_staff")
    html = client.get(reverse("jurisdictions:detail", args=[TOWNSHIP_A])).content.decode()
    assert f'{reverse("jurisdictions:export")}?code={TOWNSHIP_A}' in html
    assert f'{reverse("jurisdictions:export_geojson")}?code={TOWNSHIP_A}' in html
    assert "辖区不支持批量导入" in html
