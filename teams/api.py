"""JSON API of the teams app (救援队伍): teams, members, certificates, vehicles, status,
nearest available teams, the map layer, compliance against standards, and Excel ledgers.

Reads go through the scoped managers (an outsider's team is a 404; an outsider's nearest
search never sees our teams); writes go through `teams.actions`.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts.roles import Capability
from audit.api import ChangeOut
from audit.tracking import history_of
from jurisdictions.models import Jurisdiction
from people.models import Person
from teams import actions, compliance
from teams.choices import KIND_COLOURS, STATUS_COLOURS, MemberRole, TeamKind, TeamStatus, VehicleKind, VehicleStatus
from teams.compliance import Compliance
from teams.ledgers import MEMBERS_LEDGER, TEAMS_LEDGER, MembersImporter, TeamsImporter, member_rows, team_rows
from teams.models import Certificate, Team, TeamCapability, TeamMember, TeamStandard, TeamStatusChange, Vehicle
from teams.services import check_point, nearest_teams
from yingji.api import ErrorOut, Page
from yingji.ledgers import dated_filename, xlsx_response
from yingji.ledgers.endpoints import ImportOut, import_upload

router = Router(tags=["救援队伍"])


def _may_see_mobile(context: Any) -> bool:
    request = (context or {}).get("request")
    return bool(request and request.user.can(Capability.SEE_MOBILE))


def _today() -> date:
    return timezone.localdate()


def _current_q(prefix: str = "") -> Q:
    today = _today()
    return Q(**{f"{prefix}archived_at__isnull": True}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": today})
    )


# --- schemas ------------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    kind_colour: str
    jurisdiction_code: str
    jurisdiction_name: str
    address: str
    lng: float
    lat: float
    leader_id: int | None
    leader_name: str
    leader_mobile: str
    duty_phone: str
    capabilities: list[str]
    status: str
    status_label: str
    status_colour: str
    status_reason: str
    status_until: datetime | None
    status_changed_at: datetime
    member_count: int
    on_duty_count: int
    archived: bool

    @staticmethod
    def resolve_kind_label(obj: Team) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_jurisdiction_code(obj: Team) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_jurisdiction_name(obj: Team) -> str:
        return obj.jurisdiction.name

    @staticmethod
    def resolve_leader_name(obj: Team) -> str:
        return obj.leader.name if obj.leader else ""

    @staticmethod
    def resolve_leader_mobile(obj: Team, context: Any) -> str:
        if obj.leader is None:
            return ""
        return obj.leader.mobile if _may_see_mobile(context) else obj.leader.masked_mobile

    @staticmethod
    def resolve_capabilities(obj: Team) -> list[str]:
        return [c.name for c in obj.capabilities.all()]

    @staticmethod
    def resolve_status_label(obj: Team) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_member_count(obj: Team) -> int:
        return int(getattr(obj, "member_count", 0) or 0)

    @staticmethod
    def resolve_on_duty_count(obj: Team) -> int:
        return int(getattr(obj, "on_duty_count", 0) or 0)

    @staticmethod
    def resolve_archived(obj: Team) -> bool:
        return obj.archived_at is not None


class CertificateOut(Schema):
    id: int
    member_id: int
    name: str
    number: str
    issued_on: date | None
    expires_on: date | None
    state: str
    state_label: str
    jurisdiction_code: str
    archived: bool

    @staticmethod
    def resolve_state(obj: Certificate) -> str:
        return obj.state()

    @staticmethod
    def resolve_jurisdiction_code(obj: Certificate) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_archived(obj: Certificate) -> bool:
        return obj.archived_at is not None


class MemberOut(Schema):
    id: int
    team_id: int
    person_id: int
    person_name: str
    mobile: str
    role: str
    role_label: str
    on_duty: bool
    joined_on: date
    left_on: date | None
    current: bool
    note: str
    jurisdiction_code: str
    certificates: list[CertificateOut]

    @staticmethod
    def resolve_person_name(obj: TeamMember) -> str:
        return obj.person.name

    @staticmethod
    def resolve_mobile(obj: TeamMember, context: Any) -> str:
        return obj.person.mobile if _may_see_mobile(context) else obj.person.masked_mobile

    @staticmethod
    def resolve_role_label(obj: TeamMember) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_current(obj: TeamMember) -> bool:
        return obj.is_current

    @staticmethod
    def resolve_jurisdiction_code(obj: TeamMember) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_certificates(obj: TeamMember) -> list[Certificate]:
        return [c for c in obj.certificates.all() if c.archived_at is None]


class VehicleOut(Schema):
    id: int
    team_id: int
    plate: str
    kind: str
    kind_label: str
    capacity: str
    status: str
    status_label: str
    note: str
    jurisdiction_code: str
    archived: bool

    @staticmethod
    def resolve_kind_label(obj: Vehicle) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj: Vehicle) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_jurisdiction_code(obj: Vehicle) -> str:
        return obj.jurisdiction.code

    @staticmethod
    def resolve_archived(obj: Vehicle) -> bool:
        return obj.archived_at is not None


class RequirementOut(Schema):
    category: str
    label: str
    required: int
    present: int | None
    state: str


class ComplianceOut(Schema):
    team_id: int
    standard: str | None
    compliant: bool | None
    requirements: list[RequirementOut]
    missing: list[str]

    @staticmethod
    def resolve_missing(obj: Compliance) -> list[str]:
        return obj.missing_text()


class TeamDetailOut(TeamOut):
    note: str
    archive_reason: str
    created_at: datetime
    updated_at: datetime
    members: list[MemberOut]
    vehicles: list[VehicleOut]
    compliance: ComplianceOut

    @staticmethod
    def resolve_members(obj: Team) -> list[TeamMember]:
        return list(obj.current_members)  # type: ignore[attr-defined]  # Prefetch(to_attr=...)

    @staticmethod
    def resolve_vehicles(obj: Team) -> list[Vehicle]:
        return list(obj.active_vehicles)  # type: ignore[attr-defined]  # Prefetch(to_attr=...)

    @staticmethod
    def resolve_compliance(obj: Team) -> Compliance:
        return compliance.check_team(obj)


class NearTeamOut(TeamOut):
    distance_m: float


class NearestOut(Schema):
    count: int
    lng: float
    lat: float
    items: list[NearTeamOut]


class StatusChangeOut(Schema):
    id: int
    team_id: int
    from_status: str
    to_status: str
    to_status_label: str
    reason: str
    until: datetime | None
    changed_by: str
    changed_at: datetime
    jurisdiction_code: str

    @staticmethod
    def resolve_to_status_label(obj: TeamStatusChange) -> str:
        return obj.get_to_status_display()

    @staticmethod
    def resolve_changed_by(obj: TeamStatusChange) -> str:
        user = obj.changed_by
        return user.display_name if user is not None else ""

    @staticmethod
    def resolve_jurisdiction_code(obj: TeamStatusChange) -> str:
        return obj.jurisdiction.code


class TeamIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    kind: TeamKind
    jurisdiction_code: str
    lng: float
    lat: float
    coord_system: str = Field("wgs84", description="wgs84（默认）、gcj02（高德/腾讯）、bd09（百度）")
    address: str = Field("", max_length=200)
    leader_id: int | None = None
    duty_phone: str = Field("", max_length=20)
    capabilities: list[str] = Field(default_factory=list, description="能力名称或代码，如 灭火、water_rescue")
    note: str = ""


class TeamPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=80)
    kind: TeamKind | None = None
    jurisdiction_code: str | None = None
    lng: float | None = None
    lat: float | None = None
    coord_system: str = "wgs84"
    address: str | None = Field(None, max_length=200)
    leader_id: int | None = None
    duty_phone: str | None = Field(None, max_length=20)
    capabilities: list[str] | None = None
    note: str | None = None


class ArchiveIn(Schema):
    reason: str = Field("", max_length=200)


class StatusIn(Schema):
    status: TeamStatus
    reason: str = Field("", max_length=200)
    until: datetime | None = None


class MemberIn(Schema):
    person_id: int
    role: MemberRole = MemberRole.MEMBER
    on_duty: bool = False
    joined_on: date | None = None
    note: str = Field("", max_length=200)


class MemberPatch(Schema):
    role: MemberRole | None = None
    on_duty: bool | None = None
    joined_on: date | None = None
    note: str | None = Field(None, max_length=200)


class EndMemberIn(Schema):
    left_on: date | None = None


class CertificateIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    number: str = Field("", max_length=60)
    issued_on: date | None = None
    expires_on: date | None = None


class RenewIn(Schema):
    expires_on: date | None
    issued_on: date | None = None
    number: str | None = Field(None, max_length=60)


class VehicleIn(Schema):
    plate: str = Field(..., min_length=1, max_length=20)
    kind: VehicleKind
    capacity: str = Field("", max_length=40)
    status: VehicleStatus = VehicleStatus.READY
    note: str = Field("", max_length=200)


class VehiclePatch(Schema):
    plate: str | None = Field(None, min_length=1, max_length=20)
    kind: VehicleKind | None = None
    capacity: str | None = Field(None, max_length=40)
    status: VehicleStatus | None = None
    note: str | None = Field(None, max_length=200)


class TeamFilter(Schema):
    jurisdiction: str | None = Field(None, description="辖区代码：只列出该辖区及其下级的队伍")
    kind: TeamKind | None = None
    status: TeamStatus | None = None
    capability: str | None = Field(None, description="能力名称或代码，如 水域救援 或 water_rescue")
    q: str | None = Field(None, description="按队伍名称、地址搜索")
    include_archived: bool = False


# --- query helpers --------------------------------------------------------------------------


def team_queryset() -> QuerySet[Team]:
    """Teams with what the list shows, in a fixed number of queries."""
    return (
        Team.objects.select_related("jurisdiction", "leader")
        .defer("jurisdiction__boundary", "leader__id_number_sealed")
        .prefetch_related("capabilities")
        .annotate(
            member_count=Count("members", filter=_current_q("members__"), distinct=True),
            on_duty_count=Count("members", filter=_current_q("members__") & Q(members__on_duty=True), distinct=True),
        )
    )


def team_detail_queryset() -> QuerySet[Team]:
    members = (
        TeamMember.objects.filter(_current_q())
        .select_related("person", "jurisdiction")
        .defer("person__id_number_sealed", "jurisdiction__boundary")
        .prefetch_related(Prefetch("certificates", queryset=Certificate.objects.select_related("jurisdiction").defer("jurisdiction__boundary")))
        .order_by("role", "id")
    )
    vehicles = Vehicle.objects.filter(archived_at__isnull=True).select_related("jurisdiction").defer("jurisdiction__boundary")
    return team_queryset().prefetch_related(
        Prefetch("members", queryset=members, to_attr="current_members"),
        Prefetch("vehicles", queryset=vehicles, to_attr="active_vehicles"),
    )


def _node(code: str) -> Jurisdiction:
    return get_object_or_404(Jurisdiction.objects, code=code)


def filter_teams(filters: TeamFilter) -> QuerySet[Team]:
    """The team list as the API filters it; shared by the list, the map layer and the export."""
    teams = team_queryset()
    if not filters.include_archived:
        teams = teams.filter(archived_at__isnull=True)
    if filters.jurisdiction:
        teams = teams.filter(jurisdiction_path__within=_node(filters.jurisdiction).path)
    if filters.kind:
        teams = teams.filter(kind=filters.kind)
    if filters.status:
        teams = teams.filter(status=filters.status)
    if filters.capability:
        cap = filters.capability.strip()
        teams = teams.filter(capabilities__in=TeamCapability.objects.filter(Q(code=cap) | Q(name=cap)))
    if filters.q:
        q = filters.q.strip()
        teams = teams.filter(Q(name__contains=q) | Q(address__contains=q))
    return teams.order_by("jurisdiction_path", "kind", "name", "id")


def _capabilities(names: list[str]) -> list[TeamCapability]:
    wanted = [n.strip() for n in names if n.strip()]
    found = list(TeamCapability.objects.filter(Q(name__in=wanted) | Q(code__in=wanted)))
    known = {c.name for c in found} | {c.code for c in found}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ValidationError({"capabilities": f"能力“{'、'.join(unknown)}”不在能力清单中；可选：{'、'.join(TeamCapability.objects.values_list('name', flat=True))}"})
    return found


def _leader(person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"leader_id": "队长不存在或不在您的辖区范围内；请先在人员台账登记"})
    return person


# --- teams --------------------------------------------------------------------------------


@router.get("/teams", response=list[TeamOut], summary="救援队伍列表")
@paginate(Page)
def list_teams(request: HttpRequest, filters: Query[TeamFilter]) -> Any:
    return filter_teams(filters)


class NearestFilter(Schema):
    lng: float = Field(..., description="经度（WGS-84）")
    lat: float = Field(..., description="纬度（WGS-84）")
    limit: int = Field(10, ge=1, le=100)
    capability: str | None = Field(None, description="只找具备该能力的队伍（名称或代码）")
    coord_system: str = Field("wgs84", description="输入坐标的坐标系：wgs84、gcj02、bd09")


@router.get("/teams/nearest", response={200: NearestOut, 422: ErrorOut}, summary="最近的可调派队伍（按直线距离）", url_name="teams_nearest")
def nearest(request: HttpRequest, filters: Query[NearestFilter]) -> Any:
    """Available teams in the caller's scope nearest to a point, with great-circle `distance_m`."""
    try:
        lng, lat = check_point(filters.lng, filters.lat)
        if filters.coord_system != "wgs84":
            lng, lat = actions.to_wgs84(lng, lat, filters.coord_system)
    except ValueError as exc:
        return Status(422, {"detail": str(exc), "errors": [{"field": "lng,lat", "message": str(exc)}]})
    except ValidationError as exc:
        return Status(422, {"detail": "；".join(exc.messages), "errors": [{"field": "coord_system", "message": "；".join(exc.messages)}]})
    found = nearest_teams(lng, lat, limit=filters.limit, capability=filters.capability)
    ids = [n.team.pk for n in found]
    teams = team_queryset().in_bulk(ids)
    items = []
    for near in found:
        team = teams.get(near.team.pk)
        if team is not None:
            team.distance_m = round(near.distance_m, 1)  # type: ignore[attr-defined]
            items.append(team)
    return {"count": len(items), "lng": lng, "lat": lat, "items": items}


