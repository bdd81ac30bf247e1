"""JSON API of the hazard loop: report, list, detail, the actions of the state machine, photos.

    POST /api/v1/hazards                          report (JSON, or multipart with `photos`)
    GET  /api/v1/hazards                          list with colour, filtered by `hazards.filters`
    GET  /api/v1/hazards/{id}                     detail with timeline, photos, allowed actions
    POST /api/v1/hazards/{id}/actions/{action}    confirm, reject, assign, start, submit, verify_pass,
                                                  verify_fail, close, extend, decide_extension,
                                                  supervise, interim_measures, determination
    POST /api/v1/hazards/{id}/photos              add photos (multipart)
    POST /api/v1/hazards/import                   import an Excel ledger (shared ledger toolkit)
    GET  /api/v1/hazards/{id}/photos/{photo_id}   the photo file, to whoever may see the hazard

A state that does not allow the action answers 409 with the reason, a role that may not do
it 403, bad input 400/422; every write runs in one transaction, so a refusal changes nothing.
"""

import json
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate
from pydantic import ValidationError as PydanticValidationError

from accounts.roles import Capability, has_capability
from hazards import actions, services
from hazards.choices import OPEN_STATES, HazardSeverity, PhotoStage
from hazards.filters import filter_hazards
from hazards.ledgers import HAZARD_IMPORT_LEDGER, HazardImporter
from hazards.models import DeadlineExtension, Hazard, HazardPhoto
from jurisdictions.models import Jurisdiction
from people.protection import mask_mobile
from places.models import Place
from yingji.api import ErrorOut, Page
from yingji.ledgers.endpoints import ImportOut, import_upload
from yingji.paging import DeferredPage

router = Router(tags=["隐患"])

ACTION_NAMES = (
    "confirm",
    "reject",
    "assign",
    "start",
    "submit",
    "verify_pass",
    "verify_fail",
    "close",
    "extend",
    "decide_extension",
    "supervise",
    "interim_measures",
    "determination",
)


# --- schemas -------------------------------------------------------------------------------------


class HazardIn(Schema):
    place_id: int | None = Field(None, description="场所编号；与 jurisdiction 至少填一项")
    jurisdiction: str | None = Field(None, max_length=20, description="辖区代码（无具体场所时，如道路、山塘）")
    category: str = Field(..., description="unsafe_act | unsafe_condition | management_defect | other")
    hazard_type: str = Field(..., description="fire, electrical, gas, structural, flood, …")
    severity: str = Field("general", description="general | major")
    description: str = Field(..., max_length=2000)
    source: str = Field(..., description="inspection | self_inspection | patrol | public_report | alarm | superior")
    lat: float | None = None
    lng: float | None = None
    address: str = Field("", max_length=200)
    interim_measures: str = Field("", max_length=1000)
    found_at: datetime | None = None


class PlaceRef(Schema):
    id: int
    name: str


class JurisdictionRef(Schema):
    code: str
    name: str


class HazardListOut(Schema):
    id: int
    number: str
    state: str
    state_label: str
    colour: str | None
    deadline: date | None
    severity: str
    category: str
    hazard_type: str
    source: str
    description: str
    place: PlaceRef | None
    jurisdiction: JurisdictionRef
    jurisdiction_code: str
    found_at: datetime
    assignee_name: str
    supervised: bool
    lat: float | None
    lng: float | None

    @staticmethod
    def resolve_state_label(obj: Hazard) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_colour(obj: Hazard) -> str | None:
        return services.hazard_colour(obj)

    @staticmethod
    def resolve_place(obj: Hazard) -> dict[str, Any] | None:
        return {"id": obj.place.pk, "name": obj.place.name} if obj.place is not None else None

    @staticmethod
    def resolve_jurisdiction(obj: Hazard) -> dict[str, Any]:
        return {"code": obj.jurisdiction.code, "name": obj.jurisdiction.name}


class TimelineOut(Schema):
    action: str
    label: str
    from_state: str
    to_state: str
    actor: str
    actor_id: int | None
    at: datetime
    note: str
    data: dict[str, Any]


