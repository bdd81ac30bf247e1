"""JSON API of the checklists app: read versions, find the one for a place, edit drafts, publish.

No `from __future__ import annotations`: ninja reads the annotations at run time.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from checklists import actions, services
from checklists.ledgers import ITEMS_LEDGER, ChecklistItemsImporter, export_rows
from checklists.models import Checklist, ChecklistItem, ChecklistLevel, ChecklistStatus, Department
from hazards.choices import HazardCategory, HazardType
from jurisdictions.models import Jurisdiction
from places.choices import PlaceCategory
from places.models import Place
from yingji.api import ErrorOut, Page
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.endpoints import ImportOut, import_upload

router = Router(tags=["检查清单"])


class RuleRefOut(Schema):
    code: str
    label: str = ""


class ItemOut(Schema):
    id: int
    order: int
    matter: str
    content: str
    department: str
    department_label: str
    level: str
    level_label: str
    frequency: str
    frequency_days: int | None
    rule_refs: list[RuleRefOut]
    hazard_type: str
    category: str
    major_if_failed: bool
    requires_photo: bool

    @staticmethod
    def resolve_department_label(obj: ChecklistItem) -> str:
        return str(obj.get_department_display()) if obj.department else ""

    @staticmethod
    def resolve_level_label(obj: ChecklistItem) -> str:
        return str(obj.get_level_display()) if obj.level else ""


class ChecklistOut(Schema):
    id: int
    lineage: str
    name: str
    version: int
    status: str
    status_label: str
    effective_from: date
    place_kinds: list[str]
    place_category: str
    industry: str
    is_generic: bool
    county_wide: bool
    jurisdiction_code: str
    supersedes_id: int | None
    source_note: str
    item_count: int
    archived: bool

    @staticmethod
    def resolve_status_label(obj: Checklist) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_county_wide(obj: Checklist) -> bool:
        return obj.is_county_wide

    @staticmethod
    def resolve_item_count(obj: Checklist) -> int:
        count = getattr(obj, "item_count", None)
        return int(count) if count is not None else obj.items.count()

    @staticmethod
    def resolve_archived(obj: Checklist) -> bool:
        return obj.archived_at is not None


class ChecklistDetailOut(ChecklistOut):
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj: Checklist) -> list[ChecklistItem]:
        return list(obj.items.order_by("order", "id"))


class ChecklistFilter(Schema):
    kind: str | None = Field(None, description="场所类型代码：列出在适用场所类型中点名该类型的清单")
    category: PlaceCategory | None = None
    status: ChecklistStatus | None = None
    lineage: str | None = None
    q: str | None = Field(None, max_length=50)
    include_archived: bool = False


class ChecklistIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    lineage: str = Field("", max_length=40, description="同一清单各版本共用的编号；留空自动生成")
    place_kinds: list[str] = Field(default_factory=list)
    place_category: PlaceCategory | None = None
    industry: str = Field("", max_length=40)
    is_generic: bool = False
    effective_from: date | None = None
    source_note: str = ""
    jurisdiction: str | None = Field(None, description="本地清单的县或乡镇代码；留空为全县通用（县级管理员）")


class ChecklistPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    place_kinds: list[str] | None = None
    place_category: PlaceCategory | None = None
    industry: str | None = Field(None, max_length=40)
    is_generic: bool | None = None
    effective_from: date | None = None
    source_note: str | None = None


class RuleRefIn(Schema):
    code: str = Field(..., min_length=1, max_length=80)
    label: str = Field("", max_length=200)


class ItemIn(Schema):
    matter: str = Field(..., min_length=1, max_length=100)
    content: str = Field(..., min_length=1)
    order: int | None = Field(None, ge=0, le=9999)
    department: Department = Department.FIRE
    level: ChecklistLevel = ChecklistLevel.TOWNSHIP
    frequency: str = Field("", max_length=40)
    frequency_days: int | None = Field(None, ge=1, le=3660)
    rule_refs: list[RuleRefIn] = Field(default_factory=list)
    hazard_type: HazardType = HazardType.FIRE
    category: HazardCategory = HazardCategory.UNSAFE_CONDITION
    major_if_failed: bool = False
    requires_photo: bool = False


class ItemPatch(Schema):
    matter: str | None = Field(None, min_length=1, max_length=100)
    content: str | None = Field(None, min_length=1)
    order: int | None = Field(None, ge=0, le=9999)
    department: Department | None = None
    level: ChecklistLevel | None = None
    frequency: str | None = Field(None, max_length=40)
    frequency_days: int | None = Field(None, ge=1, le=3660)
    rule_refs: list[RuleRefIn] | None = None
    hazard_type: HazardType | None = None
    category: HazardCategory | None = None
    major_if_failed: bool | None = None
    requires_photo: bool | None = None


class ReorderIn(Schema):
    item_ids: list[int] = Field(..., min_length=1, max_length=actions.MAX_ITEMS)


class PublishIn(Schema):
    effective_from: date | None = Field(None, description="默认取草稿上的生效日期")


class ArchiveIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


def _checklists(filters: ChecklistFilter) -> QuerySet[Checklist]:
    checklists = Checklist.objects.annotate(item_count=Count("items")).select_related("jurisdiction")
    if not filters.include_archived:
        checklists = checklists.filter(archived_at__isnull=True)
    if filters.status:
        checklists = checklists.filter(status=filters.status)
    if filters.lineage:
        checklists = checklists.filter(lineage=filters.lineage)
    if filters.category:
        checklists = checklists.filter(place_category=filters.category)
    if filters.kind:
        ids = [c.pk for c in checklists if filters.kind in (c.place_kinds or [])]
        checklists = checklists.filter(pk__in=ids)
    if filters.q:
        checklists = checklists.filter(Q(name__icontains=filters.q) | Q(items__matter__icontains=filters.q)).distinct()
    return checklists.order_by("lineage", "-version")


def _visible(checklist_id: int) -> Checklist:
    return get_object_or_404(Checklist.objects.select_related("jurisdiction"), pk=checklist_id)


def _item(checklist: Checklist, item_id: int) -> ChecklistItem:
    return get_object_or_404(ChecklistItem.objects.select_related("checklist"), pk=item_id, checklist=checklist)


@router.get("/checklists", response=list[ChecklistOut], summary="检查清单（各版本）")
@paginate(Page)
def list_checklists(request: HttpRequest, filters: Query[ChecklistFilter]) -> Any:
    return _checklists(filters)


@router.post("/checklists", response={201: ChecklistDetailOut}, summary="新建检查清单（草稿，第1版）")
@transaction.atomic
def create_checklist(request: HttpRequest, payload: ChecklistIn) -> Any:
    jurisdiction = None
    if payload.jurisdiction:
        jurisdiction = get_object_or_404(Jurisdiction.objects.active(), code=payload.jurisdiction)
    values = payload.dict(exclude={"jurisdiction", "lineage"}, exclude_none=True)
    checklist = actions.create_checklist(by=request.user, jurisdiction=jurisdiction, lineage=payload.lineage, **values)
    return Status(201, checklist)


@router.get(
    "/checklists/for-place/{place_id}",
    response={200: ChecklistDetailOut, 404: ErrorOut},
    summary="某场所适用的检查清单（按场所类型、行业、大类、通用的顺序；本地清单优先）",
)
def checklist_for_place(request: HttpRequest, place_id: int, on: date | None = None) -> Any:
    place = get_object_or_404(Place.objects.select_related("kind"), pk=place_id)
    checklist = services.checklist_for(place, on)
    if checklist is None:
        raise HttpError(404, "该场所没有适用的检查清单")
    return checklist


@router.get("/checklists/{checklist_id}", response=ChecklistDetailOut, summary="检查清单详情（含检查项）")
def get_checklist(request: HttpRequest, checklist_id: int) -> Any:
    return _visible(checklist_id)


@router.patch("/checklists/{checklist_id}", response=ChecklistDetailOut, summary="修改草稿的名称、适用范围等")
@transaction.atomic
def update_checklist(request: HttpRequest, checklist_id: int, payload: ChecklistPatch) -> Any:
    values = payload.dict(exclude_unset=True)
    if "place_category" in values and values["place_category"] is None:
        values["place_category"] = ""
    return actions.update_checklist(_visible(checklist_id), by=request.user, **values)


@router.get("/checklists/{checklist_id}/versions", response=list[ChecklistOut], summary="同一清单的全部版本")
def list_versions(request: HttpRequest, checklist_id: int) -> Any:
    checklist = _visible(checklist_id)
    return (
        Checklist.objects.filter(lineage=checklist.lineage)
        .annotate(item_count=Count("items"))
        .select_related("jurisdiction")
        .order_by("-version")
    )


@router.post(
    "/checklists/{checklist_id}/new-version", response={201: ChecklistDetailOut}, summary="生成新版本（复制为草稿）"
)
@transaction.atomic
def new_version(request: HttpRequest, checklist_id: int) -> Any:
    return Status(201, actions.new_version(_visible(checklist_id), request.user))


@router.post(
    "/checklists/{checklist_id}/publish", response=ChecklistDetailOut, summary="发布草稿（原生效版本改为已被替代）"
)
@transaction.atomic
def publish(request: HttpRequest, checklist_id: int, payload: PublishIn | None = None) -> Any:
    effective_from = payload.effective_from if payload else None
    return actions.publish(_visible(checklist_id), request.user, effective_from=effective_from)


@router.post("/checklists/{checklist_id}/archive", response=ChecklistOut, summary="归档某一版本")
@transaction.atomic
def archive(request: HttpRequest, checklist_id: int, payload: ArchiveIn) -> Any:
    return actions.archive_checklist(_visible(checklist_id), by=request.user, reason=payload.reason)


@router.get("/checklists/{checklist_id}/export.xlsx", summary="导出检查项（Excel）")
def export_items(request: HttpRequest, checklist_id: int) -> FileResponse:
    checklist = _visible(checklist_id)
    rows = export_rows(checklist.items.order_by("order", "id"))
    return xlsx_response(ITEMS_LEDGER, rows, dated_filename(f"{checklist.name}第{checklist.version}版"))


@router.post(
    "/checklists/{checklist_id}/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="把检查项导入草稿（.xlsx/.csv；dry_run 默认 true；全部成功或全部不写入）",
)
@transaction.atomic
def import_items(
    request: HttpRequest,
    checklist_id: int,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    mapping: Form[str] = "",
) -> Any:
    importer = ChecklistItemsImporter(request.user, _visible(checklist_id))
    status, body = import_upload(ITEMS_LEDGER, file, importer, dry_run=dry_run, mapping=mapping, unit="项")
    return Status(status, body)


@router.post("/checklists/{checklist_id}/items", response={201: ItemOut}, summary="在草稿中新增检查项")
@transaction.atomic
def add_item(request: HttpRequest, checklist_id: int, payload: ItemIn) -> Any:
    values = payload.dict()
    order = values.pop("order")
    return Status(201, actions.add_item(_visible(checklist_id), by=request.user, order=order, **values))


@router.post("/checklists/{checklist_id}/items/reorder", response=list[ItemOut], summary="调整草稿检查项顺序")
@transaction.atomic
def reorder_items(request: HttpRequest, checklist_id: int, payload: ReorderIn) -> Any:
    return actions.reorder_items(_visible(checklist_id), by=request.user, item_ids=payload.item_ids)


@router.patch("/checklists/{checklist_id}/items/{item_id}", response=ItemOut, summary="修改草稿中的检查项")
@transaction.atomic
def update_item(request: HttpRequest, checklist_id: int, item_id: int, payload: ItemPatch) -> Any:
    checklist = _visible(checklist_id)
    return actions.update_item(_item(checklist, item_id), by=request.user, **payload.dict(exclude_unset=True))


@router.delete("/checklists/{checklist_id}/items/{item_id}", response={204: None}, summary="删除草稿中的检查项")
@transaction.atomic
def remove_item(request: HttpRequest, checklist_id: int, item_id: int) -> Any:
    checklist = _visible(checklist_id)
    actions.remove_item(_item(checklist, item_id), by=request.user)
    return Status(204, None)