@router.get("/teams/geojson", summary="救援队伍图层（GeoJSON，供一张图）", url_name="teams_geojson")
def teams_geojson(request: HttpRequest, filters: Query[TeamFilter]) -> JsonResponse:
    """Point features with kind/status labels and colours; same filters as the list."""
    rows = filter_teams(filters).values_list(
        "pk", "name", "kind", "status", "lng", "lat", "jurisdiction__code", "jurisdiction__name", "duty_phone"
    )
    kinds, statuses = dict(TeamKind.choices), dict(TeamStatus.choices)
    detail_url = reverse("teams:detail", args=[0]).replace("/0/", "/{}/")
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {
                "id": pk,
                "name": name,
                "kind": kind,
                "kind_label": str(kinds.get(kind, kind)),
                "status": status,
                "status_label": str(statuses.get(status, status)),
                "colour": KIND_COLOURS.get(kind, "#555555"),
                "status_colour": STATUS_COLOURS.get(status, "#555555"),
                "jurisdiction_code": code,
                "jurisdiction_name": node_name,
                "duty_phone": phone,
                "url": detail_url.format(pk),
            },
        }
        for pk, name, kind, status, lng, lat, code, node_name, phone in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features}, content_type="application/geo+json")


class RollupRowOut(Schema):
    code: str
    name: str
    teams: int
    checked: int
    compliant: int
    non_compliant: int
    rate: float | None
    by_kind: dict[str, dict[str, int]]
    missing: dict[str, int]


