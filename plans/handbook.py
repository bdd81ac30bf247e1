"""The township's 多案合一 handbook (综合性"多案合一"应急手册, seed 000) as a .docx.

One document a township prints and hands out: cover, contents, a contacts table of every
position holder of the township and its villages with duty phones, then its in-force plans
in handbook order (综合 → 专项 → 村(社区)简明预案 → 现场处置方案) with their sections, and
the position cards of those plans. Built with python-docx from the scoped managers, so a
user only ever prints what they may see.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.models import Position
from plans.choices import HANDBOOK_ORDER, PlanStatus
from plans.models import Plan, PlanSection, PositionCard

CONTACT_LEVELS = (Level.TOWNSHIP, Level.VILLAGE)
FONT = "SimSun"
HEADING_FONT = "SimHei"


def handbook_plans(township: Jurisdiction) -> list[Plan]:
    """In-force plans of the township and its villages, in handbook order."""
    plans = (
        Plan.objects.active()
        .filter(jurisdiction_path__within=township.path, status=PlanStatus.IN_FORCE)
        .select_related("jurisdiction")
        .defer("jurisdiction__boundary")
        .prefetch_related(
            Prefetch("sections", queryset=PlanSection.objects.order_by("position", "id")),
            Prefetch(
                "cards",
                queryset=PositionCard.objects.active().select_related("position_kind").order_by("position_kind__sort_order", "id"),
            ),
        )
    )
    order = {kind: index for index, kind in enumerate(HANDBOOK_ORDER)}
    return sorted(plans, key=lambda p: (order.get(p.kind, 99), p.jurisdiction_path, p.title, p.pk))


def handbook_contacts(township: Jurisdiction) -> list[Position]:
    return list(
        Position.objects.current()
        .filter(jurisdiction_path__within=township.path, jurisdiction__level__in=CONTACT_LEVELS)
        .select_related("person", "kind", "jurisdiction")
        .defer("jurisdiction__boundary")
        .order_by("jurisdiction_path", "kind__sort_order", "id")
    )


def holders_by_post(contacts: Iterable[Position]) -> dict[tuple[str, int], list[Position]]:
    """Current position holders keyed by (jurisdiction path, position kind id), for the cards."""
    holders: dict[tuple[str, int], list[Position]] = {}
    for position in contacts:
        holders.setdefault((position.jurisdiction_path, position.kind_id), []).append(position)
    return holders


class _Styles:
    """Style ids looked up once and set on the XML directly.

    python-docx resolves a style by scanning every style on each assignment, which made a
    township's handbook (hundreds of headings and table cells) take seconds.
    """

    def __init__(self, document: Any) -> None:
        self.headings = {level: document.styles[f"Heading {level}"].style_id for level in (1, 2)}
        self.table = document.styles["Table Grid"].style_id

    def heading(self, document: Any, text: str, level: int) -> Any:
        paragraph = document.add_paragraph(text)
        paragraph._p.style = self.headings[level]
        return paragraph


def _set_fonts(document: Any) -> None:
    for name, font_name, size in (("Normal", FONT, 11), ("Heading 1", HEADING_FONT, 16), ("Heading 2", HEADING_FONT, 13), ("Title", HEADING_FONT, 26)):
        style = document.styles[name]
        style.font.name = font_name
        style.font.size = Pt(size)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), font_name)


def _toc_field(paragraph: Any) -> None:
    """A TOC field Word fills in when the document is opened (F9 updates it)."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-2" \\h \\z \\u'
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = "（打开文件后在此处右键“更新域”生成目录）"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, placeholder, end):
        run._r.append(element)


def _table(document: Any, headers: list[str], rows: Iterable[list[str]], styles: _Styles) -> Any:
    """A bordered table created at its final size (adding rows one by one is slow in python-docx)."""
    body = [list(values) for values in rows]
    table = document.add_table(rows=len(body) + 1, cols=len(headers))
    table._tbl.tblStyle_val = styles.table
    for index, (row, values) in enumerate(zip(table.rows, [headers, *body], strict=True)):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
            if index == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    return table


