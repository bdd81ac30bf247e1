"""JSON API of inspections: begin, check in, answer items (with photos), make hazards, sign, finish."""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from inspectionplans.models import InspectionTask
from inspections import actions, services
from inspections.filters import filter_inspections
from inspections.models import Inspection, ItemPhoto, ItemResult
from inspections.views import file_response
from places.models import Place
from yingji.api import ErrorOut, Page

router = Router(tags=["检查记录"])

ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class InspectionFilter(Schema):
    kind: Literal["supervision", "patrol", "self_inspection"] | None = None
    result: Literal["passed", "failed"] | None = None
    state: Literal["draft", "submitted"] | None = None
    place_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    jurisdiction: str | None = Field(None, description="辖区代码：只看该辖区及其下级")


class InspectionFields(Schema):
    id: int
    place_id: int
    place_name: str
    jurisdiction_code: str
    task_id: int | None
    kind: str
    kind_label: str
    state: str
    result: str
    checklist_id: int
    checklist_name: str
    checklist_version: int
    started_at: datetime
    finished_at: datetime | None
    distance_m: int | None
    far_from_place: bool
    unannounced: bool
    joint: bool


class InspectionOut(InspectionFields):
    @staticmethod
    def resolve_place_name(obj: Inspection) -> str:
        return obj.place.name

    @staticmethod
    def resolve_kind_label(obj: Inspection) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_checklist_name(obj: Inspection) -> str:
        return obj.checklist.name

    @staticmethod
    def resolve_checklist_version(obj: Inspection) -> int:
        return obj.checklist.version


class ItemOut(Schema):
    item_id: int
    order: int
    matter: str
    content: str
    outcome: str | None
    note: str
    hazard_id: int | None
    photos: list[str]


class InspectionDetailOut(InspectionFields):
    inspectors: list[str]
    checked_in_at: datetime | None
    check_in_lat: float | None
    check_in_lng: float | None
    check_in_accuracy: float | None
    far_reason: str
    summary: str
    representative: str
    signed_at: datetime | None
    signature_url: str | None
    items: list[ItemOut]
    hazard_ids: list[int]


class BeginIn(Schema):
    place_id: int | None = None
    task_id: int | None = None
    kind: Literal["supervision", "patrol", "self_inspection"] | None = Field(
        None, description="默认：任务为 supervision；企业用户为 self_inspection；其他为 patrol"
    )


class CheckInIn(Schema):
    lat: float | None = Field(None, description="WGS-84 纬度（手机定位）；无法定位时留空并填写原因")
    lng: float | None = Field(None, description="WGS-84 经度")
    accuracy: float | None = Field(None, description="定位精度（米）")
    far_reason: str = Field("", max_length=200, description="距场所超过阈值（默认 300 米）或无法定位时必填")


class ItemForm(Schema):
    outcome: Literal["ok", "failed", "not_applicable"]
    note: str = Field("", max_length=1000)


class HazardIn(Schema):
    description: str | None = Field(None, max_length=2000, description="默认：检查项内容 + 情况说明")
    severity: Literal["general", "major"] = "general"
    deadline: date | None = Field(None, description="检查人员有派单权限时，同时限期整改")
    category: Literal["unsafe_act", "unsafe_condition", "management_defect", "other"] | None = None
    hazard_type: str | None = Field(None, max_length=24)
    interim_measures: str = Field("", max_length=1000)


class HazardOut(Schema):
    hazard_id: int
    number: str
    state: str
    source: str
    item_id: int


class SignIn(Schema):
    representative: str = Field(..., min_length=1, max_length=40)
    signature: str = Field(..., description="画布导出的 PNG：data:image/png;base64,…")


class FinishIn(Schema):
    summary: str = Field("", max_length=2000)


def _photo_url(inspection_id: int, photo_id: int) -> str:
    return f"/api/v1/inspections/{inspection_id}/photos/{photo_id}"


