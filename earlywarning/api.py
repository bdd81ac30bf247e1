"""JSON API of warnings (预警): catalogue, drafts, issue/update/extend/lift, recipients, board, CAP.

Validation problems of warnings answer 422 (the fixed interface says so for an invalid
colour; the other write refusals follow it so that clients handle one status).
"""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.roles import Capability
from earlywarning import actions, notify
from earlywarning.board import build_board
from earlywarning.cap import CapError, build_cap
from earlywarning.choices import ACTIVE_STATES, MessageType, State
from earlywarning.importing import draft_from_cap
from earlywarning.models import EarlyWarning, SignalColourRule, WarningKind, WarningMessage
from earlywarning.recipients import resolve
from earlywarning.visibility import readable_warnings
from jurisdictions.models import Jurisdiction
from yingji.actions import require
from yingji.api import ErrorOut, Page
from yingji.scoping import path_codes

router = Router(tags=["预警"])

PREVIEW_LIMIT = 200


def unprocessable(exc: ValidationError) -> Status:
    if hasattr(exc, "error_dict"):
        errors = [{"field": f, "message": m} for f, ms in exc.message_dict.items() for m in ms]
    else:
        errors = [{"field": "__all__", "message": m} for m in exc.messages]
    return Status(422, {"detail": "数据校验未通过：" + "；".join(e["message"] for e in errors), "errors": errors})


# --- catalogue ------------------------------------------------------------------------


class ColourRuleOut(Schema):
    levels: list[str]
    valid_from: str
    valid_until: str | None
    source: str

    @staticmethod
    def resolve_valid_from(obj: SignalColourRule) -> str:
        return obj.valid_from.isoformat()

    @staticmethod
    def resolve_valid_until(obj: SignalColourRule) -> str | None:
        return obj.valid_until.isoformat() if obj.valid_until else None


class WarningKindOut(Schema):
    code: str
    name: str
    group: str
    group_label: str
    is_weather_signal: bool
    cma_code: str
    cap_category: str
    allowed_levels: list[str]
    colour_rules: list[ColourRuleOut]
    position_kinds: list[str]
    default_watch_for: str
    default_measures: str

    @staticmethod
    def resolve_group_label(obj: WarningKind) -> str:
        return str(obj.get_group_display())

    @staticmethod
    def resolve_allowed_levels(obj: WarningKind) -> list[str]:
        return obj.allowed_levels(rules=list(obj.colour_rules.all()))

    @staticmethod
    def resolve_colour_rules(obj: WarningKind) -> list[SignalColourRule]:
        return list(obj.colour_rules.all())

    @staticmethod
    def resolve_position_kinds(obj: WarningKind) -> list[str]:
        return [kind.code for kind in obj.position_kinds.all()]


@router.get("/warning-kinds", response=list[WarningKindOut], summary="预警类别与各类别允许的颜色")
def list_warning_kinds(request: HttpRequest) -> Any:
    return WarningKind.objects.filter(active=True).prefetch_related("colour_rules", "position_kinds")


# --- warnings -----------------------------------------------------------------------------


class WarningOut(Schema):
    id: int
    jurisdiction_code: str
    jurisdiction_name: str
    kind: str
    kind_name: str
    level: str
    level_label: str
    signal_name: str
    title: str
    state: str
    state_label: str
    is_active: bool
    area: list[str]
    area_names: list[str]
    area_polygon: dict[str, Any] | None
    area_description: str
    starts_at: datetime | None
    ends_at: datetime | None
    watch_for: str
    measures: str
    issuing_unit: str
    issued_at: datetime | None
    lifted_at: datetime | None
    place_kinds: list[str]
    recipient_count: int

    @staticmethod
    def resolve_jurisdiction_code(obj: EarlyWarning) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: EarlyWarning) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_kind(obj: EarlyWarning) -> str:
        return obj.kind.code

    @staticmethod
    def resolve_kind_name(obj: EarlyWarning) -> str:
        return obj.kind.name

    @staticmethod
    def resolve_level_label(obj: EarlyWarning) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_signal_name(obj: EarlyWarning) -> str:
        return obj.signal_name()

    @staticmethod
    def resolve_state_label(obj: EarlyWarning) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_area(obj: EarlyWarning) -> list[str]:
        return [node.code for node in obj.area_nodes.all()]

    @staticmethod
    def resolve_area_names(obj: EarlyWarning) -> list[str]:
        return [node.name for node in obj.area_nodes.all()]

    @staticmethod
    def resolve_recipient_count(obj: EarlyWarning) -> int:
        count = getattr(obj, "recipient_total", None)
        return int(count) if count is not None else obj.recipients.count()


