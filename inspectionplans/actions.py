"""Every change to annual plans, inspection plans, draws and tasks.

Each function checks the capability, locks the row, validates with a message that says
what to fix, and saves; the models are audited, so who did what and when is on record.
The inspections app drives a task through `start_task` and `complete_task`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability, Role, has_capability
from inspectionplans import draws
from inspectionplans.choices import AnnualPlanStatus, PlanKind, PlanStatus, TaskState
from inspectionplans.models import AnnualPlan, InspectionPlan, InspectionTask, RandomDraw
from jurisdictions.models import Jurisdiction
from places.models import Place
from risk.grading import PolicyTable, due_dates
from risk.rollup import supervised_places
from yingji import actions
from yingji.scoping import scope_for_user, use_scope

MONTHS = 12


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _covers(user: Any, path: str) -> bool:
    return bool(user.is_superuser) or (bool(user.jurisdiction_path) and path.startswith(user.jurisdiction_path))


def _inspectors(ids_or_users: Iterable[Any], *, covering: str = "") -> list[Any]:
    """Users for ids (or users), each able to inspect; an unknown id is refused.

    Inspectors are staff, never enterprise accounts. With `covering` (a jurisdiction path)
    every inspector's own subtree must contain it, so each of them can open the task.
    """
    User = get_user_model()
    ids = []
    for item in ids_or_users:
        pk = getattr(item, "pk", item)
        try:
            ids.append(int(pk))
        except (TypeError, ValueError):
            raise ValidationError({"inspectors": f"检查人员编号无效：{pk}"}) from None
    ids = list(dict.fromkeys(ids))
    users = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    missing = [i for i in ids if i not in users]
    if missing:
        raise ValidationError({"inspectors": f"检查人员不存在或已停用：{', '.join(map(str, missing))}"})
    unable = [users[i] for i in ids if not has_capability(users[i], Capability.INSPECT)]
    if unable:
        names = "、".join(str(getattr(u, "display_name", "") or u.get_username()) for u in unable)
        raise ValidationError({"inspectors": f"以下人员无检查权限，不能派为检查人员：{names}"})
    enterprise = [users[i] for i in ids if users[i].role == Role.ENTERPRISE_USER]
    if enterprise:
        names = "、".join(u.display_name for u in enterprise)
        raise ValidationError({"inspectors": f"单位用户不能担任检查人员：{names}"})
    if covering:
        outside = [users[i] for i in ids if not _covers(users[i], covering)]
        if outside:
            names = "、".join(u.display_name for u in outside)
            raise ValidationError({"inspectors": f"检查人员须是本辖区的执法人员（其管辖范围须包含检查对象）：{names}"})
    return [users[i] for i in ids]


# --- annual plans --------------------------------------------------------------------------


def _check_annual(plan: AnnualPlan) -> None:
    errors: dict[str, str] = {}
    if not 2000 <= int(plan.year) <= 2100:
        errors["year"] = "年度应在 2000 至 2100 之间"
    months = plan.monthly_counts
    if months:
        if not isinstance(months, list) or len(months) != MONTHS:
            errors["monthly_counts"] = "月度计划检查数应为 12 个月的数字"
        elif any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in months):
            errors["monthly_counts"] = "月度计划检查数应为不小于 0 的整数"
    targets = plan.targets
    if not isinstance(targets, list) or any(
        not isinstance(t, dict)
        or not isinstance(t.get("count"), int)
        or isinstance(t.get("count"), bool)
        or t["count"] < 0
        for t in targets
    ):
        errors["targets"] = "检查目标每行应包含场所类型、风险等级和不小于 0 的检查数"
    duplicate = AnnualPlan.unscoped.filter(
        jurisdiction_id=plan.jurisdiction_id, year=plan.year, archived_at__isnull=True
    ).exclude(pk=plan.pk)
    if duplicate.exists():
        errors["year"] = f"{plan.year} 年已有该辖区的年度执法计划，请编辑原计划"
    if errors:
        raise ValidationError(errors)


ANNUAL_EDITABLE = ("title", "targets", "monthly_counts", "note", "attachment")


@transaction.atomic
def create_annual_plan(*, by: Any, jurisdiction: Jurisdiction, year: int, title: str, **fields: Any) -> AnnualPlan:
    actions.require(by, Capability.PLAN_INSPECTIONS)
    data = {k: v for k, v in fields.items() if k in ANNUAL_EDITABLE}
    plan = AnnualPlan(jurisdiction=jurisdiction, year=year, title=title, created_by=_user(by), **data)
    if not plan.monthly_counts:
        plan.monthly_counts = [0] * MONTHS
    plan.full_clean(validate_constraints=False)
    _check_annual(plan)
    plan.save()
    return plan


@transaction.atomic
def update_annual_plan(plan: AnnualPlan, *, by: Any, **fields: Any) -> AnnualPlan:
    """Edit a draft; an approved plan is changed only after it is reopened (which is audited)."""
    actions.require(by, Capability.PLAN_INSPECTIONS)
    plan = actions.locked(plan)
    if plan.status == AnnualPlanStatus.APPROVED:
        raise ValidationError("年度执法计划已批准，不能直接修改；如需调整请先退回草稿")
    changed = actions.apply_changes(plan, {k: v for k, v in fields.items() if k in ANNUAL_EDITABLE})
    if changed:
        plan.full_clean(validate_constraints=False)
        _check_annual(plan)
        plan.save()
    return plan


@transaction.atomic
def approve_annual_plan(plan: AnnualPlan, *, by: Any) -> AnnualPlan:
    actions.require(by, Capability.PLAN_INSPECTIONS)
    plan = actions.locked(plan)
    if plan.status == AnnualPlanStatus.APPROVED:
        raise ValidationError("该年度执法计划已经批准")
    if plan.planned_total == 0 and not plan.targets:
        raise ValidationError("请先填写检查目标或月度计划检查数，再批准")
    plan.status = AnnualPlanStatus.APPROVED
    plan.approved_by = _user(by)
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return plan


@transaction.atomic
def reopen_annual_plan(plan: AnnualPlan, *, by: Any) -> AnnualPlan:
    actions.require(by, Capability.PLAN_INSPECTIONS)
    plan = actions.locked(plan)
    if plan.status != AnnualPlanStatus.APPROVED:
        raise ValidationError("只有已批准的年度执法计划可以退回草稿")
    plan.status = AnnualPlanStatus.DRAFT
    plan.approved_by = None
    plan.approved_at = None
    plan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return plan


# --- inspection plans ----------------------------------------------------------------------


def _clean_departments(departments: Any) -> list[str]:
    if departments is None:
        return []
    if isinstance(departments, str):
        departments = [d for d in departments.replace("，", ",").replace("、", ",").split(",")]
    if not isinstance(departments, (list, tuple)):
        raise ValidationError({"departments": "参与部门应为部门名称列表"})
    cleaned = [str(d).strip()[:40] for d in departments if str(d).strip()]
    return list(dict.fromkeys(cleaned))


def _check_plan(plan: InspectionPlan) -> None:
    errors: dict[str, str] = {}
    if plan.period_start and plan.period_end and plan.period_end < plan.period_start:
        errors["period_end"] = "结束日期不能早于开始日期"
    if plan.period_start and plan.period_end and (plan.period_end - plan.period_start).days > 366:
        errors["period_end"] = "计划期限不能超过一年"
    if plan.joint and len(plan.departments) < 2:
        errors["departments"] = "联合检查须填写至少两个参与部门"
    annual = plan.annual_plan
    if annual is not None:
        if not plan.jurisdiction.path.startswith(annual.jurisdiction_path):
            errors["annual_plan"] = "所属年度计划不在本辖区"
        elif plan.period_start and plan.period_start.year != annual.year:
            errors["annual_plan"] = f"计划开始日期不在年度计划的 {annual.year} 年内"
    if errors:
        raise ValidationError(errors)


PLAN_EDITABLE = (
    "title",
    "kind",
    "period_start",
    "period_end",
    "annual_plan",
    "unannounced",
    "joint",
    "departments",
    "note",
)


@transaction.atomic
def create_plan(
    *,
    by: Any,
    jurisdiction: Jurisdiction,
    title: str,
    period_start: date,
    period_end: date,
    kind: str = PlanKind.PERIODIC,
    **fields: Any,
) -> InspectionPlan:
    actions.require(by, Capability.PLAN_INSPECTIONS)
    data = {k: v for k, v in fields.items() if k in PLAN_EDITABLE}
    data["departments"] = _clean_departments(data.get("departments"))
    plan = InspectionPlan(
        jurisdiction=jurisdiction,
        title=title,
        kind=kind,
        period_start=period_start,
        period_end=period_end,
        created_by=_user(by),
        **data,
    )
    plan.full_clean(validate_constraints=False)
    _check_plan(plan)
    plan.save()
    return plan


@transaction.atomic
def update_plan(plan: InspectionPlan, *, by: Any, **fields: Any) -> InspectionPlan:
    actions.require(by, Capability.PLAN_INSPECTIONS)
    plan = actions.locked(plan)
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError("计划已结束，不能修改")
    data = {k: v for k, v in fields.items() if k in PLAN_EDITABLE}
    if "departments" in data:
        data["departments"] = _clean_departments(data["departments"])
    if plan.status == PlanStatus.ISSUED and {"kind", "period_start"} & {
        k for k, v in data.items() if getattr(plan, k) != v
    }:
        raise ValidationError("计划已下达，不能修改类型和开始日期")
    changed = actions.apply_changes(plan, data)
    if changed:
        plan.full_clean(validate_constraints=False)
        _check_plan(plan)
        plan.save()
    return plan


@transaction.atomic
def issue_plan(plan: InspectionPlan, *, by: Any) -> InspectionPlan:
    """下达: the tasks become visible in the inspectors' lists."""
    actions.require(by, Capability.PLAN_INSPECTIONS)
    plan = actions.locked(plan)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError("只有草稿状态的计划可以下达")
    plan.status = PlanStatus.ISSUED
    plan.issued_at = timezone.now()
    plan.save(update_fields=["status", "issued_at", "updated_at"])
    return plan


