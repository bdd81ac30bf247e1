"""Hazard pages: the whole loop through the forms, refusals shown on the page, the ledger and its
export, my tasks, the supervision board, the place panel, the map layer, and scoping of each."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from demo.constants import TOWNSHIP_A
from hazards import actions
from hazards.models import Hazard
from hazards.tests.core_fixtures import *  # noqa: F403 - the loop's shared fixtures (users, place, make_hazard, drive)
from hazards.tests.core_fixtures import not_image, png

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(user: Any, h: Hazard, action: str, data: dict[str, Any] | None = None) -> Any:
    return client_for(user).post(reverse("hazards:act", args=[h.pk, action]), data or {})


def fresh(h: Hazard) -> Hazard:
    return Hazard.unscoped.get(pk=h.pk)


# --- the loop through the pages ----------------------------------------------------------------


def test_full_lifecycle_through_the_pages(users: dict[str, Any], place: Any) -> None:
    worker = client_for(users["grid_worker"])
    form = worker.get(reverse("hazards:report"), {"place": place.pk})
    assert form.status_code == 200
    body = form.content.decode()
    assert 'capture="environment"' in body and 'accept="image/*"' in body and "multiple" in body
    assert f'value="{place.pk}" checked' in body
    assert 'value="patrol" selected' in body  # a grid worker reports from a patrol by default

    response = worker.post(
        reverse("hazards:report"),
        {
            "place": place.pk,
            "category": "unsafe_condition",
            "hazard_type": "fire",
            "severity": "general",
            "source": "patrol",
            "description": "二楼疏散通道堆放纸箱",
            "interim_measures": "已设警示",
            "lat": "29.47",
            "lng": "121.87",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    h = Hazard.unscoped.get(description="二楼疏散通道堆放纸箱")
    assert response.status_code == 302 and response.url == reverse("hazards:detail", args=[h.pk])
    assert h.state == "reported" and h.photos.count() == 2 and h.lat == 29.47 and h.reported_by == users["grid_worker"]

    staff = users["township_staff"]
    assert act(staff, h, "confirm", {"severity": "general", "note": "属实"}).status_code == 302
    deadline = timezone.localdate() + timedelta(days=7)
    response = act(
        staff,
        h,
        "assign",
        {"deadline": deadline.isoformat(), "assignee": users["enterprise_user"].pk, "department": "物业"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    h = fresh(h)
    assert h.state == "assigned" and h.assignee_user == users["enterprise_user"] and h.deadline == deadline

    owner = users["enterprise_user"]
    page = client_for(owner).get(reverse("hazards:detail", args=[h.pk])).content.decode()
    assert 'data-action="submit"' in page and 'data-action="start"' in page and 'data-action="confirm"' not in page
    assert act(owner, h, "start").status_code == 302
    with_photo = client_for(owner).post(
        reverse("hazards:act", args=[h.pk, "submit"]), {"note": "纸箱已清走", "photos": [png("after.png")]}
    )
    assert with_photo.status_code == 302
    h = fresh(h)
    assert h.state == "submitted" and h.photos.filter(stage="evidence").count() == 1

    assert act(staff, h, "verify_pass", {"note": "现场复核通过"}).status_code == 302
    assert act(users["township_admin"], h, "close", {"note": "销号"}).status_code == 302
    h = fresh(h)
    assert h.state == "closed"

    page = client_for(staff).get(reverse("hazards:detail", args=[h.pk])).content.decode()
    for label in ("确认", "派单", "开始整改", "提交整改", "复核通过", "核销"):
        assert f"<strong>{label}</strong>" in page
    assert "纸箱已清走" in page and "整改后" in page and 'id="actions"' not in page  # nothing left to do
    assert f"{reverse('hazardrules:aid')}?hazard={h.pk}" in page


def test_an_illegal_action_is_refused_on_the_page_with_the_reason_and_the_input_kept(
    make_hazard: Any, users: dict[str, Any]
) -> None:
    h = make_hazard()
    response = act(users["township_admin"], h, "close", {"note": "想直接核销"})
    assert response.status_code == 409
    body = response.content.decode()
    assert 'role="alert"' in body and "不能执行“核销”" in body
    assert "想直接核销" in body  # what was typed is still in the form
    assert fresh(h).state == "reported"


def test_a_past_deadline_is_refused_next_to_the_field(make_hazard: Any, users: dict[str, Any]) -> None:
    h = actions.confirm(make_hazard(), by=users["township_staff"])
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = act(users["township_staff"], h, "assign", {"deadline": past, "department": "安监办"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-action="assign" open' in body.replace("\n", " ") or 'data-action="assign"' in body
    assert 'value="安监办"' in body and past in body
    assert fresh(h).state == "confirmed"


def test_the_rectifier_cannot_verify_their_own_work(make_hazard: Any, users: dict[str, Any]) -> None:
    staff = users["township_staff"]
    h = actions.confirm(make_hazard(), by=staff)
    h = actions.assign(h, by=staff, department="安监办", deadline=timezone.localdate() + timedelta(days=5))
    h = actions.submit(h, by=staff, note="自己整改")
    page = client_for(staff).get(reverse("hazards:detail", args=[h.pk])).content.decode()
    assert 'data-action="verify_pass"' not in page
    response = act(staff, h, "verify_pass", {"note": "自己复核"})
    assert response.status_code == 403
    assert "不能自己复核" in response.content.decode()
    assert fresh(h).state == "submitted"


def test_a_role_without_the_right_gets_no_forms_and_a_403(make_hazard: Any, users: dict[str, Any]) -> None:
    h = make_hazard()
    page = client_for(users["grid_worker"]).get(reverse("hazards:detail", args=[h.pk])).content.decode()
    assert 'data-action="confirm"' not in page and 'data-action="reject"' not in page
    response = act(users["grid_worker"], h, "reject", {"reason": "网格员想驳回"})
    assert response.status_code == 403 and "网格员想驳回" in response.content.decode()
    assert client_for(users["leader"]).get(reverse("hazards:report")).status_code == 403


def test_reject_needs_a_reason_and_extension_is_requested_and_decided(
    make_hazard: Any, users: dict[str, Any], drive: Any
) -> None:
    h = make_hazard()
    assert act(users["township_staff"], h, "reject", {"reason": ""}).status_code == 400
    h = drive(make_hazard(description="灭火器过期"), "rectifying")
    later = (h.deadline + timedelta(days=10)).isoformat()
    assert act(users["enterprise_user"], h, "extend", {"deadline": later, "reason": "等待配件"}).status_code == 302
    page = client_for(users["township_staff"]).get(reverse("hazards:detail", args=[h.pk])).content.decode()
    assert 'data-action="decide_extension"' in page and "等待配件" in page
    ext = h.extensions.get()
    assert (
        act(
            users["township_staff"], h, "decide_extension", {"extension": ext.pk, "approve": "1", "note": "同意"}
        ).status_code
        == 302
    )
    assert fresh(h).deadline.isoformat() == later


def test_the_reporter_adds_photos_and_staff_set_interim_measures(make_hazard: Any, users: dict[str, Any]) -> None:
    h = make_hazard()
    worker = client_for(users["grid_worker"])
    assert 'data-action="photos"' in worker.get(reverse("hazards:detail", args=[h.pk])).content.decode()
    response = worker.post(
        reverse("hazards:act", args=[h.pk, "photos"]), {"stage": "found", "photos": [png("more.png")]}
    )
    assert response.status_code == 302 and h.photos.count() == 1
    refused = worker.post(
        reverse("hazards:act", args=[h.pk, "photos"]), {"stage": "found", "photos": [not_image("bad.png")]}
    )
    assert refused.status_code == 400 and "不是图片" in refused.content.decode() and h.photos.count() == 1
    assert act(users["township_staff"], h, "interim_measures", {"text": "设置围挡"}).status_code == 302
    assert fresh(h).interim_measures == "设置围挡"
    assert act(users["township_staff"], h, "no_such_action").status_code == 404


def test_photos_that_are_not_images_are_refused_and_nothing_is_saved(users: dict[str, Any], place: Any) -> None:
    count = Hazard.unscoped.count()
    response = client_for(users["grid_worker"]).post(
        reverse("hazards:report"),
        {
            "place": place.pk,
            "category": "other",
            "hazard_type": "fire",
            "severity": "general",
            "source": "patrol",
            "description": "照片不是图片",
            "photos": [not_image("x.png")],
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "照片不是图片" in body and 'role="alert"' in body
    assert Hazard.unscoped.count() == count


def test_report_without_a_place_needs_a_jurisdiction(users: dict[str, Any]) -> None:
    worker = client_for(users["grid_worker"])
    data = {
        "category": "unsafe_act",
        "hazard_type": "flood",
        "severity": "general",
        "source": "patrol",
        "description": "河堤裂缝",
    }
    assert worker.post(reverse("hazards:report"), data).status_code == 400
    worker_node = users["grid_worker"].jurisdiction.code
    response = worker.post(reverse("hazards:report"), {**data, "jurisdiction": worker_node, "address": "东河堤 3 号"})
    assert response.status_code == 302
    h = Hazard.unscoped.get(description="河堤裂缝")
    assert h.place is None and h.address == "东河堤 3 号" and h.jurisdiction.code == worker_node


def test_place_search_finds_places_in_scope_only(users: dict[str, Any], place: Any, other_place: Any) -> None:
    worker = client_for(users["grid_worker"])
    found = worker.get(reverse("hazards:place_search"), {"place_q": place.name[:4]}).content.decode()
    assert f'value="{place.pk}"' in found
    outside = worker.get(reverse("hazards:place_search"), {"place_q": other_place.name}).content.decode()
    assert f'value="{other_place.pk}"' not in outside
    # A place outside the scope cannot be reported on by its id either.
    response = worker.post(
        reverse("hazards:report"),
        {
            "place": other_place.pk,
            "category": "other",
            "hazard_type": "fire",
            "severity": "general",
            "source": "patrol",
            "description": "越权",
        },
    )
    assert response.status_code == 400 and not Hazard.unscoped.filter(description="越权").exists()


# --- the ledger and its export ---------------------------------------------------------------------


def test_list_counts_by_colour_filters_and_shows_colours(make_hazard: Any, drive: Any, users: dict[str, Any]) -> None:
    red = drive(make_hazard(description="逾期的隐患"), "assigned")
    Hazard.unscoped.filter(pk=red.pk).update(
        deadline=timezone.localdate() - timedelta(days=2), yellow_from=timezone.localdate() - timedelta(days=5)
    )
    green = drive(make_hazard(description="期限内的隐患"), "assigned")
    client = client_for(users["township_staff"])
    response = client.get(reverse("hazards:list"))
    body = response.content.decode()
    chips = {c["value"]: c for c in response.context["chips"]}
    assert chips["red"]["count"] >= 1 and chips["green"]["count"] >= 1
    assert f'data-hazard="{red.pk}"' in body and 'data-colour="red"' in body
    only_red = client.get(reverse("hazards:list"), {"colour": "red"})
    ids = {row["hazard"].pk for row in only_red.context["rows"]}
    assert red.pk in ids and green.pk not in ids
    assert all(row["colour"] == "red" for row in only_red.context["rows"])
    partial = client.get(
        reverse("hazards:list"), {"q": "逾期的"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="hazard-results"
    )
    assert partial.content.decode().startswith('<div id="hazard-results"')
    bad = client.get(reverse("hazards:list"), {"colour": "purple"})
    assert bad.status_code == 200 and "颜色应为" in bad.content.decode() and not bad.context["rows"]


def test_list_filters_by_industry_and_kind(make_hazard: Any, users: dict[str, Any], place: Any) -> None:
    h = make_hazard(description="行业筛选")
    client = client_for(users["township_staff"])
    mine = client.get(reverse("hazards:list"), {"industry": place.kind.category, "q": "行业筛选"}).context["rows"]
    assert [r["hazard"].pk for r in mine] == [h.pk]
    other = next(c for c in ("industrial", "school", "hazchem") if c != place.kind.category)
    assert not client.get(reverse("hazards:list"), {"industry": other, "q": "行业筛选"}).context["rows"]
    assert [
        r["hazard"].pk
        for r in client.get(reverse("hazards:list"), {"kind": place.kind.code, "q": "行业筛选"}).context["rows"]
    ] == [h.pk]


def test_export_has_the_filtered_rows_and_the_four_summaries(
    make_hazard: Any, drive: Any, users: dict[str, Any]
) -> None:
    fire = make_hazard(description="导出用消防隐患")
    gas = drive(make_hazard(description="导出用燃气隐患", hazard_type="gas", category="management_defect"), "assigned")
    response = client_for(users["county_admin"]).get(reverse("hazards:export"), {"jurisdiction": TOWNSHIP_A})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["隐患台账", "按辖区汇总", "按类别汇总", "按行业汇总", "按灾种汇总"]
    rows = list(book["隐患台账"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert header[0] == "隐患编号" and "期限颜色" in header
    numbers = {r[0] for r in data}
    assert {fire.number, gas.number} <= numbers
    expected = Hazard.unscoped.filter(jurisdiction_path__contains=f"/{TOWNSHIP_A}/", archived_at__isnull=True).count()
    assert len(data) == expected
    gas_row = next(r for r in data if r[0] == gas.number)
    assert gas_row[header.index("灾种/专业")] == "燃气" and gas_row[header.index("期限颜色")] == "绿色"

    by_type = {r[0]: r for r in book["按灾种汇总"].iter_rows(values_only=True)}
    assert by_type["燃气"][1] >= 1 and by_type["合计"][1] == expected
    by_node = list(book["按辖区汇总"].iter_rows(values_only=True))
    assert by_node[-1][0] == "合计" and by_node[-1][1] == expected
    assert all(not str(r[0]).startswith("石浦镇") for r in by_node)
    by_category = {r[0]: r for r in book["按类别汇总"].iter_rows(values_only=True)}
    assert by_category["管理缺陷"][1] >= 1
    assert list(book["按行业汇总"].iter_rows(values_only=True))[-1][1] == expected

    filtered = client_for(users["county_admin"]).get(
        reverse("hazards:export"), {"hazard_type": "gas", "jurisdiction": TOWNSHIP_A}
    )
    sheet = load_workbook(io.BytesIO(b"".join(filtered.streaming_content)), read_only=True)["隐患台账"]
    assert {r[0] for r in list(sheet.iter_rows(values_only=True))[1:]} == set(
        Hazard.unscoped.filter(hazard_type="gas", jurisdiction_path__contains=f"/{TOWNSHIP_A}/").values_list(
            "number", flat=True
        )
    )


# --- my tasks, supervision, the place panel, the map layer ---------------------------------------------------


def test_my_tasks_lists_what_waits_for_each_user(make_hazard: Any, drive: Any, users: dict[str, Any]) -> None:
    reported = make_hazard(description="待确认的隐患")
    assigned = drive(make_hazard(description="待整改的隐患"), "assigned")
    submitted = drive(make_hazard(description="待复核的隐患"), "submitted")
    staff_page = client_for(users["township_staff"]).get(reverse("hazards:my_tasks"))
    sections = {s["key"]: {r["hazard"].pk for r in s["rows"]} for s in staff_page.context["sections"]}
    assert reported.pk in sections["confirm"] and submitted.pk in sections["verify"]
    owner = client_for(users["enterprise_user"]).get(reverse("hazards:my_tasks"))
    owner_sections = {s["key"]: {r["hazard"].pk for r in s["rows"]} for s in owner.context["sections"]}
    assert owner_sections["rectify"] == {assigned.pk} | (owner_sections["rectify"] - {assigned.pk})
    assert assigned.pk in owner_sections["rectify"] and "confirm" not in owner_sections
    assert "待整改的隐患" in owner.content.decode()
    assert isinstance(owner.context["tasks"], list)


def test_major_hazards_on_the_supervision_board(make_hazard: Any, users: dict[str, Any]) -> None:
    h = actions.confirm(make_hazard(description="重大隐患测试", severity="major"), by=users["township_staff"])
    county = client_for(users["county_admin"])
    board = county.get(reverse("hazards:supervision"))
    assert h.pk in {r["hazard"].pk for r in board.context["waiting"]} or h.pk in {
        r["hazard"].pk for r in board.context["supervised"]
    }
    assert (
        h.pk
        in {
            r["hazard"].pk
            for s in county.get(reverse("hazards:my_tasks")).context["sections"]
            if s["key"] == "supervise"
            for r in s["rows"]
        }
        or fresh(h).supervised
    )
    day = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = act(
        users["county_admin"], h, "supervise", {"deadline": day, "leader": "张副县长", "unit": "县应急管理局"}
    )
    assert response.status_code == 302
    board = county.get(reverse("hazards:supervision"))
    assert h.pk in {r["hazard"].pk for r in board.context["supervised"]} and "张副县长" in board.content.decode()
    township = client_for(users["township_admin"]).get(reverse("hazards:supervision"))
    assert "张副县长" in township.content.decode() and not township.context["may_supervise"]
    assert act(users["township_admin"], h, "supervise", {"deadline": day, "leader": "乡镇领导"}).status_code == 403
    detail = county.get(reverse("hazards:detail", args=[h.pk])).content.decode()
    assert 'id="supervision"' in detail and "县应急管理局" in detail


def test_place_page_panel_lists_open_hazards_and_links_to_report_here(
    make_hazard: Any, users: dict[str, Any], place: Any
) -> None:
    h = make_hazard(description="面板里的隐患")
    body = client_for(users["grid_worker"]).get(reverse("places:detail", args=[place.pk])).content.decode()
    assert 'id="hazards"' in body and "面板里的隐患" in body
    assert f"{reverse('hazards:report')}?place={place.pk}" in body and f'data-hazard="{h.pk}"' in body
    leader = client_for(users["leader"]).get(reverse("places:detail", args=[place.pk])).content.decode()
    assert "面板里的隐患" in leader and "data-report-here" not in leader


def test_map_layer_gives_coloured_points_within_the_box(make_hazard: Any, users: dict[str, Any], place: Any) -> None:
    h = make_hazard(description="地图上的隐患", lat=29.5, lng=121.9)
    client = client_for(users["township_staff"])
    data = client.get(reverse("hazards:geojson"), {"bbox": "121.8,29.4,122.0,29.6"}).json()
    feature = next(f for f in data["features"] if f["properties"]["id"] == h.pk)
    assert feature["geometry"]["coordinates"] == [121.9, 29.5] and feature["properties"]["colour"] == "green"
    away = client.get(reverse("hazards:geojson"), {"bbox": "100,20,100.1,20.1"}).json()
    assert all(f["properties"]["id"] != h.pk for f in away["features"])
    assert client.get(reverse("hazards:geojson"), {"bbox": "nonsense"}).status_code == 400


def test_home_card_counts_open_hazards_by_colour(make_hazard: Any, users: dict[str, Any]) -> None:
    def card() -> dict[str, Any]:
        response = client_for(users["township_staff"]).get(reverse("dashboard:home"))
        return next(c for c in response.context["cards"] if c["key"] == "hazards")

    before = card()
    make_hazard(description="首页卡片")
    after = card()
    assert after["open"] == before["open"] + 1 and after["green"] == before["green"] + 1
    assert after["rows"][0]["url"] == reverse("hazards:list") + "?colour=red"


# --- scoping ---------------------------------------------------------------------------------------


def test_an_outsider_township_sees_none_of_township_a(make_hazard: Any, outsiders: dict[str, Any]) -> None:
    h = make_hazard(description="丹东的隐患")
    outsider = client_for(outsiders["township_admin"])
    assert outsider.get(reverse("hazards:detail", args=[h.pk])).status_code == 404
    assert outsider.post(reverse("hazards:act", args=[h.pk, "confirm"]), {"severity": "general"}).status_code == 404
    assert fresh(h).state == "reported"
    listed = outsider.get(reverse("hazards:list"), {"q": "丹东的隐患"})
    assert not listed.context["rows"] and h.number not in listed.content.decode()
    assert "丹东的隐患" not in outsider.get(reverse("hazards:my_tasks")).content.decode()
    assert "丹东的隐患" not in outsider.get(reverse("hazards:supervision")).content.decode()
    assert all(f["properties"]["id"] != h.pk for f in outsider.get(reverse("hazards:geojson")).json()["features"])
    export = outsider.get(reverse("hazards:export"))
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True)["隐患台账"]
    assert h.number not in {r[0] for r in sheet.iter_rows(values_only=True)}
    # Not their node: refused (back to the list with the reason).
    assert outsider.get(reverse("hazards:export"), {"jurisdiction": TOWNSHIP_A}).status_code == 302


def test_an_enterprise_user_sees_only_their_places(make_hazard: Any, users: dict[str, Any], place: Any) -> None:
    from places.models import Place

    own = make_hazard(description="本单位隐患")
    neighbour_place = (
        Place.unscoped.filter(jurisdiction_path=place.jurisdiction_path, archived_at__isnull=True)
        .exclude(pk=place.pk)
        .first()
        or Place.unscoped.filter(jurisdiction_path__contains=f"/{TOWNSHIP_A}/", archived_at__isnull=True)
        .exclude(pk=place.pk)
        .first()
    )
    other = make_hazard(description="别家的隐患", on=neighbour_place, by=users["township_staff"])
    company = client_for(users["enterprise_user"])
    assert company.get(reverse("hazards:detail", args=[own.pk])).status_code == 200
    assert company.get(reverse("hazards:detail", args=[other.pk])).status_code == 404
    rows = {r["hazard"].pk for r in company.get(reverse("hazards:list")).context["rows"]}
    assert own.pk in rows and other.pk not in rows
    assert "别家的隐患" not in company.get(reverse("hazards:my_tasks")).content.decode()


def test_the_pages_speak_english_when_chosen(make_hazard: Any, users: dict[str, Any]) -> None:
    from django.conf import settings

    h = make_hazard()
    client = client_for(users["township_staff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listing = client.get(reverse("hazards:list")).content.decode()
    assert "Hazard ledger" in listing and "Red (overdue)" in listing
    detail = client.get(reverse("hazards:detail", args=[h.pk])).content.decode()
    assert "Timeline" in detail and "Reject" in detail and "Unsafe condition" in detail
    assert "Report a hazard" in client.get(reverse("hazards:report")).content.decode()
    assert "My tasks" in client.get(reverse("hazards:my_tasks")).content.decode()


def test_my_tasks_lists_the_inspection_tasks_of_the_inspector(users: dict[str, Any], place: Any) -> None:
    from inspectionplans.models import InspectionTask

    due = timezone.localdate() + timedelta(days=3)
    staff = users["township_staff"]
    # Built directly: this test is about the list, not the planning rules (inspectionplans tests those).
    task = InspectionTask(place=place, jurisdiction=place.jurisdiction, due_on=due, lead_inspector=staff)
    task.save()
    task.inspectors.add(staff)
    page = client_for(staff).get(reverse("hazards:my_tasks"))
    assert task.pk in {t.pk for t in page.context["tasks"]}
    body = page.content.decode()
    assert f'data-task="{task.pk}"' in body and reverse("inspections:do", args=[task.pk]) in body
    assert task.pk not in {
        t.pk for t in client_for(users["grid_worker"]).get(reverse("hazards:my_tasks")).context["tasks"]
    }


def test_list_and_tasks_pages_do_not_query_per_row(
    make_hazard: Any, users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(users["township_staff"])
    make_hazard(description="查询次数一")
    with django_assert_max_num_queries(40) as first:
        client.get(reverse("hazards:list"))
    for i in range(6):
        make_hazard(description=f"查询次数{i}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("hazards:list"))
    with django_assert_max_num_queries(40):
        client.get(reverse("hazards:my_tasks"))
