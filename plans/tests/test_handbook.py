"""The township's 多案合一 handbook: open the generated .docx with python-docx and check what is in it."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import docx
import pytest

from demo.constants import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A
from jurisdictions.models import Jurisdiction
from people.models import Position, PositionKind
from plans import actions
from plans.choices import PlanStatus
from plans.handbook import build_handbook
from plans.models import Plan

pytestmark = pytest.mark.django_db


def open_docx(content: bytes) -> Any:
    return docx.Document(io.BytesIO(content))


def headings(document: Any, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def test_handbook_has_cover_contents_contacts_plans_in_order_and_cards(make_plan: Any, demo_user: Any) -> None:
    general = make_plan(title="甲街道总体应急预案", kind="general", sections=[("总则", "第一段\n第二段"), ("组织体系与职责", "职责")])
    village = make_plan(VILLAGE_A, title="翠屏社区简明预案", kind="village", sections=[("预警与转移", "逐户通知")])
    make_plan(title="草案不收录", kind="fire", status=PlanStatus.DRAFT, approved_on=None)
    make_plan(TOWNSHIP_B, title="石浦镇预案不收录", kind="general")
    kind = PositionKind.objects.get(code="village_manager")
    actions.create_card(village, by=demo_user("county_admin"), position_kind=kind, steps=["接报核实", "组织转移"], report_to="街道管理站", report_within_minutes=15)

    document = open_docx(build_handbook(Jurisdiction.unscoped.get(code=TOWNSHIP_A)))
    text = [p.text for p in document.paragraphs]
    title = next(p for p in document.paragraphs if p.style.name == "Title")
    assert "丹东街道" in title.text and "多案合一" in " ".join(text)
    assert any(p.style.name == "TOC Heading" and p.text == "目录" for p in document.paragraphs)

    level1 = headings(document, 1)
    assert level1[0] == "应急通讯录" and level1[-1] == "应急处置卡"
    plan_titles = [t for t in level1 if t not in ("应急通讯录", "应急处置卡")]
    assert "甲街道总体应急预案" in plan_titles and "翠屏社区简明预案" in plan_titles
    assert plan_titles.index("甲街道总体应急预案") < plan_titles.index("翠屏社区简明预案")  # 综合 before 村(社区)简明预案
    assert "草案不收录" not in plan_titles and "石浦镇预案不收录" not in plan_titles
    included = Plan.unscoped.filter(jurisdiction_path__startswith=f"/330225/{TOWNSHIP_A}/", status=PlanStatus.IN_FORCE, archived_at__isnull=True)
    assert len(plan_titles) == included.count()
    assert {"总则", "组织体系与职责", "预警与转移"} <= set(headings(document, 2))
    assert "第一段" in text and "第二段" in text
    assert any(h.startswith("村(社区)应急消防管理员应急处置卡") for h in headings(document, 2))
    assert any("15 分钟内向街道管理站报告" in t for t in text)
    del general


def test_contacts_table_lists_position_holders_of_the_township_and_villages_with_duty_phones(demo_user: Any) -> None:
    township = Jurisdiction.unscoped.get(code=TOWNSHIP_A)
    position = Position.unscoped.filter(jurisdiction__code=VILLAGE_A, end_date__isnull=True).select_related("person", "kind").first()
    position.duty_phone = "0574-65710000"
    position.save()
    document = open_docx(build_handbook(township))
    contacts = document.tables[0]
    assert [c.text for c in contacts.rows[0].cells] == ["辖区", "岗位", "姓名", "值班电话", "手机"]
    rows = [[c.text for c in row.cells] for row in contacts.rows[1:]]
    expected = Position.unscoped.filter(
        jurisdiction_path__startswith=township.path, jurisdiction__level__in=["township", "village"], end_date__isnull=True, archived_at__isnull=True
    ).count()
    assert len(rows) == expected
    assert [position.jurisdiction.name, position.kind.name, position.person.name, "0574-65710000", position.person.mobile] in rows
    assert not [r for r in rows if r[0] == "石浦镇"]


def test_handbook_api_answers_docx_for_townships_only(api_as: Any, demo_user: Any, make_plan: Any) -> None:
    make_plan(title="接口预案", approved_on=date(2024, 1, 1))
    client = api_as(demo_user("township_staff"))
    for url in ("/api/v1/plans/handbook", "/api/v1/plans/handbook.docx"):
        response = client.get(url, {"jurisdiction": TOWNSHIP_A})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
        assert "接口预案" in headings(open_docx(response.content), 1)
    refused = client.get("/api/v1/plans/handbook", {"jurisdiction": VILLAGE_A})
    assert refused.status_code == 400 and "乡镇" in refused.json()["detail"]


def test_handbook_page_download(client: Any, demo_user: Any) -> None:
    client.force_login(demo_user("township_staff"))
    response = client.get(f"/plans/handbook/{TOWNSHIP_A}.docx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert open_docx(response.content).paragraphs