def card_contacts(card: PositionCard, holders: dict[tuple[str, int], list[Position]]) -> list[str]:
    """The card's own contact lines, then the current holders of its post in the plan's jurisdiction."""
    lines = [line.strip() for line in card.contacts.splitlines() if line.strip()]
    for position in holders.get((card.jurisdiction_path, card.position_kind_id), []):
        phone = position.duty_phone or position.person.mobile
        lines.append(f"{position.kind.name} {position.person.name} {phone}")
    return lines


def write_card(document: Any, card: PositionCard, plan: Plan, holders: dict[tuple[str, int], list[Position]], styles: _Styles) -> None:
    styles.heading(document, f"{card.title}（{plan.jurisdiction.name}·{card.position_kind.name}）", 2)
    document.add_paragraph(f"适用预案：{plan.title}")
    _table(document, ["步骤", "处置要点"], ([str(i), step] for i, step in enumerate(card.steps, start=1)), styles)
    if card.report_to or card.report_within_minutes:
        within = f"{card.report_within_minutes} 分钟内" if card.report_within_minutes else "第一时间"
        document.add_paragraph(f"信息报告：{within}向{card.report_to or '上级'}报告{('：' + card.report_what) if card.report_what else ''}")
    contacts = card_contacts(card, holders)
    if contacts:
        document.add_paragraph("联系人：" + "；".join(contacts))


def build_handbook(township: Jurisdiction, *, compiled_by: str = "") -> bytes:
    """The .docx bytes of the township's handbook (township must have been fetched through a scoped manager)."""
    plans = handbook_plans(township)
    contacts = handbook_contacts(township)
    holders = holders_by_post(contacts)
    today = timezone.localdate()

    document = Document()
    _set_fonts(document)
    styles = _Styles(document)

    # Cover.
    for _blank in range(6):
        document.add_paragraph()
    title = document.add_paragraph(f"{township.name}应急预案汇编", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = document.add_paragraph("综合性“多案合一”应急手册", style="Subtitle")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (f"编制单位：{compiled_by or township.name + '应急消防管理站'}", f"生成日期：{today:%Y年%m月%d日}", f"收录预案 {len(plans)} 件"):
        paragraph = document.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # Contents.
    document.add_paragraph("目录", style="TOC Heading")
    _toc_field(document.add_paragraph())
    for number, plan in enumerate(plans, start=1):
        document.add_paragraph(f"{number}. {plan.title}（{plan.get_kind_display()}）")
    document.add_section(WD_SECTION.NEW_PAGE)

    # Contacts.
    styles.heading(document, "应急通讯录", 1)
    document.add_paragraph("乡镇（街道）及各村（社区）在岗岗位人员；值班电话未登记的列手机号。")
    _table(
        document,
        ["辖区", "岗位", "姓名", "值班电话", "手机"],
        ([p.jurisdiction.name, p.kind.name, p.person.name, p.duty_phone or "—", p.person.mobile] for p in contacts),
        styles,
    )

    # Plans.
    for plan in plans:
        document.add_section(WD_SECTION.NEW_PAGE)
        styles.heading(document, plan.title, 1)
        meta = [f"类型：{plan.get_kind_display()}", f"编制单位：{plan.jurisdiction.name}", f"版本：{plan.version}"]
        if plan.approved_on:
            meta.append(f"批准：{plan.approved_on:%Y-%m-%d}")
        if plan.filed_on:
            meta.append(f"备案：{plan.filed_on:%Y-%m-%d}")
        if plan.revision_due:
            meta.append(f"修订期限：{plan.revision_due:%Y-%m-%d}")
        document.add_paragraph("　".join(meta))
        for section in plan.sections.all():
            styles.heading(document, section.heading, 2)
            for text in section.body.splitlines():
                if text.strip():
                    document.add_paragraph(text.strip())

    # Position cards.
    cards = [(card, plan) for plan in plans for card in plan.cards.all()]
    if cards:
        document.add_section(WD_SECTION.NEW_PAGE)
        styles.heading(document, "应急处置卡", 1)
        for card, plan in cards:
            write_card(document, card, plan, holders, styles)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
