"""Excel exports: a plan's tasks, and a draw's result for the 一公开 publication.

Both are export-only: tasks are created by plans and draws, never imported from Excel.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from accounts.models import User
from inspectionplans.choices import TaskState
from inspectionplans.models import InspectionTask, RandomDraw
from yingji.ledgers import Column, Ledger


def _export(key: str, header: str, width: int = 14, *, text: bool = False) -> Column:
    return Column(key, header, width=width, text=text, importable=False)


TASK_LEDGER = Ledger(
    name="检查任务清单",
    columns=(
        _export("number", "序号", 6),
        _export("place", "场所名称", 30),
        _export("credit_code", "统一社会信用代码", 22, text=True),
        _export("address", "地址", 32),
        _export("jurisdiction", "所属辖区", 16),
        _export("due_on", "完成期限", 12),
        _export("inspectors", "检查人员", 24),
        _export("lead", "主检人员", 10),
        _export("flags", "检查方式", 16),
        _export("departments", "参与部门", 20),
        _export("state", "状态", 10),
        _export("result", "检查结果", 10),
        _export("completed_at", "完成时间", 18),
    ),
)

DRAW_LEDGER = Ledger(
    name="双随机抽查结果",
    columns=(
        _export("number", "序号", 6),
        _export("place", "被检查单位", 30),
        _export("credit_code", "统一社会信用代码", 22, text=True),
        _export("address", "地址", 32),
        _export("team", "执法检查人员", 24),
        _export("state", "检查状态", 10),
        _export("result", "检查结果", 10),
        _export("drawn_at", "抽取时间", 18),
        _export("seed", "随机种子", 20, text=True),
    ),
    notes=("抽取结果可按随机种子复核：同一种子、同一抽取池得到同一结果。",),
)


def _names(user_ids: Iterable[int]) -> dict[int, str]:
    users = User.unscoped.filter(pk__in=set(user_ids)).select_related("person")
    return {u.pk: u.display_name for u in users}


def _result(task: InspectionTask) -> str:
    if task.state != TaskState.DONE or task.passed is None:
        return ""
    return "合格" if task.passed else "不合格"


def _flags(task: InspectionTask) -> str:
    flags = [label for on, label in ((task.unannounced, "四不两直"), (task.joint, "联合检查")) if on]
    return "、".join(flags) or "常规"


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def task_rows(tasks: Iterable[InspectionTask]) -> Iterator[dict[str, Any]]:
    tasks = list(tasks)
    team_ids = {t.pk: [u.pk for u in t.inspectors.all()] for t in tasks}
    names = _names(
        [pk for ids in team_ids.values() for pk in ids] + [t.lead_inspector_id for t in tasks if t.lead_inspector_id]
    )
    for number, task in enumerate(tasks, start=1):
        yield {
            "number": number,
            "place": task.place.name,
            "credit_code": task.place.credit_code,
            "address": task.place.address,
            "jurisdiction": task.jurisdiction.name,
            "due_on": task.due_on.isoformat(),
            "inspectors": "、".join(names.get(pk, "") for pk in team_ids[task.pk]),
            "lead": names.get(task.lead_inspector_id or 0, ""),
            "flags": _flags(task),
            "departments": "、".join(task.departments),
            "state": task.get_state_display(),
            "result": _result(task),
            "completed_at": _local(task.completed_at),
        }


def draw_rows(record: RandomDraw) -> Iterator[dict[str, Any]]:
    tasks = {t.place_id: t for t in InspectionTask.unscoped.filter(draw=record).select_related("place")}
    names = _names([pk for team in record.teams for pk in team])
    from places.models import Place

    places = Place.unscoped.in_bulk(record.place_ids)
    for number, (place_id, team) in enumerate(zip(record.place_ids, record.teams, strict=True), start=1):
        place, task = places.get(place_id), tasks.get(place_id)
        yield {
            "number": number,
            "place": place.name if place else f"#{place_id}",
            "credit_code": place.credit_code if place else "",
            "address": place.address if place else "",
            "team": "、".join(names.get(pk, str(pk)) for pk in team),
            "state": task.get_state_display() if task else "",
            "result": _result(task) if task else "",
            "drawn_at": _local(record.drawn_at),
            "seed": record.seed,
        }
