"""Demo step: the places of the demo county, realistically spread over its grids.

Rental houses are the most numerous, then the 九小场所; industrial enterprises cluster in
the industrial townships (水产品加工 and 船舶修造 in 石浦, 针织服装 in 丹西/西周/爵溪); a few
hazardous-chemical units, schools, clinics, elderly homes, 农家乐, building sites and large
public places complete the picture. Every place lies inside its grid's boundary, its
size fits its kind, enterprises carry valid credit codes, and the demo `enterprise_user`
is linked to its own company in GRID_A.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import shapely
from django.core.exceptions import ImproperlyConfigured
from shapely.geometry import Point, shape

from accounts.models import User
from demo import names
from demo.choices import Scale
from demo.constants import GRID_A, TOWNSHIP_A, TOWNSHIP_B
from demo.context import DemoContext
from demo.registry import demo_step
from jurisdictions.choices import Level
from jurisdictions.models import Jurisdiction
from places.choices import LocationSource, OccupancyStatus
from places.models import Place, PlaceAccount, PlaceKind
from places.profiles import key_unit_suggestion, place_values
from places.validators import CREDIT_CODE_CHARSET, credit_code_check_char

BATCH_SIZE = 1000
ENTERPRISE_COMPANY = "象山丹城海韵水产食品有限公司"  # the demo enterprise user's employer (accounts/demo_data.py)

# Industries each township is known for (象山: knitwear around 丹西/西周/爵溪, fishing in 石浦).
TOWNSHIP_INDUSTRY: dict[str, list[str]] = {
    "330225001": ["ind_electronics", "ind_machinery", "ind_knitwear"],
    "330225002": ["ind_knitwear", "ind_knitwear", "ind_textile", "ind_dyeing"],
    "330225003": ["ind_knitwear", "ind_knitwear", "ind_textile"],
    "330225100": ["ind_seafood", "ind_seafood", "ind_shipbuilding", "ind_machinery"],
    "330225101": ["ind_knitwear", "ind_machinery", "ind_woodwork", "ind_knitwear"],
    "330225102": ["ind_seafood", "ind_shipbuilding"],
    "330225103": ["ind_machinery", "ind_chemical", "ind_woodwork"],
    "330225104": ["ind_seafood", "ind_woodwork"],
    "330225106": ["ind_machinery", "ind_electronics", "ind_chemical"],
    "330225108": ["ind_machinery", "ind_other"],
    "330225109": ["ind_woodwork", "ind_other"],
}
INDUSTRIAL_TOWNSHIPS = {"330225002", "330225003", "330225100", "330225101", "330225103", "330225106"}

# Weighted kinds of an ordinary grid (rental houses most numerous, then the 九小场所).
GRID_MIX: list[tuple[str, int]] = [
    ("rental_house", 48), ("sp_catering", 9), ("sp_shop", 9), ("sp_beauty", 4), ("sp_hotel", 3), ("sp_workshop", 4),
    ("sp_entertainment", 1), ("sp_internet_cafe", 1), ("sp_clinic", 2), ("sp_school", 1), ("self_built", 4),
    ("mixed_use", 3), ("farmstay", 2), ("warehouse", 2), ("construction_site", 1), ("INDUSTRY", 10),
    ("pg_mall", 1), ("pg_hotel", 1), ("elderly_home", 1), ("hz_fuel_station", 1), ("hz_storage", 1),
]
# Each showcase grid (GRID_A and the first grids of township A and B) has at least these.
SHOWCASE = ["rental_house", "rental_house", "rental_house", "rental_house", "sp_catering", "sp_shop", "sp_hotel", "sp_beauty", "INDUSTRY", "mixed_use"]
ONE_PER_TOWNSHIP = ["health_center", "school", "kindergarten", "pg_market", "elderly_home", "hz_lpg"]

TRADE_NAMES = ["海韵", "东昇", "华丰", "永盛", "恒达", "鑫源", "锦泰", "博洋", "利民", "惠民", "兴旺", "顺发", "金海", "银湾", "丹峰", "蓬莱", "港城", "宏远", "荣华", "佳美", "祥和", "福源", "安泰", "天成", "瑞丰", "凯达", "联兴", "明辉", "通达", "正大", "新港", "东海", "渔歌", "半岛", "鹤鸣", "春晓", "合力", "众诚", "百川", "鼎盛"]
ROADS = ["丹阳路", "天安路", "靖南路", "象山港路", "新华路", "建设路", "丹河路", "人民路", "塔山路", "白鹤路", "石浦大道", "渔港路", "金山路", "海滨路", "环城西路", "环城北路", "东谷路", "城东路", "工业路", "兴港路", "科技大道", "滨海大道"]
SUFFIX: dict[str, tuple[str, ...]] = {
    "sp_catering": ("小吃店", "面馆", "快餐店", "大排档", "海鲜排档", "饺子馆"),
    "sp_shop": ("便利店", "超市", "五金店", "副食品店", "日用百货店", "电动车行"),
    "sp_hotel": ("旅馆", "宾馆", "客栈", "招待所"),
    "sp_beauty": ("美发店", "足浴店", "美容院", "养生馆"),
    "sp_entertainment": ("KTV", "歌舞厅"),
    "sp_internet_cafe": ("网吧", "网咖"),
    "sp_clinic": ("诊所", "口腔诊所", "中医诊所"),
    "sp_school": ("幼儿园", "托育园"),
    "sp_workshop": ("网具加工场", "五金加工厂", "服装加工点", "鱼粉加工场"),
    "farmstay": ("渔家乐", "民宿", "农家乐"),
}
COMPANY_WORD: dict[str, tuple[str, ...]] = {
    "ind_textile": ("纺织",), "ind_knitwear": ("针织", "服饰", "针织服装"), "ind_dyeing": ("印染",),
    "ind_chemical": ("化工", "新材料"), "ind_machinery": ("机械", "模具", "汽配"), "ind_fireworks": ("烟花爆竹",),
    "ind_seafood": ("水产食品", "海洋食品", "水产品加工"), "ind_shipbuilding": ("船舶修造", "船业"),
    "ind_woodwork": ("木业", "家具"), "ind_electronics": ("电器", "电子"), "ind_other": ("工贸", "塑业"),
    "hz_storage": ("化工贸易",), "warehouse": ("物流",),
}
# (floor_area range, employees range, beds, rooms, seats, floors range)
SIZES: dict[str, dict[str, Any]] = {
    "rental_house": {"floor_area": (120, 480), "floors": (2, 5), "rooms": (4, 16), "beds": (4, 24)},
    "sp_catering": {"floor_area": (30, 280), "floors": (1, 2), "seats": (12, 96), "employees": (2, 10)},
    "sp_shop": {"floor_area": (20, 290), "floors": (1, 2), "employees": (1, 8)},
    "sp_hotel": {"floor_area": (200, 900), "floors": (2, 5), "rooms": (8, 30), "beds": (12, 48), "employees": (2, 8)},
    "sp_beauty": {"floor_area": (40, 190), "floors": (1, 2), "employees": (2, 10)},
    "sp_entertainment": {"floor_area": (80, 190), "floors": (1, 3), "employees": (4, 15)},
    "sp_internet_cafe": {"floor_area": (80, 190), "floors": (1, 2), "employees": (2, 6)},
    "sp_clinic": {"floor_area": (40, 200), "floors": (1, 2), "beds": (0, 8), "employees": (2, 8)},
    "sp_school": {"floor_area": (200, 900), "floors": (1, 3), "beds": (0, 20), "employees": (5, 20)},
    "sp_workshop": {"floor_area": (100, 600), "floors": (1, 2), "employees": (4, 40)},
    "self_built": {"floor_area": (200, 900), "floors": (2, 5), "employees": (2, 20)},
    "mixed_use": {"floor_area": (150, 600), "floors": (2, 4), "employees": (3, 20), "beds": (2, 12)},
    "farmstay": {"floor_area": (200, 800), "floors": (2, 4), "rooms": (4, 16), "beds": (8, 30), "seats": (20, 80)},
    "warehouse": {"floor_area": (500, 6000), "floors": (1, 2), "employees": (3, 30)},
    "construction_site": {"floor_area": (3000, 60000), "employees": (30, 300)},
    "INDUSTRY": {"floor_area": (800, 20000), "floors": (1, 5), "employees": (20, 600)},
    "pg_mall": {"floor_area": (600, 8000), "floors": (1, 4), "employees": (10, 120)},
    "pg_hotel": {"floor_area": (2000, 15000), "floors": (5, 16), "rooms": (30, 220), "beds": (50, 380), "employees": (20, 150)},
    "pg_market": {"floor_area": (800, 5000), "floors": (1, 2), "employees": (20, 200)},
    "elderly_home": {"floor_area": (600, 6000), "floors": (2, 5), "beds": (20, 180), "employees": (6, 60)},
    "health_center": {"floor_area": (1500, 9000), "floors": (3, 6), "beds": (20, 120), "employees": (40, 200)},
    "school": {"floor_area": (6000, 30000), "floors": (3, 5), "beds": (0, 900), "employees": (40, 200)},
    "kindergarten": {"floor_area": (1200, 4000), "floors": (2, 3), "beds": (0, 60), "employees": (15, 50)},
    "hz_fuel_station": {"floor_area": (300, 1200), "floors": (1, 2), "employees": (6, 20)},
    "hz_lpg": {"floor_area": (200, 800), "floors": (1, 1), "employees": (4, 12)},
    "hz_storage": {"floor_area": (500, 4000), "floors": (1, 2), "employees": (6, 40)},
}
MOBILE_PREFIXES = ("133", "135", "137", "138", "139", "150", "151", "152", "158", "159", "177", "180", "187", "189", "198")


@dataclass
class _Grid:
    node: Jurisdiction
    township: Jurisdiction
    village: Jurisdiction
    area: Any


def credit_code(rng: random.Random, *, individual: bool = False) -> str:
    """A well-formed code of 象山 (330225): 91 = company, 92 = 个体工商户, then "MA2" + six characters."""
    body = ("92" if individual else "91") + "330225MA2" + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(6))
    return body + credit_code_check_char(body)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _point_in(area: Any, rng: random.Random) -> tuple[float, float]:
    min_x, min_y, max_x, max_y = area.bounds
    for _attempt in range(200):
        point = Point(rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
        if area.contains(point):
            return round(point.x, 7), round(point.y, 7)
    point = area.representative_point()
    return round(point.x, 7), round(point.y, 7)


class _Maker:
    def __init__(self, ctx: DemoContext, kinds: dict[str, PlaceKind]) -> None:
        self.ctx, self.kinds = ctx, kinds
        self.rng = ctx.rng("places")
        self.used_names: set[str] = set()
        self.used_codes: set[str] = set()

    def industry_kind(self, township: str) -> str:
        pool = TOWNSHIP_INDUSTRY.get(township, ["ind_machinery", "ind_other", "ind_woodwork"])
        return self.rng.choice(pool)

    def unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.used_names:
            n += 1
            candidate = f"{name}（{n}号店）" if not name.endswith("有限公司") else name.replace("有限公司", f"{'二三四五六七八九'[min(n, 9) - 2]}厂有限公司")
        self.used_names.add(candidate)
        return candidate

    def code(self, individual: bool = False) -> str:
        while True:
            value = credit_code(self.rng, individual=individual)
            if value not in self.used_codes:
                self.used_codes.add(value)
                return value

    def person(self) -> tuple[str, str]:
        gender = self.rng.choice("MF")
        return names.person_name(self.rng, gender), mobile(self.rng)

    def address(self, grid: _Grid) -> str:
        return f"象山县{grid.township.name}{grid.village.name}{self.rng.choice(ROADS)}{self.rng.randint(1, 388)}号"

    def name_for(self, code: str, grid: _Grid) -> tuple[str, bool]:
        """(name, has an enterprise credit code)."""
        rng, town, trade = self.rng, grid.township.name, self.rng.choice(TRADE_NAMES)
        if code in SUFFIX:
            return f"象山县{town}{trade}{rng.choice(SUFFIX[code])}", False
        if code in COMPANY_WORD:
            prefix = rng.choice(("宁波", "象山", "象山县"))
            return f"{prefix}{trade}{rng.choice(COMPANY_WORD[code])}有限公司", True
        fixed = {
            "rental_house": f"{grid.village.name}{rng.randint(1, 280)}号出租房",
            "self_built": f"{grid.village.name}{trade}经营用房",
            "mixed_use": f"{grid.village.name}{rng.randint(1, 200)}号三合一场所",
            "construction_site": f"{trade}{rng.choice(('花园', '府', '工业园', '商业综合体'))}项目施工工地",
            "pg_mall": f"象山{trade}{rng.choice(('超市', '购物中心', '商场'))}",
            "pg_hotel": f"象山{trade}{rng.choice(('大酒店', '国际大酒店', '宾馆'))}",
            "pg_market": f"象山县{town}农贸市场",
            "elderly_home": f"象山县{town}{rng.choice(('敬老院', '居家养老服务中心', '颐养院'))}",
            "health_center": f"象山县{town}{'社区卫生服务中心' if '街道' in town else '卫生院'}",
            "school": f"象山县{town}{rng.choice(('中心小学', '初级中学', '第二小学'))}",
            "kindergarten": f"象山县{town}中心幼儿园",
            "hz_fuel_station": f"中国石化象山{town}{trade}加油站",
            "hz_lpg": f"象山县{town}液化石油气供应站",
        }
        return fixed.get(code, f"象山县{town}{trade}场所"), code not in ("rental_house", "mixed_use", "construction_site")

    def size(self, code: str, kind: str) -> dict[str, Any]:
        ranges = SIZES.get(code) or SIZES.get(kind) or {}
        values: dict[str, Any] = {}
        for field, (low, high) in ranges.items():
            value = self.rng.randint(low, high)
            values[field] = Decimal(value) if field == "floor_area" else value
        if values.get("floors"):
            values["building_height"] = Decimal(values["floors"] * 3 + self.rng.randint(0, 2))
        return values

    def place(self, kind_code: str, grid: _Grid) -> Place:
        rng = self.rng
        code = self.industry_kind(grid.township.code) if kind_code == "INDUSTRY" else kind_code
        kind = self.kinds[code]
        name, is_company = self.name_for(code, grid)
        name = self.unique(name)
        lng, lat = _point_in(grid.area, rng)
        legal = self.person()
        values = self.size("INDUSTRY" if kind.category == "industrial" and code.startswith("ind_") else code, code)
        place = Place(
            name=name,
            kind=kind,
            credit_code=self.code(individual=code in SUFFIX) if (is_company or code in SUFFIX) else "",
            address=self.address(grid),
            jurisdiction=grid.node,
            jurisdiction_path=grid.node.path,
            lng=lng,
            lat=lat,
            location_source=LocationSource.POINT_IN_POLYGON,
            legal_rep_name=legal[0],
            legal_rep_mobile=legal[1],
            has_dormitory=kind.category == "industrial" and rng.random() < 0.5,
            stores_hazardous_goods=kind.category == "hazchem" or code in ("ind_chemical", "ind_fireworks", "ind_dyeing"),
            occupancy_status=OccupancyStatus.SUSPENDED if rng.random() < 0.04 else OccupancyStatus.OPERATING,
            tags=self.tags(code),
            **values,
        )
        if code != "rental_house":
            responsible = legal if rng.random() < 0.6 else self.person()
            place.fire_responsible_name, place.fire_responsible_mobile = responsible
            if rng.random() < 0.8:
                place.fire_manager_name, place.fire_manager_mobile = self.person()
        suggestion = key_unit_suggestion(kind, place_values(place))
        place.is_key_unit = bool(suggestion and suggestion.met)
        return place

    def tags(self, code: str) -> list[str]:
        pool = {
            "rental_house": ["群租", "电动车充电", "外来务工人员"],
            "mixed_use": ["三合一", "住人"],
            "sp_catering": ["使用瓶装液化气", "沿街店铺"],
            "ind_seafood": ["冷库", "液氨制冷"],
            "ind_knitwear": ["劳动密集型"],
        }.get(code, [])
        return [tag for tag in pool if self.rng.random() < 0.35]


def _grids(ctx: DemoContext) -> list[_Grid]:
    grids: list[_Grid] = []
    for node in ctx.nodes(Level.GRID):
        if not node.boundary:
            continue
        area = shape(node.boundary).buffer(-0.0002)
        if area.is_empty:
            area = shape(node.boundary)
        shapely.prepare(area)
        village = ctx.node(node.parent_code) if node.parent_code else node
        township = ctx.node(village.parent_code) if village.parent_code else village
        grids.append(_Grid(node, township, village, area))
    return grids


@demo_step(order=400, label="单位场所")
def seed_places(ctx: DemoContext) -> str:
    kinds = {kind.code: kind for kind in PlaceKind.objects.all()}
    if "rental_house" not in kinds:
        raise ImproperlyConfigured("缺少场所类型（应由 places 的数据迁移 0003 加载）")
    maker = _Maker(ctx, kinds)
    rng = maker.rng
    grids = _grids(ctx)
    weights = [w for _k, w in GRID_MIX]
    choices = [k for k, _w in GRID_MIX]
    places: list[Place] = []
    seen_township: set[str] = set()
    # GRID_A and the first grid of each village of township A's and B's first villages.
    showcase = {GRID_A} | {
        g.node.code for g in grids if g.node.code.endswith("001") and g.village.code in (f"{TOWNSHIP_A}001", f"{TOWNSHIP_B}001")
    }
    small = ctx.scale == Scale.SMALL
    for grid in grids:
        count = rng.randint(4, 7) if small else rng.randint(2, 4)
        if grid.township.code in INDUSTRIAL_TOWNSHIPS and not small:
            count += 1
        picks = rng.choices(choices, weights=weights, k=count)
        if grid.node.code in showcase:
            picks = SHOWCASE + picks[:3]
        if grid.township.code not in seen_township:
            seen_township.add(grid.township.code)
            picks += ONE_PER_TOWNSHIP
        places.extend(maker.place(kind, grid) for kind in picks)
    company = _enterprise_company(maker, grids)
    if company is not None:
        places.append(company)
    Place.objects.bulk_create(places, batch_size=BATCH_SIZE)
    linked = _link_enterprise_user(company)
    key_units = sum(1 for p in places if p.is_key_unit)
    return f"{len(places)} 个场所（{key_units} 个重点单位），{linked} 个企业账号关联"


def _enterprise_company(maker: _Maker, grids: list[_Grid]) -> Place | None:
    """The demo enterprise user's employer, a seafood processor in GRID_A."""
    grid = next((g for g in grids if g.node.code == GRID_A), None)
    if grid is None:
        return None
    place = maker.place("ind_seafood", grid)
    place.name = ENTERPRISE_COMPANY
    place.employees, place.has_dormitory = 86, True
    place.tags = ["冷库", "劳动密集型"]
    return place


def _link_enterprise_user(company: Place | None) -> int:
    user = User.unscoped.filter(username="enterprise_user").first() if company is not None else None
    if user is None or company is None:
        return 0
    PlaceAccount.objects.create(place=company, user=user)
    return 1
