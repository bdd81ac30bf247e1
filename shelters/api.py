"""JSON API of the shelters app (避灾安置场所): registry, occupancy, routes, map layer, roll-up."""

from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.http import FileResponse, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from accounts.roles import Capability
from audit.api import ChangeOut
from audit.tracking import history_of
from jurisdictions.models import Jurisdiction
from people.api import InJurisdiction
from people.protection import mask_mobile
from places.coords import CoordSystem
from shelters import actions
from shelters.choices import Facility, ShelterKind, ShelterStatus
from shelters.ledgers import SHELTER_LEDGER, ShelterImporter, export_rows
from shelters.models import EvacuationRoute, Shelter, ShelterEvent
from shelters.queries import filter_shelters, shelter_geojson
from shelters.rollup import capacity_rollup
from yingji.api import ErrorOut, Page
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.endpoints import ImportOut, import_upload

router = Router(tags=["避灾安置场所"])


def _may_see_mobile(context: Any) -> bool:
    request = (context or {}).get("request")
    return bool(request and request.user.can(Capability.SEE_MOBILE))


class ShelterOut(InJurisdiction):
    id: int
    name: str
    kind: str
    kind_label: str
    address: str
    lng: float | None
    lat: float | None
    capacity_day: int
    capacity_night: int
    area_m2: float | None
    facilities: list[str]
    responsible_name: str
    responsible_phone: str
    status: str
    status_label: str
    occupancy: int
    free_places: int
    archived: bool

    @staticmethod
    def resolve_kind_label(obj: Shelter) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Shelter) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_area_m2(obj: Shelter) -> float | None:
        return float(obj.area_m2) if obj.area_m2 is not None else None

    @staticmethod
    def resolve_archived(obj: Shelter) -> bool:
        return obj.archived_at is not None

    @staticmethod
    def resolve_responsible_phone(obj: Shelter, context: Any) -> str:
        phone = obj.responsible_phone
        return phone if not phone or _may_see_mobile(context) else mask_mobile(phone)


class RouteOut(InJurisdiction):
    id: int
    shelter_id: int
    name: str
    geometry: dict[str, Any]
    length_m: int
    note: str


class ShelterDetailOut(ShelterOut):
    note: str
    status_changed_at: datetime | None
    routes: list[RouteOut]

    @staticmethod
    def resolve_routes(obj: Shelter) -> list[EvacuationRoute]:
        return list(obj.routes.filter(archived_at__isnull=True).select_related("jurisdiction"))


class ShelterIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    jurisdiction_code: str
    kind: ShelterKind = ShelterKind.OTHER
    address: str = Field("", max_length=200)
    lng: float | None = None
    lat: float | None = None
    coord_system: CoordSystem = CoordSystem.WGS84
    capacity_day: int = Field(0, ge=0, le=1_000_000)
    capacity_night: int = Field(0, ge=0, le=1_000_000)
    area_m2: float | None = Field(None, gt=0, le=10_000_000)
    facilities: list[Facility] = []
    responsible_name: str = Field("", max_length=40)
    responsible_phone: str = Field("", max_length=20)
    note: str = ""


class ShelterPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    jurisdiction_code: str | None = None
    kind: ShelterKind | None = None
    address: str | None = Field(None, max_length=200)
    lng: float | None = None
    lat: float | None = None
    coord_system: CoordSystem = CoordSystem.WGS84
    capacity_day: int | None = Field(None, ge=0, le=1_000_000)
    capacity_night: int | None = Field(None, ge=0, le=1_000_000)
    area_m2: float | None = Field(None, gt=0, le=10_000_000)
    facilities: list[Facility] | None = None
    responsible_name: str | None = Field(None, max_length=40)
    responsible_phone: str | None = Field(None, max_length=20)
    note: str | None = None


class ShelterFilter(Schema):
    jurisdiction: str | None = Field(None, description="辖区代码：只列出该辖区及其下级的场所")
    q: str | None = Field(None, description="按名称、地址搜索")
    kind: ShelterKind | None = None
    status: ShelterStatus | None = None
    include_archived: bool = False


