"""Excel ledgers of the teams app: teams (队伍台账) and members (队员台账).

Teams: natural key (所属辖区代码, 队伍名称) — the name is unique among a jurisdiction's
active teams. Members: natural key (队伍所属辖区代码, 队伍名称, 手机号); the person is found
by mobile among the people the user can see (those kept by the team's jurisdiction
first), and registered in the team's jurisdiction when nobody has that mobile yet.
Every change goes through `teams.actions` (and `people.actions` for a new person), so
capabilities, validation and audit are those of the forms. Status is not imported: a
status change needs a reason and belongs on the team page.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from people import actions as people_actions
from people.ledgers import parse_code, parse_mobile
from people.models import Person
from people.protection import mask_mobile
from teams import actions
from teams.choices import MemberRole, TeamKind
from teams.models import Certificate, Team, TeamCapability, TeamMember
from yingji import actions as base_actions
from yingji.ledgers import CREATED, UNCHANGED, UPDATED, CellError, Column, Ledger, Outcome, ParsedRow, RowError

EXPORT_CHUNK = 1000
_SPLIT = re.compile(r"[、,，;；/\s]+")
KIND_BY_LABEL = {str(k.label): k.value for k in TeamKind}
ROLE_BY_LABEL = {str(r.label): r.value for r in MemberRole}
YES = {"是", "在岗", "Y", "YES", "TRUE", "1", "√"}
NO = {"否", "不在岗", "N", "NO", "FALSE", "0", "×"}


def parse_kind(value: str) -> str:
    if value in KIND_BY_LABEL:
        return KIND_BY_LABEL[value]
    if value in TeamKind.values:
        return value
    raise CellError(f"队伍类型“{value}”不存在；请从下拉列表中选择：{'、'.join(KIND_BY_LABEL)}")


def parse_role(value: str) -> str:
    if value in ROLE_BY_LABEL:
        return ROLE_BY_LABEL[value]
    if value in MemberRole.values:
        return value
    raise CellError(f"队内职务“{value}”不存在；请从下拉列表中选择：{'、'.join(ROLE_BY_LABEL)}")


def parse_float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise CellError(f"“{value}”不是数字；经纬度请填写小数，如 121.8731") from None


def parse_yes_no(value: str) -> bool:
    upper = value.upper()
    if upper in YES:
        return True
    if upper in NO:
        return False
    raise CellError("请填写“是”或“否”")


def parse_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise CellError("日期格式应为 2024-05-01")


def parse_capabilities(value: str) -> list[str]:
    return [part for part in _SPLIT.split(value) if part]


def capability_names() -> list[str]:
    return list(TeamCapability.objects.values_list("name", flat=True))


TEAMS_LEDGER = Ledger(
    name="救援队伍台账",
    columns=(
        Column(
            "jurisdiction_code",
            "所属辖区代码",
            aliases=("辖区代码", "区划代码"),
            parse=parse_code,
            required=True,
            text=True,
            example="330225001",
            width=16,
            help="队伍所属乡镇、村社区的区划代码；与队伍名称一起识别同一支队伍",
        ),
        Column("jurisdiction_name", "所属辖区", width=14, importable=False, help="导出时附带，导入时不读取"),
        Column("name", "队伍名称", aliases=("名称", "队伍"), required=True, max_length=80, example="丹东街道专职消防队", width=24),
        Column("kind", "队伍类型", aliases=("类型",), parse=parse_kind, required=True, choices=tuple(KIND_BY_LABEL), example="专职消防队", width=20),
        Column("address", "驻地地址", aliases=("地址", "驻地"), max_length=200, example="丹东街道丹河路1号", width=26),
        Column("lng", "经度", parse=parse_float, required=True, example="121.8731", width=12, help="WGS-84 经度（天地图、GPS）；高德/百度坐标请在“坐标系”列注明"),
        Column("lat", "纬度", parse=parse_float, required=True, example="29.4762", width=12),
        Column(
            "coord_system",
            "坐标系",
            choices=("wgs84", "gcj02", "bd09"),
            exportable=False,
            example="wgs84",
            width=10,
            help="留空为 wgs84；gcj02 = 高德/腾讯，bd09 = 百度，导入时自动换算为 WGS-84",
        ),
        Column("leader_name", "队长", width=10, importable=False, help="导出时附带；导入请填“队长手机号”"),
        Column(
            "leader_mobile",
            "队长手机号",
            parse=parse_mobile,
            text=True,
            mask=mask_mobile,
            example="13800000000",
            width=15,
            help="已在人员台账登记的人员手机号；留空表示不设队长",
        ),
        Column("duty_phone", "值班电话", aliases=("电话",), text=True, max_length=20, example="0574-65000119", width=15),
        Column("capabilities", "救援能力", parse=parse_capabilities, example="灭火、破拆", width=22, help="多项用顿号“、”分隔；须为能力清单中的名称"),
        Column("status", "状态", width=10, importable=False, help="导出时附带；状态变更请在队伍页面操作并填写原因"),
        Column("member_count", "在队人数", width=8, importable=False),
        Column("note", "备注", width=20),
    ),
    natural_key=("jurisdiction_code", "name"),
    field_columns={"jurisdiction": "jurisdiction_code", "leader": "leader_mobile"},
    notes=(
        "同一辖区内名称相同的队伍视为同一支：已登记的按本行更新，未登记的新增。",
        "某一列整列不存在时不修改该项；列存在但单元格为空会清空该项（队伍类型、经纬度除外，必填）。",
        "导入不会归档队伍，也不会改变队伍状态。",
    ),
)

MEMBERS_LEDGER = Ledger(
    name="队员台账",
    columns=(
        Column("team_code", "队伍所属辖区代码", aliases=("所属辖区代码", "辖区代码"), parse=parse_code, required=True, text=True, example="330225001", width=16),
        Column("team_name", "队伍名称", aliases=("队伍",), required=True, example="丹东街道专职消防队", width=24),
        Column("person_name", "姓名", required=True, max_length=40, example="张三", width=10, help="新登记人员时使用；已登记的以手机号为准"),
        Column("mobile", "手机号", parse=parse_mobile, required=True, text=True, example="13800000000", width=15),
        Column("role", "队内职务", aliases=("职务",), parse=parse_role, choices=tuple(ROLE_BY_LABEL), example="队员", width=10),
        Column("on_duty", "在岗值守", aliases=("在岗",), parse=parse_yes_no, choices=("是", "否"), example="是", width=10),
        Column("joined_on", "入队日期", parse=parse_date, example="2024-05-01", width=12),
        Column("certificates", "证书", width=30, importable=False, help="导出时附带；证书请在队伍页面登记"),
        Column("note", "备注", max_length=200, width=20),
    ),
    natural_key=("team_code", "team_name", "mobile"),
    notes=(
        "队伍以“队伍所属辖区代码 + 队伍名称”识别，须先在队伍台账中登记。",
        "人员以手机号识别：已在人员台账登记的直接入队；未登记的在队伍所属辖区新登记后入队。",
        "已在队的人员按本行更新职务、在岗和备注；导入不会让队员离队。",
    ),
)


# --- export -------------------------------------------------------------------------------


def team_rows(teams: QuerySet[Team], user: Any) -> Iterator[dict[str, Any]]:
    full_mobile = user.can(Capability.SEE_MOBILE)
    teams = teams.select_related("jurisdiction", "leader").defer("jurisdiction__boundary").prefetch_related("capabilities")
    counts = dict(
        TeamMember.objects.filter(team__in=teams.values("pk"), archived_at__isnull=True)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate()))
        .values("team_id")
        .annotate(n=Count("id"))
        .values_list("team_id", "n")
    )
    for team in teams.iterator(chunk_size=EXPORT_CHUNK):
        leader_mobile = team.leader.mobile if team.leader else ""
        yield {
            "jurisdiction_code": team.jurisdiction.code,
            "jurisdiction_name": team.jurisdiction.name,
            "name": team.name,
            "kind": team.get_kind_display(),
            "address": team.address,
            "lng": team.lng,
            "lat": team.lat,
            "leader_name": team.leader.name if team.leader else "",
            "leader_mobile": leader_mobile if full_mobile else mask_mobile(leader_mobile) if leader_mobile else "",
            "duty_phone": team.duty_phone,
            "capabilities": "、".join(c.name for c in team.capabilities.all()),
            "status": team.get_status_display(),
            "member_count": counts.get(team.pk, 0),
            "note": team.note,
        }


def member_rows(members: QuerySet[TeamMember], user: Any) -> Iterator[dict[str, Any]]:
    full_mobile = user.can(Capability.SEE_MOBILE)
    members = members.select_related("team__jurisdiction", "person").defer("team__jurisdiction__boundary").prefetch_related(
        Prefetch("certificates", queryset=Certificate.objects.filter(archived_at__isnull=True))
    )
    for member in members.iterator(chunk_size=EXPORT_CHUNK):
        yield {
            "team_code": member.team.jurisdiction.code,
            "team_name": member.team.name,
            "person_name": member.person.name,
            "mobile": member.person.mobile if full_mobile else mask_mobile(member.person.mobile),
            "role": member.get_role_display(),
            "on_duty": "是" if member.on_duty else "否",
            "joined_on": member.joined_on,
            "certificates": "；".join(
                f"{c.name}{'（至' + c.expires_on.isoformat() + '）' if c.expires_on else ''}" for c in member.certificates.all()
            ),
            "note": member.note,
        }


# --- import -------------------------------------------------------------------------------


def _people_by_mobile(mobiles: set[str]) -> dict[str, list[Person]]:
    found: dict[str, list[Person]] = defaultdict(list)
    for person in Person.objects.filter(mobile__in=mobiles, archived_at__isnull=True).order_by("jurisdiction_path", "id"):
        found[person.mobile].append(person)
    return found


def _pick_person(candidates: list[Person], node: Jurisdiction, column: str) -> Person | None:
    """The person with this mobile: the one kept by the node, else the only one in its subtree or visible."""
    if not candidates:
        return None
    exact = [p for p in candidates if p.jurisdiction_id == node.pk]
    below = [p for p in candidates if p.jurisdiction_path.startswith(node.path)]
    for group in (exact, below, candidates):
        if len(group) == 1:
            return group[0]
        if len(group) > 1:
            raise RowError(column, f"有 {len(group)} 人登记了此手机号，无法确定是谁；请先在人员页面归档重复登记的人员")
    return None


class TeamsImporter:
    """Creates and updates teams for the rows of a teams ledger."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.nodes: dict[str, Jurisdiction] = {}
        self.teams: dict[tuple[int, str], Team] = {}
        self.people: dict[str, list[Person]] = {}
        self.capabilities: dict[str, TeamCapability] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        codes = {r.get("jurisdiction_code") for r in rows} - {""}
        self.nodes = {n.code: n for n in Jurisdiction.objects.active().filter(code__in=codes).defer("boundary")}
        names = {r.get("name") for r in rows}
        existing = Team.objects.filter(jurisdiction__in=list(self.nodes.values()), name__in=names, archived_at__isnull=True)
        self.teams = {(t.jurisdiction_id, t.name): t for t in existing.prefetch_related("capabilities")}
        self.people = _people_by_mobile({r.get("leader_mobile") for r in rows} - {""})
        self.capabilities = {c.name: c for c in TeamCapability.objects.all()}

    def apply(self, row: ParsedRow) -> Outcome:
        code = row.get("jurisdiction_code")
        node = self.nodes.get(code)
        if node is None:
            raise RowError("jurisdiction_code", f"辖区代码 {code} 不存在、已撤销或不在您的辖区范围内；请核对代码")
        fields: dict[str, Any] = {}
        for key in ("kind", "address", "duty_phone", "note", "lng", "lat"):
            if row.has(key):
                fields[key] = row.get(key)
        if row.has("leader_mobile"):
            mobile = row.get("leader_mobile")
            leader = _pick_person(self.people.get(mobile, []), node, "leader_mobile") if mobile else None
            if mobile and leader is None:
                raise RowError("leader_mobile", f"手机号 {mobile} 不在人员台账中（或不在您的辖区范围内）；请先登记该人员，或清空此格")
            fields["leader"] = leader
        capabilities = None
        if row.has("capabilities"):
            unknown = [n for n in row.get("capabilities") or [] if n not in self.capabilities]
            if unknown:
                raise RowError("capabilities", f"能力“{'、'.join(unknown)}”不在能力清单中；可选：{'、'.join(self.capabilities)}")
            capabilities = [self.capabilities[n] for n in row.get("capabilities") or []]
        coord_system = row.get("coord_system") or None
        team = self.teams.get((node.pk, row.get("name")))
        try:
            if team is None:
                team = actions.create_team(
                    by=self.user, jurisdiction=node, name=row.get("name"), coord_system=coord_system, capabilities=capabilities, **fields
                )
                self.teams[(node.pk, team.name)] = team
                return Outcome(CREATED, f"{team.name}（{node.name}）")
            return self._update(team, fields, capabilities, coord_system)
        except ValidationError as exc:
            column = next(iter(getattr(exc, "error_dict", {}) or {}), "")
            column = {"leader": "leader_mobile", "jurisdiction": "jurisdiction_code"}.get(column, column)
            if column not in {c.key for c in TEAMS_LEDGER.columns}:
                column = ""
            raise RowError(column, "；".join(exc.messages)) from exc

    def _update(self, team: Team, fields: dict[str, Any], capabilities: list[TeamCapability] | None, coord_system: str | None) -> Outcome:
        if coord_system and coord_system != "wgs84" and ("lng" in fields or "lat" in fields):
            fields["lng"], fields["lat"] = actions.to_wgs84(fields.get("lng", team.lng), fields.get("lat", team.lat), coord_system)
        changes = {k: v for k, v in fields.items() if getattr(team, k) != v}
        for key in ("lng", "lat"):
            if key in changes and abs(float(changes[key]) - float(getattr(team, key))) < 1e-7:
                del changes[key]
        old_caps = sorted(c.name for c in team.capabilities.all())
        cap_changed = capabilities is not None and sorted({c.name for c in capabilities}) != old_caps
        if not changes and not cap_changed:
            return Outcome(UNCHANGED)
        actions.update_team(team, by=self.user, capabilities=capabilities if cap_changed else None, **changes)
        labels = [TEAMS_LEDGER.column("leader_mobile" if k == "leader" else k).header for k in changes]
        if cap_changed:
            labels.append("救援能力")
        return Outcome(UPDATED, f"{team.name}：修改{'、'.join(labels)}")