class RollupOut(Schema):
    jurisdiction_code: str
    total: RollupRowOut
    children: list[RollupRowOut]


@router.get("/teams/compliance", response=RollupOut, summary="队伍达标情况汇总（按下级辖区）")
def compliance_rollup(request: HttpRequest, jurisdiction: str | None = None) -> Any:
    node = _node(jurisdiction) if jurisdiction else Jurisdiction.objects.visible_roots().first()
    if node is None:
        raise HttpError(404, "没有可查看的辖区")
    total, children = compliance.rollup(node, Team.objects.all())
    return {"jurisdiction_code": node.code, "total": total, "children": children}


# Ledger routes come before /teams/{team_id}.


@router.get("/teams/export.xlsx", summary="导出救援队伍台账（Excel，筛选条件同列表）")
def export_teams(request: HttpRequest, filters: Query[TeamFilter]) -> FileResponse:
    return xlsx_response(TEAMS_LEDGER, team_rows(filter_teams(filters), request.user), dated_filename("救援队伍台账"))


@router.post(
    "/teams/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入救援队伍台账（.xlsx/.csv；dry_run 默认 true 只检查不写入）",
)
@transaction.atomic
def import_teams(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(TEAMS_LEDGER, file, TeamsImporter(request.user), dry_run=dry_run, mapping=mapping, unit="支队伍")
    return Status(status, body)


@router.post("/teams", response={201: TeamDetailOut}, summary="登记救援队伍")
@transaction.atomic
def create_team(request: HttpRequest, payload: TeamIn) -> Any:
    team = actions.create_team(
        by=request.user,
        jurisdiction=Jurisdiction.objects.visible_code(payload.jurisdiction_code),
        name=payload.name,
        kind=payload.kind,
        lng=payload.lng,
        lat=payload.lat,
        coord_system=payload.coord_system,
        address=payload.address,
        leader=_leader(payload.leader_id),
        duty_phone=payload.duty_phone,
        note=payload.note,
        capabilities=_capabilities(payload.capabilities),
    )
    return Status(201, team_detail_queryset().get(pk=team.pk))


@router.get("/teams/{team_id}", response=TeamDetailOut, summary="救援队伍详情")
def get_team(request: HttpRequest, team_id: int) -> Any:
    return get_object_or_404(team_detail_queryset(), pk=team_id)


@router.patch("/teams/{team_id}", response=TeamDetailOut, summary="修改救援队伍")
@transaction.atomic
def patch_team(request: HttpRequest, team_id: int, payload: TeamPatch) -> Any:
    team = get_object_or_404(Team.objects, pk=team_id)
    changes = payload.dict(exclude_unset=True)
    coord_system = changes.pop("coord_system", "wgs84")
    if "jurisdiction_code" in changes:
        changes["jurisdiction"] = Jurisdiction.objects.visible_code(changes.pop("jurisdiction_code"))
    if "leader_id" in changes:
        changes["leader"] = _leader(changes.pop("leader_id"))
    capabilities = _capabilities(changes.pop("capabilities")) if changes.get("capabilities") is not None else None
    changes.pop("capabilities", None)
    for key in ("name", "kind", "lng", "lat"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "此项不能为空"})
    changes = {k: ("" if v is None and k not in ("leader", "jurisdiction") else v) for k, v in changes.items()}
    actions.update_team(team, by=request.user, coord_system=coord_system, capabilities=capabilities, **changes)
    return get_object_or_404(team_detail_queryset(), pk=team_id)


