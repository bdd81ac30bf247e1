"""JSON API of the places app (单位场所): the registry, its kinds, photos, map layer and Excel ledger."""

import json
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.models import User
from accounts.roles import Capability
from audit.api import ChangeOut
from jurisdictions.models import Jurisdiction
from people.protection import mask_mobile
from places import actions
from places.choices import OccupancyStatus, PlaceCategory
from places.filters import PlaceFilters, filter_places
from places.history import place_history
from places.ledgers import PLACES_LEDGER, PlacesImporter, export_rows
from places.models import Place, PlaceKind, PlacePhoto
from places.profiles import notes_for
from yingji.api import ErrorOut, Page
from yingji.ledgers import (
    LedgerFileError,
    LedgerFileTooLarge,
    background,
    dated_filename,
    read_table,
    run_import,
    uploads,
    xlsx_response,
)

router = Router(tags=["场所"])

CoordSystemIn = Literal["wgs84", "gcj02", "bd09"]
GEOJSON_LIMIT = 20_000


def _may_see_mobile(context: Any) -> bool:
    request = (context or {}).get("request")
    return bool(request and request.user.can(Capability.SEE_MOBILE))


def _mobile(value: str, context: Any) -> str:
    return value if not value or _may_see_mobile(context) else mask_mobile(value)


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    kind_name: str
    category: str
    credit_code: str
    address: str
    jurisdiction_code: str
    jurisdiction_name: str
    lng: float | None
    lat: float | None
    location_source: str
    location_override_reason: str
    legal_rep_name: str
    legal_rep_mobile: str
    fire_responsible_name: str
    fire_responsible_mobile: str
    fire_manager_name: str
    fire_manager_mobile: str
    floor_area: float | None
    floors: int | None
    building_height: float | None
    employees: int | None
    beds: int | None
    rooms: int | None
    seats: int | None
    has_dormitory: bool
    stores_hazardous_goods: bool
    is_key_unit: bool
    occupancy_status: str
    tags: list[str]
    risk_grade: str
    next_self_inspection_due: date | None
    next_supervision_due: date | None
    archived: bool

    @staticmethod
    def resolve_kind(obj: Place) -> str:
        return obj.kind.code

    @staticmethod
    def resolve_kind_name(obj: Place) -> str:
        return obj.kind.name

    @staticmethod
    def resolve_category(obj: Place) -> str:
        return obj.kind.category

    @staticmethod
    def resolve_jurisdiction_code(obj: Place) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: Place) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_legal_rep_mobile(obj: Place, context: Any) -> str:
        return _mobile(obj.legal_rep_mobile, context)

    @staticmethod
    def resolve_fire_responsible_mobile(obj: Place, context: Any) -> str:
        return _mobile(obj.fire_responsible_mobile, context)

    @staticmethod
    def resolve_fire_manager_mobile(obj: Place, context: Any) -> str:
        return _mobile(obj.fire_manager_mobile, context)

    @staticmethod
    def resolve_floor_area(obj: Place) -> float | None:
        return float(obj.floor_area) if obj.floor_area is not None else None

    @staticmethod
    def resolve_building_height(obj: Place) -> float | None:
        return float(obj.building_height) if obj.building_height is not None else None

    @staticmethod
    def resolve_tags(obj: Place) -> list[str]:
        return list(obj.tags or [])

    @staticmethod
    def resolve_archived(obj: Place) -> bool:
        return obj.archived_at is not None


class PhotoOut(Schema):
    id: int
    caption: str
    content_type: str
    size: int
    url: str
    created_at: str

    @staticmethod
    def resolve_url(obj: PlacePhoto) -> str:
        return reverse("places:photo", args=[obj.place_id, obj.pk])

    @staticmethod
    def resolve_created_at(obj: PlacePhoto) -> str:
        return obj.created_at.isoformat()


class PlaceDetailOut(PlaceOut):
    note: str
    risk_score: float | None
    risk_graded_at: str | None
    last_self_inspection_on: date | None
    last_supervision_on: date | None
    archive_reason: str
    key_unit_notes: list[str]
    photos: list[PhotoOut]
    created_at: str
    updated_at: str

    @staticmethod
    def resolve_risk_score(obj: Place) -> float | None:
        return float(obj.risk_score) if obj.risk_score is not None else None

    @staticmethod
    def resolve_risk_graded_at(obj: Place) -> str | None:
        return obj.risk_graded_at.isoformat() if obj.risk_graded_at else None

    @staticmethod
    def resolve_key_unit_notes(obj: Place) -> list[str]:
        return notes_for(obj)

    @staticmethod
    def resolve_photos(obj: Place) -> list[PlacePhoto]:
        return list(obj.photos.all())

    @staticmethod
    def resolve_created_at(obj: Place) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_updated_at(obj: Place) -> str:
        return obj.updated_at.isoformat()