@transaction.atomic
def close_plan(plan: InspectionPlan, *, by: Any, reason: str = "") -> InspectionPlan:
    """Close a plan; its open tasks are cancelled with the reason."""
    actions.require(by, Capability.PLAN_INSPECTIONS)
    plan = actions.locked(plan)
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError("计划已结束")
    for task in InspectionTask.unscoped.filter(plan=plan, state__in=[TaskState.PENDING, TaskState.IN_PROGRESS]):
        _cancel(task, by=by, reason=reason or "计划结束")
    plan.status = PlanStatus.CLOSED
    plan.save(update_fields=["status", "updated_at"])
    return plan


# --- tasks ---------------------------------------------------------------------------------


def _check_task_place(place: Place, jurisdiction: Jurisdiction | None) -> None:
    if place.archived_at is not None:
        raise ValidationError({"place": f"场所“{place.name}”已归档，不能安排检查"})
    if jurisdiction is not None and not place.jurisdiction_path.startswith(jurisdiction.path):
        raise ValidationError({"place": f"场所“{place.name}”不在计划辖区内"})


def build_task(
    *,
    place: Place,
    plan: InspectionPlan | None,
    due_on: date,
    by: Any,
    draw: Any = None,
    checklist: Any = None,
) -> InspectionTask:
    """An unsaved task carrying the plan's flags (shared by creation, generation and draws)."""
    return InspectionTask(
        place=place,
        jurisdiction_id=place.jurisdiction_id,
        jurisdiction_path=place.jurisdiction_path,
        plan=plan,
        draw=draw,
        due_on=due_on,
        unannounced=plan.unannounced if plan else False,
        joint=plan.joint if plan else False,
        departments=list(plan.departments) if plan else [],
        checklist=checklist,
        created_by=_user(by),
    )