@router.post("/teams/{team_id}/archive", response=TeamDetailOut, summary="归档救援队伍（不删除）")
@transaction.atomic
def archive_team(request: HttpRequest, team_id: int, payload: ArchiveIn) -> Any:
    actions.archive_team(get_object_or_404(Team.objects, pk=team_id), by=request.user, reason=payload.reason)
    return get_object_or_404(team_detail_queryset(), pk=team_id)


@router.post("/teams/{team_id}/restore", response=TeamDetailOut, summary="恢复已归档的救援队伍")
@transaction.atomic
def restore_team(request: HttpRequest, team_id: int) -> Any:
    actions.restore_team(get_object_or_404(Team.objects, pk=team_id), by=request.user)
    return get_object_or_404(team_detail_queryset(), pk=team_id)


@router.post("/teams/{team_id}/status", response=TeamDetailOut, summary="变更队伍状态（须填写原因）")
@transaction.atomic
def change_status(request: HttpRequest, team_id: int, payload: StatusIn) -> Any:
    team = get_object_or_404(Team.objects, pk=team_id)
    actions.change_status(team, by=request.user, status=payload.status, reason=payload.reason, until=payload.until)
    return get_object_or_404(team_detail_queryset(), pk=team_id)


@router.get("/teams/{team_id}/status-history", response=list[StatusChangeOut], summary="队伍状态记录")
@paginate(Page)
def status_history(request: HttpRequest, team_id: int) -> Any:
    team = get_object_or_404(Team.objects, pk=team_id)
    return (
        TeamStatusChange.objects.filter(team=team)
        .select_related("changed_by", "jurisdiction")
        .defer("jurisdiction__boundary")
        .order_by("-changed_at", "-id")
    )