class PlaceFields(Schema):
    credit_code: str | None = Field(None, description="统一社会信用代码（18 位，GB 32100 校验）")
    legal_rep_name: str | None = Field(None, max_length=40)
    legal_rep_mobile: str | None = None
    fire_responsible_name: str | None = Field(None, max_length=40)
    fire_responsible_mobile: str | None = None
    fire_manager_name: str | None = Field(None, max_length=40)
    fire_manager_mobile: str | None = None
    floor_area: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=1)
    floors: int | None = Field(None, ge=0, le=300)
    building_height: Decimal | None = Field(None, ge=0, max_digits=6, decimal_places=1)
    employees: int | None = Field(None, ge=0)
    beds: int | None = Field(None, ge=0)
    rooms: int | None = Field(None, ge=0)
    seats: int | None = Field(None, ge=0)
    has_dormitory: bool | None = None
    stores_hazardous_goods: bool | None = None
    is_key_unit: bool | None = None
    tags: list[str] | None = None
    note: str | None = None


class PlaceIn(PlaceFields):
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., description="场所类型代码，见 GET /api/v1/place-kinds")
    address: str = Field(..., min_length=1, max_length=200)
    jurisdiction_code: str | None = Field(None, description="有坐标时可省略（按坐标落格）；无坐标或人工落格时必填")
    lng: float | None = None
    lat: float | None = None
    coord_system: CoordSystemIn = "wgs84"
    override_reason: str = Field("", max_length=200, description="填写则按 jurisdiction_code 人工落格")
    occupancy_status: OccupancyStatus = OccupancyStatus.OPERATING


class PlacePatch(PlaceFields):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = None
    address: str | None = Field(None, min_length=1, max_length=200)
    jurisdiction_code: str | None = None
    lng: float | None = None
    lat: float | None = None
    coord_system: CoordSystemIn = "wgs84"
    override_reason: str | None = Field(None, max_length=200)
    occupancy_status: OccupancyStatus | None = None


class ArchiveIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class OccupancyIn(Schema):
    status: OccupancyStatus


class AccountIn(Schema):
    username: str


class PlaceFilterIn(Schema):
    q: str | None = Field(None, description="按名称、地址或统一社会信用代码搜索")
    kind: str | None = Field(None, description="场所类型代码")
    category: PlaceCategory | None = None
    risk_grade: Literal["major", "large", "general", "low", "none"] | None = None
    occupancy_status: OccupancyStatus | None = None
    jurisdiction: str | None = Field(None, description="辖区代码：该辖区及其下级")
    is_key_unit: bool | None = None
    tag: str | None = None
    has_location: bool | None = None
    overdue: bool | None = Field(None, description="自查或监督检查已逾期")
    include_archived: bool = False


def _filters(params: PlaceFilterIn) -> PlaceFilters:
    return PlaceFilters.from_mapping(params.dict())


def place_queryset() -> Any:
    return Place.objects.for_lists()


def _kind(code: str) -> PlaceKind:
    kind = PlaceKind.objects.filter(code=code).first()
    if kind is None:
        raise ValidationError({"kind": f"场所类型代码 {code} 不存在；可用的代码见 GET /api/v1/place-kinds"})
    return kind


def _node(code: str | None) -> Jurisdiction | None:
    return Jurisdiction.objects.visible_code(code) if code else None


@router.get("/places", response=list[PlaceOut], summary="场所列表")
@paginate(Page)
def list_places(request: HttpRequest, filters: Query[PlaceFilterIn]) -> Any:
    return filter_places(_filters(filters))


# Ledger and map routes come before /places/{place_id} so that no path is read as an id.


@router.get("/places/export.xlsx", summary="导出场所台账（Excel，筛选条件同场所列表）")
def export_places(request: HttpRequest, filters: Query[PlaceFilterIn]) -> FileResponse:
    return xlsx_response(PLACES_LEDGER, export_rows(filter_places(_filters(filters)), request.user), dated_filename("场所台账"))


