"""Every change to teams, members, certificates, vehicles, status and standards goes through here.

Each action checks the capability, locks the row, validates with messages that say what
to fix, and saves only what changed; the audit trail records who did it. Status changes
also write a `TeamStatusChange` row, the team's status history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability
from audit.choices import ChangeAction
from audit.tracking import record
from jurisdictions.models import Jurisdiction
from people.models import Person
from teams.choices import TeamKind, TeamStatus, VehicleKind, VehicleStatus
from teams.models import Certificate, Team, TeamCapability, TeamMember, TeamStandard, TeamStatusChange, Vehicle
from teams.services import check_point, current_members
from yingji import actions

TEAM_EDITABLE = ("name", "kind", "address", "lng", "lat", "leader", "duty_phone", "note", "jurisdiction")
MEMBER_EDITABLE = ("role", "on_duty", "note", "joined_on")
VEHICLE_EDITABLE = ("plate", "kind", "capacity", "status", "note")
STANDARD_EDITABLE = (
    "name",
    "min_members",
    "min_on_duty",
    "required_capabilities",
    "required_certificates",
    "required_vehicles",
    "required_equipment",
    "basis",
    "is_active",
)


def to_wgs84(lng: Any, lat: Any, coord_system: str | None) -> tuple[float, float]:
    """A point in WGS-84; GCJ-02 (高德/腾讯) and BD-09 (百度) input converted by places.coords."""
    try:
        lng_f, lat_f = check_point(lng, lat)
    except ValueError as exc:
        raise ValidationError({"lng": str(exc)}) from exc
    if coord_system and coord_system != "wgs84":
        from places.coords import CoordSystem
        from places.coords import to_wgs84 as convert

        if coord_system not in CoordSystem.values:
            raise ValidationError({"coord_system": f"坐标系 {coord_system} 不支持；可选 wgs84、gcj02（高德/腾讯）、bd09（百度）"})
        lng_f, lat_f = convert(lng_f, lat_f, coord_system)
    return round(lng_f, 7), round(lat_f, 7)


def _check_leader(leader: Person | None) -> None:
    if leader is not None and leader.archived_at is not None:
        raise ValidationError({"leader": f"{leader.name} 已归档，不能担任队长；请先在人员页面恢复或另选队长"})


def _set_capabilities(team: Team, capabilities: list[TeamCapability] | None) -> bool:
    """Replace the team's capabilities; audited by hand since many-to-many saves are not."""
    if capabilities is None:
        return False
    before = sorted(c.name for c in team.capabilities.all())
    after = sorted({c.name for c in capabilities})
    if before == after:
        return False
    team.capabilities.set(capabilities)
    record(team, ChangeAction.UPDATE, {"capabilities": "、".join(before)}, {"capabilities": "、".join(after)})
    return True


@transaction.atomic
def create_team(
    *,
    by: Any,
    jurisdiction: Jurisdiction,
    name: str,
    kind: str,
    lng: Any,
    lat: Any,
    coord_system: str | None = None,
    capabilities: list[TeamCapability] | None = None,
    **fields: Any,
) -> Team:
    actions.require(by, Capability.EDIT_REGISTRY)
    if kind not in TeamKind.values:
        raise ValidationError({"kind": f"队伍类型 {kind} 不存在；可选：{'、'.join(str(k.label) for k in TeamKind)}"})
    lng_f, lat_f = to_wgs84(lng, lat, coord_system)
    team = Team(
        jurisdiction=jurisdiction,
        name=(name or "").strip(),
        kind=kind,
        lng=lng_f,
        lat=lat_f,
        **{k: v for k, v in fields.items() if k in TEAM_EDITABLE and k not in ("lng", "lat")},
    )
    _check_leader(team.leader)
    team.full_clean()
    team.save()
    if capabilities:
        team.capabilities.set(capabilities)
    TeamStatusChange.objects.create(
        team=team,
        jurisdiction=jurisdiction,
        from_status="",
        to_status=team.status,
        reason="建档",
        changed_by=by if getattr(by, "pk", None) else None,
        changed_at=team.status_changed_at,
    )
    return team


