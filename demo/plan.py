"""The demo county's jurisdiction tree, planned in memory (no database).

Planning is separate from persisting so tests can check determinism, tiling and counts of
the full county in a second without a database, and so the seeder's writes are plain
bulk inserts of ready values.

Determinism: every decision draws from a `random.Random` seeded with a fixed string naming
its purpose (`rng_for`), so one part of the plan changing never reshuffles another. The
names and codes of villages are planned for the whole county at every scale; `small` keeps
the first few of each township, so a small node has the same code and name as in `county`.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Point

from demo import names
from demo.choices import Scale
from demo.constants import COUNTY_CODE, COUNTY_NAME, SMALL_TOWNSHIPS, TOWNSHIPS
from demo.tiling import Area, as_geojson, county_outline, inside_point, tile
from jurisdictions.choices import Kind, Level

SEED = "yingji-demo-2026"

COUNTY_VILLAGES = 350
COUNTY_GRIDS = 2000

# Where each township's seat (its town centre) lies; the township cells grow around them.
TOWNSHIP_SEATS: dict[str, tuple[float, float]] = {
    "330225001": (121.885, 29.485),  # 丹东街道, the county seat 丹城 (east half)
    "330225002": (121.835, 29.470),  # 丹西街道 (west half of 丹城)
    "330225003": (121.975, 29.455),  # 爵溪街道, on the east coast
    "330225100": (121.955, 29.215),  # 石浦镇, the fishing port in the south
    "330225101": (121.745, 29.560),  # 西周镇, north-west on 象山港
    "330225102": (121.860, 29.150),  # 鹤浦镇, the far south
    "330225103": (121.790, 29.365),  # 贤庠镇
    "330225104": (121.800, 29.530),  # 墙头镇
    "330225105": (121.735, 29.480),  # 泗洲头镇, by the land border
    "330225106": (121.805, 29.250),  # 定塘镇
    "330225107": (121.975, 29.560),  # 涂茨镇, north-east
    "330225108": (121.870, 29.405),  # 大徐镇
    "330225109": (121.760, 29.300),  # 新桥镇
    "330225200": (121.925, 29.345),  # 东陈乡
    "330225201": (121.870, 29.300),  # 晓塘乡
    "330225202": (121.890, 29.600),  # 黄避岙乡, the north tip
}

# How many communities and villages a township has at county scale, by its kind.
_ROSTER_RANGES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    Kind.STREET: ((11, 16), (3, 8)),
    Kind.TOWN: ((1, 3), (18, 26)),
    Kind.XIANG: ((0, 1), (11, 16)),
}
# What `small` keeps of each township: (communities, villages).
_SMALL_ROSTER: dict[str, tuple[int, int]] = {Kind.STREET: (2, 1), Kind.TOWN: (1, 2), Kind.XIANG: (0, 3)}
_SMALL_GRIDS = (2, 3)
_POPULATION = {Kind.COMMUNITY: (2000, 6500), Kind.VILLAGE: (500, 2500)}
_MIN_GRIDS = {Kind.COMMUNITY: 3, Kind.VILLAGE: 2}
COMMUNITY_FIRST_NUMBER = 1  # communities are numbered 001, 002, …
VILLAGE_FIRST_NUMBER = 201  # villages 201, 202, … (统计用区划代码 habit)


def rng_for(*purpose: str) -> random.Random:
    """A generator that depends only on the fixed seed and what it is used for."""
    return random.Random(":".join((SEED, *purpose)))


@dataclass(frozen=True)
class NodePlan:
    """One jurisdiction node as it will be stored."""

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    sort_order: int
    population: int
    boundary: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class VillageRoster:
    """A village or community of the full county, before any geometry."""

    code: str
    name: str
    kind: str
    population: int


@dataclass
class CountyPlan:
    """The whole tree, parents before children, and lookups the later steps need."""

    scale: str
    nodes: list[NodePlan]

    def by_level(self, level: str) -> list[NodePlan]:
        return [n for n in self.nodes if n.level == level]

    def children_of(self, code: str) -> list[NodePlan]:
        return [n for n in self.nodes if n.parent_code == code]

    def __iter__(self) -> Iterator[NodePlan]:
        return iter(self.nodes)

    def fingerprint(self) -> str:
        """A hash of every stored value: equal plans, equal fingerprints."""
        digest = hashlib.sha256()
        for node in self.nodes:
            digest.update(json.dumps(node.__dict__, sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()


def township_rosters() -> dict[str, list[VillageRoster]]:
    """The villages and communities of every township at county scale, codes and names fixed.

    Names are unique in the county; the total is exactly `COUNTY_VILLAGES`.
    """
    rng = rng_for("rosters")
    counts: dict[str, list[int]] = {}
    for code, _name, kind in TOWNSHIPS:
        (c_low, c_high), (v_low, v_high) = _ROSTER_RANGES[kind]
        counts[code] = [rng.randint(c_low, c_high), rng.randint(v_low, v_high)]
    towns = [code for code, _name, kind in TOWNSHIPS if kind == Kind.TOWN]
    surplus = sum(c + v for c, v in counts.values()) - COUNTY_VILLAGES
    step = 0
    while surplus:  # spread the difference over the towns, one village at a time
        counts[towns[step % len(towns)]][1] -= 1 if surplus > 0 else -1
        surplus += -1 if surplus > 0 else 1
        step += 1

    used: set[str] = set()
    rosters: dict[str, list[VillageRoster]] = {}
    for code, _name, _kind in TOWNSHIPS:
        n_communities, n_villages = counts[code]
        roster = [
            _roster_entry(rng, code, COMMUNITY_FIRST_NUMBER + i, Kind.COMMUNITY, used) for i in range(n_communities)
        ]
        roster += [_roster_entry(rng, code, VILLAGE_FIRST_NUMBER + i, Kind.VILLAGE, used) for i in range(n_villages)]
        rosters[code] = roster
    return rosters


def _roster_entry(rng: random.Random, township: str, number: int, kind: str, used: set[str]) -> VillageRoster:
    make, suffix = (names.community_base_name, "社区") if kind == Kind.COMMUNITY else (names.village_base_name, "村")
    name = make(rng) + suffix
    while name in used:
        name = make(rng) + suffix
    used.add(name)
    low, high = _POPULATION[Kind(kind)]
    population = round(rng.triangular(low, high, low + (high - low) / 3))
    return VillageRoster(code=f"{township}{number:03d}", name=name, kind=kind, population=population)


def _small_roster(kind: str, roster: list[VillageRoster]) -> list[VillageRoster]:
    n_communities, n_villages = _SMALL_ROSTER[kind]
    communities = [v for v in roster if v.kind == Kind.COMMUNITY][:n_communities]
    villages = [v for v in roster if v.kind == Kind.VILLAGE]
    villages = villages[: n_villages + (n_communities - len(communities))]
    return communities + villages


def grid_counts(scale: str, villages: list[VillageRoster]) -> dict[str, int]:
    """Grids per village: 2–3 at small scale; at county scale exactly `COUNTY_GRIDS` in all,
    shared by population (largest remainder) above a minimum per village."""
    if scale == Scale.SMALL:
        rng = rng_for("small-grids")
        return {v.code: rng.randint(*_SMALL_GRIDS) for v in villages}
    counts = {v.code: _MIN_GRIDS[Kind(v.kind)] for v in villages}
    spare = COUNTY_GRIDS - sum(counts.values())
    total_population = sum(v.population for v in villages)
    shares = {v.code: spare * v.population / total_population for v in villages}
    for code, share in shares.items():
        counts[code] += math.floor(share)
    left = COUNTY_GRIDS - sum(counts.values())
    by_remainder = sorted(shares, key=lambda c: (-(shares[c] % 1), c))
    for code in by_remainder[:left]:
        counts[code] += 1
    return counts


def split_population(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` people shared unevenly over `parts` grids, summing exactly."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    sizes = [math.floor(total * w / sum(weights)) for w in weights]
    sizes[0] += total - sum(sizes)
    return sizes


def plan_county(scale: str) -> CountyPlan:
    """Plan every node of the demo county at `scale` ("small" or "county")."""
    scale = Scale(scale)
    rosters = township_rosters()
    townships = [t for t in TOWNSHIPS if scale == Scale.COUNTY or t[0] in SMALL_TOWNSHIPS]
    if scale == Scale.SMALL:
        rosters = {code: _small_roster(kind, rosters[code]) for code, _name, kind in townships}
    all_villages = [v for code, _name, _kind in townships for v in rosters[code]]
    grids_per_village = grid_counts(scale, all_villages)

    outline = county_outline(rng_for("outline"))
    seats = [inside_point(outline, Point(TOWNSHIP_SEATS[code])) for code, _name, _kind in townships]
    township_areas = tile(outline, len(townships), rng_for(scale, "townships"), seeds=seats, relax=0)

    county_population = 0
    township_nodes: list[NodePlan] = []
    lower_nodes: list[NodePlan] = []
    for order, ((code, name, kind), seat, area) in enumerate(zip(townships, seats, township_areas, strict=True), 1):
        roster = rosters[code]
        village_nodes, grid_nodes = _plan_villages(scale, code, seat, area, roster, grids_per_village)
        population = sum(v.population for v in village_nodes)
        county_population += population
        township_nodes.append(
            NodePlan(code, name, Level.TOWNSHIP, kind, COUNTY_CODE, order, population, as_geojson(area))
        )
        lower_nodes += village_nodes + grid_nodes
    county = NodePlan(
        COUNTY_CODE, COUNTY_NAME, Level.COUNTY, Kind.COUNTY, None, 1, county_population, as_geojson(outline)
    )
    return CountyPlan(scale=scale, nodes=[county, *township_nodes, *_parents_first(lower_nodes)])


def _plan_villages(
    scale: str,
    township: str,
    seat: Point,
    area: Area,
    roster: list[VillageRoster],
    grids_per_village: dict[str, int],
) -> tuple[list[NodePlan], list[NodePlan]]:
    """Cut a township into its villages (communities nearest the seat) and those into grids."""
    rng = rng_for(scale, "villages", township)
    cells = tile(area, len(roster), rng)
    cells.sort(key=lambda cell: cell.representative_point().distance(seat))  # the town centre first
    villages: list[NodePlan] = []
    grids: list[NodePlan] = []
    for order, (entry, cell) in enumerate(zip(roster, cells, strict=True), 1):
        villages.append(
            NodePlan(
                entry.code, entry.name, Level.VILLAGE, entry.kind, township, order, entry.population, as_geojson(cell)
            )
        )
        count = grids_per_village[entry.code]
        grid_rng = rng_for(scale, "grids", entry.code)
        grid_cells = tile(cell, count, grid_rng)
        # Number grids in reading order: north-west first.
        grid_cells.sort(key=lambda g: (-round(g.representative_point().y, 4), g.representative_point().x))
        populations = split_population(entry.population, count, grid_rng)
        for number, (grid_cell, population) in enumerate(zip(grid_cells, populations, strict=True), 1):
            grids.append(
                NodePlan(
                    f"{entry.code}{number:03d}",
                    f"{entry.name}第{number}网格",
                    Level.GRID,
                    Kind.GRID,
                    entry.code,
                    number,
                    population,
                    as_geojson(grid_cell),
                )
            )
    return villages, grids


def _parents_first(nodes: list[NodePlan]) -> list[NodePlan]:
    villages = [n for n in nodes if n.level == Level.VILLAGE]
    grids = [n for n in nodes if n.level == Level.GRID]
    return villages + grids