@router.get("/teams/{team_id}/history", response=list[ChangeOut], summary="队伍变更记录（含队员、证书、车辆）")
@paginate(Page)
def team_history(request: HttpRequest, team_id: int) -> Any:
    team = get_object_or_404(Team.objects, pk=team_id)
    members = list(TeamMember.objects.filter(team=team))
    return history_of(team, *members, *Vehicle.objects.filter(team=team), *Certificate.objects.filter(member__in=members))


@router.get("/teams/{team_id}/compliance", response=ComplianceOut, summary="队伍达标检查")
def team_compliance(request: HttpRequest, team_id: int) -> Any:
    return compliance.check_team(get_object_or_404(Team.objects, pk=team_id))


# --- members and certificates ------------------------------------------------------------


def member_queryset() -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.select_related("person", "jurisdiction")
        .defer("person__id_number_sealed", "jurisdiction__boundary")
        .prefetch_related(Prefetch("certificates", queryset=Certificate.objects.select_related("jurisdiction").defer("jurisdiction__boundary")))
    )


@router.get("/teams/{team_id}/members", response=list[MemberOut], summary="队员列表")
@paginate(Page)
def list_members(request: HttpRequest, team_id: int, include_left: bool = False) -> Any:
    team = get_object_or_404(Team.objects, pk=team_id)
    members = member_queryset().filter(team=team)
    if not include_left:
        members = members.filter(_current_q())
    return members.order_by("role", "id")


