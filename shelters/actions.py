"""Every change to shelters goes through these functions.

Occupancy rules (the on-site manager's +/- board and the API use the same code):
- people are checked in or out only while the shelter is open (or full);
- occupancy may not pass the night capacity unless the manager confirms over-capacity;
- reaching the night capacity sets the status to full, dropping below it sets it back to open;
- a shelter with people in it cannot be closed.
Every status change and every check-in/out leaves a `ShelterEvent`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability
from jurisdictions.models import Jurisdiction
from places.coords import CoordSystem
from shelters.choices import RECEIVING, EventKind, Facility, ShelterStatus
from shelters.geo import line_length_m, parse_line, point_to_wgs84
from shelters.models import EvacuationRoute, Shelter, ShelterEvent
from yingji import actions

SHELTER_EDITABLE = (
    "name",
    "kind",
    "address",
    "capacity_day",
    "capacity_night",
    "area_m2",
    "facilities",
    "responsible_name",
    "responsible_phone",
    "note",
    "jurisdiction",
)
MAX_STEP = 10_000  # one check-in of more people than this is a typo

# Manual transitions; `full` is never chosen by hand.
MANUAL_TRANSITIONS = {
    ShelterStatus.READY: {ShelterStatus.OPEN, ShelterStatus.CLOSED},
    ShelterStatus.OPEN: {ShelterStatus.CLOSED},
    ShelterStatus.FULL: {ShelterStatus.CLOSED},
    ShelterStatus.CLOSED: {ShelterStatus.READY, ShelterStatus.OPEN},
}


def _clean_facilities(values: Any) -> list[str]:
    values = list(values or [])
    unknown = [v for v in values if v not in Facility.values]
    if unknown:
        raise ValidationError({"facilities": f"未知的配套设施：{'、'.join(map(str, unknown))}；可选：{'、'.join(Facility.values)}"})
    return [code for code in Facility.values if code in values]


def _clean_area(data: dict[str, Any]) -> dict[str, Any]:
    """Area to one decimal place, whether it came as a float (API), a Decimal (forms) or text."""
    value = data.get("area_m2")
    if value is None or value == "":
        if "area_m2" in data:
            data["area_m2"] = None
    else:
        data["area_m2"] = Decimal(str(round(float(value), 1)))
    return data


def _check_capacity(shelter: Shelter) -> None:
    if shelter.capacity_day and shelter.capacity_night and shelter.capacity_night > shelter.capacity_day * 2:
        raise ValidationError({"capacity_night": "夜间容量远大于白天容量，请核对（夜间容量一般不超过白天容量）"})


def _located(fields: dict[str, Any], lng: Any, lat: Any, system: str) -> dict[str, Any]:
    fields["lng"], fields["lat"] = point_to_wgs84(lng, lat, system)
    return fields


@transaction.atomic
def create_shelter(
    *, by: Any, jurisdiction: Jurisdiction, lng: float | None = None, lat: float | None = None,
    coord_system: str = CoordSystem.WGS84, **fields: Any,
) -> Shelter:
    actions.require(by, Capability.EDIT_REGISTRY)
    data = {k: v for k, v in fields.items() if k in SHELTER_EDITABLE and k != "jurisdiction"}
    data["facilities"] = _clean_facilities(data.get("facilities"))
    _clean_area(data)
    shelter = Shelter(jurisdiction=jurisdiction, **_located(data, lng, lat, coord_system))
    _check_capacity(shelter)
    shelter.full_clean()
    shelter.save()
    return shelter


_UNSET: Any = object()


@transaction.atomic
def update_shelter(
    shelter: Shelter, *, by: Any, lng: Any = _UNSET, lat: Any = _UNSET, coord_system: str = CoordSystem.WGS84, **changes: Any
) -> Shelter:
    actions.require(by, Capability.EDIT_REGISTRY)
    shelter = actions.locked(shelter)
    data = {k: v for k, v in changes.items() if k in SHELTER_EDITABLE}
    if "facilities" in data:
        data["facilities"] = _clean_facilities(data["facilities"])
    _clean_area(data)
    if lng is not _UNSET or lat is not _UNSET:
        new_lng = shelter.lng if lng is _UNSET else lng
        new_lat = shelter.lat if lat is _UNSET else lat
        _located(data, new_lng, new_lat, coord_system)
    changed = actions.apply_changes(shelter, data)
    if not changed:
        return shelter
    _check_capacity(shelter)
    if "capacity_night" in changed and shelter.status in RECEIVING:
        _settle_full(shelter, by=by, note="夜间容量调整")
        changed += ["status", "status_changed_at"]
    shelter.full_clean()
    if "jurisdiction" in changed:
        changed.append("jurisdiction_path")
    shelter.save(update_fields=[*set(changed), "updated_at"])
    return shelter


def _log(shelter: Shelter, *, by: Any, kind: str, count: int = 0, before: str = "", after: str = "", over: bool = False, note: str = "") -> ShelterEvent:
    return ShelterEvent.objects.create(
        shelter=shelter,
        jurisdiction=shelter.jurisdiction,
        kind=kind,
        count=count,
        occupancy_after=shelter.occupancy,
        status_before=before,
        status_after=after,
        over_capacity=over,
        note=note[:200],
        by=by if getattr(by, "pk", None) else None,
    )


def _settle_full(shelter: Shelter, *, by: Any, note: str = "") -> None:
    """Open ⇄ full follows occupancy against the night capacity."""
    wanted = ShelterStatus.FULL if shelter.capacity_night and shelter.occupancy >= shelter.capacity_night else ShelterStatus.OPEN
    if shelter.status != wanted:
        before = shelter.status
        shelter.status = wanted
        shelter.status_changed_at = timezone.now()
        _log(shelter, by=by, kind=EventKind.STATUS, before=before, after=wanted, note=note or "按安置人数自动调整")


@transaction.atomic
def change_status(shelter: Shelter, *, by: Any, status: str, note: str = "") -> Shelter:
    """Open, close or make ready a shelter (full follows occupancy and is never chosen)."""
    actions.require(by, Capability.EDIT_REGISTRY)
    shelter = actions.locked(shelter)
    if status not in ShelterStatus.values:
        raise ValidationError({"status": f"状态应为 {', '.join(ShelterStatus.values)} 之一"})
    if status == shelter.status:
        return shelter
    if shelter.archived_at is not None:
        raise ValidationError({"status": "场所已归档，不能变更状态；请先恢复"})
    if status == ShelterStatus.FULL:
        raise ValidationError({"status": "“已满员”由安置人数自动判定，不能手工设置"})
    if status not in MANUAL_TRANSITIONS[ShelterStatus(shelter.status)]:
        raise ValidationError(
            {"status": f"不能从“{shelter.get_status_display()}”直接变为“{ShelterStatus(status).label}”"}
        )
    if status == ShelterStatus.CLOSED and shelter.occupancy > 0:
        raise ValidationError({"status": f"场所内还有 {shelter.occupancy} 人，请先登记离开后再关闭"})
    before = shelter.status
    at_capacity = bool(shelter.capacity_night) and shelter.occupancy >= shelter.capacity_night
    shelter.status = ShelterStatus.FULL if status == ShelterStatus.OPEN and at_capacity else status
    shelter.status_changed_at = timezone.now()
    shelter.save(update_fields=["status", "status_changed_at", "updated_at"])
    _log(shelter, by=by, kind=EventKind.STATUS, before=before, after=shelter.status, note=note)
    return shelter


@transaction.atomic
def check_in(shelter: Shelter, *, by: Any, count: int, confirm_over_capacity: bool = False, note: str = "") -> Shelter:
    """Record `count` people arriving. Over the night capacity only with an explicit confirmation."""
    actions.require(by, Capability.EDIT_REGISTRY)
    shelter = actions.locked(shelter)
    _check_count(count)
    if shelter.status not in RECEIVING:
        raise ValidationError({"count": f"场所当前为“{shelter.get_status_display()}”，请先开放后再登记入住"})
    after = shelter.occupancy + count
    over = bool(shelter.capacity_night) and after > shelter.capacity_night
    if over and not confirm_over_capacity:
        raise ValidationError(
            {"count": f"登记后将有 {after} 人，超过夜间容量 {shelter.capacity_night} 人；如确需超员安置，请勾选“确认超员”后再提交"}
        )
    shelter.occupancy = after
    _log(shelter, by=by, kind=EventKind.CHECK_IN, count=count, over=over, note=note)
    _settle_full(shelter, by=by)
    shelter.save(update_fields=["occupancy", "status", "status_changed_at", "updated_at"])
    return shelter


@transaction.atomic
def check_out(shelter: Shelter, *, by: Any, count: int, note: str = "") -> Shelter:
    """Record `count` people leaving; never below zero."""
    actions.require(by, Capability.EDIT_REGISTRY)
    shelter = actions.locked(shelter)
    _check_count(count)
    if shelter.status not in RECEIVING:
        raise ValidationError({"count": f"场所当前为“{shelter.get_status_display()}”，没有在安置人员"})
    if count > shelter.occupancy:
        raise ValidationError({"count": f"场所内只有 {shelter.occupancy} 人，不能登记 {count} 人离开"})
    shelter.occupancy -= count
    _log(shelter, by=by, kind=EventKind.CHECK_OUT, count=count, note=note)
    _settle_full(shelter, by=by)
    shelter.save(update_fields=["occupancy", "status", "status_changed_at", "updated_at"])
    return shelter


def _check_count(count: int) -> None:
    if not isinstance(count, int) or count <= 0:
        raise ValidationError({"count": "人数应为正整数"})
    if count > MAX_STEP:
        raise ValidationError({"count": f"单次登记不超过 {MAX_STEP} 人，请核对人数"})


@transaction.atomic
def archive_shelter(shelter: Shelter, *, by: Any, reason: str = "") -> Shelter:
    actions.require(by, Capability.EDIT_REGISTRY)
    shelter = actions.locked(shelter)
    if shelter.occupancy > 0:
        raise ValidationError({"__all__": f"场所内还有 {shelter.occupancy} 人，不能归档"})
    return actions.archive(shelter, by=by, reason=reason)


@transaction.atomic
def restore_shelter(shelter: Shelter, *, by: Any) -> Shelter:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.restore(actions.locked(shelter), by=by)


@transaction.atomic
def add_route(
    shelter: Shelter, *, by: Any, name: str, geometry: Any, coord_system: str = CoordSystem.WGS84, note: str = ""
) -> EvacuationRoute:
    """Draw or import an evacuation route (any input system, stored as WGS-84)."""
    actions.require(by, Capability.EDIT_REGISTRY)
    if not name.strip():
        raise ValidationError({"name": "请填写路线名称，例如“东门村—象山中学”"})
    line = parse_line(geometry, coord_system)
    route = EvacuationRoute(
        shelter=shelter, jurisdiction=shelter.jurisdiction, name=name.strip(), geometry=line, note=note, length_m=line_length_m(line)
    )
    route.full_clean()
    route.save()
    return route


@transaction.atomic
def archive_route(route: EvacuationRoute, *, by: Any) -> EvacuationRoute:
    actions.require(by, Capability.EDIT_REGISTRY)
    return actions.archive(actions.locked(route), by=by)
