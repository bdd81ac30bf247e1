"""JSON API of the duty app (值班值守): shifts, swaps and overrides, roster generation, who is on duty now."""

from datetime import date, datetime, time
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from accounts.roles import Capability
from duty import actions
from duty.actions import RosterPlan, Standing
from duty.choices import DutyRole
from duty.ledgers import DUTY_LEDGER, DutyImporter, shift_rows
from duty.models import DutyAssignment, DutyShift
from duty.services import on_duty
from jurisdictions.models import Jurisdiction
from people.models import Person
from yingji.actions import require
from yingji.api import ErrorOut, Page
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.endpoints import ImportOut, import_upload

router = Router(tags=["值班值守"])


def _may_see_mobile(context: Any) -> bool:
    request = (context or {}).get("request")
    return bool(request and request.user.can(Capability.SEE_MOBILE))


class AssignmentOut(Schema):
    id: int
    person_id: int
    person_name: str
    role: str
    role_label: str
    phone: str
    standing: bool
    replaces_id: int | None
    change_kind: str
    change_reason: str
    replaced_at: datetime | None

    @staticmethod
    def resolve_person_name(obj: DutyAssignment) -> str:
        return obj.person.name

    @staticmethod
    def resolve_role_label(obj: DutyAssignment) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_phone(obj: DutyAssignment, context: Any) -> str:
        phone = obj.phone or obj.person.mobile
        if phone == obj.person.mobile and not _may_see_mobile(context):
            return obj.person.masked_mobile
        return phone

    @staticmethod
    def resolve_standing(obj: DutyAssignment) -> bool:
        return obj.is_standing


class ShiftOut(Schema):
    id: int
    jurisdiction_code: str
    jurisdiction_name: str
    starts_at: datetime
    ends_at: datetime
    duty_phone: str
    note: str
    archived: bool
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_jurisdiction_code(obj: DutyShift) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: DutyShift) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_archived(obj: DutyShift) -> bool:
        return obj.archived_at is not None

    @staticmethod
    def resolve_assignments(obj: DutyShift) -> list[DutyAssignment]:
        return list(obj.assignments.all())


class ShiftFilter(Schema):
    jurisdiction: str | None = Field(default=None, description="辖区代码：该辖区及其下级的班次")
    date_from: date | None = Field(default=None, description="班次结束不早于此日")
    date_to: date | None = Field(default=None, description="班次开始不晚于此日")
    include_cancelled: bool = False


def shifts_queryset() -> Any:
    assignments = DutyAssignment.objects.select_related("person").defer("person__id_number_sealed").order_by("role", "id")
    return (
        DutyShift.objects.select_related("jurisdiction")
        .defer("jurisdiction__boundary")
        .prefetch_related(Prefetch("assignments", queryset=assignments))
    )


def filter_shifts(filters: ShiftFilter) -> Any:
    shifts = shifts_queryset()
    if not filters.include_cancelled:
        shifts = shifts.filter(archived_at__isnull=True)
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects, code=filters.jurisdiction)
        shifts = shifts.filter(jurisdiction_path__within=node.path)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        shifts = shifts.filter(ends_at__gt=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        shifts = shifts.filter(starts_at__lt=datetime.combine(filters.date_to, time.max, tzinfo=tz))
    return shifts.order_by("starts_at", "jurisdiction_path", "id")


@router.get("/duty/shifts", response=list[ShiftOut], summary="值班表（班次列表）")
@paginate(Page)
def list_shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> Any:
    return filter_shifts(filters)


@router.get("/duty/shifts/export.xlsx", summary="导出值班表（Excel，筛选条件同班次列表）")
def export_shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> FileResponse:
    return xlsx_response(DUTY_LEDGER, shift_rows(filter_shifts(filters), request.user), dated_filename("值班表"))


@router.post(
    "/duty/shifts/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入值班表（.xlsx/.csv；dry_run 默认 true 只检查不写入）",
)
@transaction.atomic
def import_shifts(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(DUTY_LEDGER, file, DutyImporter(request.user), dry_run=dry_run, mapping=mapping, unit="个班次")
    return Status(status, body)


def _person(person_id: int, field: str) -> Person:
    person = Person.objects.active().filter(pk=person_id).first()
    if person is None:
        raise ValidationError({field: f"人员 {person_id} 不存在、已归档或不在您的辖区范围内"})
    return person


class ShiftIn(Schema):
    jurisdiction_code: str
    starts_at: datetime
    ends_at: datetime
    officers: list[int] = Field(..., min_length=1, description="值班员的人员编号")
    leader: int | None = Field(default=None, description="带班领导的人员编号")
    duty_phone: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=200)


class ShiftPatch(Schema):
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    duty_phone: str | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=200)