def default_checklist(place: Place) -> Any:
    """The active checklist for the place, if the checklists app has one (else none)."""
    try:
        from checklists.services import checklist_for
    except ImportError:  # pragma: no cover - the checklists app ships with this one
        return None
    return checklist_for(place)


@transaction.atomic
def create_task(
    *,
    by: Any,
    place: Place,
    due_on: date,
    plan: InspectionPlan | None = None,
    inspectors: Sequence[Any] = (),
    lead_inspector: Any = None,
) -> InspectionTask:
    actions.require(by, Capability.PLAN_INSPECTIONS)
    if plan is not None and plan.status == PlanStatus.CLOSED:
        raise ValidationError({"plan": "计划已结束，不能再添加任务"})
    _check_task_place(place, plan.jurisdiction if plan else None)
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "完成期限不能早于今天"})
    task = build_task(place=place, plan=plan, due_on=due_on, by=by, checklist=default_checklist(place))
    task.save()
    if inspectors:
        _set_inspectors(task, inspectors, lead_inspector)
    return task


def _set_inspectors(task: InspectionTask, inspectors: Sequence[Any], lead: Any) -> None:
    users = _inspectors(inspectors, covering=task.jurisdiction_path)
    if not users:
        raise ValidationError({"inspectors": "请至少选择一名检查人员"})
    enforcement = task.unannounced or (task.plan is not None and task.plan.kind == PlanKind.RANDOM_DRAW)
    if enforcement and len(users) < 2:
        raise ValidationError({"inspectors": "执法检查须由两名以上检查人员共同进行"})
    lead_id = getattr(lead, "pk", lead)
    if lead_id is not None and int(lead_id) not in {u.pk for u in users}:
        raise ValidationError({"lead_inspector": "主检人员须是本任务的检查人员之一"})
    task.inspectors.set(users)
    task.lead_inspector_id = int(lead_id) if lead_id is not None else users[0].pk
    task.save(update_fields=["lead_inspector", "updated_at"])


