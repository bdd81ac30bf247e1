"""Risk pages: overview, drill-down list, place panel and its forms, the model editor."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from demo.constants import TOWNSHIP_A, VILLAGE_A
from places.models import Place
from risk.models import InspectionPolicy, PlaceSignal, RiskModel
from risk.panel import place_panel_context

pytestmark = pytest.mark.django_db


def login(client: Client, username: str) -> User:
    user = User.unscoped.get(username=username)
    client.force_login(user)
    return user


def test_overview_shows_grades_chart_data_and_child_rows(client: Client) -> None:
    login(client, "township_admin")
    response = client.get("/risk/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="risk-chart-data"' in html and "echarts.min.js" in html
    assert f"jurisdiction={VILLAGE_A}" in html
    assert response.context["node"].code == TOWNSHIP_A
    assert "<script>" not in html.replace('<script id="risk-chart-data" type="application/json">', "")
    assert "编辑评分模型" not in html  # only county admins edit


def test_overview_links_the_editor_for_county_admins(client: Client) -> None:
    login(client, "county_admin")
    response = client.get("/risk/", {"jurisdiction": TOWNSHIP_A})
    assert "编辑评分模型与检查频次" in response.content.decode()


def test_drilldown_list_filters_by_grade_and_status(client: Client, factory_place: Place, django_assert_max_num_queries: Any) -> None:
    login(client, "township_staff")
    Place.unscoped.filter(pk=factory_place.pk).update(next_supervision_due=timezone.localdate() - timedelta(days=3))
    with django_assert_max_num_queries(12):
        response = client.get("/risk/places/", {"jurisdiction": VILLAGE_A, "status": "overdue_supervision"})
    assert response.status_code == 200
    names = [p.name for p, *_ in response.context["rows"]]
    assert factory_place.name in names
    assert all(p.next_supervision_due < timezone.localdate() for p, *_ in response.context["rows"])
    graded = client.get("/risk/places/", {"jurisdiction": VILLAGE_A, "grade": "general"})
    assert all(p.risk_grade == "general" for p, *_ in graded.context["rows"])
    partial = client.get("/risk/places/", {"jurisdiction": VILLAGE_A}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="risk-results")
    assert partial.content.decode().lstrip().startswith("<div id=\"risk-results\"")


def test_place_page_shows_grade_factors_and_forms(client: Client, factory_place: Place) -> None:
    login(client, "grid_worker")
    response = client.get(f"/risk/places/{factory_place.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "risk-yellow" in html and "一般风险" in html
    assert "建筑面积 1200" in html
    assert "登记检查" not in html  # grid workers read, they do not record
    login(client, "township_staff")
    html = client.get(f"/risk/places/{factory_place.pk}/").content.decode()
    assert f'action="/risk/places/{factory_place.pk}/inspections/"' in html


def test_panel_context_is_registered_with_the_places_app() -> None:
    from places.panels import registered_panels

    assert any(panel.template_name == "risk/_place_panel.html" and panel.context_func is place_panel_context for panel in registered_panels())


def test_recording_a_signal_from_the_panel(client: Client, factory_place: Place) -> None:
    login(client, "township_staff")
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/risk/places/{factory_place.pk}/signals/",
        {"kind": "hazard_open", "severity": "major", "occurred_on": today, "note": "仓库堆放易燃物", "next": "/risk/"},
    )
    assert response.status_code == 302 and response["Location"] == "/risk/"
    factory_place.refresh_from_db()
    assert factory_place.risk_grade == "major"
    signal = PlaceSignal.unscoped.get(place=factory_place)
    response = client.post(f"/risk/signals/{signal.pk}/resolve/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response["Location"]
    factory_place.refresh_from_db()
    assert factory_place.risk_grade == "general"


def test_recording_an_inspection_from_the_panel(client: Client, factory_place: Place) -> None:
    login(client, "village_cadre")
    on = timezone.localdate() - timedelta(days=1)
    client.post(f"/risk/places/{factory_place.pk}/inspections/", {"kind": "self", "on": on.isoformat(), "passed": "1"})
    factory_place.refresh_from_db()
    assert factory_place.last_self_inspection_on == on
    assert factory_place.next_self_inspection_due == on + timedelta(days=30)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(f"/risk/places/{factory_place.pk}/inspections/", {"kind": "self", "on": future, "passed": "1"}, follow=True)
    assert "晚于今天" in response.content.decode()


def test_readers_cannot_post_record_forms(client: Client, factory_place: Place) -> None:
    login(client, "leader")
    response = client.post(f"/risk/places/{factory_place.pk}/signals/", {"kind": "alarm", "occurred_on": "2026-01-01"})
    assert response.status_code == 403
    assert not PlaceSignal.unscoped.filter(place=factory_place).exists()


def test_model_editor_is_read_only_for_others(client: Client) -> None:
    login(client, "township_admin")
    response = client.get("/risk/model/")
    assert response.status_code == 200
    assert 'name="points_cat_hazchem"' not in response.content.decode()
    version = RiskModel.objects.order_by("-version").first().version
    assert client.post("/risk/model/", {"major_min": "50", "large_min": "30", "general_min": "10"}).status_code == 403
    assert client.post("/risk/policies/", {"grade": "low", "self_interval_days": 1, "supervision_interval_days": 1}).status_code == 403
    assert RiskModel.objects.order_by("-version").first().version == version


def test_county_admin_saves_points_as_a_new_version(client: Client) -> None:
    login(client, "county_admin")
    page = client.get("/risk/model/")
    assert 'name="points_cat_hazchem"' in page.content.decode()
    current = RiskModel.objects.order_by("-version").first()
    data: dict[str, str] = {"major_min": "65", "large_min": "35", "general_min": "15", "note": "提高重大起点"}
    for factor in current.factors.all():
        data[f"points_{factor.code}"] = str(factor.points)
        data[f"max_points_{factor.code}"] = "" if factor.max_points is None else str(factor.max_points)
        data[f"min_grade_{factor.code}"] = factor.min_grade
        if factor.active and factor.code != "recent_pass":
            data[f"active_{factor.code}"] = "on"
    data["points_cat_rental"] = "7"
    response = client.post("/risk/model/", data)
    assert response.status_code == 302
    new = RiskModel.objects.order_by("-version").first()
    assert new.version == current.version + 1 and new.major_min == Decimal("65")
    assert new.factors.get(code="cat_rental").points == Decimal("7")
    assert not new.factors.get(code="recent_pass").active
    bad = dict(data, large_min="70")
    response = client.post("/risk/model/", bad)
    assert response.status_code == 200 and "重大 &gt; 较大 &gt; 一般" in response.content.decode()


def test_county_admin_sets_and_deletes_a_kind_policy(client: Client, industrial: Any) -> None:
    login(client, "county_admin")
    client.post("/risk/policies/", {"grade": "large", "kind": industrial.code, "self_interval_days": 10, "supervision_interval_days": 60})
    policy = InspectionPolicy.objects.get(grade="large", kind=industrial)
    assert policy.self_interval_days == 10
    assert industrial.name in client.get("/risk/model/").content.decode()
    client.post(f"/risk/policies/{policy.pk}/delete/")
    assert not InspectionPolicy.objects.filter(kind=industrial).exists()


def test_the_place_page_of_the_places_app_shows_the_risk_panel(client: Client, factory_place: Place) -> None:
    login(client, "township_staff")
    response = client.get(f"/places/{factory_place.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="risk-panel"' in html
    assert "定级依据" in html and "登记检查" in html