@router.post("/teams/{team_id}/members", response={201: MemberOut}, summary="添加队员")
@transaction.atomic
def add_member(request: HttpRequest, team_id: int, payload: MemberIn) -> Any:
    team = get_object_or_404(Team.objects, pk=team_id)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None:
        raise ValidationError({"person_id": "人员不存在或不在您的辖区范围内；请先在人员台账登记"})
    member = actions.add_member(
        team, by=request.user, person=person, role=payload.role, on_duty=payload.on_duty, joined_on=payload.joined_on, note=payload.note
    )
    return Status(201, member_queryset().get(pk=member.pk))


@router.get("/team-members/export.xlsx", summary="导出队员台账（Excel）")
def export_members(request: HttpRequest, filters: Query[TeamFilter]) -> FileResponse:
    members = TeamMember.objects.filter(_current_q(), team__in=filter_teams(filters).values("pk")).order_by(
        "jurisdiction_path", "team__name", "role", "id"
    )
    return xlsx_response(MEMBERS_LEDGER, member_rows(members, request.user), dated_filename("队员台账"))


@router.post(
    "/team-members/import",
    response={200: ImportOut, 400: ImportOut, 403: ErrorOut, 413: ErrorOut},
    summary="导入队员台账（.xlsx/.csv；dry_run 默认 true）",
)
@transaction.atomic
def import_members(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True, mapping: Form[str] = "") -> Any:
    status, body = import_upload(MEMBERS_LEDGER, file, MembersImporter(request.user), dry_run=dry_run, mapping=mapping, unit="人")
    return Status(status, body)


