"""Demo step: the rescue teams of the demo county (队伍、队员、证书、车辆、状态).

Every township gets a (government) full-time fire brigade and a comprehensive rescue
team; most villages a micro fire station and a village shock team (led by the village's
emergency manager when there is one); a few enterprise brigades, forest-fire teams and
volunteer teams. Members are new people registered in the team's jurisdiction, drawn
like `people/demo_data.py` draws them. Everything is bulk-inserted with paths by hand.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from shapely.geometry import shape

from demo import names
from demo.context import DemoContext
from demo.registry import demo_step
from demo.staffing import StaffPlanner
from demo.tiling import random_points_inside
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from people.models import Person
from teams.choices import MemberRole, TeamKind, TeamStatus, VehicleKind, VehicleStatus
from teams.models import Certificate, Team, TeamCapability, TeamMember, TeamStatusChange, Vehicle

BATCH_SIZE = 500
MICRO_STATION_SHARE = 0.85
SHOCK_TEAM_SHARE = 0.75
FOREST_TOWNSHIPS = 3  # the hilly inland townships get a forest-fire team


@dataclass
class TeamPlan:
    team: Team
    size: int
    capabilities: list[str]
    vehicles: list[str]
    certificate: str | None
    leader: Person | None = None
    members: list[tuple[Person, str, bool]] = field(default_factory=list)


# kind → (size range, capabilities, vehicle kinds, certificate name most members hold)
KIND_PROFILE: dict[str, tuple[tuple[int, int], list[str], list[str], str | None]] = {
    TeamKind.GOVERNMENT_FIRE_BRIGADE: ((15, 20), ["灭火", "破拆", "危化", "高空救援"], [VehicleKind.WATER_TENDER, VehicleKind.RESCUE_TRUCK], "消防员职业资格证书"),
    TeamKind.FIRE_BRIGADE: ((14, 18), ["灭火", "破拆"], [VehicleKind.WATER_TENDER, VehicleKind.FOAM_TENDER], "消防员职业资格证书"),
    TeamKind.COMPREHENSIVE_RESCUE: ((10, 16), ["水域救援", "排涝", "防台抢险", "搜救", "医疗"], [VehicleKind.RESCUE_TRUCK, VehicleKind.ASSAULT_BOAT], "应急救援员证书"),
    TeamKind.MICRO_FIRE_STATION: ((5, 9), ["灭火"], [VehicleKind.MOTORCYCLE], "微型消防站队员培训合格证"),
    TeamKind.VILLAGE_SHOCK_TEAM: ((8, 14), ["转移安置", "排涝", "防台抢险"], [], None),
    TeamKind.ENTERPRISE_RESCUE: ((8, 12), ["灭火", "危化", "医疗"], [VehicleKind.WATER_TENDER], "消防员职业资格证书"),
    TeamKind.FOREST_FIRE: ((10, 15), ["森林灭火", "山岳"], [VehicleKind.TRANSPORT], "森林消防培训合格证"),
    TeamKind.VOLUNTEER: ((12, 25), ["水域救援", "山岳", "搜救", "医疗"], [VehicleKind.ASSAULT_BOAT], "应急救援员证书"),
    TeamKind.MILITIA: ((12, 20), ["防台抢险", "转移安置", "搜救"], [VehicleKind.TRANSPORT], None),
}
ENTERPRISES = ["象山港湾水产", "石浦船舶修造", "丹城化工", "爵溪针织"]
VOLUNTEER_TEAMS = ["象山蓝天救援队", "象山红十字应急救援志愿队"]
ON_TASK_REASONS = ["防台风巡查", "协助山林火情处置", "城区内涝排水", "重大活动安保执勤"]
UNAVAILABLE_REASONS = ["车辆维修保养", "集中轮训", "人员不足，正在补充"]


class TeamSeeder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng("teams")
        self.staff = StaffPlanner(ctx.rng("teams", "people"), used_mobiles={p.mobile for p in ctx.persons})
        self.plans: list[TeamPlan] = []
        self.areas: dict[str, Any] = {}
        self.today = timezone.localdate()
        self.people_by_path: dict[str, list[Person]] = defaultdict(list)
        for person in ctx.persons:
            self.people_by_path[person.jurisdiction_path].append(person)

    def point_in(self, node: Jurisdiction) -> tuple[float, float]:
        if node.boundary:
            area = self.areas.get(node.code)
            if area is None:
                area = self.areas[node.code] = shape(node.boundary)
            point = random_points_inside(area, 1, self.rng)[0]
            return round(point.x, 6), round(point.y, 6)
        lng, lat = node.centroid_lng or 121.87, node.centroid_lat or 29.47
        return round(lng + self.rng.uniform(-0.01, 0.01), 6), round(lat + self.rng.uniform(-0.01, 0.01), 6)

    def add(self, node: Jurisdiction, name: str, kind: str, address: str, leader: Person | None = None) -> None:
        (low, high), caps, vehicles, certificate = KIND_PROFILE[kind]
        lng, lat = self.point_in(node)
        status, reason, until = TeamStatus.AVAILABLE, "", None
        roll = self.rng.random()
        if roll < 0.06:
            status, reason = TeamStatus.ON_TASK, self.rng.choice(ON_TASK_REASONS)
        elif roll < 0.10:
            status, reason = TeamStatus.UNAVAILABLE, self.rng.choice(UNAVAILABLE_REASONS)
            until = timezone.now() + datetime.timedelta(days=self.rng.randint(1, 10))
        team = Team(
            name=name,
            kind=kind,
            jurisdiction=node,
            jurisdiction_path=node.path,
            address=address,
            lng=lng,
            lat=lat,
            duty_phone=self.staff.duty_phone(),
            status=status,
            status_reason=reason,
            status_until=until,
            status_changed_at=timezone.now() - datetime.timedelta(hours=self.rng.randint(1, 72)),
        )
        self.plans.append(TeamPlan(team, self.rng.randint(low, high), caps, vehicles, certificate, leader))

    def plan_teams(self) -> None:
        townships = self.ctx.nodes(Level.TOWNSHIP)
        forest = {t.code for t in townships[-FOREST_TOWNSHIPS:]} if len(townships) > FOREST_TOWNSHIPS else {townships[-1].code}
        for index, township in enumerate(townships):
            brigade_kind = TeamKind.GOVERNMENT_FIRE_BRIGADE if index % 2 == 0 else TeamKind.FIRE_BRIGADE
            brigade_name = "政府专职消防队" if brigade_kind == TeamKind.GOVERNMENT_FIRE_BRIGADE else "专职消防队"
            self.add(township, f"{township.name}{brigade_name}", brigade_kind, f"{township.name}消防路{self.rng.randint(1, 99)}号")
            chiefs = self.ctx.holders(township.code, "station_chief")
            self.add(township, f"{township.name}综合应急救援队", TeamKind.COMPREHENSIVE_RESCUE, f"{township.name}应急消防管理站", chiefs[0] if chiefs else None)
            if township.code in forest:
                self.add(township, f"{township.name}森林防灭火队", TeamKind.FOREST_FIRE, f"{township.name}林场")
            if index % 4 == 1:
                self.add(township, f"{township.name}民兵应急分队", TeamKind.MILITIA, f"{township.name}人武部")
            if index % 4 == 3 or index == 0:
                enterprise = ENTERPRISES[(index // 4) % len(ENTERPRISES)]
                self.add(township, f"{enterprise}企业专职消防队", TeamKind.ENTERPRISE_RESCUE, f"{township.name}工业园区")
        county = self.ctx.nodes(Level.COUNTY)
        if county:
            for name in VOLUNTEER_TEAMS:
                self.add(county[0], name, TeamKind.VOLUNTEER, "象山县丹东街道")
        for village in self.ctx.nodes(Level.VILLAGE):
            managers = self.ctx.holders(village.code, "village_manager")
            manager = managers[0] if managers else None
            if self.rng.random() < MICRO_STATION_SHARE:
                self.add(village, f"{village.name}微型消防站", TeamKind.MICRO_FIRE_STATION, f"{village.name}村(居)委会", manager)
            if self.rng.random() < SHOCK_TEAM_SHARE:
                self.add(village, f"{village.name}应急突击队", TeamKind.VILLAGE_SHOCK_TEAM, f"{village.name}村(居)委会", manager)

    def pool(self, team: Team, exclude: Person | None) -> list[Person]:
        """People already on record in the team's subtree, in a fixed shuffled order."""
        people = [p for path, group in self.people_by_path.items() if path.startswith(team.jurisdiction_path) for p in group]
        people = [p for p in people if p is not exclude]
        self.rng.shuffle(people)
        return people

    def plan_people(self) -> list[Person]:
        """Staff every team; returns the people registered for it.

        Village teams are drawn first from the village's own people (cadres, grid
        workers), as the seeds describe. At county scale the rest — and the full-time
        brigades — are new people registered in the team's jurisdiction. At small scale
        no one new is registered (the foundation's tests read the people directory as the
        people step leaves it), so teams there are only as large as the people on record.
        """
        new: list[Person] = []
        allow_new = self.ctx.scale != "small"
        for plan in self.plans:
            team = plan.team
            village_team = team.jurisdiction.level == Level.VILLAGE
            pool = self.pool(team, plan.leader) if (village_team or not allow_new) else []
            if not allow_new:
                plan.size = min(plan.size, len(pool) + (1 if plan.leader else 0))
            roles = [MemberRole.CAPTAIN, MemberRole.VICE_CAPTAIN] + [MemberRole.DRIVER] * (1 if plan.vehicles else 0)
            roles += [MemberRole.RADIO] if plan.size > 10 else []
            roles += [MemberRole.MEMBER] * max(0, plan.size - len(roles))
            on_duty_share = 0.5 if team.kind in (TeamKind.GOVERNMENT_FIRE_BRIGADE, TeamKind.FIRE_BRIGADE) else 0.3
            for index, role in enumerate(roles[: plan.size]):
                if index == 0 and plan.leader is not None:
                    plan.members.append((plan.leader, role, True))
                    continue
                if pool:
                    person = pool.pop()
                else:
                    gender = "M" if self.rng.random() < 0.85 else "F"
                    person = Person(
                        name=names.person_name(self.staff.rng, gender),
                        gender=gender,
                        mobile=self.staff.mobile(),
                        organization=team.name,
                        title=str(MemberRole(role).label),
                        jurisdiction=team.jurisdiction,
                        jurisdiction_path=team.jurisdiction_path,
                    )
                    new.append(person)
                plan.members.append((person, role, index == 0 or self.rng.random() < on_duty_share))
            if plan.leader is None and plan.members:
                plan.leader = plan.members[0][0]
        return new

    def certificate_dates(self) -> tuple[datetime.date, datetime.date]:
        """Issue and expiry dates: most valid, some expiring within 30 days, some expired."""
        roll = self.rng.random()
        if roll < 0.07:
            expires = self.today - datetime.timedelta(days=self.rng.randint(1, 200))
        elif roll < 0.15:
            expires = self.today + datetime.timedelta(days=self.rng.randint(0, 29))
        else:
            expires = self.today + datetime.timedelta(days=self.rng.randint(31, 4 * 365))
        return expires - datetime.timedelta(days=4 * 365), expires