def shelters_queryset() -> Any:
    return Shelter.objects.select_related("jurisdiction").defer("jurisdiction__boundary")


@router.get("/shelters", response=list[ShelterOut], summary="避灾安置场所列表")
@paginate(Page)
def list_shelters(request: HttpRequest, filters: Query[ShelterFilter]) -> Any:
    return filter_shelters(shelters_queryset(), **filters.dict())


@router.get("/shelters/geojson", summary="避灾场所与转移路线图层（GeoJSON，WGS-84）")
def shelters_layer(request: HttpRequest, filters: Query[ShelterFilter]) -> JsonResponse:
    """Points coloured by status (`properties.colour`) and routes as LineStrings (`properties.layer`)."""
    shelters = filter_shelters(shelters_queryset(), **filters.dict())
    response = JsonResponse(shelter_geojson(shelters), content_type="application/geo+json")
    response["Cache-Control"] = "private, no-store"
    return response


class CapacityOut(Schema):
    code: str
    name: str
    population: int
    shelters: int
    capacity_day: int
    capacity_night: int
    occupancy: int
    open_shelters: int
    per_hundred: float | None


@router.get("/shelters/capacity", response=list[CapacityOut], summary="各乡镇（村）避灾容量与人口对比")
def shelters_capacity(request: HttpRequest, jurisdiction: str | None = None) -> Any:
    root = get_object_or_404(Jurisdiction.objects.defer("boundary"), code=jurisdiction) if jurisdiction else None
    return capacity_rollup(root)


@router.get("/shelters/export.xlsx", summary="导出避灾安置场所台账（Excel）")
def export_shelters(request: HttpRequest, filters: Query[ShelterFilter]) -> FileResponse:
    shelters = filter_shelters(shelters_queryset(), **filters.dict())
    return xlsx_response(SHELTER_LEDGER, export_rows(shelters, request.user), dated_filename("避灾安置场所台账"))