def _move_children(team: Team) -> None:
    """Members, certificates, vehicles and history follow the team to its new jurisdiction."""
    fields = {"jurisdiction": team.jurisdiction, "jurisdiction_path": team.jurisdiction.path}
    for row in [*TeamMember.unscoped.filter(team=team), *Vehicle.unscoped.filter(team=team)]:
        actions.apply_changes(row, {"jurisdiction": team.jurisdiction})
        row.save(update_fields=["jurisdiction", "jurisdiction_path", "updated_at"])
    for certificate in Certificate.unscoped.filter(member__team=team):
        certificate.jurisdiction = team.jurisdiction
        certificate.save(update_fields=["jurisdiction", "jurisdiction_path", "updated_at"])
    TeamStatusChange.unscoped.filter(team=team).update(**fields)


@transaction.atomic
def update_team(
    team: Team,
    *,
    by: Any,
    coord_system: str | None = None,
    capabilities: list[TeamCapability] | None = None,
    **changes: Any,
) -> Team:
    actions.require(by, Capability.EDIT_REGISTRY)
    team = actions.locked(team)
    if team.archived_at is not None:
        raise ValidationError("队伍已归档，不能修改；请先恢复")
    changes = {k: v for k, v in changes.items() if k in TEAM_EDITABLE}
    if "kind" in changes and changes["kind"] not in TeamKind.values:
        raise ValidationError({"kind": f"队伍类型 {changes['kind']} 不存在"})
    if "lng" in changes or "lat" in changes:
        changes["lng"], changes["lat"] = to_wgs84(changes.get("lng", team.lng), changes.get("lat", team.lat), coord_system)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    _check_leader(changes.get("leader"))
    changed = actions.apply_changes(team, changes)
    if changed:
        team.full_clean()
        if "jurisdiction" in changed:
            changed.append("jurisdiction_path")
        team.save(update_fields=[*changed, "updated_at"])
        if "jurisdiction" in changed:
            _move_children(team)
    _set_capabilities(team, capabilities)
    return team


@transaction.atomic
def archive_team(team: Team, *, by: Any, reason: str = "") -> Team:
    """Archive a team (撤销): it leaves lists, the map and nearest-team search; rows stay."""
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(team), by=by, reason=reason)


@transaction.atomic
def restore_team(team: Team, *, by: Any) -> Team:
    actions.require(by, Capability.EDIT_REGISTRY)
    team = actions.locked(team)
    clash = Team.unscoped.filter(jurisdiction_id=team.jurisdiction_id, name=team.name, archived_at__isnull=True).exclude(pk=team.pk)
    if team.archived_at is not None and clash.exists():
        raise ValidationError({"name": f"本辖区已有同名队伍“{team.name}”，请先改名或归档那支队伍再恢复"})
    return actions.restore(team, by=by)


@transaction.atomic
def change_status(
    team: Team, *, by: Any, status: str, reason: str = "", until: datetime | None = None
) -> Team:
    """Set a team's status (可调派/执行任务中/不可调派) and record who, when, why and until when."""
    actions.require(by, Capability.EDIT_REGISTRY)
    team = actions.locked(team)
    if status not in TeamStatus.values:
        raise ValidationError({"status": f"状态 {status} 不存在；可选：available（可调派）、on_task（执行任务中）、unavailable（不可调派）"})
    if team.archived_at is not None:
        raise ValidationError({"status": "队伍已归档，不能变更状态；请先恢复"})
    reason = (reason or "").strip()
    if status != TeamStatus.AVAILABLE and not reason:
        raise ValidationError({"reason": "请填写原因：执行什么任务，或为什么不可调派"})
    now = timezone.now()
    if until is not None:
        if status == TeamStatus.AVAILABLE:
            raise ValidationError({"until": "恢复为可调派时不需要填写预计恢复时间"})
        if until <= now:
            raise ValidationError({"until": "预计恢复时间应晚于现在"})
    if team.status == status and team.status_reason == reason and team.status_until == until:
        return team
    TeamStatusChange.objects.create(
        team=team,
        jurisdiction_id=team.jurisdiction_id,
        jurisdiction_path=team.jurisdiction_path,
        from_status=team.status,
        to_status=status,
        reason=reason[:200],
        until=until,
        changed_by=by if getattr(by, "pk", None) else None,
        changed_at=now,
    )
    team.status, team.status_reason, team.status_until, team.status_changed_at = status, reason[:200], until, now
    team.save(update_fields=["status", "status_reason", "status_until", "status_changed_at", "updated_at"])
    return team


