"""JSON API of the inspectionplans app: annual plans, inspection plans, 双随机 draws and tasks.

Every read goes through the scoped managers (an object outside the user's subtree is a
404); every write calls `inspectionplans.actions`.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.models import User
from inspectionplans import actions, services
from inspectionplans.choices import OPEN_TASK_STATES, AnnualPlanStatus, PlanKind, PlanStatus, TaskState
from inspectionplans.ledgers import DRAW_LEDGER, TASK_LEDGER, draw_rows, task_rows
from inspectionplans.models import AnnualPlan, InspectionPlan, InspectionTask, RandomDraw
from jurisdictions.models import Jurisdiction
from people.api import InJurisdiction
from places.models import Place
from yingji.api import Page
from yingji.ledgers import dated_filename, xlsx_response

router = Router(tags=["检查计划"])


def _node(code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects.active().defer("boundary"), code=code)


# --- annual plans ------------------------------------------------------------------------------


class AnnualPlanOut(InJurisdiction):
    id: int
    year: int
    title: str
    targets: list[dict[str, Any]]
    monthly_counts: list[int]
    quarterly_counts: list[int]
    planned_total: int
    note: str
    status: AnnualPlanStatus
    approved_by: str | None
    approved_at: datetime | None

    @staticmethod
    def resolve_approved_by(obj: AnnualPlan) -> str | None:
        return obj.approved_by.display_name if obj.approved_by else None


class AnnualPlanIn(Schema):
    jurisdiction_code: str
    year: int = Field(..., ge=2000, le=2100)
    title: str = Field(..., min_length=1, max_length=120)
    targets: list[dict[str, Any]] = []
    monthly_counts: list[int] = []
    note: str = Field("", max_length=2000)


@router.get("/annual-plans", response=list[AnnualPlanOut], summary="年度执法计划列表")
@paginate(Page)
def list_annual_plans(request: HttpRequest, year: int | None = None) -> Any:
    plans = AnnualPlan.objects.filter(archived_at__isnull=True).select_related("jurisdiction", "approved_by__person")
    return plans.filter(year=year) if year else plans


@router.post("/annual-plans", response={201: AnnualPlanOut}, summary="编制年度执法计划")
def create_annual_plan(request: HttpRequest, payload: AnnualPlanIn) -> Any:
    data = payload.dict()
    node = _node(data.pop("jurisdiction_code"))
    return Status(201, actions.create_annual_plan(by=request.user, jurisdiction=node, **data))


@router.get("/annual-plans/{plan_id}", response=AnnualPlanOut, summary="年度执法计划")
def get_annual_plan(request: HttpRequest, plan_id: int) -> Any:
    return get_object_or_404(AnnualPlan.objects, pk=plan_id)


@router.post("/annual-plans/{plan_id}/approve", response=AnnualPlanOut, summary="批准年度执法计划")
def approve_annual_plan(request: HttpRequest, plan_id: int) -> Any:
    return actions.approve_annual_plan(get_object_or_404(AnnualPlan.objects, pk=plan_id), by=request.user)


# --- inspection plans --------------------------------------------------------------------------


class ProgressOut(Schema):
    total: int
    done: int
    overdue: int


class PlanOut(InJurisdiction):
    id: int
    title: str
    kind: PlanKind
    period_start: date
    period_end: date
    annual_plan_id: int | None
    unannounced: bool
    joint: bool
    departments: list[str]
    status: PlanStatus
    progress: ProgressOut

    @staticmethod
    def resolve_progress(obj: InspectionPlan) -> dict[str, int]:
        if hasattr(obj, "progress_total"):
            return {key: int(getattr(obj, f"progress_{key}")) for key in ("total", "done", "overdue")}
        return services.plan_progress([obj.pk])[obj.pk]


class TaskOut(Schema):
    id: int
    place_id: int
    place_name: str
    plan_id: int | None
    draw_id: int | None
    inspector_ids: list[int]
    lead_inspector_id: int | None
    due_on: date
    overdue: bool
    unannounced: bool
    joint: bool
    departments: list[str]
    checklist_id: int | None
    state: TaskState
    inspection_id: int | None
    passed: bool | None
    cancel_reason: str

    @staticmethod
    def resolve_place_name(obj: InspectionTask) -> str:
        return obj.place.name

    @staticmethod
    def resolve_inspector_ids(obj: InspectionTask) -> list[int]:
        return sorted(u.pk for u in obj.inspectors.all())

    @staticmethod
    def resolve_overdue(obj: InspectionTask) -> bool:
        return obj.is_overdue()


class PlanDetailOut(PlanOut):
    note: str
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj: InspectionPlan) -> list[InspectionTask]:
        request_user = getattr(obj, "_viewer", None)
        tasks = services.visible_tasks(request_user).filter(plan=obj, archived_at__isnull=True)
        return list(tasks.select_related("place").prefetch_related("inspectors").order_by("due_on", "id"))


class PlanIn(Schema):
    jurisdiction_code: str
    title: str = Field(..., min_length=1, max_length=120)
    kind: PlanKind = PlanKind.SPECIAL
    period_start: date
    period_end: date
    annual_plan_id: int | None = None
    unannounced: bool = False
    joint: bool = False
    departments: list[str] = []
    note: str = Field("", max_length=2000)


class PlanFilter(Schema):
    jurisdiction: str | None = Field(None, description="辖区代码：该辖区及其下级的计划")
    kind: PlanKind | None = None
    status: PlanStatus | None = None
    year: int | None = None


def _annual(annual_plan_id: int | None) -> AnnualPlan | None:
    if annual_plan_id is None:
        return None
    annual = AnnualPlan.objects.filter(pk=annual_plan_id).first()
    if annual is None:
        raise ValidationError({"annual_plan_id": "年度执法计划不存在或不在您的辖区范围内"})
    return annual


def _plans(filters: PlanFilter) -> QuerySet[InspectionPlan]:
    plans = InspectionPlan.objects.filter(archived_at__isnull=True).select_related("jurisdiction")
    if filters.jurisdiction:
        plans = plans.filter(jurisdiction_path__within=_node(filters.jurisdiction).path)
    if filters.kind:
        plans = plans.filter(kind=filters.kind)
    if filters.status:
        plans = plans.filter(status=filters.status)
    if filters.year:
        plans = plans.filter(period_start__year=filters.year)
    return plans


@router.get("/inspection-plans", response=list[PlanOut], summary="检查计划列表（含完成进度）")
@paginate(Page)
def list_plans(request: HttpRequest, filters: Query[PlanFilter]) -> Any:
    return services.with_progress(_plans(filters))


@router.post("/inspection-plans", response={201: PlanDetailOut}, summary="新建检查计划")
def create_plan(request: HttpRequest, payload: PlanIn) -> Any:
    data = payload.dict()
    node = _node(data.pop("jurisdiction_code"))
    data["annual_plan"] = _annual(data.pop("annual_plan_id"))
    plan = actions.create_plan(by=request.user, jurisdiction=node, **data)
    plan._viewer = request.user  # type: ignore[attr-defined]
    return Status(201, plan)


class GenerateIn(Schema):
    jurisdiction_code: str
    period_start: date
    period_end: date
    kinds: list[str] = []
    title: str = Field("", max_length=120)
    annual_plan_id: int | None = None
    unannounced: bool = False
    joint: bool = False
    departments: list[str] = []


@router.post("/inspection-plans/generate", response={201: PlanDetailOut}, summary="按检查频次生成定期检查计划")
def generate_plan(request: HttpRequest, payload: GenerateIn) -> Any:
    plan = actions.generate_periodic_plan(
        _node(payload.jurisdiction_code),
        payload.period_start,
        payload.period_end,
        by=request.user,
        kinds=payload.kinds,
        title=payload.title,
        annual_plan=_annual(payload.annual_plan_id),
        unannounced=payload.unannounced,
        joint=payload.joint,
        departments=payload.departments,
    )
    plan._viewer = request.user  # type: ignore[attr-defined]
    return Status(201, plan)


def _plan(plan_id: int) -> InspectionPlan:
    return get_object_or_404(InspectionPlan.objects.select_related("jurisdiction"), pk=plan_id)


@router.get("/inspection-plans/{plan_id}", response=PlanDetailOut, summary="检查计划及其任务")
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    plan = _plan(plan_id)
    plan._viewer = request.user  # type: ignore[attr-defined]
    return plan


@router.post("/inspection-plans/{plan_id}/issue", response=PlanOut, summary="下达检查计划")
def issue_plan(request: HttpRequest, plan_id: int) -> Any:
    return actions.issue_plan(_plan(plan_id), by=request.user)


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


@router.post("/inspection-plans/{plan_id}/close", response=PlanOut, summary="结束检查计划（未完成任务取消）")
def close_plan(request: HttpRequest, plan_id: int, payload: ReasonIn) -> Any:
    return actions.close_plan(_plan(plan_id), by=request.user, reason=payload.reason)


@router.get("/inspection-plans/{plan_id}/tasks.xlsx", summary="导出检查计划的任务清单（Excel）")
def export_plan_tasks(request: HttpRequest, plan_id: int) -> FileResponse:
    plan = _plan(plan_id)
    tasks = services.visible_tasks(request.user).filter(plan=plan, archived_at__isnull=True)
    tasks = tasks.select_related("place", "jurisdiction").prefetch_related("inspectors").order_by("due_on", "id")
    return xlsx_response(TASK_LEDGER, task_rows(tasks), dated_filename(f"{plan.title}-任务清单"))


# --- draws -------------------------------------------------------------------------------------


class DrawPlaceOut(Schema):
    place_id: int
    place_name: str
    team: list[int]
    team_names: list[str]


class DrawOut(InJurisdiction):
    id: int
    plan_id: int
    criteria: dict[str, Any]
    pool_size: int
    sample_size: int
    inspector_ids: list[int]
    team_size: int
    seed: str
    algorithm: str
    drawn_by: str | None
    drawn_at: datetime
    place_ids: list[int]
    teams: list[list[int]]
    result: list[DrawPlaceOut]

    @staticmethod
    def resolve_drawn_by(obj: RandomDraw) -> str | None:
        return obj.drawn_by.display_name if obj.drawn_by else None

    @staticmethod
    def resolve_result(obj: RandomDraw) -> list[dict[str, Any]]:
        places = Place.unscoped.in_bulk(obj.place_ids)
        names = services.user_names([pk for team in obj.teams for pk in team])
        return [
            {
                "place_id": pk,
                "place_name": places[pk].name if pk in places else "",
                "team": team,
                "team_names": [names.get(u, "") for u in team],
            }
            for pk, team in zip(obj.place_ids, obj.teams, strict=True)
        ]


class DrawIn(Schema):
    criteria: dict[str, Any] = {}
    sample_size: int = Field(..., ge=1, le=10000)
    inspectors: list[int] = Field(..., min_length=1)
    team_size: int = Field(2, ge=2, le=10)
    seed: str | None = Field(None, max_length=64)
    due_on: date | None = None


def _draw_qs() -> QuerySet[RandomDraw]:
    return RandomDraw.objects.select_related("jurisdiction", "drawn_by__person")


@router.post("/inspection-plans/{plan_id}/draws", response={201: DrawOut}, summary="双随机抽取（记录随机种子）")
def create_draw(request: HttpRequest, plan_id: int, payload: DrawIn) -> Any:
    record = actions.draw(
        _plan(plan_id),
        by=request.user,
        criteria=payload.criteria,
        sample_size=payload.sample_size,
        inspectors=payload.inspectors,
        team_size=payload.team_size,
        seed=payload.seed,
        due_on=payload.due_on,
    )
    return Status(201, _draw_qs().get(pk=record.pk))


@router.get("/draws", response=list[DrawOut], summary="双随机抽取记录")
@paginate(Page)
def list_draws(request: HttpRequest, plan_id: int | None = None) -> Any:
    draws = _draw_qs()
    return draws.filter(plan_id=plan_id) if plan_id else draws


@router.get("/draws/{draw_id}", response=DrawOut, summary="双随机抽取结果")
def get_draw(request: HttpRequest, draw_id: int) -> Any:
    return get_object_or_404(_draw_qs(), pk=draw_id)


class VerifyOut(Schema):
    draw_id: int
    seed: str
    algorithm: str
    matches: bool
    verified_at: datetime


@router.get("/draws/{draw_id}/verify", response=VerifyOut, summary="复核抽取：按记录的种子和抽取池重新计算并比对")
def verify_draw(request: HttpRequest, draw_id: int) -> Any:
    record = get_object_or_404(RandomDraw.objects, pk=draw_id)
    return {
        "draw_id": record.pk,
        "seed": record.seed,
        "algorithm": record.algorithm,
        "matches": services.verify_draw(record),
        "verified_at": timezone.now(),
    }


@router.get("/draws/{draw_id}/result.xlsx", summary="导出抽取结果（Excel，用于一公开）")
def export_draw(request: HttpRequest, draw_id: int) -> FileResponse:
    record = get_object_or_404(RandomDraw.objects, pk=draw_id)
    return xlsx_response(DRAW_LEDGER, draw_rows(record), dated_filename(f"双随机抽查结果-{record.pk}"))


# --- tasks -------------------------------------------------------------------------------------


class TaskFilter(Schema):
    mine: bool = Field(False, description="只列派给我的未完成任务")
    plan_id: int | None = None
    state: TaskState | None = None
    inspector_id: int | None = None
    overdue: bool = False


@router.get("/inspection-tasks", response=list[TaskOut], summary="检查任务（mine=1：我的检查任务）")
@paginate(Page)
def list_tasks(request: HttpRequest, filters: Query[TaskFilter]) -> Any:
    if filters.mine:
        tasks = services.open_tasks_for(request.user)
    else:
        tasks = services.visible_tasks(request.user).filter(archived_at__isnull=True)
    if filters.plan_id:
        tasks = tasks.filter(plan_id=filters.plan_id)
    if filters.state:
        tasks = tasks.filter(state=filters.state)
    if filters.inspector_id:
        tasks = tasks.filter(inspectors__pk=filters.inspector_id)
    if filters.overdue:
        tasks = tasks.filter(state__in=OPEN_TASK_STATES, due_on__lt=timezone.localdate())
    return tasks.select_related("place").prefetch_related("inspectors").order_by("due_on", "id")


def _task(request: HttpRequest, task_id: int) -> InspectionTask:
    return get_object_or_404(services.visible_tasks(request.user).select_related("place", "plan"), pk=task_id)


@router.get("/inspection-tasks/{task_id}", response=TaskOut, summary="检查任务")
def get_task(request: HttpRequest, task_id: int) -> Any:
    return _task(request, task_id)


class TaskActionIn(Schema):
    inspectors: list[int] = []
    lead_inspector_id: int | None = None
    due_on: date | None = None
    reason: str = Field("", max_length=200)


@router.post(
    "/inspection-tasks/{task_id}/actions/{action}",
    response=TaskOut,
    summary="检查任务操作：assign、cancel、start、set_due",
)
def task_action(
    request: HttpRequest, task_id: int, action: Literal["assign", "cancel", "start", "set_due"], payload: TaskActionIn
) -> Any:
    task = _task(request, task_id)
    if action == "assign":
        inspectors = list(User.objects.filter(pk__in=payload.inspectors).values_list("pk", flat=True))
        if len(inspectors) != len(set(payload.inspectors)):
            raise ValidationError({"inspectors": "检查人员不存在或不在您的辖区范围内"})
        task = actions.assign_task(
            task, by=request.user, inspectors=payload.inspectors, lead_inspector=payload.lead_inspector_id
        )
    elif action == "cancel":
        task = actions.cancel_task(task, by=request.user, reason=payload.reason)
    elif action == "start":
        task = actions.start_task(task, by=request.user)
    else:
        if payload.due_on is None:
            raise ValidationError({"due_on": "请填写新的完成期限"})
        task = actions.set_due(task, by=request.user, due_on=payload.due_on)
    return _task(request, task.pk)
