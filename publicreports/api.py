"""JSON API of public reports: the open submission and receipt look-up, and the staff triage.

`POST /public/reports` and `GET /public/reports/{receipt}` need no login (and so no CSRF
token: no cookie authenticates them). The submission reads its body itself, after checking
the declared length, so an oversized upload is refused before any of it is parsed or stored.
"""

import json
import time
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import pydantic
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate

from accounts.roles import Capability
from hazards.choices import HazardCategory, HazardSeverity, HazardType
from hazards.machine import TransitionRefused
from hazards.models import Hazard
from jurisdictions.models import Jurisdiction
from places.models import Place
from publicreports import actions, services
from publicreports.choices import ReportState, SubmittedVia
from publicreports.models import PublicReport
from yingji.actions import require
from yingji.api import ErrorOut, Page
from yingji.middleware import client_ip

router = Router(tags=["群众举报"])


# --- public --------------------------------------------------------------------------------


class SubmissionIn(Schema):
    """The fields of a report, sent as JSON or as multipart form fields (with `photos` files)."""

    model_config = pydantic.ConfigDict(extra="forbid")

    description: str = Field(..., max_length=2000, description="隐患描述，10–1000 字")
    lng: float | None = Field(None, description="经度（可选）")
    lat: float | None = Field(None, description="纬度（可选）")
    coord_system: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    address: str = Field("", max_length=400)
    township: str = Field("", max_length=20, description="乡镇（街道）代码；没有定位时用于落格")
    phone: str = Field("", max_length=20, description="手机号（可选）")
    anonymous: bool = False

    @pydantic.field_validator("lng", "lat", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class ReceiptOut(Schema):
    receipt: str
    receipt_display: str
    state: str
    created: bool
    received_at: datetime
    outcome_url: str
    message: str


class OutcomeOut(Schema):
    receipt: str
    state: str
    outcome: str
    hazard_state: str | None
    reason: str | None
    received_at: datetime
    triaged_at: datetime | None
    updated_at: datetime
    deadline: Any = None
    closed_at: datetime | None
    rewarded: bool


def _read_submission(request: HttpRequest) -> tuple[SubmissionIn, list[UploadedFile]]:
    content_type = (request.content_type or "").lower()
    files: list[UploadedFile] = []
    if content_type == "application/json":
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ValidationError(_("请求体不是合法的 JSON")) from None
        if not isinstance(data, dict):
            raise ValidationError(_("请求体应为 JSON 对象"))
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = {key: request.POST.get(key) for key in request.POST if key != "csrfmiddlewaretoken"}
        files = [*request.FILES.getlist("photos"), *request.FILES.getlist("photo")]
    else:
        raise ValidationError(_("请以 JSON 或 multipart/form-data（带照片时）提交"))
    try:
        return SubmissionIn.model_validate(data), files
    except pydantic.ValidationError as exc:
        raise NinjaValidationError([dict(e) for e in exc.errors()]) from None


def receipt_answer(report: PublicReport, created: bool) -> dict[str, Any]:
    return {
        "receipt": report.receipt,
        "receipt_display": actions.format_receipt(report.receipt),
        "state": report.state,
        "created": created,
        "received_at": report.created_at,
        "outcome_url": reverse("public_report:outcome", args=[report.receipt]),
        "message": _("举报已收到。请保存回执码，凭它查询处理结果。")
        if created
        else _("您已提交过相同内容的举报，这是当时的回执码。"),
    }


@router.post(
    "/public/reports",
    auth=None,
    response={200: ReceiptOut, 201: ReceiptOut, 400: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="群众举报隐患（无需登录）：返回回执码",
    description="JSON 或 multipart/form-data（照片字段 `photos`，最多 3 张、每张不超过 5 MB）。"
    "同一客户端每小时最多 5 条、每天 20 条（超出 429）；请求体过大 413；24 小时内重复提交相同内容返回原回执码（200）。",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": SubmissionIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            **SubmissionIn.model_json_schema()["properties"],
                            "photos": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        },
                        "required": ["description"],
                    }
                },
            },
            "required": True,
        }
    },
)
def submit(request: HttpRequest) -> Any:
    fingerprint = actions.fingerprint_of(client_ip(request))
    try:
        actions.check_body_size(request.META.get("CONTENT_LENGTH"))
        actions.check_not_recently_refused(fingerprint)
        fields, files = _read_submission(request)
        report, created = actions.submit_report(
            description=fields.description,
            lng=fields.lng,
            lat=fields.lat,
            coord_system=fields.coord_system,
            address=fields.address,
            township_code=fields.township,
            phone=fields.phone,
            anonymous=fields.anonymous,
            photos=files,
            fingerprint=fingerprint,
            via=SubmittedVia.API,
        )
    except actions.SubmissionRefused as exc:
        return Status(exc.status, {"detail": exc.message})
    return Status(201 if created else 200, receipt_answer(report, created))


