"""Read-side services of the teams app: nearest available teams and a team's contacts.

Other apps (dispatch, the notification escalation engine) call these; both read through
the scoped managers, so a caller inside a request only ever sees teams of its scope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from people.models import Person
from teams.choices import ROLE_ORDER, MemberRole, TeamStatus
from teams.models import Team, TeamMember

EARTH_RADIUS_M = 6371008.8  # mean Earth radius (IUGG), metres
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180.0
FIRST_BOX_M = 5_000.0  # half-width of the first search box; a village-scale radius
MAX_LIMIT = 100


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    d_lat = p2 - p1
    d_lng = math.radians(lng2 - lng1)
    h = math.sin(d_lat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(d_lng / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def check_point(lng: Any, lat: Any) -> tuple[float, float]:
    """Validate a WGS-84 point; raises ValueError with a Chinese message saying what is wrong."""
    try:
        lng_f, lat_f = float(lng), float(lat)
    except (TypeError, ValueError):
        raise ValueError("经纬度应为数字，例如 lng=121.87&lat=29.47") from None
    if not (math.isfinite(lng_f) and math.isfinite(lat_f)):
        raise ValueError("经纬度应为有限的数字")
    if not -180.0 <= lng_f <= 180.0:
        raise ValueError(f"经度 {lng_f} 超出范围：应在 -180 到 180 之间（注意经度 lng 在前、纬度 lat 在后）")
    if not -90.0 <= lat_f <= 90.0:
        raise ValueError(f"纬度 {lat_f} 超出范围：应在 -90 到 90 之间（注意经度 lng 在前、纬度 lat 在后）")
    return lng_f, lat_f


def _box(lng: float, lat: float, half_m: float) -> tuple[float, float, float, float]:
    """A lat/lng box containing every point within `half_m` metres of (lng, lat)."""
    d_lat = half_m / METRES_PER_DEGREE_LAT
    cos_lat = math.cos(math.radians(min(89.9, abs(lat) + d_lat)))
    d_lng = 180.0 if cos_lat <= 0 else min(180.0, d_lat / cos_lat)
    return lng - d_lng, lat - d_lat, lng + d_lng, lat + d_lat


@dataclass(frozen=True)
class NearTeam:
    team: Team
    distance_m: float


def available_teams() -> QuerySet[Team]:
    """Teams that can be dispatched now (available, not archived), in the active scope."""
    return Team.objects.filter(status=TeamStatus.AVAILABLE, archived_at__isnull=True)


def _candidates(queryset: QuerySet[Team], lng: float, lat: float, half_m: float) -> list[tuple[float, int]]:
    min_lng, min_lat, max_lng, max_lat = _box(lng, lat, half_m)
    rows = queryset.filter(lat__gte=min_lat, lat__lte=max_lat)
    if max_lng - min_lng < 360.0:
        if min_lng < -180.0 or max_lng > 180.0:
            from django.db.models import Q

            rows = rows.filter(
                Q(lng__gte=((min_lng + 540.0) % 360.0) - 180.0) | Q(lng__lte=((max_lng + 540.0) % 360.0) - 180.0)
            )
        else:
            rows = rows.filter(lng__gte=min_lng, lng__lte=max_lng)
    return sorted((haversine_m(lng, lat, t_lng, t_lat), pk) for pk, t_lng, t_lat in rows.values_list("pk", "lng", "lat"))


def nearest_teams(
    lng: float, lat: float, *, limit: int = 10, capability: str | None = None, queryset: QuerySet[Team] | None = None
) -> list[NearTeam]:
    """The `limit` available teams nearest to a point, nearest first, with distances in metres.

    Prefilter by a lat/lng box (indexed) that widens fourfold until it holds `limit`
    teams; then, since a box corner reaches further than its edge, one more query with
    the box grown to the k-th distance makes the answer exact. Distances are haversine.
    """
    lng, lat = check_point(lng, lat)
    limit = max(1, min(int(limit), MAX_LIMIT))
    teams = queryset if queryset is not None else available_teams()
    if capability:
        teams = teams.filter(capabilities__in=_capability_ids(capability)).distinct()
    half = FIRST_BOX_M
    found = _candidates(teams, lng, lat, half)
    while len(found) < limit and half < math.pi * EARTH_RADIUS_M:
        half *= 4
        found = _candidates(teams, lng, lat, half)
    if len(found) >= limit and found[limit - 1][0] > half:
        found = _candidates(teams, lng, lat, found[limit - 1][0] * 1.0001)
    chosen = found[:limit]
    by_id = Team.objects.select_related("jurisdiction", "leader").defer("jurisdiction__boundary").in_bulk([pk for _d, pk in chosen])
    return [NearTeam(by_id[pk], distance) for distance, pk in chosen if pk in by_id]


def _capability_ids(capability: str) -> list[int]:
    from django.db.models import Q

    from teams.models import TeamCapability

    return list(TeamCapability.objects.filter(Q(code=capability) | Q(name=capability)).values_list("pk", flat=True))


def current_members(team: Team | int) -> QuerySet[TeamMember]:
    """Members serving today (not left, not archived)."""
    from django.db.models import Q

    today = timezone.localdate()
    return TeamMember.objects.filter(team=team, archived_at__isnull=True).filter(Q(left_on__isnull=True) | Q(left_on__gt=today))


def team_contacts(team_id: int) -> list[Person]:
    """Whom to call for a team: the leader first, then on-duty members by role (captain first).

    Called lazily by the notification escalation engine; reads through the scoped
    managers, so inside a request a team outside the caller's scope has no contacts.
    """
    team = Team.objects.select_related("leader").filter(pk=team_id, archived_at__isnull=True).first()
    if team is None:
        return []
    contacts: list[Person] = []
    seen: set[int] = set()
    if team.leader is not None and team.leader.archived_at is None:
        contacts.append(team.leader)
        seen.add(team.leader.pk)
    on_duty = current_members(team).filter(on_duty=True, person__archived_at__isnull=True).select_related("person")
    for member in sorted(on_duty, key=lambda m: (ROLE_ORDER.get(m.role, len(MemberRole.values)), m.pk)):
        if member.person_id not in seen:
            contacts.append(member.person)
            seen.add(member.person_id)
    return contacts
