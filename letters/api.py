"""JSON API of responsibility letters (责任状): signed letters, who has not signed, the roll-up."""

from datetime import date
from typing import Any

from django.db import transaction
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from letters import actions, services
from letters.choices import LetterKind
from letters.ledgers import LETTER_LEDGER, LetterImporter, export_rows, unsigned_rows
from letters.models import LetterRule, ResponsibilityLetter
from places.models import Place
from yingji import actions as base_actions
from yingji.api import ErrorOut, Page
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.endpoints import ImportOut, import_upload

router = Router(tags=["责任状"])


class LetterFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    kind: LetterKind | None = None
    jurisdiction: str | None = Field(None, description="辖区代码：只看该辖区及其下级")
    place_id: int | None = None
    include_withdrawn: bool = False


class LetterOut(Schema):
    id: int
    place_id: int
    place_name: str
    jurisdiction_code: str
    year: int
    kind: str
    kind_label: str
    signed_on: date
    signatory: str
    countersigned_by: str
    note: str
    has_attachment: bool
    withdrawn: bool

    @staticmethod
    def resolve_place_name(obj: ResponsibilityLetter) -> str:
        return obj.place.name

    @staticmethod
    def resolve_kind_label(obj: ResponsibilityLetter) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_has_attachment(obj: ResponsibilityLetter) -> bool:
        return bool(obj.attachment)

    @staticmethod
    def resolve_withdrawn(obj: ResponsibilityLetter) -> bool:
        return obj.archived_at is not None


class SignIn(Schema):
    place_id: int
    year: int
    kind: LetterKind
    signed_on: date
    signatory: str = Field("", max_length=40, description="留空时取场所登记的负责人")
    countersigned_by: str = Field("", max_length=40)
    note: str = Field("", max_length=200)


class SignManyIn(Schema):
    place_ids: list[int] = Field(..., min_length=1, max_length=500)
    year: int
    kind: LetterKind
    signed_on: date
    countersigned_by: str = Field("", max_length=40)


class SignManyOut(Schema):
    created: int
    total: int


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class UnsignedQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="默认今年")
    kind: LetterKind
    jurisdiction: str | None = None


class UnsignedPlaceOut(Schema):
    id: int
    name: str
    address: str
    credit_code: str
    jurisdiction_code: str
    legal_rep_name: str
    fire_responsible_name: str


class TallyOut(Schema):
    kind: str
    kind_label: str
    required: int
    signed: int
    unsigned: int
    percent: int | None


class SummaryRowOut(Schema):
    jurisdiction_code: str
    name: str
    tallies: list[TallyOut]


class SummaryOut(Schema):
    year: int
    total: SummaryRowOut
    rows: list[SummaryRowOut]


class RuleOut(Schema):
    kind: str
    categories: list[str]
    active: bool


class RuleIn(Schema):
    categories: list[str] = Field(default_factory=list, description="场所大类代码；空表示所有场所")
    active: bool = True


def _letters(filters: LetterFilter) -> Any:
    letters = ResponsibilityLetter.objects.select_related("place", "jurisdiction").defer("jurisdiction__boundary")
    if not filters.include_withdrawn:
        letters = letters.filter(archived_at__isnull=True)
    if filters.year:
        letters = letters.filter(year=filters.year)
    if filters.kind:
        letters = letters.filter(kind=filters.kind)
    if filters.place_id:
        letters = letters.filter(place_id=filters.place_id)
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects.active(), code=filters.jurisdiction)
        letters = letters.filter(jurisdiction_path__within=node.path)
    return letters


def _unsigned(query: UnsignedQuery) -> Any:
    year = query.year or timezone.localdate().year
    node = Jurisdiction.objects.code_or_home(query.jurisdiction)
    places = services.unsigned_places(year, query.kind).filter(jurisdiction_path__within=node.path)
    return places.select_related("jurisdiction").defer("jurisdiction__boundary").order_by("jurisdiction_path", "name", "id")


def _row_out(row: services.LetterRow) -> dict[str, Any]:
    return {
        "jurisdiction_code": row.node.code,
        "name": row.node.name,
        "tallies": [
            {"kind": kind, "kind_label": label, "required": t.required, "signed": t.signed, "unsigned": t.unsigned, "percent": t.percent}
            for kind, label, t in row.by_kind()
        ],
    }


@router.get("/letters", response=list[LetterOut], summary="已签订的责任状")
@paginate(Page)
def list_letters(request: HttpRequest, filters: Query[LetterFilter]) -> Any:
    return _letters(filters)


