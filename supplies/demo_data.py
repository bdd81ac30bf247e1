"""Demo step: depots, village storage points, stocks with batches and expiry, movement histories.

Dates are relative to the day the demo is seeded, so the expiry page always has items
expiring within 30 and 7 days and some already expired. Quantities are the sum of the
generated movements (initial "in", outs and transfers in last typhoon season), as the
balance rule requires.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from demo.constants import COUNTY_CODE
from demo.context import DemoContext
from demo.registry import demo_step
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from supplies.choices import MovementKind, OwnerType, StoragePointKind
from supplies.models import StockMovement, StoragePoint, Supply, SupplyCategory

BATCH_SIZE = 1000
SHANGHAI = ZoneInfo("Asia/Shanghai")
VILLAGE_WITH_POINT_SHARE = 0.9
VILLAGE_MISSING_SHARE = 0.15
VILLAGE_EXPIRED_SHARE = 0.12


@dataclass(frozen=True)
class Stock:
    """A stock line template: name, category code, spec, unit, item code, shelf life in days."""

    name: str
    category: str
    spec: str
    unit: str
    item_code: str = ""
    shelf_life: int | None = None
    low: int | None = None


# What a village point keeps: the "3+4+X" kit (seed 000) plus sandbags.
VILLAGE_KIT: list[tuple[Stock, int]] = [
    (Stock("卫星电话", "communication", "天通一号 手持终端", "部", "satellite_phone"), 1),
    (Stock("小型发电机", "power", "汽油 5kW", "台", "small_generator"), 1),
    (Stock("移动抽水泵", "flood", "汽油机动 3寸", "台", "powered_pump"), 1),
    (Stock("安全头盔", "protection", "ABS 救援头盔", "顶", "helmet", 5 * 365, 5), 10),
    (Stock("强光手电", "lighting", "LED 充电式", "把", "flashlight", None, 5), 10),
    (Stock("雨衣雨靴", "protection", "分体雨衣+高筒雨靴", "套", "rain_gear", None, 5), 10),
    (Stock("救生衣", "lifesaving", "成人款 浮力≥150N", "件", "life_jacket", 5 * 365, 5), 10),
    (Stock("灭火器", "fire", "手提式干粉 4kg", "具", "micro_station_kit", 5 * 365, 4), 8),
    (Stock("手持扩音器", "communication", "充电式 25W", "个", "megaphone"), 2),
    (Stock("沙袋", "flood", "编织袋 50×80cm", "条", "", None, 100), 300),
]

# What a township depot keeps (quantities before the village-size factor).
TOWNSHIP_STOCK: list[tuple[Stock, int]] = [
    (Stock("沙袋", "flood", "编织袋 50×80cm", "条", "", None, 1000), 3000),
    (Stock("救生衣", "lifesaving", "成人款 浮力≥150N", "件", "life_jacket", 5 * 365, 30), 80),
    (Stock("救生圈", "lifesaving", "2.5kg 标准", "个", "", None, 10), 30),
    (Stock("移动抽水泵", "flood", "柴油机动 4寸", "台", "powered_pump", None, 2), 6),
    (Stock("小型发电机", "power", "柴油 10kW", "台", "small_generator", None, 2), 4),
    (Stock("应急照明灯", "lighting", "移动升降式 LED", "台", "", None, 2), 6),
    (Stock("帐篷", "living", "12㎡ 救灾单帐篷", "顶", "", None, 10), 40),
    (Stock("折叠床", "living", "钢架 190×70cm", "张", "", None, 20), 80),
    (Stock("棉被", "living", "2kg 救灾棉被", "床", "", None, 30), 120),
    (Stock("方便食品", "living", "自热米饭 12盒/箱", "箱", "", 365, 20), 60),
    (Stock("饮用水", "living", "550ml×24瓶/箱", "箱", "", 540, 30), 100),
    (Stock("灭火器", "fire", "手提式干粉 4kg", "具", "micro_station_kit", 5 * 365, 10), 40),
    (Stock("油锯", "forest_fire", "汽油 20寸", "台", "", None, 1), 4),
    (Stock("风力灭火机", "forest_fire", "背负式", "台", "", None, 2), 6),
]

COUNTY_STOCK: list[tuple[Stock, int]] = [
    (Stock("沙袋", "flood", "编织袋 50×80cm", "条", "", None, 5000), 20000),
    (Stock("冲锋舟", "lifesaving", "玻璃钢 4.8m 配 40 马力", "艘", "", None, 2), 6),
    (Stock("橡皮艇", "lifesaving", "充气式 3.6m", "艘", "", None, 2), 8),
    (Stock("救生衣", "lifesaving", "成人款 浮力≥150N", "件", "life_jacket", 5 * 365, 100), 500),
    (Stock("移动抽水泵", "flood", "柴油机动 6寸", "台", "powered_pump", None, 5), 30),
    (Stock("小型发电机", "power", "柴油 30kW", "台", "small_generator", None, 4), 20),
    (Stock("卫星电话", "communication", "天通一号 手持终端", "部", "satellite_phone", None, 3), 10),
    (Stock("帐篷", "living", "36㎡ 救灾框架帐篷", "顶", "", None, 50), 300),
    (Stock("折叠床", "living", "钢架 190×70cm", "张", "", None, 100), 500),
    (Stock("棉被", "living", "2kg 救灾棉被", "床", "", None, 200), 1000),
    (Stock("方便食品", "living", "压缩饼干 20包/箱", "箱", "", 730, 100), 800),
    (Stock("饮用水", "living", "550ml×24瓶/箱", "箱", "", 540, 200), 1000),
    (Stock("应急照明灯", "lighting", "移动升降式 LED", "台", "", None, 10), 100),
    (Stock("灭火器", "fire", "手提式干粉 4kg", "具", "micro_station_kit", 5 * 365, 50), 200),
]

AGREEMENT_STOCK: list[tuple[Stock, int]] = [
    (Stock("方便食品", "living", "方便面 24袋/箱", "箱", "", 180, 50), 300),
    (Stock("饮用水", "living", "550ml×24瓶/箱", "箱", "", 540, 100), 600),
]


@dataclass
class Plan:
    """Rows to insert, kept together so movements can point at their supplies after bulk_create."""

    points: list[StoragePoint] = field(default_factory=list)
    supplies: list[Supply] = field(default_factory=list)
    histories: list[list[tuple[str, int, int, datetime, str]]] = field(default_factory=list)
    transfers: list[tuple[int, int, int, datetime, str]] = field(default_factory=list)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=SHANGHAI)


def _near(node: Jurisdiction, rng: random.Random) -> tuple[float | None, float | None]:
    if node.centroid_lng is None or node.centroid_lat is None:
        return None, None
    return round(node.centroid_lng + rng.uniform(-0.004, 0.004), 6), round(node.centroid_lat + rng.uniform(-0.004, 0.004), 6)


def _last_typhoon_day(today: date, rng: random.Random) -> date:
    """A day in the latest typhoon season that is over (August–September)."""
    year = today.year if today.month >= 10 else today.year - 1
    return date(year, rng.choice([8, 9]), rng.randint(1, 28))


class Builder:
    def __init__(self, ctx: DemoContext, categories: dict[str, SupplyCategory], today: date) -> None:
        self.ctx = ctx
        self.categories = categories
        self.today = today
        self.plan = Plan()

    def point(self, node: Jurisdiction, name: str, kind: str, address: str, keeper: Any, rng: random.Random) -> int:
        lng, lat = _near(node, rng)
        self.plan.points.append(
            StoragePoint(
                name=name,
                kind=kind,
                address=address,
                lng=lng,
                lat=lat,
                keeper=keeper,
                keeper_phone=keeper.mobile if keeper else "",
                jurisdiction=node,
                jurisdiction_path=node.path,
            )
        )
        return len(self.plan.points) - 1

    def supply(
        self,
        point_index: int,
        stock: Stock,
        quantity: int,
        rng: random.Random,
        *,
        owner: str = OwnerType.GOVERNMENT,
        party: str = "",
        expiry_override: date | None = None,
        outs: int = 0,
    ) -> int:
        """Plan one stock line with an initial "in" and up to `outs` typhoon-season outs."""
        point = self.plan.points[point_index]
        produced = self.today - timedelta(days=rng.randint(200, 1400))
        expiry = None
        if stock.shelf_life:
            produced = self.today - timedelta(days=rng.randint(30, max(31, stock.shelf_life - 60)))
            expiry = produced + timedelta(days=stock.shelf_life)
        if expiry_override is not None:
            expiry = expiry_override
            produced = min(produced, expiry - timedelta(days=(stock.shelf_life or 365)))
        received = min(produced + timedelta(days=rng.randint(10, 60)), self.today - timedelta(days=5))
        batch = f"{produced:%Y%m}-{rng.randint(1, 9):02d}"
        history: list[tuple[str, int, int, datetime, str]] = [
            (MovementKind.IN, quantity, quantity, _at(received), "采购入库" if owner != OwnerType.AGREEMENT else "协议储备入库")
        ]
        balance = quantity
        for _ in range(outs):
            day = _last_typhoon_day(self.today, rng)
            if _at(day) <= history[-1][3]:
                continue
            used = max(1, int(balance * rng.uniform(0.05, 0.2)))
            balance -= used
            reason = rng.choice(["防御台风转移安置群众领用", "台风期间堤段抢险出库", "内涝排水抢险使用", "台风后清淤发放"])
            history.append((MovementKind.OUT, used, -used, _at(day, 15), reason))
        self.plan.supplies.append(
            Supply(
                name=stock.name,
                category=self.categories[stock.category],
                item_code=stock.item_code,
                specification=stock.spec,
                unit=stock.unit,
                storage_point=point,
                batch=batch,
                production_date=produced,
                shelf_life_days=stock.shelf_life,
                expiry_date=expiry,
                owner_type=owner,
                agreement_party=party,
                agreement_end_date=(self.today + timedelta(days=rng.randint(120, 700))) if owner == OwnerType.AGREEMENT else None,
                low_stock_threshold=stock.low,
                quantity=balance,
                jurisdiction=point.jurisdiction,
                jurisdiction_path=point.jurisdiction_path,
            )
        )
        self.plan.histories.append(history)
        return len(self.plan.supplies) - 1


def _expiring_dates(today: date) -> list[date]:
    """Expiry dates that put stock in every warning state: expired, within 7 and within 30 days."""
    return [today - timedelta(days=20), today + timedelta(days=4), today + timedelta(days=6), today + timedelta(days=18), today + timedelta(days=27)]


@demo_step(order=650, label="装备物资与村级标准配备")
def seed_supplies(ctx: DemoContext) -> str:
    categories = {c.code: c for c in SupplyCategory.objects.all()}
    missing = {s.category for group in (VILLAGE_KIT, TOWNSHIP_STOCK, COUNTY_STOCK) for s, _q in group} - categories.keys()
    if missing:
        raise ImproperlyConfigured(f"缺少物资类别：{', '.join(sorted(missing))}（应由 supplies 的数据迁移加载）")
    today = timezone.localdate()
    rng = ctx.rng("supplies")
    build = Builder(ctx, categories, today)
    special_expiry = iter(_expiring_dates(today) * 50)

    county = ctx.nodes_by_code.get(COUNTY_CODE)
    townships = ctx.nodes(Level.TOWNSHIP)
    if county is not None:
        keeper = next(iter(ctx.holders(townships[0].code, "station_chief")), None) if townships else None
        depot = build.point(county, "象山县应急物资储备库", StoragePointKind.DEPOT, "丹东街道丹阳路应急物资仓储中心", keeper, rng)
        for stock, quantity in COUNTY_STOCK:
            build.supply(depot, stock, quantity, rng, outs=rng.choice([0, 1, 2]))
        store = build.point(county, "象山县联华超市协议储备库", StoragePointKind.AGREEMENT_STORE, "丹西街道靖南大街 168 号", None, rng)
        for stock, quantity in AGREEMENT_STOCK:
            build.supply(store, stock, quantity, rng, owner=OwnerType.AGREEMENT, party="象山县联华超市有限公司")

    township_depots: dict[str, int] = {}
    for township in townships:
        keeper = next(iter(ctx.holders(township.code, "station_chief")), None)
        index = build.point(township, f"{township.name}应急物资仓库", StoragePointKind.DEPOT, f"{township.name}人民政府院内", keeper, rng)
        township_depots[township.code] = index
        for stock, quantity in TOWNSHIP_STOCK:
            override = next(special_expiry) if stock.shelf_life and stock.shelf_life <= 540 and rng.random() < 0.35 else None
            build.supply(index, stock, quantity, rng, expiry_override=override, outs=rng.choice([0, 0, 1, 2]))

    villages = ctx.nodes(Level.VILLAGE)
    first_villages = {min((v for v in villages if v.parent_id == t.pk), key=lambda v: v.code).code for t in townships if any(v.parent_id == t.pk for v in villages)}
    village_points = 0
    for village in villages:
        vrng = ctx.rng("supplies", village.code)
        if village.code not in first_villages and vrng.random() > VILLAGE_WITH_POINT_SHARE:
            continue
        keeper = next(iter(ctx.holders(village.code, "village_manager")), None)
        index = build.point(village, f"{village.name}应急物资储备点", StoragePointKind.VILLAGE_POINT, f"{village.name}村(居)委会一楼", keeper, vrng)
        village_points += 1
        lacking = set(vrng.sample(range(len(VILLAGE_KIT) - 1), vrng.randint(1, 2))) if vrng.random() < VILLAGE_MISSING_SHARE else set()
        expired_item = vrng.choice([3, 6, 7]) if vrng.random() < VILLAGE_EXPIRED_SHARE else None
        for position, (stock, quantity) in enumerate(VILLAGE_KIT):
            if position in lacking and village.code not in first_villages:
                continue
            override = today - timedelta(days=vrng.randint(10, 200)) if position == expired_item else None
            build.supply(index, stock, quantity + vrng.randint(0, quantity // 2), vrng, expiry_override=override, outs=1 if position == 9 else 0)

    # Transfers last typhoon season: each township depot sent sandbags to one of its village points.
    point_by_node: dict[str, int] = {}
    for index, point in enumerate(build.plan.points):
        if point.kind == StoragePointKind.VILLAGE_POINT:
            point_by_node[point.jurisdiction.code] = index
    sandbags = {(build.plan.supplies[i].storage_point.name, build.plan.supplies[i].name): i for i in range(len(build.plan.supplies))}
    for township in townships:
        depot_index = township_depots[township.code]
        targets = [code for code in point_by_node if code.startswith(township.code)]
        if not targets:
            continue
        target_point = build.plan.points[point_by_node[rng.choice(targets)]]
        source = sandbags.get((build.plan.points[depot_index].name, "沙袋"))
        target = sandbags.get((target_point.name, "沙袋"))
        if source is None or target is None:
            continue
        amount = 200
        # Dated after both lines' own history, so the pair's balances are the final ones.
        latest = max(build.plan.histories[source][-1][3], build.plan.histories[target][-1][3])
        day = min(latest + timedelta(days=1), _at(today - timedelta(days=1), 9))
        build.plan.transfers.append((source, target, amount, day, f"台风防御前置调拨至{target_point.name}"))

    _write(build.plan)
    movements = StockMovement.objects.count()
    return f"{len(build.plan.points)} 个储备点（{village_points} 个村级）、{len(build.plan.supplies)} 种物资、{movements} 条出入库记录"


def _write(plan: Plan) -> None:
    """Insert points, supplies and movements; transfers adjust both balances and link their pair."""
    StoragePoint.objects.bulk_create(plan.points, batch_size=BATCH_SIZE)
    for supply in plan.supplies:
        supply.storage_point_id = supply.storage_point.pk
    # Apply transfers to the planned balances before the supplies are written.
    for source, target, amount, _day, _reason in plan.transfers:
        plan.supplies[source].quantity -= amount
        plan.supplies[target].quantity += amount
    Supply.objects.bulk_create(plan.supplies, batch_size=BATCH_SIZE)

    rows: list[StockMovement] = []
    for supply, history in zip(plan.supplies, plan.histories, strict=True):
        balance = 0
        for kind, quantity, delta, at, reason in history:
            balance += delta
            rows.append(_movement(supply, kind, quantity, delta, balance, at, reason))
    StockMovement.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    # Transfers are each line's latest movement, so they leave the final balances.
    outgoing: list[StockMovement] = []
    incoming: list[StockMovement] = []
    for source, target, amount, at, reason in plan.transfers:
        src, dst = plan.supplies[source], plan.supplies[target]
        out = _movement(src, MovementKind.TRANSFER, amount, -amount, src.quantity, at, reason)
        out.to_storage_point = dst.storage_point
        outgoing.append(out)
        incoming.append(_movement(dst, MovementKind.IN, amount, amount, dst.quantity, at, f"由“{src.storage_point.name}”调入：{reason}"))
    StockMovement.objects.bulk_create(outgoing)
    for out, into in zip(outgoing, incoming, strict=True):
        into.counterpart = out
    StockMovement.objects.bulk_create(incoming)
    for out, into in zip(outgoing, incoming, strict=True):
        out.counterpart = into
    StockMovement.objects.bulk_update(outgoing, ["counterpart"])


def _movement(supply: Supply, kind: str, quantity: int, delta: int, balance: int, at: datetime, reason: str) -> StockMovement:
    return StockMovement(
        supply=supply,
        kind=kind,
        quantity=quantity,
        delta=delta,
        balance_after=balance,
        reason=reason,
        at=at,
        actor_name="演示数据",
        jurisdiction=supply.jurisdiction,
        jurisdiction_path=supply.jurisdiction_path,
    )


# Equipment kept at a team's base, by the item names the team standards check (teams/choices.py).
TEAM_BASE_SPECS: dict[str, tuple[str, str]] = {
    "灭火器": ("MFZ/ABC4 干粉 4kg", "具"),
    "水枪": ("QZ3.5/7.5 直流水枪", "支"),
    "水带": ("13-65-25 有衬里消防水带", "盘"),
    "消防头盔": ("GA 44 消防头盔", "顶"),
    "灭火防护服": ("GA 10 消防员灭火防护服", "套"),
    "空气呼吸器": ("RHZKF6.8/30 正压式", "具"),
}


@demo_step(order=660, label="队伍驻地器材")
def seed_team_base_equipment(ctx: DemoContext) -> str:
    """Each fire brigade and micro fire station keeps its standard kit at its base, a few short of it.

    The teams' compliance check looks for these lines at a 队伍驻地 storage point named after
    the team, so without them every team would read as missing all its equipment.
    """
    from teams.models import Team, TeamStandard

    rng = ctx.rng("team-base-equipment")
    today = timezone.localdate()
    fire = SupplyCategory.objects.get(code="fire")
    standards = {s.kind: s for s in TeamStandard.objects.all() if s.required_equipment}
    teams = list(Team.unscoped.filter(kind__in=list(standards), archived_at__isnull=True).select_related("jurisdiction").order_by("id"))
    plan = Plan()
    short = 0
    for team in teams:
        point = StoragePoint(
            name=team.name,
            kind=StoragePointKind.TEAM_BASE,
            address=team.address,
            lng=team.lng,
            lat=team.lat,
            jurisdiction=team.jurisdiction,
            jurisdiction_path=team.jurisdiction.path,
        )
        plan.points.append(point)
        lacking = rng.random() < 0.15  # one station in seven is short of something
        short += lacking
        for index, item in enumerate(standards[team.kind].required_equipment):
            required = int(item.get("quantity", 1))
            quantity = max(0, required - rng.randint(1, required)) if lacking and index == 0 else required + rng.randint(0, 2)
            if quantity == 0:
                continue
            spec, unit = TEAM_BASE_SPECS.get(item["name"], ("", "件"))
            received = today - timedelta(days=rng.randint(60, 900))
            plan.supplies.append(
                Supply(
                    name=item["name"],
                    category=fire,
                    specification=spec,
                    unit=unit,
                    storage_point=point,
                    batch=f"{received:%Y%m}",
                    owner_type=OwnerType.GOVERNMENT,
                    quantity=quantity,
                    jurisdiction=point.jurisdiction,
                    jurisdiction_path=point.jurisdiction_path,
                )
            )
            plan.histories.append([(MovementKind.IN, quantity, quantity, _at(received), "队伍建设配发")])
    _write(plan)
    return f"{len(plan.points)} 个队伍驻地、{len(plan.supplies)} 种器材（{short} 支队伍器材不足）"