@router.get("/places/geojson", summary="场所地图图层（GeoJSON，WGS-84，按风险等级着色）")
def places_geojson(
    request: HttpRequest,
    bbox: str = "",
    kind: str = "",
    grade: str = "",
    jurisdiction: str = "",
) -> HttpResponse:
    """A FeatureCollection of located places; `bbox` = minLng,minLat,maxLng,maxLat."""
    places = filter_places(PlaceFilters(kind=kind, risk_grade=grade, jurisdiction=jurisdiction)).filter(lng__isnull=False)
    if bbox:
        try:
            min_lng, min_lat, max_lng, max_lat = (float(v) for v in bbox.split(","))
        except ValueError as exc:
            raise HttpError(400, "bbox 应为 最小经度,最小纬度,最大经度,最大纬度，例如 121.8,29.4,121.9,29.5") from exc
        places = places.filter(lng__gte=min_lng, lng__lte=max_lng, lat__gte=min_lat, lat__lte=max_lat)
    rows = places.values_list("id", "name", "lng", "lat", "risk_grade", "kind__code", "kind__name", "is_key_unit")[:GEOJSON_LIMIT]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {"id": pk, "name": name, "grade": g, "kind": kc, "kind_name": kn, "key_unit": key},
        }
        for pk, name, lng, lat, g, kc, kn, key in rows
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    response["Content-Type"] = "application/geo+json"
    return response


class ImportProblemOut(Schema):
    row: int | None
    column: str
    value: str
    message: str


class ImportOut(Schema):
    detail: str
    rows: int
    valid: int
    invalid: int
    errors: list[ImportProblemOut]
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    imported: bool
    ignored_columns: list[str]
    unknown_columns: list[str]


class JobOut(Schema):
    id: int
    status: str
    dry_run: bool
    rows_done: int
    rows_total: int
    detail: str
    result: dict[str, Any] | None


def _mapping(raw: str) -> dict[str, str]:
    if not raw.strip():
        return {}
    try:
        mapping = json.loads(raw)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise HttpError(400, 'mapping 应为 JSON 对象：{"文件中的列名": "台账列名"}，例如 {"单位名称": "名称"}')
    return mapping


def _job_out(job: Any) -> dict[str, Any]:
    done, total = background.progress(job)
    report = background.stored_report(job)
    result = None
    if report is not None:
        result = {**report.as_dict(), "rows": report.total}
    detail = job.error or {"queued": "排队中", "running": "处理中", "done": "已完成", "failed": "失败"}[job.status]
    return {"id": job.pk, "status": job.status, "dry_run": job.dry_run, "rows_done": done, "rows_total": total, "detail": detail, "result": result}


def _enqueue(request: HttpRequest, file: UploadedFile, mapping: dict[str, str], *, dry_run: bool, rows: int) -> dict[str, Any]:
    pending = uploads.stash(file, user=request.user, ledger="places")
    pending.save_mapping(mapping)
    job = background.enqueue(pending, user=request.user, ledger_key="places", dry_run=dry_run, total_rows=rows)
    return _job_out(job)