@router.get("/letters/summary", response=SummaryOut, summary="责任状签订情况：各下级辖区应签、已签、未签")
def letter_summary(request: HttpRequest, jurisdiction: str | None = None, year: int | None = None) -> Any:
    year = year or timezone.localdate().year
    result = services.summary(Jurisdiction.objects.code_or_home(jurisdiction), year)
    return {"year": result.year, "total": _row_out(result.total), "rows": [_row_out(r) for r in result.rows]}


@router.get("/letters/unsigned", response=list[UnsignedPlaceOut], summary="应签未签的场所")
@paginate(Page)
def list_unsigned(request: HttpRequest, query: Query[UnsignedQuery]) -> Any:
    return _unsigned(query)


@router.get("/letters/unsigned/export.xlsx", summary="导出应签未签场所（可填写签订日期后导入）")
def export_unsigned(request: HttpRequest, query: Query[UnsignedQuery]) -> FileResponse:
    year = query.year or timezone.localdate().year
    rows = unsigned_rows(_unsigned(query).iterator(chunk_size=1000), year, query.kind)
    return xlsx_response(LETTER_LEDGER, rows, dated_filename(f"{year}年{LetterKind(query.kind).label}未签订"))


@router.get("/letters/export.xlsx", summary="导出责任状台账（Excel）")
def export_letters(request: HttpRequest, filters: Query[LetterFilter]) -> FileResponse:
    return xlsx_response(LETTER_LEDGER, export_rows(_letters(filters).iterator(chunk_size=1000)), dated_filename("责任状台账"))


@router.post(
    "/letters/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入责任状台账（.xlsx/.csv；dry_run 默认 true 只检查不写入；全部成功或全部不写入）",
)
@transaction.atomic
def import_letters(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(LETTER_LEDGER, file, LetterImporter(request.user), dry_run=dry_run, mapping=mapping, unit="份")
    return Status(status, body)


@router.get("/letters/rules", response=list[RuleOut], summary="各类责任状须签订的场所范围")
def list_rules(request: HttpRequest) -> Any:
    return LetterRule.objects.all()


@router.put("/letters/rules/{kind}", response=RuleOut, summary="设置某类责任状须签订的场所范围（县级管理员）")
@transaction.atomic
def set_rule(request: HttpRequest, kind: LetterKind, payload: RuleIn) -> Any:
    return actions.set_rule(request.user, kind, categories=payload.categories, active=payload.active)


@router.post("/letters", response={201: LetterOut, 200: LetterOut}, summary="登记签订的责任状（同一场所同年同类再次登记即为更正）")
@transaction.atomic
def sign_letter(request: HttpRequest, payload: SignIn) -> Any:
    place = get_object_or_404(Place.objects.filter(archived_at__isnull=True), pk=payload.place_id)
    letter, state = actions.sign(request.user, place, **payload.dict(exclude={"place_id"}))
    return Status(201 if state == "created" else 200, letter)


@router.post("/letters/sign-many", response=SignManyOut, summary="批量登记同一日签订的责任状")
@transaction.atomic
def sign_many(request: HttpRequest, payload: SignManyIn) -> Any:
    base_actions.require(request.user, Capability.EDIT_REGISTRY)
    places = list(Place.objects.filter(pk__in=payload.place_ids, archived_at__isnull=True))
    if len(places) != len(set(payload.place_ids)):
        raise HttpError(404, "部分场所不存在、已归档或不在您的辖区范围内")
    created = actions.sign_many(
        request.user, places, year=payload.year, kind=payload.kind, signed_on=payload.signed_on,
        countersigned_by=payload.countersigned_by,
    )
    return {"created": created, "total": len(places)}


@router.get("/letters/{letter_id}", response=LetterOut, summary="责任状详情")
def get_letter(request: HttpRequest, letter_id: int) -> Any:
    return get_object_or_404(ResponsibilityLetter.objects.select_related("place", "jurisdiction"), pk=letter_id)


@router.post("/letters/{letter_id}/withdraw", response=LetterOut, summary="撤销责任状（归档并注明原因）")
@transaction.atomic
def withdraw_letter(request: HttpRequest, letter_id: int, payload: WithdrawIn) -> Any:
    letter = get_object_or_404(ResponsibilityLetter.objects.filter(archived_at__isnull=True), pk=letter_id)
    return actions.withdraw(request.user, letter, reason=payload.reason)
