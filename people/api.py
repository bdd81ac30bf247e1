"""People, their positions, and the position kinds with responsibility lists."""


from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from accounts.roles import Capability
from audit.api import ChangeOut
from audit.tracking import history_of
from jurisdictions.models import Jurisdiction
from people import actions
from people.choices import Gender
from people.ledgers import PEOPLE_LEDGER, PeopleImporter, export_rows
from people.models import Person, Position, PositionKind
from yingji.api import ErrorOut, Page
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.endpoints import ImportOut, import_upload

router = Router(tags=["人员与岗位"])


def _may_see_mobile(context: Any) -> bool:
    request = (context or {}).get("request")
    return bool(request and request.user.can(Capability.SEE_MOBILE))


class InJurisdiction(Schema):
    """Every record that belongs to a jurisdiction carries its code and name."""

    jurisdiction_code: str
    jurisdiction_name: str

    # Resolvers rather than dotted aliases: ninja resolves dotted aliases through Django's
    # template variable lookup, which dominated the time of a people page.
    @staticmethod
    def resolve_jurisdiction_code(obj: Any) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: Any) -> str:
        return obj.jurisdiction.name


class PositionBrief(InJurisdiction):
    id: int
    kind_code: str
    kind_name: str
    start_date: date | None
    end_date: date | None
    is_primary: bool

    @staticmethod
    def resolve_kind_code(obj: Position) -> str:
        return obj.kind.code

    @staticmethod
    def resolve_kind_name(obj: Position) -> str:
        return obj.kind.name


class PersonOut(InJurisdiction):
    id: int
    name: str
    gender: str
    mobile: str
    id_number_masked: str
    organization: str
    title: str
    archived: bool
    positions: list[PositionBrief]

    @staticmethod
    def resolve_mobile(obj: Person, context: Any) -> str:
        return obj.mobile if _may_see_mobile(context) else obj.masked_mobile

    @staticmethod
    def resolve_archived(obj: Person) -> bool:
        return obj.archived_at is not None

    @staticmethod
    def resolve_positions(obj: Person) -> list[Position]:
        return list(obj.current_positions) if hasattr(obj, "current_positions") else list(obj.positions.current())


class PersonDetailOut(PersonOut):
    note: str
    archive_reason: str
    created_at: str
    updated_at: str

    @staticmethod
    def resolve_created_at(obj: Person) -> str:
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_updated_at(obj: Person) -> str:
        return obj.updated_at.isoformat()


class PersonIn(Schema):
    name: str = Field(..., min_length=1, max_length=40)
    mobile: str = Field(..., description="11 位手机号")
    jurisdiction_code: str
    gender: Gender | None = None
    id_number: str | None = None
    organization: str = ""
    title: str = ""
    note: str = ""


class PersonPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=40)
    mobile: str | None = None
    jurisdiction_code: str | None = None
    gender: Gender | None = None
    id_number: str | None = None
    organization: str | None = None
    title: str | None = None
    note: str | None = None


class ArchiveIn(Schema):
    reason: str = Field("", max_length=200)


class PeopleFilter(Schema):
    jurisdiction: str | None = Field(None, description="辖区代码：只列出该辖区及其下级的人员")
    q: str | None = Field(None, description="按姓名、手机号、单位搜索")
    position_kind: str | None = Field(None, description="岗位类型代码，如 grid_member")
    include_archived: bool = False


def people_queryset() -> Any:
    # Boundaries are large GeoJSON documents; a people list never needs them.
    current = Position.objects.current().select_related("kind", "jurisdiction").defer("jurisdiction__boundary")
    return Person.objects.select_related("jurisdiction").defer("jurisdiction__boundary", "id_number_sealed").prefetch_related(
        Prefetch("positions", queryset=current, to_attr="current_positions")
    )


def filter_people(filters: PeopleFilter) -> Any:
    """The directory as the API filters it; shared by the list and the Excel export."""
    people = people_queryset()
    if not filters.include_archived:
        people = people.active()
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects, code=filters.jurisdiction)
        people = people.filter(jurisdiction_path__within=node.path)
    if filters.q:
        q = filters.q.strip()
        people = people.filter(Q(name__contains=q) | Q(mobile__contains=q) | Q(organization__contains=q))
    if filters.position_kind:
        people = people.filter(
            pk__in=Position.objects.current().filter(kind__code=filters.position_kind).values("person_id")
        )
    return people.order_by("jurisdiction_path", "name", "id")


@router.get("/people", response=list[PersonOut], summary="人员名录")
@paginate(Page)
def list_people(request: HttpRequest, filters: Query[PeopleFilter]) -> Any:
    return filter_people(filters)


# The ledger routes come before /people/{person_id} so that no path is read as an id.


@router.get("/people/export.xlsx", summary="导出人员台账（Excel，筛选条件同人员名录）")
def export_people(request: HttpRequest, filters: Query[PeopleFilter]) -> FileResponse:
    return xlsx_response(PEOPLE_LEDGER, export_rows(filter_people(filters), request.user), dated_filename("人员台账"))


@router.post(
    "/people/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入人员台账（.xlsx/.csv；dry_run 默认 true 只检查不写入）",
)
@transaction.atomic
def import_people(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    mapping: Form[str] = "",
) -> Any:
    """Check (dry run) or import a people ledger: every row or none; problems listed per row and column."""
    status, body = import_upload(PEOPLE_LEDGER, file, PeopleImporter(request.user), dry_run=dry_run, mapping=mapping, unit="人")
    return Status(status, body)