@router.post(
    "/places/import",
    response={200: ImportOut, 202: JobOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入场所台账（.xlsx/.csv；mode=preview 只检查，mode=commit 导入；大文件转后台并返回任务）",
)
@transaction.atomic
def import_places(
    request: HttpRequest,
    file: File[UploadedFile],
    mode: Form[Literal["preview", "commit", ""]] = "",
    dry_run: Form[bool] = True,
    skip_invalid: Form[bool] = False,
    mapping: Form[str] = "",
) -> Any:
    """Check or import a place ledger. `commit` writes only when no row has a problem, or, with
    `skip_invalid=true`, writes the valid rows and lists the others. Files above the background
    threshold answer 202 with a job to poll at GET /api/v1/places/import/jobs/{id}."""
    importer = PlacesImporter(request.user)
    dry_run = (mode == "preview") if mode else dry_run
    columns = _mapping(mapping)
    if file.size and file.size > PLACES_LEDGER.byte_limit:
        return Status(413, {"detail": f"文件过大，单次导入不超过 {PLACES_LEDGER.byte_limit // (1024 * 1024)} MB；请拆分后分批导入"})
    if background.runs_in_background("places", size=file.size or 0) and not skip_invalid:
        return Status(202, _enqueue(request, file, columns, dry_run=dry_run, rows=0))
    try:
        table = read_table(file, file.name or "", PLACES_LEDGER)
    except LedgerFileTooLarge as exc:
        return Status(413, {"detail": str(exc)})
    except LedgerFileError as exc:
        raise HttpError(400, str(exc)) from exc
    if background.runs_in_background("places", len(table.rows)) and not skip_invalid:
        return Status(202, _enqueue(request, file, columns, dry_run=dry_run, rows=len(table.rows)))
    if dry_run or not skip_invalid:
        report = run_import(PLACES_LEDGER, table, importer, mapping=columns, dry_run=dry_run)
    else:
        # Check first, then import only the rows without problems; those are reported as skipped.
        checked = run_import(PLACES_LEDGER, table, importer, mapping=columns, dry_run=True)
        bad = {p.row for p in checked.problems}
        table.rows = [(n, cells) for n, cells in table.rows if n not in bad]
        report = run_import(PLACES_LEDGER, table, PlacesImporter(request.user), mapping=columns, dry_run=False)
        if report.ok:
            report.problems = checked.problems
            report.total = checked.total
    body = {**report.as_dict(), "rows": report.total}
    if report.applied:
        body["detail"] = f"导入完成：新增 {report.created} 个，更新 {report.updated} 个，{report.unchanged} 个无变化" + (
            f"；跳过有问题的 {report.invalid} 行" if report.problems else ""
        )
        return body
    if report.ok:
        body["detail"] = f"检查通过，可以导入：新增 {report.created} 个，更新 {report.updated} 个，{report.unchanged} 个无变化"
        return body
    body["detail"] = f"有 {report.invalid} 行需要修改（共 {len(report.problems)} 处问题），没有导入任何数据"
    if not dry_run:
        # A refused commit wrote nothing: its counts say so (a preview's counts are what would happen).
        body.update(created=0, updated=0, unchanged=0)
    return Status(200 if dry_run else 400, body)


@router.get("/places/import/jobs/{job_id}", response=JobOut, summary="后台导入任务的进度和结果")
def import_job(request: HttpRequest, job_id: int) -> Any:
    from jobs.models import ImportJob

    job = get_object_or_404(ImportJob.objects, pk=job_id, user=request.user, ledger="places")
    return _job_out(job)


@router.post("/places", response={201: PlaceDetailOut}, summary="登记场所")
@transaction.atomic
def create_place(request: HttpRequest, payload: PlaceIn) -> Any:
    data = payload.dict()
    kind = _kind(data.pop("kind"))
    node = _node(data.pop("jurisdiction_code"))
    status = data.pop("occupancy_status")
    fields = {k: v for k, v in data.items() if v is not None}
    place = actions.create_place(by=request.user, kind=kind, jurisdiction=node, **fields)
    if status != place.occupancy_status:
        actions.set_occupancy_status(place, by=request.user, status=status)
    return Status(201, _detail(place.pk))


def _detail(place_id: int) -> Place:
    return get_object_or_404(place_queryset().prefetch_related("photos"), pk=place_id)


@router.get("/places/{place_id}", response=PlaceDetailOut, summary="场所详情")
def get_place(request: HttpRequest, place_id: int) -> Any:
    return _detail(place_id)


@router.patch("/places/{place_id}", response=PlaceDetailOut, summary="修改场所信息（含坐标、人工落格）")
@transaction.atomic
def patch_place(request: HttpRequest, place_id: int, payload: PlacePatch) -> Any:
    place = get_object_or_404(Place.objects, pk=place_id)
    changes = payload.dict(exclude_unset=True)
    if "kind" in changes:
        changes["kind"] = _kind(changes["kind"]) if changes["kind"] else None
        if changes["kind"] is None:
            raise ValidationError({"kind": "场所类型不能为空"})
    if "jurisdiction_code" in changes:
        changes["jurisdiction"] = _node(changes.pop("jurisdiction_code"))
    status = changes.pop("occupancy_status", None)
    if not ({"lng", "lat", "jurisdiction", "override_reason"} & changes.keys()):
        changes.pop("coord_system", None)
    for key in ("name", "address"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "不能为空"})
    actions.update_place(place, by=request.user, **changes)
    if status is not None:
        actions.set_occupancy_status(place, by=request.user, status=status)
    return _detail(place_id)


@router.post("/places/{place_id}/archive", response=PlaceDetailOut, summary="归档场所（不删除，需填写原因）")
@transaction.atomic
def archive_place(request: HttpRequest, place_id: int, payload: ArchiveIn) -> Any:
    actions.archive_place(get_object_or_404(Place.objects, pk=place_id), by=request.user, reason=payload.reason)
    return _detail(place_id)


@router.post("/places/{place_id}/restore", response=PlaceDetailOut, summary="恢复已归档场所")
@transaction.atomic
def restore_place(request: HttpRequest, place_id: int) -> Any:
    actions.restore_place(get_object_or_404(Place.objects, pk=place_id), by=request.user)
    return _detail(place_id)


@router.post("/places/{place_id}/occupancy", response=PlaceDetailOut, summary="设置经营状态（营业/停业/拆除）")
@transaction.atomic
def set_occupancy(request: HttpRequest, place_id: int, payload: OccupancyIn) -> Any:
    actions.set_occupancy_status(get_object_or_404(Place.objects, pk=place_id), by=request.user, status=payload.status)
    return _detail(place_id)