@router.post(
    "/shelters/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入避灾安置场所台账（dry_run 默认 true 只检查不写入）",
)
@transaction.atomic
def import_shelters(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    """Check (dry run) or import a shelter ledger: every row or none."""
    status, body = import_upload(SHELTER_LEDGER, file, ShelterImporter(request.user), dry_run=dry_run, mapping=mapping, unit="处")
    return Status(status, body)


@router.post("/shelters", response={201: ShelterDetailOut}, summary="登记避灾安置场所")
@transaction.atomic
def create_shelter(request: HttpRequest, payload: ShelterIn) -> Any:
    data = payload.dict()
    node = Jurisdiction.objects.visible_code(data.pop("jurisdiction_code"))
    shelter = actions.create_shelter(by=request.user, jurisdiction=node, **data)
    return Status(201, shelters_queryset().get(pk=shelter.pk))


@router.get("/shelters/{shelter_id}", response=ShelterDetailOut, summary="避灾安置场所详情")
def get_shelter(request: HttpRequest, shelter_id: int) -> Any:
    return get_object_or_404(shelters_queryset(), pk=shelter_id)


@router.patch("/shelters/{shelter_id}", response=ShelterDetailOut, summary="修改避灾安置场所")
@transaction.atomic
def patch_shelter(request: HttpRequest, shelter_id: int, payload: ShelterPatch) -> Any:
    shelter = get_object_or_404(Shelter.objects, pk=shelter_id)
    changes = payload.dict(exclude_unset=True)
    if "jurisdiction_code" in changes:
        changes["jurisdiction"] = Jurisdiction.objects.visible_code(changes.pop("jurisdiction_code"))
    actions.update_shelter(shelter, by=request.user, **changes)
    return get_object_or_404(shelters_queryset(), pk=shelter_id)


class StatusIn(Schema):
    status: Literal["ready", "open", "closed"]
    note: str = Field("", max_length=200)


class OccupancyIn(Schema):
    kind: Literal["check_in", "check_out"]
    count: int = Field(..., ge=1, le=10_000)
    confirm_over_capacity: bool = False
    note: str = Field("", max_length=200)


class EventOut(Schema):
    id: int
    kind: str
    at: datetime
    count: int
    occupancy_after: int
    status_before: str
    status_after: str
    over_capacity: bool
    note: str
    by: str

    @staticmethod
    def resolve_by(obj: ShelterEvent) -> str:
        return obj.by.get_username() if obj.by else ""


@router.post("/shelters/{shelter_id}/status", response=ShelterDetailOut, summary="开放、关闭或恢复待用")
@transaction.atomic
def shelter_status(request: HttpRequest, shelter_id: int, payload: StatusIn) -> Any:
    shelter = get_object_or_404(Shelter.objects, pk=shelter_id)
    actions.change_status(shelter, by=request.user, status=payload.status, note=payload.note)
    return get_object_or_404(shelters_queryset(), pk=shelter_id)


@router.post("/shelters/{shelter_id}/occupancy", response=ShelterDetailOut, summary="登记入住或离开人数")
@transaction.atomic
def shelter_occupancy(request: HttpRequest, shelter_id: int, payload: OccupancyIn) -> Any:
    """check_in over the night capacity is refused unless `confirm_over_capacity` is true; reaching capacity sets `full`."""
    shelter = get_object_or_404(Shelter.objects, pk=shelter_id)
    if payload.kind == "check_in":
        actions.check_in(shelter, by=request.user, count=payload.count, confirm_over_capacity=payload.confirm_over_capacity, note=payload.note)
    else:
        actions.check_out(shelter, by=request.user, count=payload.count, note=payload.note)
    return get_object_or_404(shelters_queryset(), pk=shelter_id)


@router.get("/shelters/{shelter_id}/events", response=list[EventOut], summary="安置记录（状态变更与入住/离开）")
@paginate(Page)
def shelter_events(request: HttpRequest, shelter_id: int) -> Any:
    shelter = get_object_or_404(Shelter.objects, pk=shelter_id)
    return ShelterEvent.objects.filter(shelter=shelter).select_related("by")


class RouteIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    geometry: dict[str, Any] = Field(..., description="GeoJSON LineString（或含一条线的 Feature）")
    coord_system: CoordSystem = CoordSystem.WGS84
    note: str = Field("", max_length=200)


@router.get("/shelters/{shelter_id}/routes", response=list[RouteOut], summary="转移路线")
def shelter_routes(request: HttpRequest, shelter_id: int) -> Any:
    shelter = get_object_or_404(Shelter.objects, pk=shelter_id)
    return EvacuationRoute.objects.active().filter(shelter=shelter).select_related("jurisdiction")


@router.post("/shelters/{shelter_id}/routes", response={201: RouteOut}, summary="添加转移路线（绘制或导入的 LineString）")
@transaction.atomic
def add_route(request: HttpRequest, shelter_id: int, payload: RouteIn) -> Any:
    shelter = get_object_or_404(Shelter.objects, pk=shelter_id)
    route = actions.add_route(shelter, by=request.user, **payload.dict())
    return Status(201, route)


class ArchiveIn(Schema):
    reason: str = Field("", max_length=200)


@router.post("/shelters/{shelter_id}/archive", response=ShelterDetailOut, summary="归档避灾安置场所（不删除）")
@transaction.atomic
def archive_shelter(request: HttpRequest, shelter_id: int, payload: ArchiveIn) -> Any:
    shelter = get_object_or_404(Shelter.objects, pk=shelter_id)
    actions.archive_shelter(shelter, by=request.user, reason=payload.reason)
    return get_object_or_404(shelters_queryset(), pk=shelter_id)


@router.get("/shelters/{shelter_id}/history", response=list[ChangeOut], summary="场所变更记录")
@paginate(Page)
def shelter_history(request: HttpRequest, shelter_id: int) -> Any:
    shelter = get_object_or_404(Shelter.objects, pk=shelter_id)
    return history_of(shelter)