@demo_step(order=600, label="救援队伍")
def seed_teams(ctx: DemoContext) -> str:
    if ctx.plan is None or not ctx.persons:
        raise ImproperlyConfigured("救援队伍步骤需要先运行辖区和人员步骤（order=100、200）。")
    seeder = TeamSeeder(ctx)
    seeder.plan_teams()
    new_people = seeder.plan_people()
    Person.objects.bulk_create(new_people, batch_size=BATCH_SIZE)
    ctx.persons.extend(new_people)
    for plan in seeder.plans:
        plan.team.leader = plan.leader
    Team.objects.bulk_create([p.team for p in seeder.plans], batch_size=BATCH_SIZE)

    capabilities = {c.name: c.pk for c in TeamCapability.objects.all()}
    through = Team.capabilities.through
    through.objects.bulk_create(
        [through(team_id=p.team.pk, teamcapability_id=capabilities[name]) for p in seeder.plans for name in p.capabilities if name in capabilities],
        batch_size=BATCH_SIZE,
    )
    history: list[TeamStatusChange] = []
    for plan in seeder.plans:
        team = plan.team
        created = team.status_changed_at - datetime.timedelta(days=seeder.rng.randint(30, 900))
        history.append(TeamStatusChange(team=team, jurisdiction=team.jurisdiction, jurisdiction_path=team.jurisdiction_path, to_status=TeamStatus.AVAILABLE, reason="建档", changed_at=created))
        if team.status != TeamStatus.AVAILABLE:
            history.append(
                TeamStatusChange(
                    team=team,
                    jurisdiction=team.jurisdiction,
                    jurisdiction_path=team.jurisdiction_path,
                    from_status=TeamStatus.AVAILABLE,
                    to_status=team.status,
                    reason=team.status_reason,
                    until=team.status_until,
                    changed_at=team.status_changed_at,
                )
            )
    TeamStatusChange.objects.bulk_create(history, batch_size=BATCH_SIZE)

    members: list[TeamMember] = []
    member_certificate: list[tuple[TeamMember, str | None]] = []
    for plan in seeder.plans:
        for person, role, on_duty in plan.members:
            joined = seeder.staff.start_date()
            member = TeamMember(
                team=plan.team,
                person=person,
                role=role,
                on_duty=on_duty,
                joined_on=joined,
                jurisdiction=plan.team.jurisdiction,
                jurisdiction_path=plan.team.jurisdiction_path,
            )
            members.append(member)
            member_certificate.append((member, plan.certificate))
    TeamMember.objects.bulk_create(members, batch_size=BATCH_SIZE)

    certificates: list[Certificate] = []
    for member, name in member_certificate:
        wanted = [name] if name and seeder.rng.random() < 0.6 else []
        if member.role == MemberRole.DRIVER:
            wanted.append("机动车驾驶证")
        for certificate_name in wanted:
            issued, expires = seeder.certificate_dates()
            certificates.append(
                Certificate(
                    member=member,
                    name=certificate_name,
                    number=f"{seeder.rng.randrange(10**11):011d}",
                    issued_on=issued,
                    expires_on=expires,
                    jurisdiction=member.jurisdiction,
                    jurisdiction_path=member.jurisdiction_path,
                )
            )
    Certificate.objects.bulk_create(certificates, batch_size=BATCH_SIZE)

    vehicles = list(_vehicles(seeder.plans, seeder.rng))
    Vehicle.objects.bulk_create(vehicles, batch_size=BATCH_SIZE)
    return f"{len(seeder.plans)} 支队伍、{len(members)} 名队员（新登记 {len(new_people)} 人）、{len(certificates)} 本证书、{len(vehicles)} 辆车"


def _vehicles(plans: list[TeamPlan], rng: random.Random) -> Any:
    used: set[str] = set()
    for plan in plans:
        kinds = list(plan.vehicles)
        if plan.team.kind == TeamKind.MICRO_FIRE_STATION and rng.random() > 0.3:
            kinds = []
        for kind in kinds:
            while True:
                plate = f"浙B{rng.randrange(10**4):04d}应急" if kind != VehicleKind.ASSAULT_BOAT else f"象山舟{rng.randrange(10**3):03d}"
                if plate not in used:
                    used.add(plate)
                    break
            status = VehicleStatus.REPAIR if rng.random() < 0.05 else VehicleStatus.READY
            capacities: dict[str, str] = {VehicleKind.WATER_TENDER: "5吨水", VehicleKind.FOAM_TENDER: "4吨水+1吨泡沫", VehicleKind.ASSAULT_BOAT: "8人"}
            capacity = capacities.get(kind, "")
            yield Vehicle(
                team=plan.team,
                plate=plate,
                kind=kind,
                capacity=capacity,
                status=status,
                jurisdiction=plan.team.jurisdiction,
                jurisdiction_path=plan.team.jurisdiction_path,
            )