@router.post("/duty/shifts", response={201: ShiftOut, 403: ErrorOut}, summary="新增班次")
@transaction.atomic
def create_shift(request: HttpRequest, payload: ShiftIn) -> Any:
    require(request.user, Capability.MANAGE_DUTY)
    standing = [Standing(_person(pk, "officers")) for pk in payload.officers]
    if payload.leader is not None:
        standing.append(Standing(_person(payload.leader, "leader"), DutyRole.LEADER))
    shift = actions.create_shift(
        by=request.user,
        jurisdiction=Jurisdiction.objects.visible_code(payload.jurisdiction_code),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        standing=standing,
        duty_phone=payload.duty_phone,
        note=payload.note,
    )
    return Status(201, shifts_queryset().get(pk=shift.pk))


class GenerateIn(Schema):
    jurisdiction_code: str
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="月份，如 2026-07")
    officers: list[int] = Field(..., min_length=1, description="轮流值班的人员编号（按顺序轮换）")
    leaders: list[int] = Field(default_factory=list, description="轮流带班的领导（每天一人）")
    start: time = Field(time(8, 30), description="交接班时间")
    hours: Literal[8, 12, 24] = 24
    officers_per_shift: int = Field(1, ge=1, le=5)
    duty_phone: str = Field(default="", max_length=20)


class GenerateOut(Schema):
    created: int
    first_starts_at: datetime | None
    last_ends_at: datetime | None


@router.post("/duty/rosters/generate", response={201: GenerateOut, 403: ErrorOut}, summary="按轮换生成一个月的值班表")
@transaction.atomic
def generate_roster(request: HttpRequest, payload: GenerateIn) -> Any:
    require(request.user, Capability.MANAGE_DUTY)
    year, month = (int(part) for part in payload.month.split("-"))
    if not 1 <= month <= 12:
        raise ValidationError({"month": "月份应为 01～12"})
    plan = RosterPlan(
        jurisdiction=Jurisdiction.objects.visible_code(payload.jurisdiction_code),
        month=date(year, month, 1),
        officers=[_person(pk, "officers") for pk in payload.officers],
        leaders=[_person(pk, "leaders") for pk in payload.leaders],
        start=payload.start,
        hours=payload.hours,
        officers_per_shift=payload.officers_per_shift,
        duty_phone=payload.duty_phone,
    )
    shifts = actions.generate_roster(by=request.user, plan=plan)
    return Status(
        201,
        {
            "created": len(shifts),
            "first_starts_at": shifts[0].starts_at if shifts else None,
            "last_ends_at": shifts[-1].ends_at if shifts else None,
        },
    )


@router.get("/duty/shifts/{shift_id}", response=ShiftOut, summary="班次详情（含调班记录）")
def get_shift(request: HttpRequest, shift_id: int) -> Any:
    return get_object_or_404(shifts_queryset(), pk=shift_id)


@router.patch("/duty/shifts/{shift_id}", response={200: ShiftOut, 403: ErrorOut}, summary="修改班次时间、值班电话或备注")
@transaction.atomic
def patch_shift(request: HttpRequest, shift_id: int, payload: ShiftPatch) -> Any:
    require(request.user, Capability.MANAGE_DUTY)
    shift = get_object_or_404(DutyShift.objects, pk=shift_id)
    actions.update_shift(shift, by=request.user, **payload.dict(exclude_unset=True))
    return shifts_queryset().get(pk=shift_id)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/duty/shifts/{shift_id}/cancel", response={200: ShiftOut, 403: ErrorOut}, summary="取消班次（保留记录）")