# --- members and certificates ------------------------------------------------------------


def _check_no_overlap(team: Team, person: Person, joined_on: date, left_on: date | None, *, exclude: int | None) -> None:
    """One person's periods in one team (joined_on inclusive, left_on exclusive) may not overlap.

    A member who left and rejoins gets a new row; backdating that row (or an earlier one)
    into another period would count the person twice for those days (on-duty counts,
    compliance, contacts), so it is refused. Checked unscoped: integrity does not depend
    on what the caller can see.
    """
    earlier = TeamMember.unscoped.filter(team=team, person=person, archived_at__isnull=True)
    if exclude is not None:
        earlier = earlier.exclude(pk=exclude)
    for other in earlier.order_by("joined_on"):
        starts_before_other_ends = other.left_on is None or joined_on < other.left_on
        ends_after_other_starts = left_on is None or other.joined_on < left_on
        if starts_before_other_ends and ends_after_other_starts:
            until = f"{other.left_on:%Y-%m-%d}" if other.left_on else "今"
            raise ValidationError({
                "joined_on": f"{person.name}在{team.name}已有任期（{other.joined_on:%Y-%m-%d} 至 {until}），"
                f"与入队日期 {joined_on:%Y-%m-%d} 起的任期重叠；重新入队的日期应不早于上次离队日期"
            })