@router.patch("/team-members/{member_id}", response=MemberOut, summary="修改队员（职务、在岗）")
@transaction.atomic
def patch_member(request: HttpRequest, member_id: int, payload: MemberPatch) -> Any:
    member = get_object_or_404(TeamMember.objects, pk=member_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k == "note"}
    if changes.get("note") is None and "note" in changes:
        changes["note"] = ""
    actions.update_member(member, by=request.user, **changes)
    return member_queryset().get(pk=member_id)


@router.post("/team-members/{member_id}/end", response=MemberOut, summary="队员离队")
@transaction.atomic
def end_member(request: HttpRequest, member_id: int, payload: EndMemberIn) -> Any:
    actions.end_member(get_object_or_404(TeamMember.objects, pk=member_id), by=request.user, on=payload.left_on)
    return member_queryset().get(pk=member_id)


@router.post("/team-members/{member_id}/certificates", response={201: CertificateOut}, summary="登记队员证书")
@transaction.atomic
def add_certificate(request: HttpRequest, member_id: int, payload: CertificateIn) -> Any:
    member = get_object_or_404(TeamMember.objects, pk=member_id)
    certificate = actions.add_certificate(member, by=request.user, **payload.dict())
    return Status(201, Certificate.objects.select_related("jurisdiction").get(pk=certificate.pk))


class CertificateFilter(Schema):
    jurisdiction: str | None = None
    state: str | None = Field(None, description="expiring（30 天内到期）或 expired（已过期）")


@router.get("/team-certificates", response=list[CertificateOut], summary="队员证书（可筛选即将到期、已过期）")
@paginate(Page)
def list_certificates(request: HttpRequest, filters: Query[CertificateFilter]) -> Any:
    from teams.choices import CERTIFICATE_WARNING_DAYS

    certificates = Certificate.objects.filter(archived_at__isnull=True).filter(_current_q("member__")).select_related("jurisdiction")
    if filters.jurisdiction:
        certificates = certificates.filter(jurisdiction_path__within=_node(filters.jurisdiction).path)
    today = _today()
    if filters.state == "expired":
        certificates = certificates.filter(expires_on__lt=today)
    elif filters.state == "expiring":
        certificates = certificates.filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=CERTIFICATE_WARNING_DAYS))
    elif filters.state:
        raise ValidationError({"state": "state 可选 expiring（即将到期）或 expired（已过期）"})
    return certificates.defer("jurisdiction__boundary").order_by("expires_on", "id")


@router.post("/team-certificates/{certificate_id}/renew", response=CertificateOut, summary="证书续期（换证）")
@transaction.atomic
def renew_certificate(request: HttpRequest, certificate_id: int, payload: RenewIn) -> Any:
    certificate = get_object_or_404(Certificate.objects, pk=certificate_id)
    actions.renew_certificate(certificate, by=request.user, **payload.dict(exclude_unset=True))
    return Certificate.objects.select_related("jurisdiction").get(pk=certificate_id)


# --- vehicles -----------------------------------------------------------------------------


def vehicle_queryset() -> QuerySet[Vehicle]:
    return Vehicle.objects.select_related("jurisdiction").defer("jurisdiction__boundary")


