"""The 双随机 draw: random places from a pool, random teams of inspectors, from a recorded seed.

The algorithm is deliberately simple enough to re-check by hand or with any language:

1. Every place id of the pool gets the key ``sha256("<seed>|place|<id>")`` (hex); the pool
   is ordered by key and the first ``sample_size`` places are drawn, in that order.
2. Every inspector id gets the key ``sha256("<seed>|inspector|<id>")``; inspectors in key
   order are cut into ``len(inspectors) // team_size`` teams of ``team_size``, and the
   remaining few join the first teams one each (so nobody is ever left alone).
3. Drawn place *i* goes to team ``i mod number_of_teams``.

Because each key depends only on the seed and the id, the result does not depend on the
order in which the pool or the inspectors were listed, and the same seed with the same pool
always gives the same places and teams. No state of Python's `random` is involved.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from jurisdictions.models import Jurisdiction
from places.choices import OccupancyStatus, RiskGrade
from places.models import Place, PlaceKind

ALGORITHM = "v1"
MAX_SEED_LENGTH = 64
MAX_TEAM_SIZE = 10
CRITERIA_KEYS = ("jurisdiction", "kinds", "grades", "key_units_only", "exclude_inspected_within_days")


def new_seed() -> str:
    """A fresh unguessable seed (recorded with the draw, so it can be re-checked later)."""
    return secrets.token_hex(8)


def _key(seed: str, what: str, pk: int) -> str:
    return hashlib.sha256(f"{seed}|{what}|{pk}".encode()).hexdigest()


@dataclass(frozen=True)
class DrawResult:
    place_ids: list[int]
    teams: list[list[int]] = field(default_factory=list)


def make_teams(seed: str, inspector_ids: Iterable[int], team_size: int) -> list[list[int]]:
    """Random teams of at least `team_size` inspectors each."""
    ordered = sorted({int(i) for i in inspector_ids}, key=lambda pk: (_key(seed, "inspector", pk), pk))
    count = len(ordered) // team_size
    if count == 0:
        return []
    teams = [ordered[n * team_size : (n + 1) * team_size] for n in range(count)]
    for n, pk in enumerate(ordered[count * team_size :]):
        teams[n % count].append(pk)
    return teams


def compute(
    seed: str, pool_ids: Iterable[int], sample_size: int, inspector_ids: Iterable[int], team_size: int
) -> DrawResult:
    """The draw itself: a pure function of its arguments (see the module docstring)."""
    pool = sorted({int(i) for i in pool_ids})
    if sample_size < 1:
        raise ValidationError({"sample_size": "抽取数量至少为 1"})
    if sample_size > len(pool):
        raise ValidationError(
            {
                "sample_size": f"抽取数量（{sample_size}）大于抽取池中的场所数（{len(pool)}），请减少抽取数量或放宽抽取条件"
            }
        )
    inspectors = sorted({int(i) for i in inspector_ids})
    if team_size < 1 or team_size > MAX_TEAM_SIZE:
        raise ValidationError({"team_size": f"每组人数应在 1 至 {MAX_TEAM_SIZE} 之间"})
    if len(inspectors) < team_size:
        raise ValidationError(
            {
                "inspectors": f"检查人员（{len(inspectors)} 人）少于每组人数（{team_size} 人），请增加检查人员或减少每组人数"
            }
        )
    drawn = sorted(pool, key=lambda pk: (_key(seed, "place", pk), pk))[:sample_size]
    teams = make_teams(seed, inspectors, team_size)
    return DrawResult(place_ids=drawn, teams=[list(teams[n % len(teams)]) for n in range(len(drawn))])


def check_seed(seed: Any) -> str:
    seed = str(seed or "").strip()
    if not seed:
        return new_seed()
    if len(seed) > MAX_SEED_LENGTH or any(ch in seed for ch in "|\r\n\t"):
        raise ValidationError({"seed": f"随机种子不超过 {MAX_SEED_LENGTH} 个字符，且不能含竖线或换行"})
    return seed


def _str_list(value: Any, name: str) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    if not isinstance(value, (list, tuple)):
        raise ValidationError({name: "应为列表"})
    return sorted({str(v).strip() for v in value if str(v).strip()})


def clean_criteria(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Normalized criteria (stored on the draw); unknown keys and bad values are refused."""
    raw = dict(raw or {})
    unknown = set(raw) - set(CRITERIA_KEYS)
    if unknown:
        raise ValidationError({"criteria": f"不支持的抽取条件：{', '.join(sorted(unknown))}"})
    criteria: dict[str, Any] = {}
    code = str(raw.get("jurisdiction") or "").strip()
    if code:
        criteria["jurisdiction"] = code
    kinds = _str_list(raw.get("kinds"), "kinds")
    if kinds:
        known = set(PlaceKind.objects.filter(code__in=kinds).values_list("code", flat=True))
        if set(kinds) - known:
            raise ValidationError({"kinds": f"未知的场所类型：{', '.join(sorted(set(kinds) - known))}"})
        criteria["kinds"] = kinds
    grades = _str_list(raw.get("grades"), "grades")
    if grades:
        if set(grades) - set(RiskGrade.values):
            raise ValidationError({"grades": f"风险等级应为 {', '.join(RiskGrade.values)}"})
        criteria["grades"] = grades
    key_only = raw.get("key_units_only")
    if key_only in (True, "1", "true", "on", 1):
        criteria["key_units_only"] = True
    days: Any = raw.get("exclude_inspected_within_days")
    if days not in (None, "", 0, "0"):
        try:
            number = int(days)
        except (TypeError, ValueError):
            raise ValidationError({"exclude_inspected_within_days": "应为天数"}) from None
        if not 0 < number <= 3650:
            raise ValidationError({"exclude_inspected_within_days": "应在 1 至 3650 天之间"})
        criteria["exclude_inspected_within_days"] = number
    return criteria