@transaction.atomic
def cancel_shift(request: HttpRequest, shift_id: int, payload: ReasonIn) -> Any:
    require(request.user, Capability.MANAGE_DUTY)
    shift = get_object_or_404(DutyShift.objects, pk=shift_id)
    actions.cancel_shift(shift, by=request.user, reason=payload.reason)
    return shifts_queryset().get(pk=shift_id)


class OverrideIn(Schema):
    person_id: int
    reason: str = Field(..., min_length=1, max_length=200)
    phone: str = Field(default="", max_length=20)


@router.post("/duty/assignments/{assignment_id}/override", response={200: ShiftOut, 403: ErrorOut}, summary="替班：由他人顶替该值班安排")
@transaction.atomic
def override_assignment(request: HttpRequest, assignment_id: int, payload: OverrideIn) -> Any:
    require(request.user, Capability.MANAGE_DUTY)
    assignment = get_object_or_404(DutyAssignment.objects, pk=assignment_id)
    new = actions.override_assignment(
        assignment, by=request.user, person=_person(payload.person_id, "person_id"), reason=payload.reason, phone=payload.phone
    )
    return shifts_queryset().get(pk=new.shift_id)


class SwapIn(Schema):
    first: int = Field(..., description="一方的值班安排编号")
    second: int = Field(..., description="另一方的值班安排编号")
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/duty/assignments/swap", response={200: list[ShiftOut], 403: ErrorOut}, summary="换班：两人交换班次")
@transaction.atomic
def swap_assignments(request: HttpRequest, payload: SwapIn) -> Any:
    require(request.user, Capability.MANAGE_DUTY)
    first = get_object_or_404(DutyAssignment.objects, pk=payload.first)
    second = get_object_or_404(DutyAssignment.objects, pk=payload.second)
    a, b = actions.swap_assignments(first, second, by=request.user, reason=payload.reason)
    return list(shifts_queryset().filter(pk__in=[a.shift_id, b.shift_id]).order_by("starts_at"))


class OnDutyOut(Schema):
    person_id: int
    person_name: str
    role: str
    role_label: str
    phone: str
    shift_id: int
    starts_at: datetime
    ends_at: datetime
    roster_jurisdiction_code: str
    roster_jurisdiction_name: str


class NowFilter(Schema):
    jurisdiction: str | None = Field(default=None, description="辖区代码；默认本账号所属辖区")
    at: datetime | None = Field(default=None, description="查询时刻；默认现在")


class NowOut(Schema):
    jurisdiction_code: str
    at: datetime
    on_duty: list[OnDutyOut]


@router.get("/duty/now", response=NowOut, summary="当前值班：某辖区此刻的值班员和带班领导（本级无排班时用上级的）")
def duty_now(request: HttpRequest, filters: Query[NowFilter]) -> Any:
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects.active(), code=filters.jurisdiction)
    else:
        home: Jurisdiction | None = getattr(request.user, "jurisdiction", None)
        home = home or Jurisdiction.objects.visible_roots().order_by("path").first()
        if home is None:
            raise Http404
        node = home
    at = filters.at or timezone.now()
    see_mobile = request.user.can(Capability.SEE_MOBILE)  # type: ignore[union-attr]
    entries = [
        {
            "person_id": d.person.pk,
            "person_name": d.person.name,
            "role": d.role,
            "role_label": str(DutyRole(d.role).label),
            "phone": d.phone if (see_mobile or d.phone != d.person.mobile) else d.person.masked_mobile,
            "shift_id": d.shift.pk,
            "starts_at": d.shift.starts_at,
            "ends_at": d.shift.ends_at,
            "roster_jurisdiction_code": d.shift.jurisdiction.code,
            "roster_jurisdiction_name": d.shift.jurisdiction.name,
        }
        for d in on_duty(node, at)
    ]
    return {"jurisdiction_code": node.code, "at": at, "on_duty": entries}
