"""The plan, drill and training ledgers (预案台账、演练台账、培训宣传台账).

Natural keys (documented in docs/plans.md):
- plans: (所属辖区代码, 预案名称) — a revision updates the row (new 版本 and 批准日期);
  sections and attachments are edited on the plan's page, not in Excel.
- drills: (所属辖区代码, 演练名称) — titles carry the year and topic in practice
  (“2025年丹东街道防汛防台综合演练”); 演练预案 is looked up by its name among the plans
  the user can see.
- training: (所属辖区代码, 日期, 主题) — one event a day per topic and jurisdiction.
Every write goes through `plans.actions`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from people.ledgers import parse_code
from plans import actions
from plans.choices import Audience, DrillKind, DrillRating, PlanKind, PlanStatus, TrainingKind
from plans.models import Drill, Plan, Training
from yingji import actions as base_actions
from yingji.ledgers import CREATED, UNCHANGED, UPDATED, CellError, Column, Ledger, Outcome, ParsedRow, RowError

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?$")


def parse_date(value: str) -> date:
    match = _DATE_RE.match(value)
    if match is None:
        raise CellError("日期格式应为 2025-06-18（也可写 2025/6/18 或 2025年6月18日）")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise CellError(f"日期 {value} 不存在，请核对月份和日") from exc


def parse_count(value: str) -> int:
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise CellError("请填写人数（整数），例如 60") from exc
    if number < 0 or number != number.to_integral_value():
        raise CellError("人数应为不小于 0 的整数")
    return int(number)


def _choice_parser(choices: Any, what: str) -> Any:
    by_label = {str(label): value for value, label in choices.choices}

    def parse(value: str) -> str:
        if value in by_label:
            return str(by_label[value])
        if value in choices.values:
            return str(value)
        raise CellError(f"{what}请从下拉列表中选择：{'、'.join(by_label)}")

    return parse


def _labels(choices: Any) -> list[str]:
    return [str(label) for _value, label in choices.choices]


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


CODE = Column("jurisdiction_code", "所属辖区代码", aliases=("辖区代码",), parse=parse_code, required=True, text=True, example="330225001", width=17)
CODE_NAME = Column("jurisdiction_name", "所属辖区", importable=False, width=14)

PLAN_LEDGER = Ledger(
    name="应急预案台账",
    columns=(
        CODE,
        CODE_NAME,
        Column("title", "预案名称", aliases=("名称",), required=True, max_length=120, example="丹东街道防汛防台应急预案", width=30),
        Column("kind", "预案类型", parse=_choice_parser(PlanKind, "预案类型"), choices=_labels(PlanKind), required=True, example="专项预案·防汛防台", width=20),
        Column("version", "版本", max_length=20, example="2.0", width=8),
        Column("compiled_on", "编制日期", parse=parse_date, example="2025-03-10", width=12),
        Column("approved_on", "批准日期", parse=parse_date, example="2025-04-02", width=12),
        Column("filed_on", "备案日期", parse=parse_date, example="2025-04-20", width=12),
        Column("revision_due", "修订期限", parse=parse_date, example="2028-04-02", width=12, help="留空则按批准日期加 3 年"),
        Column("status", "状态", parse=_choice_parser(PlanStatus, "状态"), choices=_labels(PlanStatus), example="现行有效", width=10),
        Column("summary", "摘要", width=30),
    ),
    natural_key=("jurisdiction_code", "title"),
    field_columns={"jurisdiction": "jurisdiction_code"},
    notes=(
        "同一辖区内预案名称相同视为同一预案：已登记的按本行更新（修订时改版本和批准日期），未登记的新增。",
        "预案正文章节、附件和应急处置卡请在预案页面维护。",
        "修订期限留空时按批准日期加 3 年计算（《突发事件应急预案管理办法》原则上每 3 年评估一次）。",
    ),
)

DRILL_LEDGER = Ledger(
    name="演练台账",
    columns=(
        CODE,
        CODE_NAME,
        Column("title", "演练名称", aliases=("名称",), required=True, max_length=120, example="2025年丹东街道防汛防台综合演练", width=30),
        Column("kind", "演练形式", parse=_choice_parser(DrillKind, "演练形式"), choices=_labels(DrillKind), required=True, example="综合演练", width=10),
        Column("plan", "演练预案", max_length=120, example="丹东街道防汛防台应急预案", width=28, help="填预案名称（须是本账号可见的预案）；可留空"),
        Column("planned_on", "计划日期", parse=parse_date, example="2025-06-10", width=12),
        Column("conducted_on", "实施日期", parse=parse_date, example="2025-06-18", width=12, help="尚未实施请留空"),
        Column("organiser", "组织单位", max_length=100, example="丹东街道应急消防管理站", width=22),
        Column("participants", "参演人数", parse=parse_count, example="85", width=10),
        Column("participant_units", "参演单位", max_length=300, example="街道综合救援队、各社区应急突击队", width=28),
        Column("scenario", "演练情景", example="台风“梅花”影响，低洼小区积水需转移群众", width=30),
        Column("evaluation", "评估意见", width=30),
        Column("rating", "评估等级", parse=_choice_parser(DrillRating, "评估等级"), choices=_labels(DrillRating), example="良好", width=10),
    ),
    natural_key=("jurisdiction_code", "title"),
    field_columns={"jurisdiction": "jurisdiction_code"},
    notes=("同一辖区内演练名称相同视为同一次演练：已登记的按本行更新，未登记的新增。", "整改事项和照片请在演练页面登记。"),
)

TRAINING_LEDGER = Ledger(
    name="培训宣传台账",
    columns=(
        CODE,
        CODE_NAME,
        Column("held_on", "日期", parse=parse_date, required=True, example="2025-05-12", width=12),
        Column("kind", "活动类型", parse=_choice_parser(TrainingKind, "活动类型"), choices=_labels(TrainingKind), required=True, example="宣传", width=10),
        Column("audience", "对象", parse=_choice_parser(Audience, "对象"), choices=_labels(Audience), required=True, example="进社区", width=12),
        Column("topic", "主题", required=True, max_length=120, example="5·12防灾减灾日应急知识宣传", width=30),
        Column("attendance", "参加人数", parse=parse_count, example="120", width=10),
        Column("organiser", "组织单位", max_length=100, width=20),
        Column("location", "地点", max_length=120, width=20),
        Column("note", "备注", width=20),
    ),
    natural_key=("jurisdiction_code", "held_on", "topic"),
    field_columns={"jurisdiction": "jurisdiction_code"},
    notes=("同一辖区同一天主题相同的活动视为同一次：已登记的按本行更新，未登记的新增。",),
)


# --- export ---------------------------------------------------------------------------------


def plan_rows(plans: QuerySet[Plan]) -> Iterator[dict[str, Any]]:
    for plan in plans.select_related("jurisdiction").defer("jurisdiction__boundary").iterator(chunk_size=1000):
        yield {
            "jurisdiction_code": plan.jurisdiction.code, "jurisdiction_name": plan.jurisdiction.name, "title": plan.title,
            "kind": _label(PlanKind, plan.kind), "version": plan.version, "compiled_on": _iso(plan.compiled_on),
            "approved_on": _iso(plan.approved_on), "filed_on": _iso(plan.filed_on), "revision_due": _iso(plan.revision_due),
            "status": _label(PlanStatus, plan.status), "summary": plan.summary,
        }


def drill_rows(drills: QuerySet[Drill]) -> Iterator[dict[str, Any]]:
    for drill in drills.select_related("jurisdiction", "plan").defer("jurisdiction__boundary").iterator(chunk_size=1000):
        yield {
            "jurisdiction_code": drill.jurisdiction.code, "jurisdiction_name": drill.jurisdiction.name, "title": drill.title,
            "kind": _label(DrillKind, drill.kind), "plan": drill.plan.title if drill.plan else "", "planned_on": _iso(drill.planned_on),
            "conducted_on": _iso(drill.conducted_on), "organiser": drill.organiser, "participants": drill.participants,
            "participant_units": drill.participant_units, "scenario": drill.scenario, "evaluation": drill.evaluation,
            "rating": _label(DrillRating, drill.rating),
        }


def training_rows(trainings: QuerySet[Training]) -> Iterator[dict[str, Any]]:
    for t in trainings.select_related("jurisdiction").defer("jurisdiction__boundary").iterator(chunk_size=1000):
        yield {
            "jurisdiction_code": t.jurisdiction.code, "jurisdiction_name": t.jurisdiction.name, "held_on": _iso(t.held_on),
            "kind": _label(TrainingKind, t.kind), "audience": _label(Audience, t.audience), "topic": t.topic,
            "attendance": t.attendance, "organiser": t.organiser, "location": t.location, "note": t.note,
        }


# --- import ---------------------------------------------------------------------------------

EMPTY = {"compiled_on": None, "approved_on": None, "filed_on": None, "revision_due": None, "planned_on": None, "conducted_on": None,
         "participants": 0, "attendance": 0, "plan": None}


class _Importer:
    """Shared look-ups: the jurisdictions a file names, through the scoped manager."""

    model: Any = None
    fields: tuple[str, ...] = ()

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.nodes: dict[str, Jurisdiction] = {}

    def load_nodes(self, rows: list[ParsedRow]) -> None:
        codes = {r.get("jurisdiction_code") for r in rows} - {""}
        self.nodes = {n.code: n for n in Jurisdiction.objects.active().filter(code__in=codes).defer("boundary")}

    def node(self, row: ParsedRow) -> Jurisdiction:
        code = row.get("jurisdiction_code")
        node = self.nodes.get(code)
        if node is None:
            raise RowError("jurisdiction_code", f"辖区代码 {code} 不存在、已撤销或不在您的辖区范围内；请核对代码")
        return node

    def values(self, row: ParsedRow) -> dict[str, Any]:
        return {f: (EMPTY.get(f, "") if row.get(f) == "" else row.get(f)) for f in self.fields if row.has(f)}

    def changes(self, obj: Any, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if getattr(obj, k) != v}


class PlanImporter(_Importer):
    fields = ("title", "kind", "version", "compiled_on", "approved_on", "filed_on", "revision_due", "status", "summary")

    def prepare(self, rows: list[ParsedRow]) -> None:
        self.load_nodes(rows)
        titles = {r.get("title") for r in rows}
        self.existing = {(p.jurisdiction_id, p.title): p for p in Plan.objects.filter(jurisdiction__in=list(self.nodes.values()), title__in=titles)}

    def apply(self, row: ParsedRow) -> Outcome:
        node = self.node(row)
        values = self.values(row)
        status = values.pop("status", None)
        plan = self.existing.get((node.pk, row.get("title")))
        if plan is None:
            if not values.get("version"):
                values.pop("version", None)
            plan = actions.create_plan(by=self.user, jurisdiction=node, status=status or PlanStatus.DRAFT, **values)
            self.existing[(node.pk, plan.title)] = plan
            return Outcome(CREATED, f"{plan.title}（{node.name}）")
        if plan.archived_at is not None:
            raise RowError("title", f"{plan.title}已归档；请先恢复后再导入修改")
        changes = self.changes(plan, values)
        if changes:
            plan = actions.update_plan(plan, by=self.user, **changes)
        if status and status != plan.status:
            actions.change_plan_status(plan, by=self.user, status=status)
            changes["status"] = status
        if not changes:
            return Outcome(UNCHANGED)
        return Outcome(UPDATED, f"{plan.title}：修改{'、'.join(PLAN_LEDGER.column(k).header for k in changes)}")


class DrillImporter(_Importer):
    fields = ("title", "kind", "plan", "planned_on", "conducted_on", "organiser", "participants", "participant_units", "scenario", "evaluation", "rating")

    def prepare(self, rows: list[ParsedRow]) -> None:
        self.load_nodes(rows)
        titles = {r.get("plan") for r in rows} - {""}
        self.plans: dict[str, list[Plan]] = {}
        for plan in Plan.objects.active().filter(title__in=titles).select_related("jurisdiction"):
            self.plans.setdefault(plan.title, []).append(plan)
        names = {r.get("title") for r in rows}
        self.existing = {(d.jurisdiction_id, d.title): d for d in Drill.objects.filter(jurisdiction__in=list(self.nodes.values()), title__in=names)}

    def _plan(self, title: str, node: Jurisdiction) -> Plan:
        candidates = self.plans.get(title, [])
        if len(candidates) > 1:  # prefer the plan of the drill's own line of jurisdictions
            candidates = [p for p in candidates if node.path.startswith(p.jurisdiction_path) or p.jurisdiction_path.startswith(node.path)] or candidates
        if not candidates:
            raise RowError("plan", f"找不到名为“{title}”的预案（或不在您的辖区范围内）；请核对预案名称，或留空")
        if len(candidates) > 1:
            raise RowError("plan", f"有 {len(candidates)} 件预案名为“{title}”，无法确定；请在演练页面选择预案")
        return candidates[0]

    def apply(self, row: ParsedRow) -> Outcome:
        node = self.node(row)
        values = self.values(row)
        if values.get("plan"):
            values["plan"] = self._plan(values["plan"], node)
        drill = self.existing.get((node.pk, row.get("title")))
        if drill is None:
            drill = actions.create_drill(by=self.user, jurisdiction=node, **values)
            self.existing[(node.pk, drill.title)] = drill
            return Outcome(CREATED, f"{drill.title}（{node.name}）")
        if drill.archived_at is not None:
            raise RowError("title", f"{drill.title}已归档；请先恢复后再导入修改")
        changes = self.changes(drill, values)
        if not changes:
            return Outcome(UNCHANGED)
        actions.update_drill(drill, by=self.user, **changes)
        return Outcome(UPDATED, f"{drill.title}：修改{'、'.join(DRILL_LEDGER.column(k).header for k in changes)}")


class TrainingImporter(_Importer):
    fields = ("held_on", "kind", "audience", "topic", "attendance", "organiser", "location", "note")

    def prepare(self, rows: list[ParsedRow]) -> None:
        self.load_nodes(rows)
        topics = {r.get("topic") for r in rows}
        self.existing = {
            (t.jurisdiction_id, t.held_on, t.topic): t
            for t in Training.objects.filter(jurisdiction__in=list(self.nodes.values()), topic__in=topics)
        }

    def apply(self, row: ParsedRow) -> Outcome:
        node = self.node(row)
        values = self.values(row)
        key = (node.pk, row.get("held_on"), row.get("topic"))
        training = self.existing.get(key)
        if training is None:
            training = actions.create_training(by=self.user, jurisdiction=node, **values)
            self.existing[key] = training
            return Outcome(CREATED, f"{training.held_on} {training.topic}（{node.name}）")
        if training.archived_at is not None:
            raise RowError("topic", "该活动已归档；请先恢复后再导入修改")
        changes = self.changes(training, values)
        if not changes:
            return Outcome(UNCHANGED)
        actions.update_training(training, by=self.user, **changes)
        return Outcome(UPDATED, f"{training.topic}：修改{'、'.join(TRAINING_LEDGER.column(k).header for k in changes)}")
