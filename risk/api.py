"""JSON API of the risk app (风险分级与检查频次).

- `GET/PUT /risk/model`: the current scoring model (PUT saves a new version; county admins);
- `GET /places/{id}/risk`: a place's grade, score, factors, history and due dates;
- `GET/POST /places/{id}/signals`: the place's dynamic signals (动态监管库);
- `POST /places/{id}/inspections`: record an inspection date and result;
- `GET/PUT /inspection-policies`: inspection frequencies (PUT: county admins);
- `GET /risk/overdue?jurisdiction=CODE`: grade and overdue counts per child node.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from places.models import Place, PlaceKind
from risk import actions
from risk.choices import AssessmentCause, FactorRule, FactorSide, InspectionKind, SignalKind, SignalSeverity
from risk.models import InspectionPolicy, PlaceSignal, RiskAssessment, RiskModel
from risk.rollup import rollup, totals
from yingji import actions as base_actions
from yingji.api import ErrorOut, Page

router = Router(tags=["风险分级"])

GradeCode = Literal["major", "large", "general", "low"]
HISTORY_LIMIT = 50


# --- the scoring model -------------------------------------------------------------------------


class FactorSchema(Schema):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=60)
    side: FactorSide
    rule: FactorRule
    params: dict[str, Any] = {}
    points: Decimal = Field(..., ge=-1000, le=1000)
    max_points: Decimal | None = Field(None, ge=0, le=1000)
    min_grade: GradeCode | Literal[""] = ""
    active: bool = True
    source: str = Field("", max_length=200)


class ModelOut(Schema):
    version: int
    major_min: Decimal
    large_min: Decimal
    general_min: Decimal
    note: str
    created_at: datetime
    factors: list[FactorSchema]

    @staticmethod
    def resolve_factors(obj: RiskModel) -> list[dict[str, Any]]:
        return actions.model_as_dicts(obj)


class ModelIn(Schema):
    major_min: Decimal
    large_min: Decimal
    general_min: Decimal
    factors: list[FactorSchema] = Field(..., min_length=1, max_length=actions.MAX_FACTORS)
    note: str = Field("", max_length=200)


def _current_model() -> RiskModel:
    model = RiskModel.objects.order_by("-version").first()
    if model is None:
        raise ValidationError("尚未配置风险评分模型")
    return model


@router.get("/risk/model", response=ModelOut, summary="当前风险评分模型（因子、起点分、版本）")
def get_model(request: HttpRequest) -> Any:
    return _current_model()


@router.put("/risk/model", response={200: ModelOut, 403: ErrorOut}, summary="保存风险评分模型为新版本（县级管理员）")
@transaction.atomic
def put_model(request: HttpRequest, payload: ModelIn) -> Any:
    data = payload.dict()
    factors = [{**f, "side": str(f["side"]), "rule": str(f["rule"])} for f in data["factors"]]
    return actions.save_model(
        by=request.user,
        major_min=data["major_min"],
        large_min=data["large_min"],
        general_min=data["general_min"],
        factors=factors,
        note=data["note"],
    )


# --- a place's risk ------------------------------------------------------------------------------


class FactorHitOut(Schema):
    code: str
    name: str
    side: str
    points: str
    why: str
    min_grade: str = ""


class AssessmentOut(Schema):
    assessed_at: datetime
    cause: str
    cause_label: str
    model_version: int | None
    grade_before: str
    grade_after: str
    score_before: Decimal | None
    score_after: Decimal
    factors: list[FactorHitOut]

    @staticmethod
    def resolve_cause_label(obj: RiskAssessment) -> str:
        return str(AssessmentCause(obj.cause).label)

    @staticmethod
    def resolve_model_version(obj: RiskAssessment) -> int | None:
        return obj.model.version if obj.model else None


class PlaceRiskOut(Schema):
    place_id: int
    name: str
    jurisdiction_code: str
    risk_grade: str
    risk_score: Decimal | None
    risk_graded_at: datetime | None
    model_version: int | None
    factors: list[FactorHitOut]
    last_self_inspection_on: date | None
    last_supervision_on: date | None
    next_self_inspection_due: date | None
    next_supervision_due: date | None
    history: list[AssessmentOut]


@router.get("/places/{place_id}/risk", response=PlaceRiskOut, summary="场所风险等级、因子明细、定级记录和下次检查日期")
def place_risk(request: HttpRequest, place_id: int) -> Any:
    place = get_object_or_404(Place.objects.select_related("jurisdiction").defer("jurisdiction__boundary"), pk=place_id)
    history = list(RiskAssessment.objects.filter(place=place).select_related("model")[:HISTORY_LIMIT])
    latest = history[0] if history else None
    return {
        "place_id": place.pk,
        "name": place.name,
        "jurisdiction_code": place.jurisdiction.code,
        "risk_grade": place.risk_grade,
        "risk_score": place.risk_score,
        "risk_graded_at": place.risk_graded_at,
        "model_version": latest.model.version if latest and latest.model else None,
        "factors": latest.factors if latest else [],
        "last_self_inspection_on": place.last_self_inspection_on,
        "last_supervision_on": place.last_supervision_on,
        "next_self_inspection_due": place.next_self_inspection_due,
        "next_supervision_due": place.next_supervision_due,
        "history": history,
    }


# --- dynamic signals -----------------------------------------------------------------------------


class SignalOut(Schema):
    id: int
    place_id: int
    jurisdiction_code: str
    kind: str
    kind_label: str
    severity: str
    occurred_at: datetime
    resolved_at: datetime | None
    active: bool
    note: str
    source_app: str
    source_ref: str

    @staticmethod
    def resolve_jurisdiction_code(obj: PlaceSignal) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_kind_label(obj: PlaceSignal) -> str:
        return str(SignalKind(obj.kind).label)

    @staticmethod
    def resolve_active(obj: PlaceSignal) -> bool:
        return obj.is_active


class SignalIn(Schema):
    kind: SignalKind
    severity: SignalSeverity = SignalSeverity.GENERAL
    occurred_at: datetime | None = None
    resolved_at: datetime | None = None
    note: str = Field("", max_length=300)
    source_app: str = Field("", max_length=30)
    source_ref: str = Field("", max_length=60)


class SignalFilter(Schema):
    kind: SignalKind | None = None
    active: bool | None = Field(None, description="true 只列未消除的；false 只列已消除的")


@router.get("/places/{place_id}/signals", response=list[SignalOut], summary="场所动态监管信号")
@paginate(Page)
def list_signals(request: HttpRequest, place_id: int, filters: Query[SignalFilter]) -> Any:
    place = get_object_or_404(Place.objects, pk=place_id)
    signals = PlaceSignal.objects.filter(place=place, archived_at__isnull=True).select_related("jurisdiction")
    signals = signals.defer("jurisdiction__boundary")
    if filters.kind:
        signals = signals.filter(kind=filters.kind)
    if filters.active is not None:
        signals = signals.filter(resolved_at__isnull=filters.active)
    return signals.order_by("-occurred_at", "-id")


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


@router.post("/places/{place_id}/signals", response={201: SignalOut, 403: ErrorOut}, summary="登记动态监管信号（并重新定级）")
@transaction.atomic
def create_signal(request: HttpRequest, place_id: int, payload: SignalIn) -> Any:
    place = get_object_or_404(Place.objects, pk=place_id)
    base_actions.require(request.user, Capability.EDIT_REGISTRY)
    signal = actions.record_signal(
        place,
        str(payload.kind),
        by=request.user,
        occurred_at=_aware(payload.occurred_at),
        resolved_at=_aware(payload.resolved_at),
        severity=str(payload.severity),
        note=payload.note,
        source_app=payload.source_app,
        source_ref=payload.source_ref,
    )
    return Status(201, PlaceSignal.objects.select_related("jurisdiction").get(pk=signal.pk))


@router.post("/signals/{signal_id}/resolve", response={200: SignalOut, 403: ErrorOut}, summary="标记动态信号已消除")
@transaction.atomic
def resolve_signal(request: HttpRequest, signal_id: int) -> Any:
    signal = get_object_or_404(PlaceSignal.objects.select_related("place"), pk=signal_id)
    actions.resolve_signal(signal, by=request.user)
    return PlaceSignal.objects.select_related("jurisdiction").get(pk=signal.pk)


class InspectionIn(Schema):
    kind: InspectionKind
    on: date
    passed: bool
    note: str = Field("", max_length=300)


@router.post("/places/{place_id}/inspections", response={200: PlaceRiskOut, 403: ErrorOut}, summary="登记检查日期和结果")
@transaction.atomic
def record_inspection(request: HttpRequest, place_id: int, payload: InspectionIn) -> Any:
    place = get_object_or_404(Place.objects, pk=place_id)
    actions.record_inspection(place, str(payload.kind), payload.on, payload.passed, by=request.user, note=payload.note)
    return place_risk(request, place_id)


# --- inspection policies ---------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    grade: str
    kind: str | None
    kind_name: str | None
    self_interval_days: int
    supervision_interval_days: int
    source: str

    @staticmethod
    def resolve_kind(obj: InspectionPolicy) -> str | None:
        return obj.kind.code if obj.kind else None

    @staticmethod
    def resolve_kind_name(obj: InspectionPolicy) -> str | None:
        return obj.kind.name if obj.kind else None


class PolicyIn(Schema):
    grade: GradeCode
    kind: str | None = Field(None, description="场所类型代码；留空为该等级的通用频次")
    self_interval_days: int = Field(..., ge=1, le=3660)
    supervision_interval_days: int = Field(..., ge=1, le=3660)
    source: str = Field("", max_length=200)


class PoliciesIn(Schema):
    policies: list[PolicyIn] = Field(..., min_length=1, max_length=500)


def _policies() -> Any:
    return InspectionPolicy.objects.select_related("kind").order_by("kind__code", "grade")


@router.get("/inspection-policies", response=list[PolicyOut], summary="检查频次（按等级，可按场所类型覆盖）")
def list_policies(request: HttpRequest) -> Any:
    return list(_policies())


@router.put("/inspection-policies", response={200: list[PolicyOut], 403: ErrorOut}, summary="设置检查频次（县级管理员）")
@transaction.atomic
def put_policies(request: HttpRequest, payload: PoliciesIn) -> Any:
    """Create or change the listed rows (grade, or grade + kind); rows not listed stay as they are."""
    base_actions.require(request.user, Capability.CONFIGURE_RULES)
    kinds = {k.code: k for k in PlaceKind.objects.filter(code__in=[p.kind for p in payload.policies if p.kind])}
    for index, row in enumerate(payload.policies):
        kind = None
        if row.kind:
            kind = kinds.get(row.kind)
            if kind is None:
                raise ValidationError({f"policies.{index}.kind": f"场所类型 {row.kind} 不存在"})
        actions.set_policy(
            by=request.user,
            grade=row.grade,
            kind=kind,
            self_interval_days=row.self_interval_days,
            supervision_interval_days=row.supervision_interval_days,
            source=row.source,
        )
    return list(_policies())


# --- overdue roll-up ---------------------------------------------------------------------------------


class RollupRowOut(Schema):
    jurisdiction_code: str
    jurisdiction_name: str
    level: str
    direct: bool
    total: int
    major: int
    large: int
    general: int
    low: int
    ungraded: int
    due_soon: int
    overdue_self: int
    overdue_supervision: int


class OverdueOut(Schema):
    jurisdiction_code: str
    jurisdiction_name: str
    today: date
    totals: dict[str, int]
    count: int
    items: list[RollupRowOut]


@router.get("/risk/overdue", response=OverdueOut, summary="按下级辖区汇总风险等级、7 日内到期和逾期场所数")
def overdue(request: HttpRequest, jurisdiction: str | None = None) -> Any:
    nodes = Jurisdiction.objects.filter(archived_at__isnull=True).defer("boundary")
    if jurisdiction:
        node = get_object_or_404(nodes, code=jurisdiction)
    else:
        own = getattr(request.user, "jurisdiction_id", None)
        found = (
            nodes.filter(pk=own).first()
            if own
            else Jurisdiction.objects.visible_roots().defer("boundary").order_by("path").first()
        )
        if found is None:
            raise Http404
        node = found
    today = timezone.localdate()
    rows = [row.as_dict() for row in rollup(node, today)]
    return {
        "jurisdiction_code": node.code,
        "jurisdiction_name": node.name,
        "today": today,
        "totals": totals(node, today),
        "count": len(rows),
        "items": rows,
    }