def detail(inspection_id: int) -> dict[str, Any]:
    inspection = get_object_or_404(services.list_queryset().prefetch_related("inspectors__person"), pk=inspection_id)
    rows = services.item_rows(inspection)
    return {
        "id": inspection.pk,
        "place_id": inspection.place_id,
        "place_name": inspection.place.name,
        "jurisdiction_code": inspection.jurisdiction_code,
        "task_id": inspection.task_id,
        "kind": inspection.kind,
        "kind_label": str(inspection.get_kind_display()),
        "state": inspection.state,
        "result": inspection.result,
        "checklist_id": inspection.checklist_id,
        "checklist_name": inspection.checklist.name,
        "checklist_version": inspection.checklist.version,
        "started_at": inspection.started_at,
        "finished_at": inspection.finished_at,
        "distance_m": inspection.distance_m,
        "far_from_place": inspection.far_from_place,
        "unannounced": inspection.unannounced,
        "joint": inspection.joint,
        "inspectors": [user.display_name for user in inspection.inspectors.all()],
        "checked_in_at": inspection.checked_in_at,
        "check_in_lat": inspection.check_in_lat,
        "check_in_lng": inspection.check_in_lng,
        "check_in_accuracy": inspection.check_in_accuracy,
        "far_reason": inspection.far_reason,
        "summary": inspection.summary,
        "representative": inspection.representative,
        "signed_at": inspection.signed_at,
        "signature_url": f"/api/v1/inspections/{inspection.pk}/signature" if inspection.signature else None,
        "items": [
            {
                "item_id": row.item.pk,
                "order": row.item.order,
                "matter": row.item.matter,
                "content": row.item.content,
                "outcome": row.outcome or None,
                "note": row.result.note if row.result else "",
                "hazard_id": row.result.hazard_id if row.result else None,
                "photos": [_photo_url(inspection.pk, photo.pk) for photo in row.photos],
            }
            for row in rows
        ],
        "hazard_ids": [row.result.hazard_id for row in rows if row.result is not None and row.result.hazard_id],
    }


def _inspection(inspection_id: int) -> Inspection:
    return get_object_or_404(
        Inspection.objects.filter(archived_at__isnull=True).select_related("place"), pk=inspection_id
    )


@router.get("/inspections", response=list[InspectionOut], summary="检查记录（按辖区限定范围）")
@paginate(Page)
def list_inspections(request: HttpRequest, filters: Query[InspectionFilter]) -> Any:
    params = {k: v for k, v in filters.dict().items() if v is not None}
    if "place_id" in params:
        params["place"] = params.pop("place_id")
    return filter_inspections(services.list_queryset(), params)


@router.get("/inspections/{inspection_id}", response={200: InspectionDetailOut, 404: ErrorOut}, summary="检查记录详情")
def get_inspection(request: HttpRequest, inspection_id: int) -> Any:
    return detail(inspection_id)


@router.post(
    "/inspections",
    response={201: InspectionDetailOut, 200: InspectionDetailOut, **ERRORS},
    summary="开始检查：按任务（task_id）或对场所（place_id）开展巡查、检查或单位自查",
)
@transaction.atomic
def begin(request: HttpRequest, payload: BeginIn) -> Any:
    if (payload.place_id is None) == (payload.task_id is None):
        raise ValidationError({"place_id": "请提供 place_id 或 task_id 之一"})
    target: Place | InspectionTask
    if payload.task_id is not None:
        target = get_object_or_404(InspectionTask.objects, pk=payload.task_id)
    else:
        target = get_object_or_404(Place.objects, pk=payload.place_id)
    before = None
    if isinstance(target, InspectionTask):
        before = Inspection.objects.filter(task=target, state="draft").values_list("pk", flat=True).first()
    inspection = actions.begin(target, by=request.user, kind=payload.kind)
    return Status(200 if before == inspection.pk else 201, detail(inspection.pk))