@transaction.atomic
def add_member(
    team: Team,
    *,
    by: Any,
    person: Person,
    role: str = "member",
    on_duty: bool = False,
    joined_on: date | None = None,
    note: str = "",
) -> TeamMember:
    actions.require(by, Capability.EDIT_REGISTRY)
    team = actions.locked(team)
    if team.archived_at is not None:
        raise ValidationError("队伍已归档，不能添加队员；请先恢复")
    if person.archived_at is not None:
        raise ValidationError({"person": f"{person.name} 已归档，不能入队；请先在人员页面恢复"})
    if current_members(team).filter(person=person).exists():
        raise ValidationError({"person": f"{person.name} 已是{team.name}的队员，不能重复添加"})
    joined_on = joined_on or timezone.localdate()
    _check_no_overlap(team, person, joined_on, None, exclude=None)
    member = TeamMember(
        team=team,
        jurisdiction_id=team.jurisdiction_id,
        jurisdiction_path=team.jurisdiction_path,
        person=person,
        role=role,
        on_duty=on_duty,
        joined_on=joined_on,
        note=note,
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def update_member(member: TeamMember, *, by: Any, **changes: Any) -> TeamMember:
    actions.require(by, Capability.EDIT_REGISTRY)
    member = actions.locked(member)
    if not member.is_current:
        raise ValidationError("该队员已离队，不能修改；如重新入队请重新添加")
    changed = actions.apply_changes(member, {k: v for k, v in changes.items() if k in MEMBER_EDITABLE})
    if "joined_on" in changed:
        if member.left_on is not None and member.joined_on > member.left_on:
            raise ValidationError({"joined_on": f"入队日期不能晚于离队日期（{member.left_on:%Y-%m-%d}）"})
        _check_no_overlap(member.team, member.person, member.joined_on, member.left_on, exclude=member.pk)
    if changed:
        member.full_clean()
        member.save(update_fields=[*changed, "updated_at"])
    return member


@transaction.atomic
def end_member(member: TeamMember, *, by: Any, on: date | None = None) -> TeamMember:
    """A member leaves the team (离队); the row stays as history."""
    actions.require(by, Capability.EDIT_REGISTRY)
    member = actions.locked(member)
    if member.left_on is not None:
        return member
    left_on = on or timezone.localdate()
    if left_on < member.joined_on:
        raise ValidationError({"left_on": f"离队日期不能早于入队日期（{member.joined_on:%Y-%m-%d}）"})
    member.left_on, member.on_duty = left_on, False
    member.save(update_fields=["left_on", "on_duty", "updated_at"])
    return member


def _check_dates(issued_on: date | None, expires_on: date | None) -> None:
    if issued_on and expires_on and expires_on < issued_on:
        raise ValidationError({"expires_on": "有效期至不能早于发证日期，请核对证书上的日期"})
    if issued_on and issued_on > timezone.localdate():
        raise ValidationError({"issued_on": "发证日期不能晚于今天"})


@transaction.atomic
def add_certificate(
    member: TeamMember,
    *,
    by: Any,
    name: str,
    number: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> Certificate:
    actions.require(by, Capability.EDIT_REGISTRY)
    if not member.is_current:
        raise ValidationError("该队员已离队，不能登记证书")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写证书名称，如“消防员职业资格证书”"})
    _check_dates(issued_on, expires_on)
    certificate = Certificate(
        member=member,
        jurisdiction_id=member.jurisdiction_id,
        jurisdiction_path=member.jurisdiction_path,
        name=name,
        number=(number or "").strip(),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    certificate.full_clean()
    certificate.save()
    return certificate


@transaction.atomic
def renew_certificate(
    certificate: Certificate, *, by: Any, expires_on: date | None, issued_on: date | None = None, number: str | None = None
) -> Certificate:
    """Record a renewed certificate (复审/换证): new dates (and number); the old ones stay in the audit log."""
    actions.require(by, Capability.EDIT_REGISTRY)
    certificate = actions.locked(certificate)
    if certificate.archived_at is not None:
        raise ValidationError("证书已注销，不能续期")
    issued = issued_on if issued_on is not None else certificate.issued_on
    if expires_on is not None and certificate.expires_on is not None and expires_on <= certificate.expires_on:
        raise ValidationError({"expires_on": f"续期后的有效期应晚于原有效期（{certificate.expires_on:%Y-%m-%d}）"})
    _check_dates(issued, expires_on)
    changes: dict[str, Any] = {"expires_on": expires_on, "issued_on": issued}
    if number is not None:
        changes["number"] = number.strip()
    changed = actions.apply_changes(certificate, changes)
    if changed:
        certificate.save(update_fields=[*changed, "updated_at"])
    return certificate


@transaction.atomic
def archive_certificate(certificate: Certificate, *, by: Any, reason: str = "") -> Certificate:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(certificate), by=by, reason=reason)


# --- vehicles -----------------------------------------------------------------------------


def _check_plate(team: Team, plate: str, exclude: int | None = None) -> str:
    plate = (plate or "").strip().upper().replace(" ", "")
    if not plate:
        raise ValidationError({"plate": "请填写号牌；冲锋舟等无号牌的可填写编号"})
    clash = Vehicle.objects.filter(team=team, plate=plate, archived_at__isnull=True)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"plate": f"本队已登记号牌 {plate} 的车辆"})
    return plate


@transaction.atomic
def add_vehicle(
    team: Team, *, by: Any, plate: str, kind: str, capacity: str = "", status: str = VehicleStatus.READY, note: str = ""
) -> Vehicle:
    actions.require(by, Capability.EDIT_REGISTRY)
    if team.archived_at is not None:
        raise ValidationError("队伍已归档，不能登记车辆")
    if kind not in VehicleKind.values:
        raise ValidationError({"kind": f"车辆类型 {kind} 不存在；可选：{'、'.join(str(k.label) for k in VehicleKind)}"})
    vehicle = Vehicle(
        team=team,
        jurisdiction_id=team.jurisdiction_id,
        jurisdiction_path=team.jurisdiction_path,
        plate=_check_plate(team, plate),
        kind=kind,
        capacity=capacity,
        status=status,
        note=note,
    )
    vehicle.full_clean()
    vehicle.save()
    return vehicle