class MessageOut(Schema):
    sequence: int
    msg_type: str
    msg_type_label: str
    summary: str
    sent_at: datetime
    notification_id: int | None

    @staticmethod
    def resolve_msg_type_label(obj: Any) -> str:
        return str(obj.get_msg_type_display())

    @staticmethod
    def resolve_sent_at(obj: Any) -> datetime:
        return obj.created_at


class WarningDetailOut(WarningOut):
    messages: list[MessageOut]

    @staticmethod
    def resolve_messages(obj: EarlyWarning) -> list[Any]:
        return list(obj.messages.order_by("sequence"))


LevelCode = Literal["red", "orange", "yellow", "blue"]


class WarningIn(Schema):
    kind: str = Field(..., description="预警类别代码，如 rainstorm、typhoon、geological；见 /warning-kinds")
    level: LevelCode
    area: list[str] = Field(default_factory=list, description="影响区域的辖区代码")
    area_polygon: dict[str, Any] | None = Field(default=None, description="绘制的影响区域（GeoJSON Polygon，WGS-84）")
    area_description: str = Field(default="", max_length=300)
    title: str = Field(..., min_length=1, max_length=120)
    watch_for: str = ""
    measures: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    issuing_unit: str = Field(default="", max_length=100)
    place_kinds: list[str] = Field(default_factory=list, description="同时通知这些场所类型的负责人（场所类型代码）")
    jurisdiction_code: str | None = Field(default=None, description="发布单位所在辖区；默认为本账号所属辖区")


class WarningPatch(Schema):
    kind: str | None = None
    level: LevelCode | None = None
    area: list[str] | None = None
    area_polygon: dict[str, Any] | None = None
    area_description: str | None = Field(default=None, max_length=300)
    title: str | None = Field(default=None, min_length=1, max_length=120)
    watch_for: str | None = None
    measures: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    issuing_unit: str | None = Field(default=None, max_length=100)
    place_kinds: list[str] | None = None


class UpdateIn(Schema):
    level: LevelCode | None = None
    title: str | None = Field(default=None, min_length=1, max_length=120)
    area_description: str | None = Field(default=None, max_length=300)
    watch_for: str | None = None
    measures: str | None = None
    ends_at: datetime | None = None
    note: str = Field(default="", max_length=500)


class ExtendIn(Schema):
    ends_at: datetime
    note: str = Field(default="", max_length=500)


class LiftIn(Schema):
    reason: str = Field(default="", max_length=500)


class ActionIn(Schema):
    """Body of `/warnings/{id}/actions/{action}`: the fields of the chosen action."""

    level: LevelCode | None = None
    title: str | None = Field(default=None, min_length=1, max_length=120)
    area_description: str | None = Field(default=None, max_length=300)
    watch_for: str | None = None
    measures: str | None = None
    ends_at: datetime | None = None
    note: str = Field(default="", max_length=500)
    reason: str = Field(default="", max_length=500)


class WarningFilter(Schema):
    state: str | None = Field(default=None, description="draft/issued/updated/extended/lifted/expired，或 active 表示生效中")
    kind: str | None = None
    level: LevelCode | None = None
    jurisdiction: str | None = Field(default=None, description="辖区代码：该辖区及其下级发布的、或影响该辖区的预警")


def warnings_queryset() -> Any:
    nodes = Jurisdiction.objects.only("id", "code", "name", "path").order_by("path")
    return (
        readable_warnings()
        .select_related("kind", "jurisdiction")
        .defer("jurisdiction__boundary")
        .prefetch_related(Prefetch("area_nodes", queryset=nodes))
        .annotate(recipient_total=Count("recipients", distinct=True))
    )


