"""The items of one checklist as an Excel ledger: export any version, import into a draft only.

A row is identified by its 序号 within the checklist. Importing makes the draft's items
exactly the file's rows: a 序号 already in the draft is updated, a new one is added, and
an item whose 序号 is not in the file is removed (a draft was never walked, so nothing
refers to its items). Like every ledger import it is all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from checklists import actions
from checklists.models import Checklist, ChecklistItem, ChecklistLevel, Department
from hazards.choices import HazardCategory, HazardType
from yingji.ledgers import CREATED, UNCHANGED, UPDATED, CellError, Column, Ledger, Outcome, ParsedRow, RowError

_REF_SPLIT = re.compile(r"[\n；;]+")
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", "×", "✗"}


def _by_label(choices: Any, what: str) -> Any:
    mapping = {str(label): value for value, label in choices.choices} | {value: value for value in choices.values}

    def parse(raw: str) -> str:
        if raw not in mapping:
            raise CellError(f"{what}应为：{'、'.join(str(label) for label in choices.labels)}")
        return str(mapping[raw])

    return parse


def parse_bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError("请填写“是”或“否”")


def parse_order(raw: str) -> int:
    text = raw.removesuffix(".0")
    if not text.isdigit() or not 1 <= int(text) <= 9999:
        raise CellError("序号应为 1 到 9999 之间的整数")
    return int(text)


def parse_days(raw: str) -> int:
    text = raw.removesuffix(".0")
    if not text.isdigit() or not 1 <= int(text) <= 3660:
        raise CellError("频次天数应为 1 到 3660 之间的整数，如每月一次填 30")
    return int(text)


def parse_refs(raw: str) -> list[dict[str, str]]:
    """``代码 说明`` per line (or separated by ；): ``GB35181-2017:6.6 未设置自动喷水灭火系统``."""
    refs = []
    for entry in _REF_SPLIT.split(raw):
        entry = entry.strip()
        if not entry:
            continue
        code, _sep, label = entry.partition(" ")
        if ":" not in code and "：" not in code:
            raise CellError(f"依据“{entry}”应以条款代码开头，如 GB35181-2017:6.6 或 应急管理部令第10号:第十一条(一)")
        refs.append({"code": code.replace("：", ":"), "label": label.strip()})
    return refs


def format_refs(refs: Iterable[dict[str, str]]) -> str:
    return "\n".join(f"{ref.get('code', '')} {ref.get('label', '')}".strip() for ref in refs)


ITEMS_LEDGER = Ledger(
    name="检查清单",
    columns=(
        Column("order", "序号", parse=parse_order, required=True, example="1", width=6),
        Column("matter", "检查事项", required=True, example="安全出口与疏散通道", width=20, max_length=100),
        Column(
            "content", "检查内容", required=True, example="疏散通道、安全出口畅通，未被占用、堵塞、封闭。", width=50
        ),
        Column(
            "department",
            "管理部门",
            parse=_by_label(Department, "管理部门"),
            choices=[str(label) for label in Department.labels],
            example=str(Department.FIRE.label),
            width=14,
        ),
        Column(
            "level",
            "检查层级",
            parse=_by_label(ChecklistLevel, "检查层级"),
            choices=[str(label) for label in ChecklistLevel.labels],
            example=str(ChecklistLevel.TOWNSHIP.label),
            width=12,
        ),
        Column("frequency", "检查频次", example="每季度一次", width=14, max_length=40),
        Column("frequency_days", "频次（天）", parse=parse_days, example="90", width=10),
        Column(
            "rule_refs",
            "依据条款",
            parse=parse_refs,
            example="GB35181-2017:7.3.3 既有安全出口被封堵",
            help="每行一条：条款代码 空格 说明",
            width=36,
        ),
        Column(
            "hazard_type",
            "隐患灾种",
            parse=_by_label(HazardType, "隐患灾种"),
            choices=[str(label) for label in HazardType.labels],
            example=str(HazardType.FIRE.label),
            width=12,
        ),
        Column(
            "category",
            "隐患类别",
            parse=_by_label(HazardCategory, "隐患类别"),
            choices=[str(label) for label in HazardCategory.labels],
            example=str(HazardCategory.UNSAFE_CONDITION.label),
            width=14,
        ),
        Column("major_if_failed", "可能构成重大隐患", parse=parse_bool, choices=["是", "否"], example="否", width=10),
        Column("requires_photo", "须拍照", parse=parse_bool, choices=["是", "否"], example="否", width=8),
    ),
    natural_key=("order",),
    field_columns={name: name for name in actions.ITEM_FIELDS},
    notes=("导入只能写入草稿版本；导入后草稿的检查项与文件完全一致（文件中没有的序号将被删除）。",),
    max_rows=actions.MAX_ITEMS,
)


def export_rows(items: Iterable[ChecklistItem]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield {
            "order": item.order,
            "matter": item.matter,
            "content": item.content,
            "department": item.get_department_display() if item.department else "",
            "level": item.get_level_display() if item.level else "",
            "frequency": item.frequency,
            "frequency_days": item.frequency_days or "",
            "rule_refs": format_refs(item.rule_refs or []),
            "hazard_type": item.get_hazard_type_display(),
            "category": item.get_category_display(),
            "major_if_failed": "是" if item.major_if_failed else "否",
            "requires_photo": "是" if item.requires_photo else "否",
        }


class ChecklistItemsImporter:
    """Writes the file's rows into one draft through the item actions."""

    def __init__(self, user: Any, checklist: Checklist) -> None:
        actions.require_edit(user, checklist)
        if not checklist.is_editable:
            raise PermissionDenied(_("只能导入到草稿版本；请先“生成新版本”。"))
        self.user = user
        self.checklist = checklist
        self.existing: dict[int, ChecklistItem] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        keep = {row.get("order") for row in rows}
        for item in list(self.checklist.items.all()):
            if item.order in keep:
                self.existing[item.order] = item
            else:
                actions.remove_item(item, by=self.user)

    def apply(self, row: ParsedRow) -> Outcome:
        values = {key: row.get(key) for key in actions.ITEM_FIELDS if row.has(key)}
        if "frequency_days" in values and values["frequency_days"] == "":
            values["frequency_days"] = None
        if "rule_refs" in values and values["rule_refs"] == "":
            values["rule_refs"] = []
        for key in ("major_if_failed", "requires_photo"):
            if key in values and values[key] == "":
                values[key] = False
        order = row.get("order")
        summary = f"{order}. {row.get('matter')}"
        try:
            item = self.existing.get(order)
            if item is None:
                actions.add_item(self.checklist, by=self.user, order=order, **values)
                return Outcome(CREATED, summary)
            before = {key: getattr(item, key) for key in values}
            updated = actions.update_item(item, by=self.user, **values)
        except PermissionDenied as exc:
            raise RowError("", str(exc)) from exc
        changed = any(getattr(updated, key) != value for key, value in before.items())
        return Outcome(UPDATED if changed else UNCHANGED, summary)
