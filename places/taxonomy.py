"""The default taxonomy of place kinds (场所类型), loaded by migration 0003 and editable afterwards.

Each kind's `thresholds` holds its rules as data, evaluated by `places.profiles`:

- ``small_place``: the 九小场所 upper bounds of rules.md §4.2 — the Shandong 派出所 rule
  (《山东省公安派出所消防监督检查规定》第三十条), the only published per-kind numbers. Whether
  "以下" includes the boundary value is not stated, so ``inclusive`` is stored per rule
  (default false: "300 m² 以下" means < 300) and a county administrator may flip it.
- ``key_unit``: the national 消防安全重点单位 界定标准 (公通字〔2001〕97号, rules.md §3.2),
  "含本数" (≥). A suggestion only: designation stays a human decision.

A rule is ``{"profile", "criterion", "match": "any"|"all", "conditions": [{"field", "min"|"max",
"inclusive"?}]}``, or ``{"profile", "criterion", "all": true}`` for "every place of this kind".
"""

from __future__ import annotations

from typing import Any

SHANDONG = "山东省公安派出所消防监督检查规定第三十条（默认参考）"
NATIONAL = "公通字〔2001〕97号 全国界定标准"


def _small(criterion: str, *conditions: dict[str, Any], match: str = "any") -> dict[str, Any]:
    return {"profile": SHANDONG, "criterion": criterion, "match": match, "inclusive": False, "conditions": list(conditions)}


def _key(criterion: str, field: str | None = None, minimum: float | None = None) -> dict[str, Any]:
    if field is None:
        return {"profile": NATIONAL, "criterion": criterion, "all": True}
    return {"profile": NATIONAL, "criterion": criterion, "match": "any", "conditions": [{"field": field, "min": minimum}]}


def _kind(
    code: str,
    name: str,
    category: str,
    staffing: str = "",
    *,
    industry: str = "",
    small: dict[str, Any] | None = None,
    key: dict[str, Any] | None = None,
    crowded: bool = False,
    gathering: bool = False,
    description: str = "",
) -> dict[str, Any]:
    thresholds: dict[str, Any] = {}
    if small:
        thresholds["small_place"] = small
    if key:
        thresholds["key_unit"] = key
    return {
        "code": code,
        "name": name,
        "category": category,
        "staffing_group": staffing,
        "industry": industry,
        "is_small_place": small is not None,
        "is_crowded": crowded or gathering,
        "is_public_gathering": gathering,
        "thresholds": thresholds,
        "description": description,
    }


_FLAMMABLE = _key("易燃易爆化学物品的生产、充装、储存、供应、销售单位")

