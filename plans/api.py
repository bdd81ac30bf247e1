"""JSON API of the plans app: plans (预案), position cards, drills (演练) and training (培训宣传)."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from audit.api import ChangeOut
from audit.tracking import history_of
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.api import InJurisdiction
from people.models import PositionKind
from plans import actions
from plans.choices import Audience, DrillKind, DrillRating, PlanKind, PlanStatus, TrainingKind
from plans.handbook import build_handbook
from plans.ledgers import (
    DRILL_LEDGER,
    PLAN_LEDGER,
    TRAINING_LEDGER,
    DrillImporter,
    PlanImporter,
    TrainingImporter,
    drill_rows,
    plan_rows,
    training_rows,
)
from plans.models import Attachment, Drill, DrillAction, Plan, PlanSection, PositionCard, Training
from plans.queries import (
    drills_base,
    filter_drills,
    filter_plans,
    filter_trainings,
    node_or_404,
    plans_base,
    revision_overdue,
    trainings_base,
)
from plans.stats import training_summary
from plans.targets import compute_targets, report_as_dict
from yingji.api import ErrorOut, Page
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.endpoints import ImportOut, import_upload

router = Router(tags=["预案演练培训"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str
    created_at: datetime

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return reverse("api:attachment_file", kwargs={"attachment_id": obj.pk})


@router.get("/plan-attachments/{attachment_id}", summary="下载附件（预案、演练、培训的文件和照片）")
def attachment_file(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = get_object_or_404(Attachment.objects, pk=attachment_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=not attachment.is_image, filename=attachment.name,
                            content_type=attachment.content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response


# --- plans -------------------------------------------------------------------------------------


class PlanOut(InJurisdiction):
    id: int
    title: str
    kind: str
    kind_label: str
    place_id: int | None
    version: str
    compiled_on: date | None
    approved_on: date | None
    filed_on: date | None
    revision_due: date | None
    revision_overdue: bool
    status: str
    status_label: str
    archived: bool

    @staticmethod
    def resolve_kind_label(obj: Plan) -> str:
        return _label(PlanKind, obj.kind)

    @staticmethod
    def resolve_status_label(obj: Plan) -> str:
        return _label(PlanStatus, obj.status)

    @staticmethod
    def resolve_revision_overdue(obj: Plan) -> bool:
        return obj.is_revision_overdue()

    @staticmethod
    def resolve_archived(obj: Plan) -> bool:
        return obj.archived_at is not None


class SectionOut(Schema):
    heading: str
    body: str


class CardOut(InJurisdiction):
    id: int
    plan_id: int
    title: str
    position_kind: str
    position_kind_name: str
    steps: list[str]
    contacts: str
    report_to: str
    report_what: str
    report_within_minutes: int | None

    @staticmethod
    def resolve_position_kind(obj: PositionCard) -> str:
        return obj.position_kind.code

    @staticmethod
    def resolve_position_kind_name(obj: PositionCard) -> str:
        return obj.position_kind.name


class PlanDetailOut(PlanOut):
    summary: str
    sections: list[SectionOut]
    attachments: list[AttachmentOut]
    cards: list[CardOut]

    @staticmethod
    def resolve_sections(obj: Plan) -> list[PlanSection]:
        return list(obj.sections.order_by("position", "id"))

    @staticmethod
    def resolve_attachments(obj: Plan) -> list[Attachment]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_cards(obj: Plan) -> list[PositionCard]:
        return list(obj.cards.active().select_related("position_kind", "jurisdiction"))


class PlanIn(Schema):
    title: str = Field(..., min_length=1, max_length=120)
    kind: PlanKind
    jurisdiction_code: str
    place_id: int | None = None
    version: str = Field("1.0", max_length=20)
    compiled_on: date | None = None
    approved_on: date | None = None
    filed_on: date | None = None
    revision_due: date | None = None
    status: PlanStatus = PlanStatus.DRAFT
    summary: str = ""
    sections: list[SectionOut] = []


class PlanPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=120)
    kind: PlanKind | None = None
    jurisdiction_code: str | None = None
    version: str | None = Field(None, max_length=20)
    compiled_on: date | None = None
    approved_on: date | None = None
    filed_on: date | None = None
    revision_due: date | None = None
    summary: str | None = None


class PlanFilter(Schema):
    jurisdiction: str | None = Field(None, description="辖区代码：该辖区及其下级的预案")
    q: str | None = None
    kind: PlanKind | None = None
    status: PlanStatus | None = None
    overdue: bool = Field(False, description="只列修订逾期的预案")
    include_archived: bool = False


def _place(place_id: int | None) -> Any:
    if place_id is None:
        return None
    from places.models import Place

    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise ValidationError({"place_id": "单位场所不存在或不在您的辖区范围内"})
    return place


@router.get("/plans", response=list[PlanOut], summary="应急预案列表")
@paginate(Page)
def list_plans(request: HttpRequest, filters: Query[PlanFilter]) -> Any:
    return filter_plans(plans_base(), **filters.dict())


@router.get("/plans/revision-overdue", response=list[PlanOut], summary="修订逾期的预案")
@paginate(Page)
def overdue_plans(request: HttpRequest, jurisdiction: str | None = None) -> Any:
    return revision_overdue(filter_plans(plans_base(), jurisdiction=jurisdiction)).order_by("revision_due", "id")


def _handbook(request: HttpRequest, jurisdiction: str) -> HttpResponse:
    node = node_or_404(jurisdiction)
    if node.level != Level.TOWNSHIP:
        raise HttpError(400, f"多案合一手册按乡镇（街道）生成；{node.name}不是乡镇（街道），请填写乡镇（街道）代码")
    response = HttpResponse(build_handbook(node), content_type=DOCX)
    filename = f"{node.name}多案合一应急手册-{timezone.localdate():%Y%m%d}.docx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


@router.get("/plans/handbook", summary="乡镇（街道）多案合一应急手册（.docx）")
def plans_handbook(request: HttpRequest, jurisdiction: str) -> HttpResponse:
    return _handbook(request, jurisdiction)


@router.get("/plans/handbook.docx", summary="乡镇（街道）多案合一应急手册（.docx，同 /plans/handbook）")
def plans_handbook_docx(request: HttpRequest, jurisdiction: str) -> HttpResponse:
    return _handbook(request, jurisdiction)


@router.get("/plans/export.xlsx", summary="导出应急预案台账（Excel）")
def export_plans(request: HttpRequest, filters: Query[PlanFilter]) -> FileResponse:
    return xlsx_response(PLAN_LEDGER, plan_rows(filter_plans(plans_base(), **filters.dict())), dated_filename("应急预案台账"))


@router.post("/plans/import", response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut}, summary="导入应急预案台账")
@transaction.atomic
def import_plans(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(PLAN_LEDGER, file, PlanImporter(request.user), dry_run=dry_run, mapping=mapping, unit="件")
    return Status(status, body)


@router.post("/plans", response={201: PlanDetailOut}, summary="登记应急预案")
@transaction.atomic
def create_plan(request: HttpRequest, payload: PlanIn) -> Any:
    data = payload.dict()
    node = Jurisdiction.objects.visible_code(data.pop("jurisdiction_code"))
    sections = [(s["heading"], s["body"]) for s in data.pop("sections")]
    data["place"] = _place(data.pop("place_id"))
    plan = actions.create_plan(by=request.user, jurisdiction=node, sections=sections, **data)
    return Status(201, plans_base().get(pk=plan.pk))


@router.get("/plans/{plan_id}", response=PlanDetailOut, summary="应急预案详情")
def get_plan(request: HttpRequest, plan_id: int) -> Any:
    return get_object_or_404(plans_base(), pk=plan_id)


@router.patch("/plans/{plan_id}", response=PlanDetailOut, summary="修改应急预案")
@transaction.atomic
def patch_plan(request: HttpRequest, plan_id: int, payload: PlanPatch) -> Any:
    plan = get_object_or_404(Plan.objects, pk=plan_id)
    changes = payload.dict(exclude_unset=True)
    if "jurisdiction_code" in changes:
        changes["jurisdiction"] = Jurisdiction.objects.visible_code(changes.pop("jurisdiction_code"))
    actions.update_plan(plan, by=request.user, **changes)
    return get_object_or_404(plans_base(), pk=plan_id)


class PlanStatusIn(Schema):
    status: PlanStatus


@router.post("/plans/{plan_id}/status", response=PlanDetailOut, summary="变更预案状态（发布、修订、废止）")
@transaction.atomic
def plan_status(request: HttpRequest, plan_id: int, payload: PlanStatusIn) -> Any:
    plan = get_object_or_404(Plan.objects, pk=plan_id)
    actions.change_plan_status(plan, by=request.user, status=payload.status)
    return get_object_or_404(plans_base(), pk=plan_id)


class SectionsIn(Schema):
    sections: list[SectionOut]


@router.put("/plans/{plan_id}/sections", response=PlanDetailOut, summary="替换预案章节（按顺序）")
@transaction.atomic
def put_sections(request: HttpRequest, plan_id: int, payload: SectionsIn) -> Any:
    plan = get_object_or_404(Plan.objects, pk=plan_id)
    actions.set_sections(plan, by=request.user, sections=[(s.heading, s.body) for s in payload.sections])
    return get_object_or_404(plans_base(), pk=plan_id)


@router.post("/plans/{plan_id}/attachments", response={201: AttachmentOut}, summary="上传预案附件（pdf/docx/doc/xlsx/图片）")
@transaction.atomic
def plan_attachment(request: HttpRequest, plan_id: int, file: File[UploadedFile]) -> Any:
    plan = get_object_or_404(Plan.objects, pk=plan_id)
    return Status(201, actions.add_attachment(plan, by=request.user, upload=file))


@router.get("/plans/{plan_id}/history", response=list[ChangeOut], summary="预案变更记录")
@paginate(Page)
def plan_history(request: HttpRequest, plan_id: int) -> Any:
    plan = get_object_or_404(Plan.objects, pk=plan_id)
    return history_of(plan, *plan.sections.all())


class CardIn(Schema):
    position_kind: str = Field(..., description="岗位类型代码，如 village_manager")
    title: str = Field("", max_length=80)
    steps: list[str]
    contacts: str = ""
    report_to: str = Field("", max_length=100)
    report_what: str = Field("", max_length=200)
    report_within_minutes: int | None = Field(None, ge=1, le=1440)


class CardPatch(Schema):
    title: str | None = Field(None, max_length=80)
    steps: list[str] | None = None
    contacts: str | None = None
    report_to: str | None = Field(None, max_length=100)
    report_what: str | None = Field(None, max_length=200)
    report_within_minutes: int | None = Field(None, ge=1, le=1440)


@router.get("/plans/{plan_id}/cards", response=list[CardOut], summary="预案的应急处置卡")
def plan_cards(request: HttpRequest, plan_id: int) -> Any:
    plan = get_object_or_404(Plan.objects, pk=plan_id)
    return plan.cards.active().select_related("position_kind", "jurisdiction")


@router.post("/plans/{plan_id}/cards", response={201: CardOut}, summary="新增应急处置卡")
@transaction.atomic
def create_card(request: HttpRequest, plan_id: int, payload: CardIn) -> Any:
    plan = get_object_or_404(Plan.objects, pk=plan_id)
    data = payload.dict()
    kind = PositionKind.objects.filter(code=data.pop("position_kind")).first()
    if kind is None:
        raise ValidationError({"position_kind": f"岗位类型 {payload.position_kind} 不存在"})
    if not data["title"]:
        data.pop("title")
    card = actions.create_card(plan, by=request.user, position_kind=kind, **data)
    return Status(201, card)


@router.patch("/position-cards/{card_id}", response=CardOut, summary="修改应急处置卡")
@transaction.atomic
def patch_card(request: HttpRequest, card_id: int, payload: CardPatch) -> Any:
    card = get_object_or_404(PositionCard.objects.select_related("position_kind", "jurisdiction"), pk=card_id)
    actions.update_card(card, by=request.user, **payload.dict(exclude_unset=True))
    return PositionCard.objects.select_related("position_kind", "jurisdiction").get(pk=card_id)


# --- drills ------------------------------------------------------------------------------------


class DrillActionOut(Schema):
    id: int
    description: str
    owner: str
    deadline: date | None
    done: bool
    done_on: date | None
    becomes_hazard: bool
    hazard_note: str


class DrillOut(InJurisdiction):
    id: int
    title: str
    kind: str
    kind_label: str
    plan_id: int | None
    plan_title: str
    planned_on: date | None
    conducted_on: date | None
    overdue: bool
    organiser: str
    participants: int
    participant_units: str
    rating: str
    archived: bool

    @staticmethod
    def resolve_kind_label(obj: Drill) -> str:
        return _label(DrillKind, obj.kind)

    @staticmethod
    def resolve_plan_title(obj: Drill) -> str:
        return obj.plan.title if obj.plan else ""

    @staticmethod
    def resolve_overdue(obj: Drill) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_archived(obj: Drill) -> bool:
        return obj.archived_at is not None


class DrillDetailOut(DrillOut):
    scenario: str
    evaluation: str
    actions: list[DrillActionOut]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_actions(obj: Drill) -> list[DrillAction]:
        return list(obj.actions.active())

    @staticmethod
    def resolve_attachments(obj: Drill) -> list[Attachment]:
        return list(obj.attachments.all())


class DrillIn(Schema):
    title: str = Field(..., min_length=1, max_length=120)
    kind: DrillKind
    jurisdiction_code: str
    plan_id: int | None = None
    planned_on: date | None = None
    conducted_on: date | None = None
    organiser: str = Field("", max_length=100)
    participants: int = Field(0, ge=0, le=100_000)
    participant_units: str = Field("", max_length=300)
    scenario: str = ""
    evaluation: str = ""
    rating: DrillRating | None = None


class DrillPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=120)
    kind: DrillKind | None = None
    plan_id: int | None = None
    planned_on: date | None = None
    conducted_on: date | None = None
    organiser: str | None = Field(None, max_length=100)
    participants: int | None = Field(None, ge=0, le=100_000)
    participant_units: str | None = Field(None, max_length=300)
    scenario: str | None = None
    evaluation: str | None = None
    rating: DrillRating | None = None


class DrillFilter(Schema):
    jurisdiction: str | None = None
    q: str | None = None
    kind: DrillKind | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    state: str | None = Field(None, pattern="^(planned|conducted|overdue)$", description="planned / conducted / overdue")
    plan: int | None = None
    include_archived: bool = False


def _plan_ref(plan_id: int | None) -> Plan | None:
    if plan_id is None:
        return None
    plan = Plan.objects.active().filter(pk=plan_id).first()
    if plan is None:
        raise ValidationError({"plan_id": "预案不存在、已归档或不在您的辖区范围内"})
    return plan


def _drill_data(data: dict[str, Any]) -> dict[str, Any]:
    if "plan_id" in data:
        data["plan"] = _plan_ref(data.pop("plan_id"))
    if "rating" in data and data["rating"] is None:
        data["rating"] = ""
    return data


@router.get("/drills", response=list[DrillOut], summary="演练列表")
@paginate(Page)
def list_drills(request: HttpRequest, filters: Query[DrillFilter]) -> Any:
    return filter_drills(drills_base(), **filters.dict())


@router.get("/drills/targets", summary="演练目标检查（每乡镇、村每年至少一次；新修订预案100%、其他50%）")
def drill_targets(request: HttpRequest, jurisdiction: str, year: int | None = None) -> Any:
    if year is not None and not 2000 <= year <= 2100:
        raise HttpError(422, "year 应为 2000～2100 之间的年份")
    node = node_or_404(jurisdiction)
    return report_as_dict(compute_targets(node, year or timezone.localdate().year))


@router.get("/drills/export.xlsx", summary="导出演练台账（Excel）")
def export_drills(request: HttpRequest, filters: Query[DrillFilter]) -> FileResponse:
    return xlsx_response(DRILL_LEDGER, drill_rows(filter_drills(drills_base(), **filters.dict())), dated_filename("演练台账"))


@router.post("/drills/import", response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut}, summary="导入演练台账")
@transaction.atomic
def import_drills(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(DRILL_LEDGER, file, DrillImporter(request.user), dry_run=dry_run, mapping=mapping, unit="次")
    return Status(status, body)


@router.post("/drills", response={201: DrillDetailOut}, summary="登记演练（计划或已实施）")
@transaction.atomic
def create_drill(request: HttpRequest, payload: DrillIn) -> Any:
    data = _drill_data(payload.dict())
    node = Jurisdiction.objects.visible_code(data.pop("jurisdiction_code"))
    drill = actions.create_drill(by=request.user, jurisdiction=node, **data)
    return Status(201, drills_base().get(pk=drill.pk))


@router.get("/drills/{drill_id}", response=DrillDetailOut, summary="演练详情")
def get_drill(request: HttpRequest, drill_id: int) -> Any:
    return get_object_or_404(drills_base(), pk=drill_id)


@router.patch("/drills/{drill_id}", response=DrillDetailOut, summary="修改演练（含登记实施和评估）")
@transaction.atomic
def patch_drill(request: HttpRequest, drill_id: int, payload: DrillPatch) -> Any:
    drill = get_object_or_404(Drill.objects, pk=drill_id)
    actions.update_drill(drill, by=request.user, **_drill_data(payload.dict(exclude_unset=True)))
    return get_object_or_404(drills_base(), pk=drill_id)


class DrillActionIn(Schema):
    description: str = Field(..., min_length=1, max_length=300)
    owner: str = Field("", max_length=60)
    deadline: date | None = None
    done: bool = False
    becomes_hazard: bool = False
    hazard_note: str = Field("", max_length=300)


class DrillActionPatch(Schema):
    description: str | None = Field(None, min_length=1, max_length=300)
    owner: str | None = Field(None, max_length=60)
    deadline: date | None = None
    done: bool | None = None
    becomes_hazard: bool | None = None
    hazard_note: str | None = Field(None, max_length=300)


@router.post("/drills/{drill_id}/actions", response={201: DrillActionOut}, summary="登记演练整改事项")
@transaction.atomic
def add_drill_action(request: HttpRequest, drill_id: int, payload: DrillActionIn) -> Any:
    drill = get_object_or_404(Drill.objects, pk=drill_id)
    return Status(201, actions.add_drill_action(drill, by=request.user, **payload.dict()))


@router.patch("/drill-actions/{action_id}", response=DrillActionOut, summary="修改整改事项（如标记完成）")
@transaction.atomic
def patch_drill_action(request: HttpRequest, action_id: int, payload: DrillActionPatch) -> Any:
    item = get_object_or_404(DrillAction.objects, pk=action_id)
    return actions.update_drill_action(item, by=request.user, **payload.dict(exclude_unset=True))


@router.post("/drills/{drill_id}/attachments", response={201: AttachmentOut}, summary="上传演练照片或材料")
@transaction.atomic
def drill_attachment(request: HttpRequest, drill_id: int, file: File[UploadedFile]) -> Any:
    drill = get_object_or_404(Drill.objects, pk=drill_id)
    return Status(201, actions.add_attachment(drill, by=request.user, upload=file))


@router.get("/drills/{drill_id}/history", response=list[ChangeOut], summary="演练变更记录")
@paginate(Page)
def drill_history(request: HttpRequest, drill_id: int) -> Any:
    drill = get_object_or_404(Drill.objects, pk=drill_id)
    return history_of(drill, *drill.actions.all())


# --- training and publicity ------------------------------------------------------------------------


class TrainingOut(InJurisdiction):
    id: int
    held_on: date
    kind: str
    kind_label: str
    audience: str
    audience_label: str
    topic: str
    attendance: int
    organiser: str
    location: str
    note: str
    archived: bool

    @staticmethod
    def resolve_kind_label(obj: Training) -> str:
        return _label(TrainingKind, obj.kind)

    @staticmethod
    def resolve_audience_label(obj: Training) -> str:
        return _label(Audience, obj.audience)

    @staticmethod
    def resolve_archived(obj: Training) -> bool:
        return obj.archived_at is not None


class TrainingIn(Schema):
    held_on: date
    kind: TrainingKind
    audience: Audience
    topic: str = Field(..., min_length=1, max_length=120)
    jurisdiction_code: str
    attendance: int = Field(0, ge=0, le=1_000_000)
    organiser: str = Field("", max_length=100)
    location: str = Field("", max_length=120)
    note: str = ""


class TrainingPatch(Schema):
    held_on: date | None = None
    kind: TrainingKind | None = None
    audience: Audience | None = None
    topic: str | None = Field(None, min_length=1, max_length=120)
    attendance: int | None = Field(None, ge=0, le=1_000_000)
    organiser: str | None = Field(None, max_length=100)
    location: str | None = Field(None, max_length=120)
    note: str | None = None


class TrainingFilter(Schema):
    jurisdiction: str | None = None
    q: str | None = None
    kind: TrainingKind | None = None
    audience: Audience | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    include_archived: bool = False


@router.get("/trainings", response=list[TrainingOut], summary="培训宣传活动列表")
@paginate(Page)
def list_trainings(request: HttpRequest, filters: Query[TrainingFilter]) -> Any:
    return filter_trainings(trainings_base(), **filters.dict())


@router.get("/trainings/summary", summary="培训宣传年度统计（按下级辖区、对象“五进”、活动类型）")
def trainings_summary(request: HttpRequest, jurisdiction: str, year: int | None = None) -> Any:
    if year is not None and not 2000 <= year <= 2100:
        raise HttpError(422, "year 应为 2000～2100 之间的年份")
    node = node_or_404(jurisdiction)
    year = year or timezone.localdate().year
    total, rows = training_summary(node, year)
    return {"year": year, "jurisdiction_code": node.code, "jurisdiction_name": node.name, "total": total.as_dict(), "children": [r.as_dict() for r in rows]}


@router.get("/trainings/export.xlsx", summary="导出培训宣传台账（Excel）")
def export_trainings(request: HttpRequest, filters: Query[TrainingFilter]) -> FileResponse:
    rows = training_rows(filter_trainings(trainings_base(), **filters.dict()))
    return xlsx_response(TRAINING_LEDGER, rows, dated_filename("培训宣传台账"))


@router.post("/trainings/import", response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut}, summary="导入培训宣传台账")
@transaction.atomic
def import_trainings(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(TRAINING_LEDGER, file, TrainingImporter(request.user), dry_run=dry_run, mapping=mapping, unit="次")
    return Status(status, body)


@router.post("/trainings", response={201: TrainingOut}, summary="登记培训宣传活动")
@transaction.atomic
def create_training(request: HttpRequest, payload: TrainingIn) -> Any:
    data = payload.dict()
    node = Jurisdiction.objects.visible_code(data.pop("jurisdiction_code"))
    training = actions.create_training(by=request.user, jurisdiction=node, **data)
    return Status(201, trainings_base().get(pk=training.pk))


@router.get("/trainings/{training_id}", response=TrainingOut, summary="培训宣传活动详情")
def get_training(request: HttpRequest, training_id: int) -> Any:
    return get_object_or_404(trainings_base(), pk=training_id)


@router.patch("/trainings/{training_id}", response=TrainingOut, summary="修改培训宣传活动")
@transaction.atomic
def patch_training(request: HttpRequest, training_id: int, payload: TrainingPatch) -> Any:
    training = get_object_or_404(Training.objects, pk=training_id)
    actions.update_training(training, by=request.user, **payload.dict(exclude_unset=True))
    return get_object_or_404(trainings_base(), pk=training_id)


@router.post("/trainings/{training_id}/attachments", response={201: AttachmentOut}, summary="上传活动照片")
@transaction.atomic
def training_attachment(request: HttpRequest, training_id: int, file: File[UploadedFile]) -> Any:
    training = get_object_or_404(Training.objects, pk=training_id)
    return Status(201, actions.add_attachment(training, by=request.user, upload=file))