class MembersImporter:
    """Adds and updates team members for the rows of a members ledger."""

    def __init__(self, user: Any) -> None:
        base_actions.require(user, Capability.EDIT_REGISTRY)
        self.user = user
        self.teams: dict[tuple[str, str], Team] = {}
        self.people: dict[str, list[Person]] = {}
        self.members: dict[tuple[int, int], TeamMember] = {}

    def prepare(self, rows: list[ParsedRow]) -> None:
        codes = {r.get("team_code") for r in rows}
        names = {r.get("team_name") for r in rows}
        teams = Team.objects.filter(jurisdiction__code__in=codes, name__in=names, archived_at__isnull=True).select_related("jurisdiction")
        self.teams = {(t.jurisdiction.code, t.name): t for t in teams.defer("jurisdiction__boundary")}
        self.people = _people_by_mobile({r.get("mobile") for r in rows})
        today = timezone.localdate()
        members = TeamMember.objects.filter(team__in=list(self.teams.values()), archived_at__isnull=True).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=today)
        )
        self.members = {(m.team_id, m.person_id): m for m in members}

    def apply(self, row: ParsedRow) -> Outcome:
        team = self.teams.get((row.get("team_code"), row.get("team_name")))
        if team is None:
            raise RowError("team_name", f"辖区 {row.get('team_code')} 没有名为“{row.get('team_name')}”的队伍（或不在您的辖区范围内）；请先在队伍台账中登记")
        person = _pick_person(self.people.get(row.get("mobile"), []), team.jurisdiction, "mobile")
        fields = {k: row.get(k) for k in ("role", "on_duty", "joined_on", "note") if row.has(k) and row.get(k) != ""}
        try:
            if person is None:
                person = people_actions.create_person(
                    by=self.user, jurisdiction=team.jurisdiction, name=row.get("person_name"), mobile=row.get("mobile"), organization=team.name
                )
                self.people[person.mobile] = [person]
            member = self.members.get((team.pk, person.pk))
            if member is None:
                member = actions.add_member(team, by=self.user, person=person, **fields)
                self.members[(team.pk, person.pk)] = member
                return Outcome(CREATED, f"{person.name} 入队 {team.name}")
            changes = {k: v for k, v in fields.items() if k != "joined_on" and getattr(member, k) != v}
            if not changes:
                return Outcome(UNCHANGED)
            actions.update_member(member, by=self.user, **changes)
        except ValidationError as exc:
            column = next(iter(getattr(exc, "error_dict", {}) or {}), "")
            raise RowError(column if column in {c.key for c in MEMBERS_LEDGER.columns} else "", "；".join(exc.messages)) from exc
        labels = [MEMBERS_LEDGER.column(k).header for k in changes]
        return Outcome(UPDATED, f"{person.name}（{team.name}）：修改{'、'.join(labels)}")


__all__ = ["MEMBERS_LEDGER", "TEAMS_LEDGER", "MembersImporter", "TeamsImporter", "member_rows", "team_rows"]