DEFAULT_PLACE_KINDS: list[dict[str, Any]] = [
    # 工业企业 (by industry; 象山: knitwear in 丹西/西周, seafood processing in 石浦, shipbuilding on the coast)
    _kind("ind_textile", "纺织企业", "industrial", "industrial", industry="纺织", crowded=True,
          description="劳动密集型企业的生产加工车间和员工集体宿舍属人员密集场所（消防法第七十三条）"),
    _kind("ind_knitwear", "针织服装企业", "industrial", "industrial", industry="针织服装", crowded=True,
          description="服装等劳动密集型生产、加工企业可列为消防安全重点单位（公安部令第61号第十三条）；界定人数以省级标准为准"),
    _kind("ind_dyeing", "印染企业", "industrial", "industrial", industry="印染"),
    _kind("ind_chemical", "化工企业", "industrial", "industrial", industry="化工"),
    _kind("ind_machinery", "机械制造企业", "industrial", "industrial", industry="机械"),
    _kind("ind_fireworks", "烟花爆竹生产企业", "industrial", "industrial", industry="烟花爆竹",
          key=_key("易燃易爆物品的生产工厂")),
    _kind("ind_seafood", "水产品加工企业", "industrial", "industrial", industry="水产品加工",
          description="冷库氨制冷、液氨储存等需重点关注"),
    _kind("ind_shipbuilding", "船舶修造企业", "industrial", "industrial", industry="船舶修造"),
    _kind("ind_woodwork", "木制品家具企业", "industrial", "industrial", industry="木制品"),
    _kind("ind_electronics", "电子电器企业", "industrial", "industrial", industry="电子电器"),
    _kind("ind_other", "其他工业企业", "industrial", "industrial", industry="其他"),
    # 危险化学品单位
    _kind("hz_production", "危险化学品生产企业", "hazchem", "industrial", industry="化工", key=_FLAMMABLE),
    _kind("hz_storage", "危险化学品储存经营单位", "hazchem", "industrial", key=_FLAMMABLE),
    _kind("hz_fuel_station", "加油加气站", "hazchem", "commercial", key=_key("营业性加油站、加气站")),
    _kind("hz_lpg", "液化石油气供应站（换瓶站）", "hazchem", "commercial", key=_key("液化石油气供应站（换瓶站）")),
    # 九小场所 (rules.md §4.1, thresholds §4.2)
    _kind("sp_school", "小学校或幼儿园", "small_place", "commercial",
          small=_small("寄宿制学校、托幼床位 50 张以下", {"field": "beds", "max": 50}),
          key=_key("寄宿制学校学生住宿床位 100 张及以上", "beds", 100), crowded=True),
    _kind("sp_clinic", "小医院（诊所）", "small_place", "commercial",
          small=_small("小医院（诊所）、疗养院床位 30 张以下", {"field": "beds", "max": 30}),
          key=_key("住院床位 50 张及以上的医院", "beds", 50)),
    _kind("sp_shop", "小商店（小商场）", "small_place", "commercial",
          small=_small("小商场（商店、市场）建筑面积 300㎡ 以下", {"field": "floor_area", "max": 300}),
          key=_key("商场（商店、市场）建筑面积 1000㎡ 及以上", "floor_area", 1000)),
    _kind("sp_catering", "小餐饮场所", "small_place", "commercial",
          small=_small("小饭店额定就餐人数 100 人以下", {"field": "seats", "max": 100})),
    _kind("sp_hotel", "小旅馆", "small_place", "commercial",
          small=_small("小旅馆床位 50 张以下", {"field": "beds", "max": 50}),
          key=_key("宾馆（旅馆、饭店）客房 50 间及以上", "rooms", 50)),
    _kind("sp_entertainment", "小歌舞娱乐场所", "small_place", "commercial",
          small=_small("设在一、二、三层且建筑面积 200㎡ 以下", {"field": "floor_area", "max": 200},
                       {"field": "floors", "max": 3, "inclusive": True}, match="all"),
          key=_key("公共娱乐场所建筑面积 200㎡ 及以上", "floor_area", 200)),
    _kind("sp_internet_cafe", "小网吧", "small_place", "commercial",
          small=_small("建筑面积 200㎡ 以下", {"field": "floor_area", "max": 200}),
          key=_key("公共娱乐场所建筑面积 200㎡ 及以上", "floor_area", 200)),
    _kind("sp_beauty", "小美容洗浴场所", "small_place", "commercial",
          small=_small("洗浴、足疗、美容美发等建筑面积 200㎡ 以下", {"field": "floor_area", "max": 200})),
    _kind("sp_workshop", "小生产加工企业", "small_place", "industrial",
          small=_small("从业人员 50 人以下", {"field": "employees", "max": 50})),
    # 居住出租房, 经营性自建房, 在建工地
    _kind("rental_house", "居住出租房", "rental_house", "rental"),
    _kind("self_built", "经营性自建房", "self_built", "commercial",
          description="用于生产经营的农村和城乡结合部自建房"),
    _kind("construction_site", "在建工地", "construction",
          description="重点工程的施工现场可列为消防安全重点单位（人工认定）"),
    # 公众聚集场所 and 人员密集场所 (消防法 第七十三条)
    _kind("pg_mall", "商场（超市）", "public_gathering", "commercial", gathering=True,
          key=_key("商场（商店、市场）建筑面积 1000㎡ 及以上", "floor_area", 1000)),
    _kind("pg_market", "集贸市场", "public_gathering", "commercial", gathering=True,
          key=_key("市场建筑面积 1000㎡ 及以上", "floor_area", 1000)),
    _kind("pg_hotel", "宾馆饭店", "public_gathering", "commercial", gathering=True,
          key=_key("宾馆（旅馆、饭店）客房 50 间及以上", "rooms", 50)),
    _kind("pg_entertainment", "公共娱乐场所", "public_gathering", "commercial", gathering=True,
          key=_key("公共娱乐场所建筑面积 200㎡ 及以上", "floor_area", 200),
          description="歌舞厅、影剧院、游艺厅、KTV 等"),
    _kind("pg_station", "客运车站、码头", "public_gathering", gathering=True,
          key=_key("候车（船）厅建筑面积 500㎡ 及以上", "floor_area", 500)),
    _kind("pg_venue", "体育场馆、会堂", "public_gathering", gathering=True, key=_key("公共体育场（馆）、会堂")),
    _kind("cr_culture", "图书馆、展览馆、博物馆", "crowded", crowded=True,
          key=_key("公共图书馆、展览馆建筑面积 2000㎡ 及以上", "floor_area", 2000)),
    _kind("cr_religious", "旅游、宗教活动场所", "crowded", crowded=True),
    # 养老、学校、医疗
    _kind("elderly_home", "养老机构", "elderly_care", crowded=True,
          key=_key("养老院床位 50 张及以上", "beds", 50), description="养老院、福利院、敬老院、居家养老服务中心"),
    _kind("school", "学校", "school", crowded=True, key=_key("学校学生住宿床位 100 张及以上", "beds", 100)),
    _kind("kindergarten", "托儿所、幼儿园", "school", crowded=True, key=_key("托儿所、幼儿园儿童住宿床位 50 张及以上", "beds", 50)),
    _kind("hospital", "医院", "clinic", crowded=True, key=_key("住院床位 50 张及以上的医院", "beds", 50)),
    _kind("health_center", "乡镇卫生院、社区卫生服务中心", "clinic", crowded=True,
          key=_key("住院床位 50 张及以上的医院", "beds", 50)),
    # 农家乐/民宿, 仓库, 三合一, 其他
    _kind("farmstay", "农家乐（民宿）", "farmstay", "commercial"),
    _kind("warehouse", "仓库（物流仓储）", "warehouse", "commercial",
          description="大型物资仓库和堆场可列为消防安全重点单位（人工认定）"),
    _kind("mixed_use", "多业态混合/三合一场所", "mixed_use", "commercial",
          description="住宿与生产、储存、经营合用场所（浙江省消防条例第九条）"),
    _kind("other", "其他场所", "other"),
]