@transaction.atomic
def update_vehicle(vehicle: Vehicle, *, by: Any, **changes: Any) -> Vehicle:
    actions.require(by, Capability.EDIT_REGISTRY)
    vehicle = actions.locked(vehicle)
    changes = {k: v for k, v in changes.items() if k in VEHICLE_EDITABLE}
    if "plate" in changes:
        changes["plate"] = _check_plate(vehicle.team, changes["plate"], exclude=vehicle.pk)
    changed = actions.apply_changes(vehicle, changes)
    if changed:
        vehicle.full_clean()
        vehicle.save(update_fields=[*changed, "updated_at"])
    return vehicle


@transaction.atomic
def archive_vehicle(vehicle: Vehicle, *, by: Any, reason: str = "") -> Vehicle:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(vehicle), by=by, reason=reason)


# --- standards ----------------------------------------------------------------------------


def _clean_items(value: Any, key: str, count_key: str, label: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ValidationError({label: "应为列表"})
    items: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, dict) or not str(item.get(key, "")).strip():
            raise ValidationError({label: f"每一项都需要“{key}”"})
        try:
            count = int(item.get(count_key, 1))
        except (TypeError, ValueError):
            raise ValidationError({label: f"“{item.get(key)}”的数量应为整数"}) from None
        if count < 1:
            raise ValidationError({label: f"“{item.get(key)}”的数量应至少为 1"})
        items.append({key: str(item[key]).strip(), count_key: count})
    return items


@transaction.atomic
def update_standard(standard: TeamStandard, *, by: Any, **changes: Any) -> TeamStandard:
    """Edit a kind's standard (配备标准): county configuration, audited."""
    actions.require(by, Capability.CONFIGURE_RULES)
    standard = actions.locked(standard)
    changes = {k: v for k, v in changes.items() if k in STANDARD_EDITABLE}
    if "required_capabilities" in changes:
        names = [str(n).strip() for n in changes["required_capabilities"] or [] if str(n).strip()]
        known = set(TeamCapability.objects.filter(name__in=names).values_list("name", flat=True))
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValidationError({"required_capabilities": f"能力“{'、'.join(unknown)}”不在能力清单中"})
        changes["required_capabilities"] = list(dict.fromkeys(names))
    if "required_certificates" in changes:
        changes["required_certificates"] = _clean_items(changes["required_certificates"], "name", "count", "required_certificates")
    if "required_equipment" in changes:
        changes["required_equipment"] = _clean_items(changes["required_equipment"], "name", "quantity", "required_equipment")
    if "required_vehicles" in changes:
        vehicles = _clean_items(changes["required_vehicles"], "kind", "count", "required_vehicles")
        for item in vehicles:
            if item["kind"] not in VehicleKind.values:
                by_label = {str(k.label): k.value for k in VehicleKind}
                if item["kind"] not in by_label:
                    raise ValidationError({"required_vehicles": f"车辆类型“{item['kind']}”不存在"})
                item["kind"] = by_label[item["kind"]]
        changes["required_vehicles"] = vehicles
    changed = actions.apply_changes(standard, changes)
    if changed:
        standard.full_clean()
        standard.save(update_fields=[*changed, "updated_at"])
    return standard


@transaction.atomic
def create_standard(*, by: Any, kind: str, name: str) -> TeamStandard:
    actions.require(by, Capability.CONFIGURE_RULES)
    if kind not in TeamKind.values:
        raise ValidationError({"kind": f"队伍类型 {kind} 不存在"})
    if TeamStandard.objects.filter(kind=kind).exists():
        raise ValidationError({"kind": "该队伍类型已有配备标准，请直接修改"})
    standard = TeamStandard(kind=kind, name=name.strip() or str(TeamKind(kind).label))
    standard.full_clean()
    standard.save()
    return standard
