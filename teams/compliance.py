"""Standards compliance of teams (达标): each team against the standard of its kind.

A check lists each requirement with what is required, what is present and whether it is
met. Equipment lives in the supplies ledger: a team's kit is the stock (not archived, not
expired) at the team's base, i.e. a storage point of kind 队伍驻地 in the team's
jurisdiction named like the team, matched by supply name or category name; a micro fire
station or village shock team without such a base uses its village's store (村级储备点).
If the supplies app is absent the equipment lines say "not checked" and do not count against
the team.

The roll-up evaluates every team of a subtree in a fixed number of queries (members,
certificates, vehicles, capabilities and kit loaded in bulk), so a county's check is one
page load, not one query per team.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from jurisdictions.models import Jurisdiction
from teams.choices import TeamKind, VehicleKind, VehicleStatus
from teams.models import Certificate, Team, TeamMember, TeamStandard, Vehicle

MET, MISSING, NOT_CHECKED = "met", "missing", "not_checked"


@dataclass(frozen=True)
class Requirement:
    """One line of a compliance check."""

    category: str  # members | on_duty | capability | certificate | vehicle | equipment
    label: str
    required: int
    present: int | None
    state: str

    @property
    def met(self) -> bool:
        return self.state != MISSING

    @property
    def shortfall(self) -> int:
        return max(0, self.required - (self.present or 0)) if self.state == MISSING else 0


@dataclass
class Compliance:
    team_id: int
    standard: str | None
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def has_standard(self) -> bool:
        return self.standard is not None

    @property
    def compliant(self) -> bool | None:
        """True/False against the standard; None when no standard applies to the kind."""
        if self.standard is None:
            return None
        return all(r.met for r in self.requirements)

    @property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if r.state == MISSING]

    @property
    def not_checked(self) -> list[Requirement]:
        return [r for r in self.requirements if r.state == NOT_CHECKED]

    def missing_text(self) -> list[str]:
        return [f"{r.label}：需 {r.required}，现有 {r.present or 0}" for r in self.missing]


@dataclass
class TeamFacts:
    """What a check needs to know about one team, loaded in bulk."""

    members: int = 0
    on_duty: int = 0
    capabilities: set[str] = field(default_factory=set)
    certificates: Counter[str] = field(default_factory=Counter)
    vehicles: Counter[str] = field(default_factory=Counter)
    equipment: Counter[str] | None = None  # None: the supplies ledger is not available


def _supply_model() -> Any:
    try:
        return apps.get_model("supplies", "Supply")
    except LookupError:
        return None


def load_facts(teams: list[Team]) -> dict[int, TeamFacts]:
    """Members, on-duty, capabilities, valid certificates, vehicles and kit of many teams."""
    facts: dict[int, TeamFacts] = {team.pk: TeamFacts() for team in teams}
    if not teams:
        return facts
    ids = list(facts)
    today = timezone.localdate()
    current = Q(archived_at__isnull=True) & (Q(left_on__isnull=True) | Q(left_on__gt=today))
    for team_id, on_duty in TeamMember.objects.filter(current, team_id__in=ids).values_list("team_id", "on_duty"):
        facts[team_id].members += 1
        facts[team_id].on_duty += int(on_duty)
    certificates = Certificate.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        archived_at__isnull=True,
        member__team_id__in=ids,
        member__archived_at__isnull=True,
    ).filter(Q(member__left_on__isnull=True) | Q(member__left_on__gt=today))
    for team_id, name in certificates.values_list("member__team_id", "name"):
        facts[team_id].certificates[name] += 1
    vehicles = Vehicle.objects.filter(team_id__in=ids, archived_at__isnull=True).exclude(status=VehicleStatus.RETIRED)
    for team_id, kind in vehicles.values_list("team_id", "kind"):
        facts[team_id].vehicles[kind] += 1
    for team_id, name in Team.capabilities.through.objects.filter(team_id__in=ids).values_list("team_id", "teamcapability__name"):
        facts[team_id].capabilities.add(name)
    _load_equipment(teams, facts)
    return facts


# Village teams without a base store of their own draw on their village's store (村级储备点),
# where the "3+4+X" kit and the micro fire station's equipment are kept.
VILLAGE_KINDS = {TeamKind.MICRO_FIRE_STATION, TeamKind.VILLAGE_SHOCK_TEAM}


def _load_equipment(teams: list[Team], facts: dict[int, TeamFacts]) -> None:
    supply = _supply_model()
    if supply is None:
        return
    for fact in facts.values():
        fact.equipment = Counter()
    today = timezone.localdate()
    by_base = {(team.jurisdiction_id, team.name): team.pk for team in teams}
    usable = supply.objects.filter(
        Q(expiry_date__isnull=True) | Q(expiry_date__gte=today),
        archived_at__isnull=True,
        storage_point__archived_at__isnull=True,
        quantity__gt=0,
    )
    with_base: set[int] = set()
    base_points = supply.storage_point.field.related_model.objects.filter(
        kind="team_base",
        archived_at__isnull=True,
        jurisdiction_id__in={j for j, _n in by_base},
        name__in={n for _j, n in by_base},
    ).values_list("jurisdiction_id", "name")
    for key in base_points:
        if key in by_base:
            with_base.add(by_base[key])
    stock = usable.filter(
        storage_point__kind="team_base",
        storage_point__jurisdiction_id__in={j for j, _n in by_base},
        storage_point__name__in={n for _j, n in by_base},
    ).values_list("storage_point__jurisdiction_id", "storage_point__name", "name", "category__name", "quantity")
    for jurisdiction_id, point_name, name, category, quantity in stock:
        team_id = by_base.get((jurisdiction_id, point_name))
        if team_id is not None:
            _count(facts[team_id], name, category, quantity)
    village_teams: dict[int, list[int]] = defaultdict(list)
    for team in teams:
        if team.kind in VILLAGE_KINDS and team.pk not in with_base:
            village_teams[team.jurisdiction_id].append(team.pk)
    if not village_teams:
        return
    village_stock = usable.filter(storage_point__kind="village_point", storage_point__jurisdiction_id__in=list(village_teams))
    for jurisdiction_id, name, category, quantity in village_stock.values_list(
        "storage_point__jurisdiction_id", "name", "category__name", "quantity"
    ):
        for team_id in village_teams[jurisdiction_id]:
            _count(facts[team_id], name, category, quantity)


def _count(fact: TeamFacts, name: str, category: str | None, quantity: int) -> None:
    counter = fact.equipment
    assert counter is not None
    counter[name] += quantity
    if category and category != name:
        counter[category] += quantity


def evaluate(team: Team, standard: TeamStandard | None, facts: TeamFacts) -> Compliance:
    """Check one team against a standard (None: no standard for its kind)."""
    if standard is None or not standard.is_active:
        return Compliance(team.pk, None)
    lines: list[Requirement] = []

    def count_line(category: str, label: str, required: int, present: int | None) -> None:
        if required <= 0:
            return
        if present is None:
            lines.append(Requirement(category, label, required, None, NOT_CHECKED))
        else:
            lines.append(Requirement(category, label, required, present, MET if present >= required else MISSING))

    count_line("members", "队员人数", standard.min_members, facts.members)
    count_line("on_duty", "在岗值守人数", standard.min_on_duty, facts.on_duty)
    for name in standard.required_capabilities:
        has = name in facts.capabilities
        lines.append(Requirement("capability", f"能力：{name}", 1, int(has), MET if has else MISSING))
    for item in standard.required_certificates:
        count_line("certificate", f"有效证书：{item['name']}", int(item.get("count", 1)), facts.certificates[item["name"]])
    for item in standard.required_vehicles:
        kind = item["kind"]
        label = VehicleKind(kind).label if kind in VehicleKind.values else kind
        count_line("vehicle", f"车辆：{label}", int(item.get("count", 1)), facts.vehicles[kind])
    for item in standard.required_equipment:
        present = None if facts.equipment is None else facts.equipment[item["name"]]
        count_line("equipment", f"器材：{item['name']}", int(item.get("quantity", 1)), present)
    return Compliance(team.pk, standard.name, lines)


def standards_by_kind() -> dict[str, TeamStandard]:
    return {s.kind: s for s in TeamStandard.objects.filter(is_active=True)}


def check_team(team: Team) -> Compliance:
    return evaluate(team, standards_by_kind().get(team.kind), load_facts([team])[team.pk])


def check_teams(teams: list[Team]) -> dict[int, Compliance]:
    standards = standards_by_kind()
    facts = load_facts(teams)
    return {team.pk: evaluate(team, standards.get(team.kind), facts[team.pk]) for team in teams}


@dataclass
class RollupRow:
    """Compliance counts of one child node (township or village) and its subtree."""

    code: str
    name: str
    teams: int = 0
    checked: int = 0
    compliant: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: {"teams": 0, "compliant": 0}))
    missing: Counter[str] = field(default_factory=Counter)

    @property
    def non_compliant(self) -> int:
        return self.checked - self.compliant

    @property
    def rate(self) -> float | None:
        return round(self.compliant / self.checked, 4) if self.checked else None


def rollup(node: Jurisdiction, teams: QuerySet[Team]) -> tuple[RollupRow, list[RollupRow]]:
    """Totals for `node` and one row per child node, for the (scoped) active teams below it."""
    children = list(Jurisdiction.objects.filter(parent=node, archived_at__isnull=True).only("code", "name", "path").order_by("code"))
    team_list = list(
        teams.filter(jurisdiction_path__within=node.path, archived_at__isnull=True).only(
            "id", "kind", "name", "jurisdiction_id", "jurisdiction_path"
        )
    )
    results = check_teams(team_list)
    total = RollupRow(node.code, node.name)
    rows = {child.path: RollupRow(child.code, child.name) for child in children}
    for team in team_list:
        result = results[team.pk]
        targets = [total]
        for path, row in rows.items():
            if team.jurisdiction_path.startswith(path):
                targets.append(row)
                break
        for row in targets:
            row.teams += 1
            kind_counts = row.by_kind[team.kind]
            kind_counts["teams"] += 1
            if result.compliant is None:
                continue
            row.checked += 1
            if result.compliant:
                row.compliant += 1
                kind_counts["compliant"] += 1
            for requirement in result.missing:
                row.missing[requirement.label] += 1
    return total, list(rows.values())


KIND_LABELS = dict(TeamKind.choices)
