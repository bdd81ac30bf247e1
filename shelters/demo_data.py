"""Demo step: shelters in every township and most villages, with a few evacuation routes."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from demo.context import DemoContext
from demo.registry import demo_step
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from shelters.choices import Facility, ShelterKind
from shelters.geo import line_length_m
from shelters.models import EvacuationRoute, Shelter

BATCH_SIZE = 500
VILLAGE_SHARE = 0.8  # most villages have a shelter; the rest show up as gaps in the roll-up

# (name suffix, kind, night capacity range, day/night ratio, m² per person, facilities)
TOWNSHIP_SHELTERS = [
    ("中心小学", ShelterKind.SCHOOL, (300, 600), 1.6, 3.0, ["water", "power", "toilets", "kitchen", "bedding"]),
    ("避灾安置中心", ShelterKind.DEDICATED, (200, 400), 1.3, 3.5, [f.value for f in Facility]),
    ("文体中心", ShelterKind.STADIUM, (400, 900), 2.0, 2.5, ["water", "power", "toilets", "accessible"]),
]
VILLAGE_SHELTERS = [
    ("文化礼堂", ShelterKind.CULTURAL_HALL, (60, 220), 1.5, 2.8, ["water", "power", "toilets"]),
    ("村委会", ShelterKind.VILLAGE_OFFICE, (40, 120), 1.4, 3.0, ["water", "power", "toilets", "medical"]),
    ("小学", ShelterKind.SCHOOL, (120, 300), 1.6, 3.0, ["water", "power", "toilets", "kitchen"]),
]


def _shelter(
    node: Jurisdiction, spec: tuple[Any, ...], rng: random.Random, contact: tuple[str, str], offset: tuple[float, float]
) -> Shelter:
    suffix, kind, (low, high), day_ratio, per_person, facilities = spec
    night = rng.randrange(low, high + 1, 10)
    base_name = node.name.removesuffix("街道").removesuffix("社区") if kind != ShelterKind.DEDICATED else node.name
    lng = (node.centroid_lng or 121.87) + offset[0]
    lat = (node.centroid_lat or 29.47) + offset[1]
    return Shelter(
        jurisdiction=node,
        jurisdiction_path=node.path,
        name=f"{base_name}{suffix}",
        kind=kind,
        address=f"{node.name}{rng.choice(['文化路', '中心路', '学府路', '新村路', '振兴路'])}{rng.randint(1, 99)}号",
        lng=round(lng, 6),
        lat=round(lat, 6),
        capacity_night=night,
        capacity_day=int(night * day_ratio) // 10 * 10,
        area_m2=Decimal(int(night * per_person)),
        facilities=list(facilities),
        responsible_name=contact[0],
        responsible_phone=contact[1],
    )


@demo_step(order=700, label="避灾安置场所")
def seed_shelters(ctx: DemoContext) -> str:
    rng = ctx.rng("shelters")
    shelters: list[Shelter] = []
    township_main: dict[str, Shelter] = {}
    for township in ctx.nodes(Level.TOWNSHIP):
        chiefs = ctx.holders(township.code, "station_chief")
        contact = (chiefs[0].name, chiefs[0].mobile) if chiefs else ("", "")
        count = 2 if township.kind == "xiang" else 3
        for index, spec in enumerate(TOWNSHIP_SHELTERS[:count]):
            shelter = _shelter(township, spec, rng, contact, (rng.uniform(-0.004, 0.004), rng.uniform(-0.004, 0.004)))
            shelters.append(shelter)
            if index == 0:
                township_main[township.code] = shelter
    villages = ctx.nodes(Level.VILLAGE)
    for village in villages:
        if rng.random() > VILLAGE_SHARE:
            continue
        managers = ctx.holders(village.code, "village_manager")
        contact = (managers[0].name, managers[0].mobile) if managers else ("", "")
        spec = VILLAGE_SHELTERS[0] if village.kind == "village" or rng.random() < 0.5 else rng.choice(VILLAGE_SHELTERS[1:])
        shelters.append(_shelter(village, spec, rng, contact, (rng.uniform(-0.002, 0.002), rng.uniform(-0.002, 0.002))))
    Shelter.objects.bulk_create(shelters, batch_size=BATCH_SIZE)

    routes: list[EvacuationRoute] = []
    by_township: dict[str, list[Jurisdiction]] = {}
    for village in villages:
        by_township.setdefault(village.path.strip("/").split("/")[1], []).append(village)
    for code, shelter in township_main.items():
        for village in by_township.get(code, [])[:2]:
            start = (village.centroid_lng or shelter.lng or 0, village.centroid_lat or shelter.lat or 0)
            end = (shelter.lng or 0, shelter.lat or 0)
            middle = ((start[0] + end[0]) / 2 + rng.uniform(-0.003, 0.003), (start[1] + end[1]) / 2 + rng.uniform(-0.003, 0.003))
            line = {"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)] for x, y in (start, middle, end)]}
            routes.append(
                EvacuationRoute(
                    shelter=shelter, jurisdiction=shelter.jurisdiction, jurisdiction_path=shelter.jurisdiction_path,
                    name=f"{village.name}—{shelter.name}", geometry=line, length_m=line_length_m(line),
                )
            )
    EvacuationRoute.objects.bulk_create(routes, batch_size=BATCH_SIZE)
    return f"{len(shelters)} 处避灾场所、{len(routes)} 条转移路线"