@router.post("/people", response={201: PersonDetailOut}, summary="登记人员")
@transaction.atomic
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    data = payload.dict()
    node = Jurisdiction.objects.visible_code(data.pop("jurisdiction_code"))
    person = actions.create_person(by=request.user, jurisdiction=node, **{k: v or "" for k, v in data.items() if k != "id_number"}, id_number=payload.id_number)
    return Status(201, people_queryset().get(pk=person.pk))


@router.get("/people/{person_id}", response=PersonDetailOut, summary="人员详情")
def get_person(request: HttpRequest, person_id: int) -> Any:
    return get_object_or_404(people_queryset(), pk=person_id)


@router.patch("/people/{person_id}", response=PersonDetailOut, summary="修改人员信息")
@transaction.atomic
def patch_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    person = get_object_or_404(Person.objects, pk=person_id)
    changes = payload.dict(exclude_unset=True)
    if "jurisdiction_code" in changes:
        changes["jurisdiction"] = Jurisdiction.objects.visible_code(changes.pop("jurisdiction_code"))
    id_number = changes.pop("id_number", None)
    changes = {k: ("" if v is None and k != "jurisdiction" else v) for k, v in changes.items()}
    actions.update_person(person, by=request.user, id_number=id_number, **changes)
    return get_object_or_404(people_queryset(), pk=person_id)


@router.post("/people/{person_id}/archive", response=PersonDetailOut, summary="归档人员（不删除）")
@transaction.atomic
def archive_person(request: HttpRequest, person_id: int, payload: ArchiveIn) -> Any:
    person = get_object_or_404(Person.objects, pk=person_id)
    actions.archive_person(person, by=request.user, reason=payload.reason)
    return get_object_or_404(people_queryset(), pk=person_id)


@router.post("/people/{person_id}/restore", response=PersonDetailOut, summary="恢复已归档人员")
@transaction.atomic
def restore_person(request: HttpRequest, person_id: int) -> Any:
    person = get_object_or_404(Person.objects, pk=person_id)
    actions.restore_person(person, by=request.user)
    return get_object_or_404(people_queryset(), pk=person_id)


@router.get("/people/{person_id}/history", response=list[ChangeOut], summary="人员变更记录")
@paginate(Page)
def person_history(request: HttpRequest, person_id: int) -> Any:
    person = get_object_or_404(Person.objects, pk=person_id)
    return history_of(person)


class PositionOut(PositionBrief):
    person_id: int
    person_name: str
    note: str

    @staticmethod
    def resolve_person_name(obj: Position) -> str:
        return obj.person.name


class PositionIn(Schema):
    person_id: int
    kind: str = Field(..., description="岗位类型代码")
    jurisdiction_code: str
    start_date: date | None = None
    is_primary: bool = False
    note: str = Field("", max_length=200)


class EndPositionIn(Schema):
    end_date: date | None = None


class PositionFilter(Schema):
    jurisdiction: str | None = None
    kind: str | None = None
    include_ended: bool = False


@router.get("/positions", response=list[PositionOut], summary="岗位任职列表")
@paginate(Page)
def list_positions(request: HttpRequest, filters: Query[PositionFilter]) -> Any:
    positions = Position.objects.select_related("person", "kind", "jurisdiction").defer("jurisdiction__boundary")
    if not filters.include_ended:
        positions = positions.current()
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects, code=filters.jurisdiction)
        positions = positions.filter(jurisdiction_path__within=node.path)
    if filters.kind:
        positions = positions.filter(kind__code=filters.kind)
    return positions.order_by("jurisdiction_path", "kind__sort_order", "id")


@router.post("/positions", response={201: PositionOut}, summary="任命岗位")
@transaction.atomic
def create_position(request: HttpRequest, payload: PositionIn) -> Any:
    from django.core.exceptions import ValidationError

    person = Person.objects.active().filter(pk=payload.person_id).first()
    if person is None:
        raise ValidationError({"person_id": "人员不存在、已归档或不在您的辖区范围内"})
    kind = PositionKind.objects.filter(code=payload.kind).first()
    if kind is None:
        raise ValidationError({"kind": f"岗位类型 {payload.kind} 不存在"})
    position = actions.appoint(
        by=request.user,
        person=person,
        kind=kind,
        jurisdiction=Jurisdiction.objects.visible_code(payload.jurisdiction_code),
        start_date=payload.start_date,
        is_primary=payload.is_primary,
        note=payload.note,
    )
    return Status(201, Position.objects.select_related("person", "kind", "jurisdiction").get(pk=position.pk))


@router.post("/positions/{position_id}/end", response=PositionOut, summary="离任")
@transaction.atomic
def end_position(request: HttpRequest, position_id: int, payload: EndPositionIn) -> Any:
    position = get_object_or_404(Position.objects, pk=position_id)
    actions.end_position(position, by=request.user, on=payload.end_date)
    return Position.objects.select_related("person", "kind", "jurisdiction").get(pk=position_id)


class PositionKindOut(Schema):
    code: str
    name: str
    level: str
    responsibilities: str


class ResponsibilitiesIn(Schema):
    responsibilities: str = Field(..., max_length=10000)


@router.get("/position-kinds", response=list[PositionKindOut], summary="岗位类型与责任清单")
def list_position_kinds(request: HttpRequest) -> Any:
    return PositionKind.objects.all()


@router.patch("/position-kinds/{code}", response=PositionKindOut, summary="修改责任清单")
@transaction.atomic
def patch_position_kind(request: HttpRequest, code: str, payload: ResponsibilitiesIn) -> Any:
    kind = get_object_or_404(PositionKind.objects, code=code)
    return actions.update_responsibilities(kind, by=request.user, responsibilities=payload.responsibilities)