class PhotoOut(Schema):
    id: int
    stage: str
    url: str
    created_at: datetime


class ExtensionOut(Schema):
    id: int
    old_deadline: date
    new_deadline: date
    reason: str
    state: str
    requested_by: str
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    created_at: datetime


class AssigneeOut(Schema):
    user_id: int | None
    person_id: int | None
    name: str
    mobile: str
    department: str
    assigned_at: datetime | None


class SupervisionOut(Schema):
    supervised: bool
    since: datetime | None
    deadline: date | None
    leader: str
    unit: str


class HazardOut(HazardListOut):
    address: str
    interim_measures: str
    source_app: str
    source_ref: str
    reporter: str
    original_deadline: date | None
    yellow_from: date | None
    reminder_level: int
    submitted_at: datetime | None
    rectification_note: str
    verified_at: datetime | None
    closed_at: datetime | None
    rejection_reason: str
    determination: dict[str, Any]
    assignee: AssigneeOut
    supervision: SupervisionOut
    timeline: list[TimelineOut]
    photos: list[PhotoOut]
    extensions: list[ExtensionOut]
    allowed_actions: list[str]

    @staticmethod
    def resolve_reporter(obj: Hazard) -> Any:
        return obj._api["reporter"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_assignee(obj: Hazard) -> Any:
        return obj._api["assignee"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_supervision(obj: Hazard) -> Any:
        return obj._api["supervision"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_timeline(obj: Hazard) -> Any:
        return obj._api["timeline"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_photos(obj: Hazard) -> Any:
        return obj._api["photos"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_extensions(obj: Hazard) -> Any:
        return obj._api["extensions"]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_allowed_actions(obj: Hazard) -> Any:
        return obj._api["allowed_actions"]  # type: ignore[attr-defined]


class HazardFilter(Schema):
    state: str | None = Field(None, description="状态，可逗号分隔多个")
    colour: str | None = Field(None, description="green | yellow | red")
    severity: str | None = None
    category: str | None = None
    hazard_type: str | None = None
    source: str | None = None
    jurisdiction: str | None = Field(None, description="辖区代码：该辖区及其下级")
    place: str | None = Field(None, description="场所编号")
    kind: str | None = Field(None, description="场所类型代码")
    supervised: str | None = Field(None, description="true | false")
    open: str | None = Field(None, description="true：未销号（含待确认）；false：已核销或不予认定")
    q: str | None = Field(None, description="编号、描述、位置或场所名称")
    found_from: str | None = Field(None, description="发现日期起 YYYY-MM-DD")
    found_to: str | None = Field(None, description="发现日期止 YYYY-MM-DD")
    assignee: str | None = Field(None, description="me：只看派给我的")


# --- helpers -------------------------------------------------------------------------------------


def hazard_queryset() -> Any:
    """Scoped hazards (enterprise users: their places) with what the list shows in one query."""
    return Hazard.objects.select_related("place", "jurisdiction").defer("jurisdiction__boundary")


def _detail(h: Hazard, request: HttpRequest) -> Hazard:
    """The hazard with what the detail adds (timeline, photos, …) under `_api`, read by `HazardOut`."""
    user = request.user
    mobile = h.assignee_mobile
    if mobile and not has_capability(user, Capability.SEE_MOBILE):
        mobile = mask_mobile(mobile)
    extensions = DeadlineExtension.objects.filter(hazard_id=h.pk).select_related(
        "requested_by__person", "decided_by__person"
    )
    h._api = {  # type: ignore[attr-defined]
        "reporter": h.reporter_label or (h.reported_by.display_name if h.reported_by else ""),
        "assignee": {
            "user_id": h.assignee_user_id,
            "person_id": h.assignee_person_id,
            "name": h.assignee_name,
            "mobile": mobile,
            "department": h.assignee_department,
            "assigned_at": h.assigned_at,
        },
        "supervision": {
            "supervised": h.supervised,
            "since": h.supervised_at,
            "deadline": h.supervision_deadline,
            "leader": h.supervision_leader,
            "unit": h.supervision_unit,
        },
        "timeline": services.timeline(h),
        "photos": [_photo_out(p) for p in HazardPhoto.objects.filter(hazard_id=h.pk).order_by("created_at", "id")],
        "extensions": [
            {
                "id": e.pk,
                "old_deadline": e.old_deadline,
                "new_deadline": e.new_deadline,
                "reason": e.reason,
                "state": e.state,
                "requested_by": e.requested_by.display_name if e.requested_by else "",
                "decided_by": e.decided_by.display_name if e.decided_by else "",
                "decided_at": e.decided_at,
                "decision_note": e.decision_note,
                "created_at": e.created_at,
            }
            for e in extensions
        ],
        "allowed_actions": actions.allowed_actions(h, user),
    }
    return h


def _photo_out(photo: HazardPhoto) -> dict[str, Any]:
    return {"id": photo.pk, "stage": photo.stage, "url": services.photo_url(photo), "created_at": photo.created_at}


def _hazard_or_404(hazard_id: int) -> Hazard:
    return get_object_or_404(hazard_queryset().select_related("reported_by__person"), pk=hazard_id)


def _body(request: HttpRequest) -> tuple[dict[str, Any], list[Any]]:
    """The request body as plain values and uploaded photos: JSON, or a multipart form with `photos`."""
    content_type = request.content_type or ""
    if content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded":
        data = {key: request.POST.get(key) for key in request.POST}
        return data, list(request.FILES.getlist("photos"))
    raw = request.body
    if not raw.strip():
        return {}, []
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HttpError(400, "请求体不是合法的 JSON，请检查引号、逗号和括号") from exc
    if not isinstance(data, dict):
        raise NinjaValidationError([{"type": "model_attributes_type", "loc": ["body"], "msg": "请求体应为 JSON 对象"}])
    return data, []


def _validated(schema: type[Schema], data: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        raise NinjaValidationError(
            [{**err, "loc": ["body", *err.get("loc", ())]} for err in exc.errors(include_url=False)]
        ) from exc


# --- endpoints -----------------------------------------------------------------------------------


@router.post(
    "/hazards",
    response={201: HazardOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="上报隐患（JSON；或 multipart 表单并附 photos 照片，≤9 张、每张 ≤10 MB）",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": HazardIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"photos": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    }
                },
            },
            "required": True,
        }
    },
)
@transaction.atomic
def report(request: HttpRequest) -> Any:
    data, photos = _body(request)
    payload = _validated(HazardIn, data)
    place = (
        get_object_or_404(Place.objects.filter(archived_at__isnull=True), pk=payload.place_id)
        if payload.place_id
        else None
    )
    node = None
    if payload.jurisdiction:
        node = Jurisdiction.objects.active().filter(code=payload.jurisdiction).first()
        if node is None:
            raise Http404
    h = actions.report_hazard(
        by=request.user,
        place=place,
        jurisdiction=node,
        category=payload.category,
        hazard_type=payload.hazard_type,
        severity=payload.severity,
        description=payload.description,
        source=payload.source,
        lat=payload.lat,
        lng=payload.lng,
        address=payload.address,
        interim_measures=payload.interim_measures,
        found_at=payload.found_at,
        photos=photos,
    )
    return Status(201, _detail(_hazard_or_404(h.pk), request))


@router.get(
    "/hazards", response=list[HazardListOut], summary="隐患列表（含期限颜色；可按状态、颜色、等级、类别、辖区等筛选）"
)
@paginate(Page)
def list_hazards(request: HttpRequest, filters: Query[HazardFilter]) -> Any:
    params = filters.dict(exclude_none=True)
    hazards = filter_hazards(hazard_queryset(), params)
    if params.get("assignee") == "me":
        hazards = hazards.filter(assignee_user_id=request.user.pk)
    elif params.get("assignee"):
        raise HttpError(400, "assignee 只支持 me")
    return DeferredPage(hazards.order_by("-found_at", "-id"))


class SummaryOut(Schema):
    total: int
    open: int
    green: int
    yellow: int
    red: int
    major_open: int
    supervised_open: int


@router.post(
    "/hazards/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入隐患台账（.xlsx/.csv；dry_run 默认 true 只检查不写入；全部成功或全部不写入）",
)
@transaction.atomic
def import_hazards(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = ""
) -> Any:
    # Declared before the /hazards/{hazard_id} routes so "import" is never read as an id.
    importer = HazardImporter(request.user)
    status, body = import_upload(HAZARD_IMPORT_LEDGER, file, importer, dry_run=dry_run, mapping=mapping, unit="条")
    return Status(status, body)


@router.get("/hazards/summary", response=SummaryOut, summary="隐患数量：未销号、绿黄红、重大和挂牌督办（同列表筛选）")
def summary(request: HttpRequest, filters: Query[HazardFilter]) -> Any:
    params = filters.dict(exclude_none=True)
    params.pop("assignee", None)
    hazards = filter_hazards(Hazard.objects.all(), params)
    live = hazards.filter(state__in=[s.value for s in OPEN_STATES])
    return {
        "total": hazards.count(),
        "open": live.count(),
        **services.colour_counts(hazards),
        "major_open": live.filter(severity=HazardSeverity.MAJOR).count(),
        "supervised_open": live.filter(supervised=True).count(),
    }


@router.get(
    "/hazards/{hazard_id}",
    response=HazardOut,
    summary="隐患详情：状态、颜色、期限、处置记录（timeline）、照片、可执行操作",
)
def get_hazard(request: HttpRequest, hazard_id: int) -> Any:
    return _detail(_hazard_or_404(hazard_id), request)


@router.post(
    "/hazards/{hazard_id}/actions/{action}",
    response={200: HazardOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="执行隐患处置操作（当前状态不允许答 409，角色无权答 403）",
    description=(
        "action: confirm {severity?, note?}; reject {reason}; assign {deadline?, assignee_id?, department?, note?}"
        "（deadline 缺省按等级取期限规则，assignee_id 缺省为场所消防安全管理人）; start; submit {note, photos?}"
        "（photos 以 multipart 上传）; verify_pass {note?}; verify_fail {reason}; close {note?}; extend {deadline, reason}; "
        "decide_extension {extension_id?, approve, note?}; supervise {deadline, leader, unit?, note?}; "
        "interim_measures {text}; determination {result, major}"
    ),
)
@transaction.atomic
def act(request: HttpRequest, hazard_id: int, action: str) -> Any:
    h = _hazard_or_404(hazard_id)
    if action not in ACTION_NAMES:
        raise HttpError(404, f"未知操作“{action[:30]}”，可用操作：{'、'.join(ACTION_NAMES)}")
    data, photos = _body(request)
    if photos:
        data["photos"] = photos
    actions.perform(h, action, by=request.user, payload=data)
    return _detail(_hazard_or_404(hazard_id), request)


@router.post(
    "/hazards/{hazard_id}/photos",
    response={201: list[PhotoOut], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="补充隐患照片（multipart：photos 多个文件，stage=found|evidence|verification）",
)
@transaction.atomic
def add_photos(request: HttpRequest, hazard_id: int) -> Any:
    h = _hazard_or_404(hazard_id)
    stage = request.POST.get("stage") or PhotoStage.FOUND
    saved = actions.add_photos(h, by=request.user, files=request.FILES.getlist("photos"), stage=stage)
    return Status(
        201, [{"id": p.pk, "stage": p.stage, "url": services.photo_url(p), "created_at": p.created_at} for p in saved]
    )


@router.get(
    "/hazards/{hazard_id}/photos/{photo_id}", url_name="hazard_photo", summary="隐患照片文件（仅能看到该隐患的账号）"
)
def photo_file(request: HttpRequest, hazard_id: int, photo_id: int) -> FileResponse:
    h = get_object_or_404(Hazard.objects.only("id"), pk=hazard_id)
    photo = get_object_or_404(HazardPhoto.objects.filter(hazard_id=h.pk), pk=photo_id)
    try:
        handle = photo.image.open("rb")
    except OSError as exc:
        raise Http404 from exc
    suffix = photo.image.name.rsplit(".", 1)[-1].lower()
    content_type = {"png": "image/png", "webp": "image/webp", "gif": "image/gif"}.get(suffix, "image/jpeg")
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