@router.get("/places/{place_id}/history", response=list[ChangeOut], summary="场所变更记录")
@paginate(Page)
def place_history_api(request: HttpRequest, place_id: int) -> Any:
    return place_history(get_object_or_404(Place.objects, pk=place_id))


@router.get("/places/{place_id}/photos", response=list[PhotoOut], summary="场所照片")
def list_photos(request: HttpRequest, place_id: int) -> Any:
    return get_object_or_404(Place.objects, pk=place_id).photos.all()


@router.post("/places/{place_id}/photos", response={201: PhotoOut}, summary="上传场所照片（JPG/PNG/WebP，≤8 MB）")
@transaction.atomic
def add_photo(request: HttpRequest, place_id: int, image: File[UploadedFile], caption: Form[str] = "") -> Any:
    place = get_object_or_404(Place.objects, pk=place_id)
    return Status(201, actions.add_photo(place, by=request.user, upload=image, caption=caption))


@router.delete("/places/{place_id}/photos/{photo_id}", response={204: None}, summary="删除场所照片")
@transaction.atomic
def remove_photo(request: HttpRequest, place_id: int, photo_id: int) -> Any:
    place = get_object_or_404(Place.objects, pk=place_id)
    actions.remove_photo(get_object_or_404(place.photos, pk=photo_id), by=request.user)
    return Status(204, None)


@router.post("/places/{place_id}/accounts", response=PlaceDetailOut, summary="关联企业用户账号")
@transaction.atomic
def link_account(request: HttpRequest, place_id: int, payload: AccountIn) -> Any:
    place = get_object_or_404(Place.objects, pk=place_id)
    user = User.objects.filter(username=payload.username).first()
    if user is None:
        raise ValidationError({"username": "账号不存在或不在您的辖区范围内"})
    actions.link_account(place, by=request.user, user=user)
    return _detail(place_id)


@router.delete("/places/{place_id}/accounts/{username}", response=PlaceDetailOut, summary="取消关联企业用户账号")
@transaction.atomic
def unlink_account(request: HttpRequest, place_id: int, username: str) -> Any:
    place = get_object_or_404(Place.objects, pk=place_id)
    user = get_object_or_404(User.objects, username=username)
    actions.unlink_account(place, by=request.user, user=user)
    return _detail(place_id)


# --- kinds ------------------------------------------------------------------------------


class KindOut(Schema):
    code: str
    name: str
    category: str
    industry: str
    staffing_group: str
    is_small_place: bool
    is_crowded: bool
    is_public_gathering: bool
    thresholds: dict[str, Any]
    description: str
    sort_order: int
    active: bool


class KindIn(Schema):
    code: str = Field(..., pattern=r"^[a-z][a-z0-9_]{1,39}$", description="小写字母、数字和下划线")
    name: str = Field(..., min_length=1, max_length=60)
    category: PlaceCategory
    industry: str = Field("", max_length=40)
    staffing_group: Literal["industrial", "commercial", "rental", ""] = ""
    is_small_place: bool = False
    is_crowded: bool = False
    is_public_gathering: bool = False
    thresholds: dict[str, Any] = {}
    description: str = ""
    sort_order: int = Field(1000, ge=0, le=32767)
    active: bool = True


class KindPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    category: PlaceCategory | None = None
    industry: str | None = Field(None, max_length=40)
    staffing_group: Literal["industrial", "commercial", "rental", ""] | None = None
    is_small_place: bool | None = None
    is_crowded: bool | None = None
    is_public_gathering: bool | None = None
    thresholds: dict[str, Any] | None = None
    description: str | None = None
    sort_order: int | None = Field(None, ge=0, le=32767)
    active: bool | None = None


@router.get("/place-kinds", response=list[KindOut], summary="场所类型（分类体系与界定阈值）")
def list_kinds(request: HttpRequest, include_inactive: bool = False) -> Any:
    kinds = PlaceKind.objects.all()
    return kinds if include_inactive else kinds.filter(active=True)


@router.post("/place-kinds", response={201: KindOut}, summary="新增场所类型（县级管理员）")
@transaction.atomic
def create_kind(request: HttpRequest, payload: KindIn) -> Any:
    return Status(201, actions.create_kind(by=request.user, **payload.dict()))


@router.patch("/place-kinds/{code}", response=KindOut, summary="修改或停用场所类型（县级管理员）")
@transaction.atomic
def patch_kind(request: HttpRequest, code: str, payload: KindPatch) -> Any:
    kind = get_object_or_404(PlaceKind.objects, code=code)
    return actions.update_kind(kind, by=request.user, **{k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None})



