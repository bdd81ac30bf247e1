"""Shelter capacity against population, per township (or per village inside one township)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from shelters.choices import RECEIVING
from shelters.models import Shelter
from yingji.scoping import path_codes


@dataclass
class CapacityRow:
    code: str
    name: str
    population: int
    shelters: int
    capacity_day: int
    capacity_night: int
    occupancy: int
    open_shelters: int

    @property
    def per_hundred(self) -> float | None:
        """Night places per 100 residents (the share of the population the shelters can take in)."""
        return round(self.capacity_night * 100 / self.population, 1) if self.population else None


def capacity_rollup(root: Jurisdiction | None = None) -> list[CapacityRow]:
    """One row per township under `root` (villages when `root` is a township), in a few queries.

    Population is the node's own `population`, else the sum of its villages'.
    """
    if root is not None and root.level in (Level.TOWNSHIP, Level.VILLAGE):
        level = Level.VILLAGE
        nodes = Jurisdiction.objects.active().filter(level=level, path__within=root.path)
    else:
        level = Level.TOWNSHIP
        nodes = Jurisdiction.objects.active().filter(level=level)
        if root is not None:
            nodes = nodes.filter(path__within=root.path)
    nodes = nodes.only("code", "name", "path", "population").order_by("path")
    rows = {n.code: CapacityRow(n.code, n.name, n.population or 0, 0, 0, 0, 0, 0) for n in nodes}
    depth = 2 if level == Level.TOWNSHIP else 3  # index of the node's code in a path

    if level == Level.TOWNSHIP:
        village_pop = (
            Jurisdiction.objects.active().filter(level=Level.VILLAGE).values_list("path", "population")
        )
        sums: dict[str, int] = {}
        for path, population in village_pop:
            codes = path_codes(path)
            if len(codes) > depth - 1:
                sums[codes[depth - 1]] = sums.get(codes[depth - 1], 0) + (population or 0)
        for code, row in rows.items():
            if not row.population:
                row.population = sums.get(code, 0)

    shelters = Shelter.objects.active().values("jurisdiction_path").annotate(
        n=Count("id"),
        day=Sum("capacity_day"),
        night=Sum("capacity_night"),
        occ=Sum("occupancy"),
        receiving=Count("id", filter=Q(status__in=RECEIVING)),
    )
    for item in shelters:
        codes = path_codes(item["jurisdiction_path"])
        if len(codes) < depth:
            continue
        found = rows.get(codes[depth - 1])
        if found is None:
            continue
        row = found
        row.shelters += item["n"]
        row.capacity_day += item["day"] or 0
        row.capacity_night += item["night"] or 0
        row.occupancy += item["occ"] or 0
        row.open_shelters += item["receiving"]
    return list(rows.values())