@router.post(
    "/inspections/{inspection_id}/check-in", response={200: InspectionDetailOut, **ERRORS}, summary="现场签到定位"
)
@transaction.atomic
def check_in(request: HttpRequest, inspection_id: int, payload: CheckInIn) -> Any:
    actions.check_in(
        _inspection(inspection_id),
        by=request.user,
        lat=payload.lat,
        lng=payload.lng,
        accuracy=payload.accuracy,
        far_reason=payload.far_reason,
    )
    return detail(inspection_id)


@router.post(
    "/inspections/{inspection_id}/items/{item_id}",
    response={200: ItemOut, **ERRORS},
    summary="填写检查项（multipart：outcome、note、photos 可多张，JPG/PNG/WebP ≤ 10 MB）",
)
@transaction.atomic
def record_item(
    request: HttpRequest,
    inspection_id: int,
    item_id: int,
    data: Form[ItemForm],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    inspection = _inspection(inspection_id)
    result = actions.record_item(
        inspection, item_id, by=request.user, outcome=data.outcome, note=data.note, photos=photos or ()
    )
    return _item_out(result)


def _item_out(result: ItemResult) -> dict[str, Any]:
    item = result.item
    return {
        "item_id": item.pk,
        "order": item.order,
        "matter": item.matter,
        "content": item.content,
        "outcome": result.outcome,
        "note": result.note,
        "hazard_id": result.hazard_id,
        "photos": [_photo_url(result.inspection_id, photo.pk) for photo in result.photos.all()],
    }


@router.post(
    "/inspections/{inspection_id}/items/{item_id}/hazard",
    response={201: HazardOut, 200: HazardOut, **ERRORS},
    summary="不合格项一键生成隐患（来源为本次检查，照片随附）",
)
@transaction.atomic
def item_hazard(request: HttpRequest, inspection_id: int, item_id: int, payload: HazardIn | None = None) -> Any:
    inspection = _inspection(inspection_id)
    result = get_object_or_404(ItemResult.objects.filter(inspection=inspection), item_id=item_id)
    existed = result.hazard_id is not None
    body = payload or HazardIn.model_validate({})
    hazard = actions.fail_item_as_hazard(
        inspection,
        result,
        by=request.user,
        description=body.description,
        severity=body.severity,
        deadline=body.deadline,
        category=body.category,
        hazard_type=body.hazard_type,
        interim_measures=body.interim_measures,
    )
    out = {
        "hazard_id": hazard.pk,
        "number": hazard.number,
        "state": hazard.state,
        "source": hazard.source,
        "item_id": item_id,
    }
    return Status(200 if existed else 201, out)


@router.post(
    "/inspections/{inspection_id}/sign", response={200: InspectionDetailOut, **ERRORS}, summary="场所代表签名（PNG）"
)
@transaction.atomic
def sign(request: HttpRequest, inspection_id: int, payload: SignIn) -> Any:
    actions.sign(
        _inspection(inspection_id),
        by=request.user,
        representative=payload.representative,
        signature_png=payload.signature,
    )
    return detail(inspection_id)


@router.post(
    "/inspections/{inspection_id}/finish", response={200: InspectionDetailOut, **ERRORS}, summary="提交检查结果"
)
@transaction.atomic
def finish(request: HttpRequest, inspection_id: int, payload: FinishIn) -> Any:
    actions.finish(_inspection(inspection_id), by=request.user, summary=payload.summary)
    return detail(inspection_id)


@router.get(
    "/inspections/{inspection_id}/photos/{photo_id}", response={200: None, 404: ErrorOut}, summary="检查照片文件"
)
def photo_file(request: HttpRequest, inspection_id: int, photo_id: int) -> Any:
    inspection = _inspection(inspection_id)
    photo = get_object_or_404(ItemPhoto.objects.filter(result__inspection=inspection), pk=photo_id)
    return file_response(photo.image, photo.content_type)


@router.get(
    "/inspections/{inspection_id}/signature", response={200: None, 404: ErrorOut}, summary="场所代表签名（PNG）"
)
def signature_file(request: HttpRequest, inspection_id: int) -> Any:
    inspection = _inspection(inspection_id)
    if not inspection.signature:
        raise Http404
    return file_response(inspection.signature, "image/png")