def lookup_refused(request: HttpRequest) -> bool:
    """A per-address budget of look-ups a minute (codes are unguessable; this keeps scanners polite)."""
    key = f"publicreports:lookups:{actions.fingerprint_of(client_ip(request))}:{int(time.time() // 60)}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > actions.limits().lookups_per_minute


def report_for_receipt(raw: str) -> PublicReport | None:
    code = actions.normalise_receipt(raw)
    if not code:
        return None
    return PublicReport.unscoped.select_related("duplicate_of").filter(receipt=code).first()


@router.get(
    "/public/reports/{receipt}",
    auth=None,
    response={200: OutcomeOut, 404: ErrorOut, 429: ErrorOut},
    summary="凭回执码查询举报处理结果（无需登录）",
)
def outcome(request: HttpRequest, receipt: str) -> Any:
    if lookup_refused(request):
        return Status(429, {"detail": _("查询过于频繁，请一分钟后再试")})
    report = report_for_receipt(receipt)
    if report is None:
        return Status(404, {"detail": _("未找到该回执码，请核对后重试（回执码为 10 位字母和数字）")})
    return services.public_outcome(report)


# --- staff -----------------------------------------------------------------------------------


class ReportFilter(Schema):
    state: ReportState | None = None
    jurisdiction: str | None = Field(None, description="辖区代码：只看该辖区及其下级")
    flagged: bool | None = Field(None, description="只看（或排除）集中涌入时提交的举报")
    q: str | None = Field(None, max_length=50, description="回执码或内容关键词")


class PhotoOut(Schema):
    id: int
    url: str
    content_type: str
    size: int


class ReportOut(Schema):
    id: int
    receipt: str
    state: str
    state_label: str
    description: str
    jurisdiction_code: str
    jurisdiction_name: str
    located_by: str
    lng: float | None
    lat: float | None
    address: str
    anonymous: bool
    phone: str
    flood_flagged: bool
    submitted_via: str
    received_at: datetime
    hazard_id: int | None
    hazard_number: str | None
    duplicate_of_receipt: str | None
    reason: str
    triaged_at: datetime | None
    reward_amount: Decimal | None
    reward_note: str
    rewarded_at: datetime | None
    photo_count: int


class ReportDetailOut(ReportOut):
    triaged_by: str | None
    rewarded_by: str | None
    photos: list[PhotoOut]
    outcome: str


def _user_label(user: Any) -> str | None:
    return (user.display_name if hasattr(user, "display_name") else str(user)) if user else None


def report_row(report: PublicReport, user: Any) -> dict[str, Any]:
    counted = getattr(report, "photo_count", None)  # annotated by staff_queryset()
    return {
        "id": report.pk,
        "receipt": report.receipt,
        "state": report.state,
        "state_label": str(report.get_state_display()),
        "description": report.description,
        "jurisdiction_code": report.jurisdiction.code,
        "jurisdiction_name": report.jurisdiction.name,
        "located_by": report.located_by,
        "lng": report.lng,
        "lat": report.lat,
        "address": report.address,
        "anonymous": report.anonymous,
        "phone": services.phone_for(report, user),
        "flood_flagged": report.flood_flagged,
        "submitted_via": report.submitted_via,
        "received_at": report.created_at,
        "hazard_id": report.hazard_id,
        "hazard_number": report.hazard.number if report.hazard_id and report.hazard else None,
        "duplicate_of_receipt": report.duplicate_of.receipt if report.duplicate_of_id and report.duplicate_of else None,
        "reason": report.reason,
        "triaged_at": report.triaged_at,
        "reward_amount": report.reward_amount,
        "reward_note": report.reward_note,
        "rewarded_at": report.rewarded_at,
        "photo_count": counted if counted is not None else report.photos.count(),
    }


def report_detail(report: PublicReport, user: Any) -> dict[str, Any]:
    photos = list(report.photos.all())
    return {
        **report_row(report, user),
        "photo_count": len(photos),
        "triaged_by": _user_label(report.triaged_by),
        "rewarded_by": _user_label(report.rewarded_by),
        "photos": [
            {
                "id": p.pk,
                "url": reverse("publicreports:photo", args=[report.pk, p.pk]),
                "content_type": p.content_type,
                "size": p.size,
            }
            for p in photos
        ],
        "outcome": services.public_outcome(report)["outcome"],
    }


def staff_queryset() -> QuerySet[PublicReport]:
    """The scoped reports with what a row shows, new ones first."""
    from django.db.models import Case, Count, IntegerField, Value, When

    return (
        PublicReport.objects.select_related("jurisdiction", "hazard", "duplicate_of", "triaged_by", "rewarded_by")
        .defer("jurisdiction__boundary")
        .annotate(
            photo_count=Count("photos"),
            queue=Case(When(state=ReportState.RECEIVED, then=Value(0)), default=Value(1), output_field=IntegerField()),
        )
        .order_by("queue", "flood_flagged", "-created_at", "-id")
    )