@transaction.atomic
def assign_task(
    task: InspectionTask, *, by: Any, inspectors: Sequence[Any], lead_inspector: Any = None
) -> InspectionTask:
    """Assign or reassign the team of a task that has not been done."""
    actions.require(by, Capability.PLAN_INSPECTIONS)
    task = actions.locked(task)
    if not task.is_open:
        raise ValidationError(f"任务{task.get_state_display()}，不能再调整检查人员")
    _set_inspectors(task, inspectors, lead_inspector)
    return task


@transaction.atomic
def set_due(task: InspectionTask, *, by: Any, due_on: date) -> InspectionTask:
    actions.require(by, Capability.PLAN_INSPECTIONS)
    task = actions.locked(task)
    if not task.is_open:
        raise ValidationError(f"任务{task.get_state_display()}，不能修改期限")
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "完成期限不能早于今天"})
    task.due_on = due_on
    task.save(update_fields=["due_on", "updated_at"])
    return task


def _cancel(task: InspectionTask, *, by: Any, reason: str) -> None:
    task.state = TaskState.CANCELLED
    task.cancel_reason = reason[:200]
    task.cancelled_at = timezone.now()
    task.save(update_fields=["state", "cancel_reason", "cancelled_at", "updated_at"])


@transaction.atomic
def cancel_task(task: InspectionTask, *, by: Any, reason: str) -> InspectionTask:
    actions.require(by, Capability.PLAN_INSPECTIONS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写取消原因"})
    task = actions.locked(task)
    if not task.is_open:
        raise ValidationError(f"任务{task.get_state_display()}，不能取消")
    _cancel(task, by=by, reason=reason)
    return task


def _may_work_on(task: InspectionTask, user: Any) -> bool:
    """The task's team, or a planner of its jurisdiction (who may stand in)."""
    if has_capability(user, Capability.PLAN_INSPECTIONS):
        return True
    if task.lead_inspector_id == getattr(user, "pk", None):
        return True
    return task.inspectors.filter(pk=getattr(user, "pk", None)).exists()


@transaction.atomic
def start_task(task: InspectionTask, *, by: Any) -> InspectionTask:
    """The team opens the task on site (待检查 → 检查中). Starting twice is harmless."""
    actions.require(by, Capability.INSPECT)
    task = actions.locked(task)
    if not _may_work_on(task, by):
        raise PermissionDenied("该检查任务未派给您")
    if task.state == TaskState.IN_PROGRESS:
        return task
    if task.state != TaskState.PENDING:
        raise ValidationError(f"任务{task.get_state_display()}，不能开始检查")
    if task.plan_id and task.plan is not None and task.plan.status == PlanStatus.CLOSED:
        raise ValidationError("计划已结束，不能开始检查")
    task.state = TaskState.IN_PROGRESS
    task.started_at = timezone.now()
    task.save(update_fields=["state", "started_at", "updated_at"])
    return task


@transaction.atomic
def complete_task(task: InspectionTask, *, by: Any, inspection_id: int, passed: bool) -> InspectionTask:
    """Called by the inspections app when the inspection of this task is saved (→ 已完成).

    Completing the same task with the same inspection again is a no-op, so a retried
    request does not fail; another inspection for a done task is refused.
    """
    actions.require(by, Capability.INSPECT)
    task = actions.locked(task)
    if not _may_work_on(task, by):
        raise PermissionDenied("该检查任务未派给您")
    if task.state == TaskState.DONE:
        if task.inspection_id == inspection_id:
            return task
        raise ValidationError("该任务已完成，不能重复登记检查结果")
    if task.state == TaskState.CANCELLED:
        raise ValidationError("任务已取消，不能登记检查结果")
    now = timezone.now()
    task.state = TaskState.DONE
    task.inspection_id = inspection_id
    task.passed = bool(passed)
    task.started_at = task.started_at or now
    task.completed_at = now
    task.save(update_fields=["state", "inspection_id", "passed", "started_at", "completed_at", "updated_at"])
    return task


# --- periodic generation -------------------------------------------------------------------


def _check_in_scope(by: Any, jurisdiction: Jurisdiction) -> None:
    if not scope_for_user(by).allows_path(jurisdiction.path):
        raise PermissionDenied("该辖区不在您的管理范围内")


@transaction.atomic
def generate_periodic_plan(
    jurisdiction: Jurisdiction,
    start: date,
    end: date,
    *,
    by: Any,
    kinds: Sequence[str] = (),
    title: str = "",
    annual_plan: AnnualPlan | None = None,
    unannounced: bool = False,
    joint: bool = False,
    departments: Sequence[str] = (),
) -> InspectionPlan:
    """A periodic plan with one task per place whose supervision inspection is due by `end`.

    "Due" is what the risk app's inspection regime says (`risk.grading.due_dates`, from the
    place's grade, kind and last supervision), so a policy change shows up here at once.
    Places already overdue are included (due on the first day of the period); places that
    already have an open task, archived or demolished places, and ungraded places are not.
    """
    actions.require(by, Capability.PLAN_INSPECTIONS)
    _check_in_scope(by, jurisdiction)
    if end < start:
        raise ValidationError({"end": "结束日期不能早于开始日期"})
    plan = create_plan(
        by=by,
        jurisdiction=jurisdiction,
        title=title or f"{jurisdiction.name}定期监督检查计划（{start:%Y-%m-%d}至{end:%Y-%m-%d}）",
        period_start=start,
        period_end=end,
        kind=PlanKind.PERIODIC,
        annual_plan=annual_plan,
        unannounced=unannounced,
        joint=joint,
        departments=list(departments),
    )
    policies = PolicyTable.load()
    with use_scope(scope_for_user(by)):
        places = supervised_places().filter(jurisdiction_path__within=jurisdiction.path).select_related("kind")
        if kinds:
            places = places.filter(kind__code__in=list(kinds))
        busy = set(
            InspectionTask.objects.filter(
                archived_at__isnull=True,
                state__in=[TaskState.PENDING, TaskState.IN_PROGRESS],
                jurisdiction_path__within=jurisdiction.path,
            ).values_list("place_id", flat=True)
        )
        checklists: dict[tuple[int, str], Any] = {}
        for place in places.order_by("id").iterator(chunk_size=1000):
            if place.pk in busy:
                continue
            _own, supervision = due_dates(place, place.risk_grade, policies)
            if supervision is None or supervision > end:
                continue
            due_on = min(max(supervision, start), end)
            key = (place.kind_id, place.jurisdiction_path)
            if key not in checklists:
                checklists[key] = default_checklist(place)
            build_task(place=place, plan=plan, due_on=due_on, by=by, checklist=checklists[key]).save()
    return plan


# --- 双随机 draws ----------------------------------------------------------------------------


@transaction.atomic
def draw(
    plan: InspectionPlan,
    *,
    by: Any,
    criteria: Mapping[str, Any] | None,
    sample_size: int,
    inspectors: Sequence[Any],
    team_size: int = 2,
    seed: str | None = None,
    due_on: date | None = None,
) -> RandomDraw:
    """Draw places and teams for a random-draw plan and create their tasks.

    The pool is read in the drawer's scope and recorded (sorted ids) with the seed, so the
    draw can be re-checked (`services.verify_draw`). A draw is never redone or edited: to
    draw again, make a new draw; the audit log shows every one, who drew it and when.
    """
    actions.require(by, Capability.PLAN_INSPECTIONS)
    plan = actions.locked(plan)
    _check_in_scope(by, plan.jurisdiction)
    if plan.kind != PlanKind.RANDOM_DRAW:
        raise ValidationError("只有“双随机抽查”类型的计划可以抽取")
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError("计划已结束，不能再抽取")
    try:
        sample_size, team_size = int(sample_size), int(team_size)
    except (TypeError, ValueError):
        raise ValidationError("抽取数量和每组人数应为整数") from None
    if team_size < 2:
        raise ValidationError({"team_size": "执法检查每组不少于两人"})
    cleaned = draws.clean_criteria(criteria)
    scope = scope_for_user(by)
    with use_scope(scope):
        root = draws.pool_root(plan.jurisdiction, cleaned)
        pool = draws.pool_ids(plan.jurisdiction, cleaned)
    users = _inspectors(inspectors, covering=root.path)
    chosen_seed = draws.check_seed(seed)
    inspector_ids = sorted(u.pk for u in users)
    result = draws.compute(chosen_seed, pool, sample_size, inspector_ids, team_size)
    due_on = due_on or plan.period_end
    if due_on < plan.period_start:
        raise ValidationError({"due_on": "完成期限不能早于计划开始日期"})
    record = RandomDraw(
        plan=plan,
        jurisdiction_id=plan.jurisdiction_id,
        criteria=cleaned,
        pool_ids=pool,
        pool_size=len(pool),
        sample_size=sample_size,
        inspector_ids=inspector_ids,
        team_size=team_size,
        seed=chosen_seed,
        algorithm=draws.ALGORITHM,
        drawn_by=_user(by),
        drawn_at=timezone.now(),
        place_ids=result.place_ids,
        teams=result.teams,
    )
    record.save()
    places = Place.unscoped.in_bulk(result.place_ids)
    for place_id, team in zip(result.place_ids, result.teams, strict=True):
        place = places[place_id]
        task = build_task(place=place, plan=plan, due_on=due_on, by=by, draw=record, checklist=default_checklist(place))
        task.lead_inspector_id = team[0]
        task.save()
        task.inspectors.set(team)
    return record
