"""JSON API of the supplies app (装备物资): supplies, movements, storage points, kits and compliance."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import Capability
from audit.api import ChangeOut
from audit.tracking import history_of
from jurisdictions.models import Jurisdiction
from people.models import Person
from people.protection import mask_mobile
from supplies import actions
from supplies.choices import MovementKind, OwnerType, StoragePointKind
from supplies.kits import compliance_for
from supplies.ledgers import (
    MOVEMENT_LEDGER,
    POINT_LEDGER,
    SUPPLY_LEDGER,
    StoragePointImporter,
    SupplyImporter,
    export_rows,
    movement_rows,
    point_rows,
)
from supplies.models import KitTemplate, KitTemplateItem, StockMovement, StoragePoint, Supply, SupplyCategory
from supplies.queries import (
    SupplyFilters,
    filter_supplies,
    point_filter,
    points_queryset,
    supplies_queryset,
    with_stock_counts,
)
from yingji.api import ErrorOut, Page
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.endpoints import ImportOut, import_upload

router = Router(tags=["装备物资"])


class InJurisdiction(Schema):
    jurisdiction_code: str
    jurisdiction_name: str

    @staticmethod
    def resolve_jurisdiction_code(obj: Any) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: Any) -> str:
        return obj.jurisdiction.name


# --- supplies -----------------------------------------------------------------------------


class SupplyOut(InJurisdiction):
    id: int
    name: str
    category: str
    category_name: str
    item_code: str
    specification: str
    unit: str
    quantity: int = Field(..., description="当前库存（由出入库记录维护）")
    storage_point_id: int
    storage_point_name: str
    batch: str
    production_date: date | None
    shelf_life_days: int | None
    expiry_date: date | None
    expiry_state: str
    owner_type: str
    agreement_party: str
    agreement_end_date: date | None
    low_stock_threshold: int | None
    is_low: bool
    archived: bool

    @staticmethod
    def resolve_category(obj: Supply) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Supply) -> str:
        return obj.category.name

    @staticmethod
    def resolve_storage_point_name(obj: Supply) -> str:
        return obj.storage_point.name

    @staticmethod
    def resolve_expiry_state(obj: Supply) -> str:
        return obj.expiry_state()

    @staticmethod
    def resolve_archived(obj: Supply) -> bool:
        return obj.archived_at is not None


class SupplyDetailOut(SupplyOut):
    note: str
    archive_reason: str
    created_at: str
    updated_at: str

    @staticmethod
    def resolve_created_at(obj: Supply) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_updated_at(obj: Supply) -> str:
        return obj.updated_at.isoformat()


class SupplyQuery(Schema):
    category: str | None = Field(None, description="类别代码或名称")
    storage_point: int | None = Field(None, description="储备点 id")
    owner_type: OwnerType | None = None
    expiring_within: int | None = Field(None, ge=0, le=3650, description="N 天内到期（含今天，不含已过期）")
    expired: bool = Field(False, description="只列出已过期的")
    low_stock: bool = Field(False, description="只列出低于低库存阈值的")
    jurisdiction: str | None = Field(None, description="辖区代码：该辖区及其下级")
    q: str | None = Field(None, description="按名称、规格、批次、储备点搜索")
    include_archived: bool = False

    def filters(self) -> SupplyFilters:
        return SupplyFilters(**self.dict())


class SupplyIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    category: str = Field(..., description="类别代码，如 flood、fire、lifesaving")
    storage_point_id: int
    specification: str = Field("", max_length=100)
    unit: str = Field("个", min_length=1, max_length=10)
    batch: str = Field("", max_length=40)
    item_code: str = Field("", max_length=40)
    production_date: date | None = None
    shelf_life_days: int | None = Field(None, ge=1, le=36500)
    expiry_date: date | None = None
    owner_type: OwnerType = OwnerType.GOVERNMENT
    agreement_party: str = Field("", max_length=100)
    agreement_end_date: date | None = None
    low_stock_threshold: int | None = Field(None, ge=0)
    note: str = ""
    quantity: int = Field(0, ge=0, description="期初库存：登记为一笔“入库”")


class SupplyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    category: str | None = None
    specification: str | None = Field(None, max_length=100)
    unit: str | None = Field(None, min_length=1, max_length=10)
    batch: str | None = Field(None, max_length=40)
    item_code: str | None = Field(None, max_length=40)
    production_date: date | None = None
    shelf_life_days: int | None = Field(None, ge=1, le=36500)
    expiry_date: date | None = None
    owner_type: OwnerType | None = None
    agreement_party: str | None = Field(None, max_length=100)
    agreement_end_date: date | None = None
    low_stock_threshold: int | None = Field(None, ge=0)
    note: str | None = None
    quantity: int | None = Field(None, description="不可修改：库存只能通过出入库记录变更")
    storage_point_id: int | None = Field(None, description="不可修改：换储备点请登记调拨")


class ArchiveIn(Schema):
    reason: str = Field("", max_length=200)


def _category(code: str) -> SupplyCategory:
    category = SupplyCategory.objects.filter(code=code).first() or SupplyCategory.objects.filter(name=code).first()
    if category is None:
        names = "、".join(f"{c.code}（{c.name}）" for c in SupplyCategory.objects.all())
        raise ValidationError({"category": f"类别“{code}”不存在；可选：{names}"})
    return category


def _point(point_id: int, field: str = "storage_point_id") -> StoragePoint:
    point = StoragePoint.objects.select_related("jurisdiction").filter(pk=point_id).first()
    if point is None:
        raise ValidationError({field: "储备点不存在，或不在您的辖区范围内"})
    return point


@router.get("/supplies", response=list[SupplyOut], summary="物资列表（quantity 为当前库存）")
@paginate(Page)
def list_supplies(request: HttpRequest, filters: Query[SupplyQuery]) -> Any:
    return filter_supplies(filters.filters())


# Ledger routes come before /supplies/{supply_id}.


@router.get("/supplies/export.xlsx", summary="导出物资台账（Excel，筛选条件同物资列表）")
def export_supplies(request: HttpRequest, filters: Query[SupplyQuery]) -> FileResponse:
    return xlsx_response(SUPPLY_LEDGER, export_rows(filter_supplies(filters.filters())), dated_filename("物资台账"))


class MovementExportQuery(Schema):
    jurisdiction: str | None = None
    kind: MovementKind | None = None
    since: date | None = None
    until: date | None = None


def filter_movements(filters: MovementExportQuery) -> Any:
    movements = StockMovement.objects.all()
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects, code=filters.jurisdiction)
        movements = movements.filter(jurisdiction_path__within=node.path)
    if filters.kind:
        movements = movements.filter(kind=filters.kind)
    if filters.since:
        movements = movements.filter(at__date__gte=filters.since)
    if filters.until:
        movements = movements.filter(at__date__lte=filters.until)
    return movements.order_by("-at", "-id")


@router.get("/supplies/movements/export.xlsx", summary="导出出入库记录（Excel）")
def export_movements(request: HttpRequest, filters: Query[MovementExportQuery]) -> FileResponse:
    return xlsx_response(MOVEMENT_LEDGER, movement_rows(filter_movements(filters)), dated_filename("出入库记录"))


@router.post(
    "/supplies/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入物资台账（.xlsx/.csv；dry_run 默认 true 只检查不写入；库存经入库/盘点记录写入）",
)
@transaction.atomic
def import_supplies(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(SUPPLY_LEDGER, file, SupplyImporter(request.user), dry_run=dry_run, mapping=mapping, unit="种物资")
    return Status(status, body)


@router.post("/supplies", response={201: SupplyDetailOut}, summary="登记物资（quantity 为期初库存，记为一笔入库）")
@transaction.atomic
def create_supply(request: HttpRequest, payload: SupplyIn) -> Any:
    data = payload.dict()
    point = _point(data.pop("storage_point_id"))
    data["category"] = _category(data["category"])
    quantity = data.pop("quantity")
    supply = actions.create_supply(by=request.user, storage_point=point, initial_quantity=quantity, **data)
    return Status(201, supplies_queryset().get(pk=supply.pk))


@router.get("/supplies/{supply_id}", response=SupplyDetailOut, summary="物资详情")
def get_supply(request: HttpRequest, supply_id: int) -> Any:
    return get_object_or_404(supplies_queryset(), pk=supply_id)


@router.patch("/supplies/{supply_id}", response=SupplyDetailOut, summary="修改物资信息（库存数量不可直接修改）")
@transaction.atomic
def patch_supply(request: HttpRequest, supply_id: int, payload: SupplyPatch) -> Any:
    supply = get_object_or_404(Supply.objects, pk=supply_id)
    changes = payload.dict(exclude_unset=True)
    if "storage_point_id" in changes:
        changes["storage_point"] = changes.pop("storage_point_id")
    if changes.get("category") is not None:
        changes["category"] = _category(changes["category"])
    elif "category" in changes:
        raise ValidationError({"category": "类别不能为空"})
    actions.update_supply(supply, by=request.user, **changes)
    return get_object_or_404(supplies_queryset(), pk=supply_id)


@router.post("/supplies/{supply_id}/archive", response=SupplyDetailOut, summary="归档物资（库存须为 0）")
@transaction.atomic
def archive_supply(request: HttpRequest, supply_id: int, payload: ArchiveIn) -> Any:
    supply = get_object_or_404(Supply.objects, pk=supply_id)
    actions.archive_supply(supply, by=request.user, reason=payload.reason)
    return get_object_or_404(supplies_queryset(), pk=supply_id)


@router.post("/supplies/{supply_id}/restore", response=SupplyDetailOut, summary="恢复已归档物资")
@transaction.atomic
def restore_supply(request: HttpRequest, supply_id: int) -> Any:
    supply = get_object_or_404(Supply.objects, pk=supply_id)
    actions.restore_supply(supply, by=request.user)
    return get_object_or_404(supplies_queryset(), pk=supply_id)


@router.get("/supplies/{supply_id}/history", response=list[ChangeOut], summary="物资变更记录")
@paginate(Page)
def supply_history(request: HttpRequest, supply_id: int) -> Any:
    return history_of(get_object_or_404(Supply.objects, pk=supply_id))


# --- movements ----------------------------------------------------------------------------


class MovementOut(InJurisdiction):
    id: int
    supply_id: int
    kind: str
    kind_label: str
    quantity: int
    delta: int
    balance_after: int
    reason: str
    at: str
    actor_name: str
    to_storage_point_id: int | None
    to_storage_point_name: str | None
    counterpart_id: int | None

    @staticmethod
    def resolve_kind_label(obj: StockMovement) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_at(obj: StockMovement) -> str:
        return obj.at.isoformat()

    @staticmethod
    def resolve_to_storage_point_name(obj: StockMovement) -> str | None:
        return obj.to_storage_point.name if obj.to_storage_point_id and obj.to_storage_point else None


class MovementIn(Schema):
    kind: str = Field(..., description="in 入库 | out 出库 | transfer 调拨 | loss 损耗报废 | stocktake 盘点")
    quantity: int = Field(..., description="数量；盘点时为清点到的实际库存")
    reason: str = Field("", max_length=200)
    to_storage_point: int | None = Field(None, description="调拨时：调入储备点 id")


def _movement_queryset() -> Any:
    return StockMovement.objects.select_related("jurisdiction", "to_storage_point").defer("jurisdiction__boundary")


@router.get("/supplies/{supply_id}/movements", response=list[MovementOut], summary="物资的出入库记录（新的在前）")
@paginate(Page)
def list_movements(request: HttpRequest, supply_id: int) -> Any:
    supply = get_object_or_404(Supply.objects, pk=supply_id)
    return _movement_queryset().filter(supply=supply).order_by("-at", "-id")


@router.post(
    "/supplies/{supply_id}/movements",
    response={201: MovementOut, 400: ErrorOut, 422: ErrorOut},
    summary="登记出入库（入库、出库、调拨、损耗报废、盘点）",
)
@transaction.atomic
def create_movement(request: HttpRequest, supply_id: int, payload: MovementIn) -> Any:
    supply = get_object_or_404(Supply.objects.select_related("storage_point", "jurisdiction"), pk=supply_id)
    destination = _point(payload.to_storage_point, "to_storage_point") if payload.to_storage_point else None
    movement = actions.record_movement(
        supply,
        by=request.user,
        kind=payload.kind,
        quantity=payload.quantity,
        reason=payload.reason,
        to_storage_point=destination,
    )
    return Status(201, _movement_queryset().get(pk=movement.pk))


# --- storage points -----------------------------------------------------------------------


class StoragePointOut(InJurisdiction):
    id: int
    name: str
    kind: str
    kind_label: str
    address: str
    lng: float | None
    lat: float | None
    keeper_id: int | None
    keeper_name: str | None
    keeper_phone: str
    archived: bool

    @staticmethod
    def resolve_kind_label(obj: StoragePoint) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_keeper_name(obj: StoragePoint) -> str | None:
        return obj.keeper.name if obj.keeper_id and obj.keeper else None

    @staticmethod
    def resolve_keeper_phone(obj: StoragePoint, context: Any) -> str:
        request = (context or {}).get("request")
        if not obj.keeper_phone or (request and request.user.can(Capability.SEE_MOBILE)):
            return obj.keeper_phone
        return mask_mobile(obj.keeper_phone)

    @staticmethod
    def resolve_archived(obj: StoragePoint) -> bool:
        return obj.archived_at is not None


class StoragePointDetailOut(StoragePointOut):
    note: str
    supply_count: int

    @staticmethod
    def resolve_supply_count(obj: StoragePoint) -> int:
        return obj.supplies.filter(archived_at__isnull=True).count()


class StoragePointQuery(Schema):
    jurisdiction: str | None = None
    kind: StoragePointKind | None = None
    q: str | None = None
    include_archived: bool = False


class StoragePointIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: StoragePointKind
    jurisdiction_code: str
    address: str = Field("", max_length=200)
    lng: float | None = None
    lat: float | None = None
    keeper_id: int | None = None
    keeper_phone: str = Field("", max_length=20)
    note: str = ""


class StoragePointPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: StoragePointKind | None = None
    jurisdiction_code: str | None = None
    address: str | None = Field(None, max_length=200)
    lng: float | None = None
    lat: float | None = None
    keeper_id: int | None = None
    keeper_phone: str | None = Field(None, max_length=20)
    note: str | None = None


def _keeper(person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = Person.objects.active().filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"keeper_id": "保管人不存在、已归档或不在您的辖区范围内"})
    return person


@router.get("/storage-points", response=list[StoragePointOut], summary="储备点列表")
@paginate(Page)
def list_storage_points(request: HttpRequest, filters: Query[StoragePointQuery]) -> Any:
    return point_filter(points_queryset(), **filters.dict())


@router.get("/storage-points.geojson", summary="储备点图层（GeoJSON FeatureCollection，WGS-84）")
def storage_points_geojson(request: HttpRequest, filters: Query[StoragePointQuery]) -> JsonResponse:
    points = with_stock_counts(point_filter(points_queryset(), **filters.dict()).filter(lng__isnull=False, lat__isnull=False))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lng, p.lat]},
            "properties": {
                "id": p.pk,
                "name": p.name,
                "kind": p.kind,
                "kind_label": p.get_kind_display(),
                "jurisdiction_code": p.jurisdiction.code,
                "jurisdiction_name": p.jurisdiction.name,
                "supply_count": p.supply_count,
                "expired_count": p.expired_count,
            },
        }
        for p in points
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features}, content_type="application/geo+json")


@router.get("/storage-points/export.xlsx", summary="导出储备点台账（Excel）")
def export_storage_points(request: HttpRequest, filters: Query[StoragePointQuery]) -> FileResponse:
    points = point_filter(points_queryset(), **filters.dict())
    return xlsx_response(POINT_LEDGER, point_rows(points, request.user), dated_filename("储备点台账"))


@router.post(
    "/storage-points/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入储备点台账（.xlsx/.csv；dry_run 默认 true 只检查不写入）",
)
@transaction.atomic
def import_storage_points(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(POINT_LEDGER, file, StoragePointImporter(request.user), dry_run=dry_run, mapping=mapping, unit="个储备点")
    return Status(status, body)


@router.post("/storage-points", response={201: StoragePointDetailOut}, summary="登记储备点")
@transaction.atomic
def create_storage_point(request: HttpRequest, payload: StoragePointIn) -> Any:
    data = payload.dict()
    node = Jurisdiction.objects.visible_code(data.pop("jurisdiction_code"))
    data["keeper"] = _keeper(data.pop("keeper_id"))
    point = actions.create_storage_point(by=request.user, jurisdiction=node, **data)
    return Status(201, points_queryset().get(pk=point.pk))


@router.get("/storage-points/{point_id}", response=StoragePointDetailOut, summary="储备点详情")
def get_storage_point(request: HttpRequest, point_id: int) -> Any:
    return get_object_or_404(points_queryset(), pk=point_id)


@router.patch("/storage-points/{point_id}", response=StoragePointDetailOut, summary="修改储备点")
@transaction.atomic
def patch_storage_point(request: HttpRequest, point_id: int, payload: StoragePointPatch) -> Any:
    point = get_object_or_404(StoragePoint.objects, pk=point_id)
    changes = payload.dict(exclude_unset=True)
    if "jurisdiction_code" in changes:
        changes["jurisdiction"] = Jurisdiction.objects.visible_code(changes.pop("jurisdiction_code"))
    if "keeper_id" in changes:
        changes["keeper"] = _keeper(changes.pop("keeper_id"))
    actions.update_storage_point(point, by=request.user, **changes)
    return get_object_or_404(points_queryset(), pk=point_id)


@router.post("/storage-points/{point_id}/archive", response=StoragePointDetailOut, summary="归档储备点（须无库存）")
@transaction.atomic
def archive_storage_point(request: HttpRequest, point_id: int, payload: ArchiveIn) -> Any:
    point = get_object_or_404(StoragePoint.objects, pk=point_id)
    actions.archive_storage_point(point, by=request.user, reason=payload.reason)
    return get_object_or_404(points_queryset(), pk=point_id)


# --- kit templates and compliance ---------------------------------------------------------


class KitItemOut(Schema):
    id: int
    group: str
    name: str
    item_code: str
    category: str | None
    keywords: list[str]
    required_quantity: int
    expiry_matters: bool

    @staticmethod
    def resolve_category(obj: KitTemplateItem) -> str | None:
        return obj.category.code if obj.category_id and obj.category else None

    @staticmethod
    def resolve_keywords(obj: KitTemplateItem) -> list[str]:
        return obj.keyword_list


class KitTemplateOut(Schema):
    code: str
    name: str
    level: str
    source: str
    is_active: bool
    items: list[KitItemOut]

    @staticmethod
    def resolve_items(obj: KitTemplate) -> list[KitTemplateItem]:
        return list(obj.items.all())


class KitItemPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    group: str | None = Field(None, max_length=20)
    item_code: str | None = Field(None, max_length=40)
    category: str | None = None
    keywords: str | None = Field(None, max_length=200, description="用顿号“、”分隔")
    required_quantity: int | None = Field(None, ge=1, le=100000)
    expiry_matters: bool | None = None


@router.get("/kit-templates", response=list[KitTemplateOut], summary="配备标准（如浙江村级3+4+X）")
def list_kit_templates(request: HttpRequest) -> Any:
    return KitTemplate.objects.prefetch_related("items__category").order_by("code")


@router.patch("/kit-templates/{code}/items/{item_id}", response=KitItemOut, summary="修改配备标准品目（县级）")
@transaction.atomic
def patch_kit_item(request: HttpRequest, code: str, item_id: int, payload: KitItemPatch) -> Any:
    item = get_object_or_404(KitTemplateItem.objects.select_related("template"), pk=item_id, template__code=code)
    changes = payload.dict(exclude_unset=True)
    if "category" in changes:
        changes["category"] = _category(changes["category"]) if changes["category"] else None
    return actions.update_kit_item(item, by=request.user, **changes)


class ComplianceQuery(Schema):
    jurisdiction: str | None = Field(None, description="县、乡镇或村的代码；默认为本账号的辖区")
    template: str | None = Field(None, description="配备标准代码；默认为启用的村级标准")


def _compliance_root(request: HttpRequest, code: str | None) -> Jurisdiction:
    if code:
        node = Jurisdiction.objects.defer("boundary").filter(code=code).first()
        if node is None:
            raise HttpError(404, f"辖区代码 {code} 不存在，或不在您的辖区范围内")
        return node
    own = getattr(request.user, "jurisdiction", None)
    if own is not None:
        return own
    root = Jurisdiction.objects.visible_roots().defer("boundary").first()
    if root is None:
        raise HttpError(404, "您的账号没有可查看的辖区")
    return root


@router.get(
    "/kits/compliance",
    response={200: dict[str, Any], 404: ErrorOut, 422: ErrorOut},
    summary="村级标准配备达标情况：每个村应配、现有、缺少、过期，及乡镇和全域汇总",
)
def kit_compliance(request: HttpRequest, filters: Query[ComplianceQuery]) -> Any:
    root = _compliance_root(request, filters.jurisdiction)
    template = None
    if filters.template:
        template = KitTemplate.objects.filter(code=filters.template).first()
        if template is None:
            raise HttpError(404, f"配备标准 {filters.template} 不存在")
    try:
        result = compliance_for(root, template)
    except ValidationError as exc:
        return Status(422, {"detail": "；".join(exc.messages), "errors": [{"field": "jurisdiction", "message": m} for m in exc.messages]})
    return result.as_dict()