@router.get("/teams/{team_id}/vehicles", response=list[VehicleOut], summary="队伍车辆")
@paginate(Page)
def list_vehicles(request: HttpRequest, team_id: int, include_archived: bool = False) -> Any:
    team = get_object_or_404(Team.objects, pk=team_id)
    vehicles = vehicle_queryset().filter(team=team)
    if not include_archived:
        vehicles = vehicles.filter(archived_at__isnull=True)
    return vehicles.order_by("kind", "plate", "id")


@router.post("/teams/{team_id}/vehicles", response={201: VehicleOut}, summary="登记车辆")
@transaction.atomic
def add_vehicle(request: HttpRequest, team_id: int, payload: VehicleIn) -> Any:
    team = get_object_or_404(Team.objects, pk=team_id)
    vehicle = actions.add_vehicle(team, by=request.user, **payload.dict())
    return Status(201, vehicle_queryset().get(pk=vehicle.pk))


@router.patch("/team-vehicles/{vehicle_id}", response=VehicleOut, summary="修改车辆")
@transaction.atomic
def patch_vehicle(request: HttpRequest, vehicle_id: int, payload: VehiclePatch) -> Any:
    vehicle = get_object_or_404(Vehicle.objects.select_related("team"), pk=vehicle_id)
    changes = {k: ("" if v is None else v) for k, v in payload.dict(exclude_unset=True).items()}
    for key in ("plate", "kind", "status"):
        if changes.get(key) == "":
            raise ValidationError({key: "此项不能为空"})
    actions.update_vehicle(vehicle, by=request.user, **changes)
    return vehicle_queryset().get(pk=vehicle_id)


@router.post("/team-vehicles/{vehicle_id}/archive", response=VehicleOut, summary="车辆归档（报废、调出）")
@transaction.atomic
def archive_vehicle(request: HttpRequest, vehicle_id: int, payload: ArchiveIn) -> Any:
    actions.archive_vehicle(get_object_or_404(Vehicle.objects, pk=vehicle_id), by=request.user, reason=payload.reason)
    return vehicle_queryset().get(pk=vehicle_id)


# --- vocabulary and standards --------------------------------------------------------------


class CapabilityOut(Schema):
    code: str
    name: str


@router.get("/team-capabilities", response=list[CapabilityOut], summary="救援能力清单")
def list_capabilities(request: HttpRequest) -> Any:
    return TeamCapability.objects.all()


class CountItem(Schema):
    name: str
    count: int


class StandardOut(Schema):
    kind: str
    kind_label: str
    name: str
    min_members: int
    min_on_duty: int
    required_capabilities: list[str]
    required_certificates: list[dict[str, Any]]
    required_vehicles: list[dict[str, Any]]
    required_equipment: list[dict[str, Any]]
    basis: str
    is_active: bool
    updated_at: datetime

    @staticmethod
    def resolve_kind_label(obj: TeamStandard) -> str:
        return obj.get_kind_display()


class StandardPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=60)
    min_members: int | None = Field(None, ge=0, le=1000)
    min_on_duty: int | None = Field(None, ge=0, le=1000)
    required_capabilities: list[str] | None = None
    required_certificates: list[dict[str, Any]] | None = Field(None, description='[{"name": "…", "count": 1}]')
    required_vehicles: list[dict[str, Any]] | None = Field(None, description='[{"kind": "water_tender", "count": 1}]')
    required_equipment: list[dict[str, Any]] | None = Field(None, description='[{"name": "灭火器", "quantity": 10}]')
    basis: str | None = None
    is_active: bool | None = None


@router.get("/team-standards", response=list[StandardOut], summary="队伍配备标准（按队伍类型）")
def list_standards(request: HttpRequest) -> Any:
    return TeamStandard.objects.all()


@router.patch("/team-standards/{kind}", response=StandardOut, summary="修改队伍配备标准（县级）")
@transaction.atomic
def patch_standard(request: HttpRequest, kind: str, payload: StandardPatch) -> Any:
    standard = get_object_or_404(TeamStandard.objects, kind=kind)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return actions.update_standard(standard, by=request.user, **changes)
