"""Who holds which position in the demo county, planned in memory (no database).

Every node is staffed the way the 浙江 documents describe a grassroots system: a first and
a deputy responsible person at county and township level, an 应急消防管理站 with its chief
and staff in each township, a secretary, an emergency manager and an information reporter
in each village or community, a leader and one or two members in each grid.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from demo import names
from demo.plan import CountyPlan, NodePlan, rng_for
from jurisdictions.choices import Kind, Level
from people.validators import id_number_check_char

ID_NUMBER_SHARE = 0.1  # sealing is slow (Fernet), and real registries are incomplete too
_MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "157", "158", "159", "166", "177", "180", "181", "182", "183", "187", "188", "189", "199",
]  # fmt: skip
_FIRST_DAY = datetime.date(2019, 1, 1)
_LAST_DAY = datetime.date(2025, 12, 31)
_AREA_PHONE = "0574"  # 宁波


@dataclass(frozen=True)
class PositionPlan:
    kind: str  # PositionKind.code
    node_code: str
    is_primary: bool
    start_date: datetime.date
    duty_phone: str = ""


@dataclass(frozen=True)
class PersonPlan:
    """A person and the positions they hold; `node_code` is where their registry keeps them."""

    name: str
    gender: str
    mobile: str
    id_number: str
    organization: str
    title: str
    node_code: str
    positions: tuple[PositionPlan, ...]


@dataclass(frozen=True)
class Post:
    """One post to fill: its position kind ("" for a person without one), the holder's
    organization and title, and how likely the holder is male."""

    kind: str
    title: str
    organization: str
    male_share: float
    duty_phone: bool = False


class StaffPlanner:
    """Draws people for positions; mobiles are unique across the county."""

    def __init__(self, rng: random.Random, used_mobiles: set[str] | None = None) -> None:
        self.rng = rng
        self.used_mobiles: set[str] = set(used_mobiles or ())
        self.people: list[PersonPlan] = []

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_mobiles:
                self.used_mobiles.add(number)
                return number

    def id_number(self, gender: str) -> str:
        """A resident ID of a 象山 native with a valid GB 11643 check character."""
        birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=self.rng.randrange(365 * 36))
        sequence = self.rng.randrange(50) * 2 + (1 if gender == "M" else 0)  # odd = male
        first17 = f"330225{birth:%Y%m%d}{self.rng.randrange(10)}{sequence:02d}"
        return first17 + id_number_check_char(first17)

    def start_date(self) -> datetime.date:
        return _FIRST_DAY + datetime.timedelta(days=self.rng.randrange((_LAST_DAY - _FIRST_DAY).days))

    def duty_phone(self) -> str:
        return f"{_AREA_PHONE}-65{self.rng.randrange(10**6):06d}"

    def fill(self, node_code: str, role: Post) -> PersonPlan:
        """Invent the holder of `role` at the node `node_code`."""
        gender = "M" if self.rng.random() < role.male_share else "F"
        position = PositionPlan(
            kind=role.kind,
            node_code=node_code,
            is_primary=True,
            start_date=self.start_date(),
            duty_phone=self.duty_phone() if role.duty_phone else "",
        )
        person = PersonPlan(
            name=names.person_name(self.rng, gender),
            gender=gender,
            mobile=self.mobile(),
            id_number=self.id_number(gender) if self.rng.random() < ID_NUMBER_SHARE else "",
            organization=role.organization,
            title=role.title,
            node_code=node_code,
            positions=(position,) if role.kind else (),
        )
        self.people.append(person)
        return person


def _county_roles(node: NodePlan) -> list[Post]:
    government = f"{node.name}人民政府"
    return [
        Post("first_responsible", "县长", government, 0.8),
        Post("deputy_responsible", "副县长", government, 0.7),
    ]


_TOWNSHIP_HEADS = {Kind.STREET: ("办事处", "主任"), Kind.TOWN: ("人民政府", "镇长"), Kind.XIANG: ("人民政府", "乡长")}
_STATION_TITLES = ["专职安全员", "执法队员", "工作人员", "综合信息员"]


def _township_roles(node: NodePlan, rng: random.Random) -> list[Post]:
    office, head = _TOWNSHIP_HEADS[Kind(node.kind)]
    government = f"{node.name}{office}"
    station = f"{node.name}应急消防管理站"
    roles = [
        Post("first_responsible", head, government, 0.8),
        Post("deputy_responsible", f"副{head}", government, 0.7),
        Post("station_chief", "站长", station, 0.8, duty_phone=True),
    ]
    roles += [Post("station_staff", rng.choice(_STATION_TITLES), station, 0.6) for _ in range(rng.randint(2, 4))]
    return roles


def _village_roles(node: NodePlan) -> list[Post]:
    is_community = node.kind == Kind.COMMUNITY
    committee = f"{node.name}{'居民' if is_community else '村民'}委员会"
    secretary = "社区党委书记" if is_community else "村党支部书记"
    return [
        Post("first_responsible", secretary, committee, 0.7),
        Post("village_manager", "应急消防管理员", committee, 0.6, duty_phone=True),
        Post("info_reporter", "信息报告员", committee, 0.5),
    ]


def _grid_roles(node: NodePlan, village: NodePlan, rng: random.Random) -> list[Post]:
    committee = f"{village.name}{'居民' if village.kind == Kind.COMMUNITY else '村民'}委员会"
    roles = [Post("grid_leader", "网格长", committee, 0.6)]
    roles += [
        Post("grid_member", rng.choice(["专职网格员", "兼职网格员"]), committee, 0.45) for _ in range(rng.randint(1, 2))
    ]
    return roles


def plan_staff(plan: CountyPlan) -> list[PersonPlan]:
    """The people of every node of `plan`, in node order; the same node gets the same people."""
    planner = StaffPlanner(rng_for("staff"))
    by_code = {node.code: node for node in plan}
    for node in plan:
        # One generator per node: a node has the same people at both scales.
        planner.rng = rng_for("staff", node.code)
        if node.level == Level.COUNTY:
            roles = _county_roles(node)
        elif node.level == Level.TOWNSHIP:
            roles = _township_roles(node, planner.rng)
        elif node.level == Level.VILLAGE:
            roles = _village_roles(node)
        else:
            roles = _grid_roles(node, by_code[node.parent_code or ""], planner.rng)
        for role in roles:
            planner.fill(node.code, role)
    return planner.people