def filter_reports(queryset: QuerySet[PublicReport], params: ReportFilter) -> QuerySet[PublicReport]:
    if params.state:
        queryset = queryset.filter(state=params.state)
    if params.jurisdiction:
        node = Jurisdiction.objects.visible_code(params.jurisdiction, field="jurisdiction")
        queryset = queryset.filter(jurisdiction_path__within=node.path)
    if params.flagged is not None:
        queryset = queryset.filter(flood_flagged=params.flagged)
    if params.q:
        code = actions.normalise_receipt(params.q)
        queryset = queryset.filter(Q(receipt=code) if code else Q(description__icontains=params.q.strip()))
    return queryset


def _report_or_404(report_id: int) -> PublicReport:
    return get_object_or_404(staff_queryset(), pk=report_id)


@router.get("/public-reports", response=list[ReportOut], summary="群众举报列表（待核实在前；按辖区限定）")
@paginate(Page)
def list_reports(request: HttpRequest, filters: Query[ReportFilter]) -> Any:
    require(request.user, Capability.MANAGE_HAZARDS)
    user = request.user
    rows = filter_reports(staff_queryset(), filters)
    return _RowList(rows, user)


class _RowList:
    """A lazily sliced queryset whose rows come out as dictionaries for this user (phones masked)."""

    def __init__(self, queryset: QuerySet[PublicReport], user: Any) -> None:
        self.queryset, self.user = queryset, user

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [report_row(r, self.user) for r in self.queryset[item]]


@router.get("/public-reports/{report_id}", response=ReportDetailOut, summary="群众举报详情")
def get_report(request: HttpRequest, report_id: int) -> Any:
    require(request.user, Capability.MANAGE_HAZARDS)
    return report_detail(_report_or_404(report_id), request.user)


class AcceptIn(Schema):
    category: HazardCategory
    hazard_type: HazardType
    severity: HazardSeverity = HazardSeverity.GENERAL
    place_id: int | None = Field(None, description="对应场所（可选，须在您的辖区内）")
    description: str = Field("", max_length=2000, description="隐患描述（留空沿用举报内容）")
    interim_measures: str = Field("", max_length=1000)


class RejectIn(Schema):
    reason: str = Field(..., max_length=300)


class DuplicateIn(Schema):
    of_receipt: str | None = Field(None, description="与哪条举报重复（回执码）")
    of_hazard_id: int | None = Field(None, description="与哪条隐患重复")
    note: str = Field("", max_length=300)


class RewardIn(Schema):
    amount: Decimal = Field(..., description="奖励金额（元）")
    note: str = Field("", max_length=200)


_TRIAGE_RESPONSES = {200: ReportDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _triage(request: HttpRequest, report_id: int, run: Any) -> Any:
    require(request.user, Capability.MANAGE_HAZARDS)
    report = _report_or_404(report_id)
    try:
        run(report)
    except TransitionRefused as exc:
        return Status(409, {"detail": str(exc)})
    return report_detail(_report_or_404(report_id), request.user)


@router.post(
    "/public-reports/{report_id}/accept", response=_TRIAGE_RESPONSES, summary="受理为隐患（生成一条“已发现”隐患）"
)
def accept_report(request: HttpRequest, report_id: int, payload: AcceptIn) -> Any:
    place = get_object_or_404(Place.objects, pk=payload.place_id) if payload.place_id else None
    return _triage(
        request,
        report_id,
        lambda r: actions.accept(
            r,
            by=request.user,
            category=payload.category,
            hazard_type=payload.hazard_type,
            severity=payload.severity,
            place=place,
            description=payload.description,
            interim_measures=payload.interim_measures,
        ),
    )


@router.post("/public-reports/{report_id}/reject", response=_TRIAGE_RESPONSES, summary="不予受理（原因对举报人可见）")
def reject_report(request: HttpRequest, report_id: int, payload: RejectIn) -> Any:
    return _triage(request, report_id, lambda r: actions.reject(r, by=request.user, reason=payload.reason))


@router.post(
    "/public-reports/{report_id}/duplicate", response=_TRIAGE_RESPONSES, summary="标记为重复（与某条举报或隐患）"
)
def duplicate_report(request: HttpRequest, report_id: int, payload: DuplicateIn) -> Any:
    of_report = of_hazard = None
    if payload.of_receipt:
        code = actions.normalise_receipt(payload.of_receipt)
        of_report = get_object_or_404(PublicReport.objects, receipt=code) if code else None
        if of_report is None:
            raise ValidationError({"of_receipt": _("回执码格式不正确")})
    if payload.of_hazard_id:
        of_hazard = get_object_or_404(Hazard.objects, pk=payload.of_hazard_id)
    return _triage(
        request,
        report_id,
        lambda r: actions.mark_duplicate(
            r, by=request.user, of_report=of_report, of_hazard=of_hazard, note=payload.note
        ),
    )


@router.post("/public-reports/{report_id}/reward", response=_TRIAGE_RESPONSES, summary="登记奖励（已受理为隐患的举报）")
def reward_report(request: HttpRequest, report_id: int, payload: RewardIn) -> Any:
    return _triage(
        request,
        report_id,
        lambda r: actions.record_reward(r, by=request.user, amount=payload.amount, note=payload.note),
    )