def pool_root(plan_jurisdiction: Jurisdiction, criteria: Mapping[str, Any]) -> Jurisdiction:
    """The node the pool is drawn from: the plan's, or a node inside it named by the criteria."""
    code = criteria.get("jurisdiction")
    if not code:
        return plan_jurisdiction
    node = Jurisdiction.objects.filter(code=code).first()
    if node is None or not node.path.startswith(plan_jurisdiction.path):
        raise ValidationError({"jurisdiction": "抽取范围须在计划辖区之内"})
    return node


def pool_queryset(plan_jurisdiction: Jurisdiction, criteria: Mapping[str, Any]) -> QuerySet[Place]:
    """Live places matching the criteria within the plan's jurisdiction (and the active scope).

    `Place.objects` is scoped, so a drawer never gets a place outside their subtree into the
    pool; a criteria jurisdiction outside the plan's subtree is refused.
    """
    root = pool_root(plan_jurisdiction, criteria)
    places = Place.objects.filter(archived_at__isnull=True, jurisdiction_path__within=root.path).exclude(
        occupancy_status=OccupancyStatus.DEMOLISHED
    )
    if criteria.get("kinds"):
        places = places.filter(kind__code__in=criteria["kinds"])
    if criteria.get("grades"):
        places = places.filter(risk_grade__in=criteria["grades"])
    if criteria.get("key_units_only"):
        places = places.filter(is_key_unit=True)
    days = criteria.get("exclude_inspected_within_days")
    if days:
        since = timezone.localdate() - timedelta(days=int(days))
        places = places.filter(Q(last_supervision_on__isnull=True) | Q(last_supervision_on__lt=since))
    return places


def pool_ids(plan_jurisdiction: Jurisdiction, criteria: Mapping[str, Any]) -> list[int]:
    return sorted(pool_queryset(plan_jurisdiction, criteria).values_list("pk", flat=True))


def verify(
    seed: str,
    pool: Sequence[int],
    sample_size: int,
    inspector_ids: Sequence[int],
    team_size: int,
    place_ids: Sequence[int],
    teams: Sequence[Sequence[int]],
) -> bool:
    """Does the recorded result follow from the recorded seed and pool?"""
    try:
        again = compute(seed, pool, sample_size, inspector_ids, team_size)
    except ValidationError:
        return False
    return again.place_ids == [int(p) for p in place_ids] and again.teams == [[int(u) for u in t] for t in teams]