def filter_warnings(filters: WarningFilter) -> Any:
    warnings = warnings_queryset().filter(archived_at__isnull=True)
    if filters.state == "active":
        warnings = warnings.filter(state__in=ACTIVE_STATES)
    elif filters.state:
        warnings = warnings.filter(state=filters.state)
    if filters.kind:
        warnings = warnings.filter(kind__code=filters.kind)
    if filters.level:
        warnings = warnings.filter(level=filters.level)
    if filters.jurisdiction:
        node = get_object_or_404(Jurisdiction.objects, code=filters.jurisdiction)
        warnings = warnings.filter(
            Q(jurisdiction_path__within=node.path) | Q(area_nodes__path__within=node.path) | Q(jurisdiction__code__in=path_codes(node.path))
        ).distinct()
    active_first = Case(When(state__in=ACTIVE_STATES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return warnings.order_by(active_first, "-issued_at", "-created_at", "-id")


@router.get("/warnings", response=list[WarningOut], summary="预警列表（生效中的在前）")
@paginate(Page)
def list_warnings(request: HttpRequest, filters: Query[WarningFilter]) -> Any:
    return filter_warnings(filters)


def issuing_node(request: HttpRequest, code: str | None) -> Jurisdiction:
    if code:
        return Jurisdiction.objects.visible_code(code)
    node = getattr(request.user, "jurisdiction", None)
    if node is None:
        node = Jurisdiction.objects.visible_roots().order_by("path").first()
    if node is None:
        raise ValidationError({"jurisdiction_code": "无法确定发布单位所在辖区，请填写 jurisdiction_code"})
    return node


def area_nodes(codes: list[str], issuer: Jurisdiction) -> list[Jurisdiction]:
    nodes = []
    for code in dict.fromkeys(codes):
        node = Jurisdiction.objects.visible_code(code, field="area")
        if not node.path.startswith(issuer.path):
            raise ValidationError({"area": f"{node.name} 不在发布单位 {issuer.name} 的辖区内"})
        nodes.append(node)
    return nodes


def kind_by_code(code: str) -> WarningKind:
    kind = WarningKind.objects.filter(code=code, active=True).first()
    if kind is None:
        raise ValidationError({"kind": f"未知的预警类别：{code}（见 /api/v1/warning-kinds）"})
    return kind


def detail(warning_id: int) -> EarlyWarning:
    return get_object_or_404(warnings_queryset(), pk=warning_id)


@router.post("/warnings", response={201: WarningDetailOut, 403: ErrorOut, 422: ErrorOut}, summary="起草预警")
@transaction.atomic
def create_warning(request: HttpRequest, payload: WarningIn) -> Any:
    require(request.user, Capability.ISSUE_WARNING)
    data = payload.dict()
    try:
        issuer = issuing_node(request, data.pop("jurisdiction_code"))
        nodes = area_nodes(data.pop("area"), issuer)
        data["kind"] = kind_by_code(data["kind"])
        warning = actions.create_draft(by=request.user, jurisdiction=issuer, area_nodes=nodes, **data)
    except ValidationError as exc:
        return unprocessable(exc)
    return Status(201, detail(warning.pk))


class FromCapIn(Schema):
    cap_xml: str = Field(..., min_length=1, description="上游 CAP 1.2 报文（XML 文本）")
    jurisdiction_code: str | None = Field(default=None, description="发布单位所在辖区；默认为本账号所属辖区")


@router.post("/warnings/from-cap", response={201: WarningDetailOut, 403: ErrorOut, 422: ErrorOut}, summary="用上游 CAP 报文预填一份预警草稿")
@transaction.atomic
def warning_from_cap(request: HttpRequest, payload: FromCapIn) -> Any:
    """Pre-fill a draft from an upstream CAP alert (e.g. the meteorological station's signal).

    Geocodes that name nodes inside the issuer's subtree become the area; others are ignored
    (the polygon, if any, is kept). The draft is then checked and issued as any other.
    """
    require(request.user, Capability.ISSUE_WARNING)
    try:
        warning = draft_from_cap(payload.cap_xml, by=request.user, issuer=issuing_node(request, payload.jurisdiction_code))
    except CapError as exc:
        return unprocessable(ValidationError({"cap_xml": str(exc)}))
    except ValidationError as exc:
        return unprocessable(exc)
    return Status(201, detail(warning.pk))


# Excel/CAP/sub-resource routes are declared with their full suffix; none is read as an id.


@router.get("/warnings/{warning_id}", response=WarningDetailOut, summary="预警详情")
def get_warning(request: HttpRequest, warning_id: int) -> Any:
    return detail(warning_id)


@router.patch("/warnings/{warning_id}", response={200: WarningDetailOut, 403: ErrorOut, 422: ErrorOut}, summary="修改预警草稿")
@transaction.atomic
def patch_warning(request: HttpRequest, warning_id: int, payload: WarningPatch) -> Any:
    warning = get_object_or_404(EarlyWarning.objects, pk=warning_id)
    changes = payload.dict(exclude_unset=True)
    try:
        nodes = area_nodes(changes.pop("area"), warning.jurisdiction) if "area" in changes else None
        if "kind" in changes:
            changes["kind"] = kind_by_code(changes["kind"] or "")
        actions.update_draft(warning, by=request.user, area_nodes=nodes, **changes)
    except ValidationError as exc:
        return unprocessable(exc)
    return detail(warning_id)


def _run_action(request: HttpRequest, warning_id: int, action: str, payload: ActionIn) -> Any:
    warning = get_object_or_404(EarlyWarning.objects, pk=warning_id)
    data = payload.dict(exclude_unset=True)
    try:
        if action == "issue":
            actions.issue(warning, by=request.user)
        elif action == "update":
            note = data.pop("note", "")
            data.pop("reason", None)
            actions.update_issued(warning, by=request.user, note=note, **{k: v for k, v in data.items() if v is not None})
        elif action == "extend":
            if not payload.ends_at:
                raise ValidationError({"ends_at": "请填写延长后的结束时间"})
            actions.extend(warning, by=request.user, ends_at=payload.ends_at, note=payload.note)
        elif action == "lift":
            actions.lift(warning, by=request.user, reason=payload.reason or payload.note)
        else:
            raise ValidationError({"action": f"未知的操作：{action}（可选 issue、update、extend、lift）"})
    except ValidationError as exc:
        return unprocessable(exc)
    return detail(warning_id)


ACTION_RESPONSES = {200: WarningDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post("/warnings/{warning_id}/actions/{action}", response=ACTION_RESPONSES, summary="预警操作：issue、update、extend、lift")
@transaction.atomic
def warning_action(request: HttpRequest, warning_id: int, action: str, payload: ActionIn | None = None) -> Any:
    return _run_action(request, warning_id, action, payload or ActionIn())


@router.post("/warnings/{warning_id}/issue", response=ACTION_RESPONSES, summary="发布预警")
@transaction.atomic
def issue_warning(request: HttpRequest, warning_id: int) -> Any:
    return _run_action(request, warning_id, "issue", ActionIn())


@router.post("/warnings/{warning_id}/update", response=ACTION_RESPONSES, summary="变更预警（向同一批接收人发送变更消息）")
@transaction.atomic
def update_warning(request: HttpRequest, warning_id: int, payload: UpdateIn) -> Any:
    return _run_action(request, warning_id, "update", ActionIn(**payload.dict(exclude_unset=True)))


@router.post("/warnings/{warning_id}/extend", response=ACTION_RESPONSES, summary="延长预警")
@transaction.atomic
def extend_warning(request: HttpRequest, warning_id: int, payload: ExtendIn) -> Any:
    return _run_action(request, warning_id, "extend", ActionIn(ends_at=payload.ends_at, note=payload.note))


@router.post("/warnings/{warning_id}/lift", response=ACTION_RESPONSES, summary="解除预警")
@transaction.atomic
def lift_warning(request: HttpRequest, warning_id: int, payload: LiftIn | None = None) -> Any:
    return _run_action(request, warning_id, "lift", ActionIn(reason=(payload or LiftIn()).reason))


# --- recipients, board, deliveries, CAP ------------------------------------------------------


class RecipientOut(Schema):
    name: str
    label: str
    source: str
    jurisdiction_code: str
    jurisdiction_name: str
    reachable: bool


class RecipientPreviewOut(Schema):
    frozen: bool
    count: int
    unreachable: int
    by_source: dict[str, int]
    by_jurisdiction: list[dict[str, Any]]
    area: list[str]
    items: list[RecipientOut]


def _recipient_items(rows: list[Any], names: dict[int, tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "name": row.name,
            "label": row.label,
            "source": row.source,
            "jurisdiction_code": names.get(row.jurisdiction_id, ("", ""))[0],
            "jurisdiction_name": names.get(row.jurisdiction_id, ("", ""))[1],
            "reachable": row.reachable,
        }
        for row in rows[:PREVIEW_LIMIT]
    ]


def recipient_preview(warning: EarlyWarning) -> dict[str, Any]:
    """Frozen recipients of an issued warning, or what issuing the draft now would resolve."""
    if warning.state == State.DRAFT:
        resolution = resolve(warning)
        rows, area = resolution.rows, [node.code for node in resolution.area_nodes]
        frozen = False
    else:
        rows = list(warning.recipients.all())
        area = [node.code for node in warning.area_nodes.all()]
        frozen = True
    ids = {row.jurisdiction_id for row in rows}
    names = {pk: (code, name) for pk, code, name in Jurisdiction.unscoped.filter(pk__in=ids).values_list("pk", "code", "name")}
    by_node: dict[int, int] = {}
    by_source: dict[str, int] = {}
    for row in rows:
        by_node[row.jurisdiction_id] = by_node.get(row.jurisdiction_id, 0) + 1
        by_source[row.source] = by_source.get(row.source, 0) + 1
    return {
        "frozen": frozen,
        "count": len(rows),
        "unreachable": sum(1 for row in rows if not row.reachable),
        "by_source": by_source,
        "by_jurisdiction": sorted(
            ({"code": names.get(pk, ("", ""))[0], "name": names.get(pk, ("", ""))[1], "count": n} for pk, n in by_node.items()),
            key=lambda item: item["code"],
        ),
        "area": area,
        "items": _recipient_items(rows, names),
    }


@router.get("/warnings/{warning_id}/recipients", response=RecipientPreviewOut, summary="接收人预览（草稿）或已冻结的接收人")
def warning_recipients(request: HttpRequest, warning_id: int) -> Any:
    return recipient_preview(get_object_or_404(EarlyWarning.objects.select_related("kind", "jurisdiction"), pk=warning_id))


class BoardRowOut(Schema):
    name: str
    label: str
    state: str
    state_label: str
    channel: str
    acknowledged_at: datetime | None
    escalated: bool


class BoardGroupOut(Schema):
    jurisdiction_code: str
    jurisdiction_name: str
    total: int
    acknowledged: int
    rows: list[BoardRowOut]


class BoardOut(Schema):
    message_sequence: int | None
    totals: dict[str, int]
    groups: list[BoardGroupOut]
    escalated_to: list[dict[str, str]]


@router.get("/warnings/{warning_id}/acknowledgements", response=BoardOut, summary="叫应看板：谁已叫应、谁还没有（按村社/网格）")
def warning_board(request: HttpRequest, warning_id: int) -> Any:
    warning = get_object_or_404(EarlyWarning.objects, pk=warning_id)
    board = build_board(warning)
    return {
        "message_sequence": board.message.sequence if board.message else None,
        "totals": board.totals(),
        "groups": [
            {
                "jurisdiction_code": g.code,
                "jurisdiction_name": g.name,
                "total": len(g.rows),
                "acknowledged": g.acknowledged,
                "rows": [
                    {
                        "name": r.recipient.name,
                        "label": r.recipient.label,
                        "state": r.state,
                        "state_label": r.state_label,
                        "channel": r.channel,
                        "acknowledged_at": r.acknowledged_at,
                        "escalated": r.escalated,
                    }
                    for r in g.rows
                ],
            }
            for g in board.groups
        ],
        "escalated_to": board.escalated_to,
    }


class DeliveryOut(Schema):
    id: int
    recipient: str
    channel: str
    state: str
    acknowledged_at: datetime | None
    message_sequence: int | None
    ack_url: str | None

    @staticmethod
    def resolve_recipient(obj: Any) -> str:
        return str(obj.recipient_label or (obj.recipient_person.name if obj.recipient_person else obj.recipient_key))

    @staticmethod
    def resolve_ack_url(obj: Any, context: Any) -> str | None:
        """The no-login link, shown only to township staff and above (they may pass it on by phone)."""
        from notifications.api import may_see_ack_links
        from notifications.outbox import ack_url

        request = (context or {}).get("request")
        if request is None or not may_see_ack_links(request.user):
            return None
        return ack_url(obj.reply_token)


@router.get("/warnings/{warning_id}/deliveries", response=list[DeliveryOut], summary="预警的每一条送达记录")
@paginate(Page)
def warning_deliveries(request: HttpRequest, warning_id: int) -> Any:
    warning = get_object_or_404(EarlyWarning.objects, pk=warning_id)
    if not request.user.can(Capability.VIEW_DELIVERIES):  # type: ignore[union-attr]
        raise PermissionDenied("当前角色无权查看送达记录")
    sequence = WarningMessage.objects.filter(warning=warning, notification_id=OuterRef("notification_id")).values("sequence")[:1]
    return notify.deliveries(warning).annotate(message_sequence=Subquery(sequence))


@router.get("/warnings/{warning_id}/cap.xml", summary="预警的 CAP 1.2 报文（最新一条消息；草稿为 status=Draft）")
def warning_cap(request: HttpRequest, warning_id: int) -> HttpResponse:
    warning = get_object_or_404(EarlyWarning.objects.select_related("kind", "jurisdiction"), pk=warning_id)
    latest = warning.messages.order_by("-sequence").first()
    xml = latest.cap_xml if latest is not None else build_cap(warning, msg_type=MessageType.ALERT, sequence=0)
    return HttpResponse(xml, content_type="application/cap+xml; charset=utf-8")

