"""The county-wide checklists shipped with the platform (loaded by migration 0002, editable afterwards).

Seed 000 asks each sector for two lists, 重点检查事项 and 重点检查内容, with the managing
department, level and frequency. Each item cites its rule where one exists: GB 35181-2017
elements (rules.md §2, code ``GB35181-2017:<element>``), 应急管理部令第10号 items (§3.1,
``应急管理部令第10号:<条>(<项>)``), and 消防法 第二十八条 for blocked exits. Items with no
single rule behind them (e.g. training) cite nothing rather than something invented.
Elements whose numbering rules.md marks unverified (inside GB 35181 §7.9) cite the section.

`major_if_failed` marks the direct elements of GB 35181 ch.6 and the 令第10号 items (each of
which is itself a major accident hazard); composite elements only count toward a major
hazard, so they are not marked.
"""

from __future__ import annotations

import datetime
from typing import Any

EFFECTIVE_FROM = datetime.date(2024, 1, 1)  # seed 000: the two lists were due by the end of 2023
L10 = "应急管理部令第10号"


def gb(element: str, label: str) -> dict[str, str]:
    return {"code": f"GB35181-2017:{element}", "label": label}


def l10(article: str, item: str = "", label: str = "") -> dict[str, str]:
    return {"code": f"{L10}:{article}" + (f"({item})" if item else ""), "label": label}


XFF_28 = {"code": "消防法:第二十八条", "label": "不得占用、堵塞、封闭疏散通道、安全出口、消防车通道"}


ITEM_DEFAULTS: dict[str, Any] = {
    "department": "fire",
    "level": "township",
    "frequency": "",
    "days": None,
    "refs": (),
    "hazard_type": "fire",
    "category": "unsafe_condition",
    "major": False,
    "photo": False,
}


def item(matter: str, content: str, refs: tuple[dict[str, str], ...] = (), **options: Any) -> dict[str, Any]:
    """One item; `options` override `ITEM_DEFAULTS` (short keys keep the table below readable)."""
    unknown = set(options) - set(ITEM_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown item options: {sorted(unknown)}")
    o = {**ITEM_DEFAULTS, **options}
    return {
        "matter": matter,
        "content": content,
        "department": o["department"],
        "level": o["level"],
        "frequency": o["frequency"],
        "frequency_days": o["days"],
        "rule_refs": list(refs),
        "hazard_type": o["hazard_type"],
        "category": o["category"],
        "major_if_failed": o["major"],
        "requires_photo": o["photo"],
    }


_QUARTERLY: dict[str, Any] = {"frequency": "每季度一次", "days": 90}
_MONTHLY: dict[str, Any] = {"frequency": "每月一次", "days": 30}
_WEEKLY: dict[str, Any] = {"frequency": "每周一次", "days": 7}
_HALF_YEAR: dict[str, Any] = {"frequency": "每半年一次", "days": 182}

# Common fire-safety basics reused by several lists.
_EXITS = item(
    "安全出口与疏散通道",
    "疏散通道、安全出口、楼梯间畅通，未被占用、堵塞、封闭或上锁；疏散门向疏散方向开启。",
    refs=(XFF_28, gb("7.3.3", "安全出口数量或宽度不符合规定，或既有安全出口被封堵")),
    photo=True,
    **_QUARTERLY,
)
_EXTINGUISHERS = item(
    "灭火器材",
    "按场所规模配置灭火器，压力指针在绿区、在有效期内，放置在明显、便于取用的位置。",
    **_QUARTERLY,
)
_LIGHTING = item(
    "应急照明和疏散指示",
    "按规定设置应急照明灯和疏散指示标志，断电测试能正常点亮，指示方向正确。",
    refs=(gb("7.3.6", "疏散指示标志、应急照明未设置或损坏率超过规定"),),
    **_QUARTERLY,
)
_WIRING = item(
    "电气线路",
    "电气线路穿管保护，无私拉乱接、老化破损；不在可燃材料或可燃构件上直接敷设线路、安装电器；使用合格的漏电保护器。",
    refs=(gb("7.9", "在可燃材料或可燃构件上直接敷设电气线路或安装电气设备"),),
    hazard_type="electrical",
    **_QUARTERLY,
)
_EBIKES = item(
    "电动自行车停放充电",
    "电动自行车及其蓄电池不在室内、门厅、楼梯间、疏散通道停放或充电；无“飞线”充电；设集中停放充电点。",
    category="unsafe_act",
    photo=True,
    **_QUARTERLY,
)
_GAS = item(
    "燃气使用",
    "液化石油气钢瓶不超量存放、不在地下或半地下室使用；软管无老化、长度合规；安装可燃气体泄漏报警和自动切断装置。",
    refs=(gb("7.9", "违反规定使用燃油、燃气设备，或燃气管道敷设和紧急切断装置不符合规定"),),
    department="housing",
    hazard_type="gas",
    **_QUARTERLY,
)
_THREE_IN_ONE = item(
    "“三合一”住人",
    "住宿未与生产、储存、经营场所合用（“三合一”）；确需合用的，住宿部分与其他部分采取防火分隔并设独立疏散通道。",
    refs=(gb("7.1.3", "在厂房、库房、商场中设置员工宿舍，或在民用建筑中从事生产、储存、经营且不符合 GA 703"),),
    photo=True,
    **_QUARTERLY,
)
_TRAINING = item(
    "消防安全责任与培训",
    "明确消防安全责任人、管理人；开展防火检查巡查并有记录；员工懂火灾危险性、会报警、会使用灭火器、会组织疏散。",
    category="management_defect",
    **_HALF_YEAR,
)

DEFAULT_CHECKLISTS: list[dict[str, Any]] = [
    {
        "lineage": "small-place-fire",
        "name": "九小场所消防安全检查清单",
        "place_category": "small_place",
        "source_note": "九小场所日常消防监督检查重点（rules.md §4）；依据 GB 35181-2017 综合判定要素、消防法第二十八条。",
        "items": [
            _EXITS,
            item(
                "外窗与防盗网",
                "外窗未被封堵或被广告牌遮挡；防盗网（窗）设有可从内部开启的逃生口。",
                refs=(gb("7.3.10", "人员密集场所的外窗被封堵或被广告牌等遮挡"),),
                **_QUARTERLY,
            ),
            _EXTINGUISHERS,
            _LIGHTING,
            _THREE_IN_ONE,
            _WIRING,
            _EBIKES,
            _GAS,
            item(
                "厨房用火",
                "厨房排油烟管道定期清洗、无明显油垢；灶台周边无可燃物堆放；营业结束后关闭燃气阀门。",
                hazard_type="fire",
                **_QUARTERLY,
            ),
            item(
                "装修材料",
                "未使用易燃可燃材料装修，未用彩钢夹芯板分隔住人或经营区域。",
                refs=(gb("7.9.3", "违反规定在人员密集场所使用易燃、可燃材料装修、装饰"),),
                **_QUARTERLY,
            ),
            _TRAINING,
        ],
    },
    {
        "lineage": "crowded-fire",
        "name": "人员密集场所消防安全检查清单",
        "place_category": "crowded",
        "place_kinds": [
            "pg_mall",
            "pg_market",
            "pg_hotel",
            "pg_entertainment",
            "pg_station",
            "pg_venue",
            "cr_culture",
            "cr_religious",
            "elderly_home",
            "school",
            "kindergarten",
            "hospital",
            "health_center",
            "ind_textile",
            "ind_knitwear",
        ],
        "source_note": "按 GB 35181-2017《重大火灾隐患判定方法》的直接和综合判定要素逐项检查（rules.md §2）。",
        "items": [
            item(
                "安全出口",
                "公共娱乐场所、商店、地下人员密集场所安全出口数量足够，总净宽度不小于规范值的 80%。",
                refs=(gb("6.5", "安全出口数量不足或总净宽度小于规定值的 80%"),),
                major=True,
                photo=True,
                **_MONTHLY,
            ),
            item(
                "疏散通道与出口封堵",
                "既有安全出口未被封堵；疏散走道、楼梯间、疏散门未设置栅栏、卷帘门。",
                refs=(
                    XFF_28,
                    gb("7.3.3", "既有安全出口被封堵"),
                    gb("7.3.9", "疏散走道、楼梯间、疏散门或安全出口设置栅栏、卷帘门"),
                ),
                photo=True,
                **_MONTHLY,
            ),
            item(
                "防火门与楼梯间",
                "封闭楼梯间、防烟楼梯间的门完好并能自行关闭；高层建筑损坏率不超过 20%，其他建筑不超过 50%。",
                refs=(gb("7.3.7", "楼梯间的门损坏率超过规定"), gb("7.2.2", "防火分隔设施损坏数量大于 50%")),
                **_MONTHLY,
            ),
            item(
                "自动喷水灭火系统与火灾自动报警系统（设置）",
                "旅馆、公共娱乐场所、商店、地下人员密集场所按规范设置了自动喷水灭火系统和火灾自动报警系统。",
                refs=(gb("6.6", "未按规定设置自动喷水灭火系统或火灾自动报警系统"),),
                major=True,
                **_MONTHLY,
            ),
            item(
                "自动喷水灭火系统（运行）",
                "已设置的自动喷水灭火系统能正常运行：末端试水压力正常、报警阀组完好、水泵可启动。",
                refs=(gb("7.4.6", "已设置的自动喷水灭火系统或其他固定灭火设施不能正常使用或运行"),),
                **_MONTHLY,
            ),
            item(
                "火灾自动报警系统（运行）",
                "火灾报警控制器无故障、无屏蔽，探测器抽测能报警；消防控制室值班人员持证在岗。",
                refs=(gb("7.7.2", "火灾自动报警系统不能正常运行"), gb("7.8.2", "消防控制室操作人员未持证上岗")),
                **_MONTHLY,
            ),
            item(
                "室内消火栓",
                "室内消火栓箱内水枪、水带齐全，出水压力正常，未被遮挡、圈占。",
                refs=(gb("7.4.3", "室内消火栓系统未设置或不能正常使用"), XFF_28),
                **_MONTHLY,
            ),
            _LIGHTING,
            item(
                "防烟排烟",
                "按规范设置防烟、排烟设施，手动和联动启动正常，排烟口未被遮挡。",
                refs=(gb("7.5", "未按规定设置防烟、排烟设施，或不能正常使用或运行"),),
                **_MONTHLY,
            ),
            item(
                "室内装修",
                "疏散走道、楼梯间、前室的装修材料燃烧性能符合 GB 50222；未使用易燃、可燃材料装修。",
                refs=(
                    gb("7.3.8", "疏散走道、楼梯间、前室装修材料燃烧性能不符合 GB 50222"),
                    gb("7.9.3", "使用易燃、可燃材料装修"),
                ),
                **_QUARTERLY,
            ),
            item(
                "易燃易爆危险品",
                "场所内未违反规定使用、储存或销售易燃易爆危险品。",
                refs=(gb("6.8", "在人员密集场所违反规定使用、储存或销售易燃易爆危险品"),),
                major=True,
                hazard_type="hazardous_chemicals",
                **_MONTHLY,
            ),
            item(
                "儿童与老年人用房楼层",
                "托儿所、幼儿园的儿童用房及老年人活动场所设置的楼层位置符合规范。",
                refs=(gb("6.9", "儿童用房、老年人活动场所所在楼层不符合规定"),),
                major=True,
                **_HALF_YEAR,
            ),
            item(
                "彩钢板住人",
                "居住场所未采用燃烧性能低于 A 级芯材的彩钢夹芯板搭建。",
                refs=(gb("6.10", "居住场所采用芯材低于 A 级的彩钢夹芯板搭建"),),
                major=True,
                photo=True,
                **_HALF_YEAR,
            ),
            item(
                "消防车道",
                "消防车道、救援场地未被占用、堵塞，外窗未被封堵或被广告牌遮挡。",
                refs=(gb("7.1.1", "消防车道被堵塞、占用"), gb("7.3.10", "外窗被封堵或被广告牌等遮挡")),
                photo=True,
                **_MONTHLY,
            ),
            _THREE_IN_ONE,
            _TRAINING,
        ],
    },
    {
        "lineage": "rental-self-built",
        "name": "居住出租房、经营性自建房安全检查清单",
        "place_category": "rental_house",
        "place_kinds": ["rental_house", "self_built", "mixed_use", "farmstay"],
        "source_note": "出租房、经营性自建房（含“三合一”、民宿）房屋结构、疏散和电动自行车等重点。",
        "items": [
            item(
                "房屋结构安全",
                "墙体、梁柱无明显裂缝、倾斜、沉降；未擅自加层、拆改承重结构；经营性自建房已按要求开展安全鉴定。",
                department="housing",
                hazard_type="structural",
                photo=True,
                **_HALF_YEAR,
            ),
            item(
                "疏散出口与逃生窗",
                "每层有通向室外的疏散通道；防盗网设逃生口；楼梯间未堆放杂物。",
                refs=(XFF_28,),
                photo=True,
                **_QUARTERLY,
            ),
            _EBIKES,
            _WIRING,
            _GAS,
            _THREE_IN_ONE,
            item(
                "独立式烟感和灭火器",
                "出租房间、公共区域安装独立式感烟火灾探测报警器并能正常报警；每层配置灭火器。",
                **_QUARTERLY,
            ),
            item(
                "出租登记与人员数量",
                "出租房已登记，居住人数与面积相符，无群租、地下室住人。",
                department="public_security",
                level="village",
                category="management_defect",
                **_QUARTERLY,
            ),
        ],
    },
    {
        "lineage": "industry-general",
        "name": "工贸企业安全生产检查清单",
        "place_category": "industrial",
        "source_note": "应急管理部令第10号《工贸企业重大事故隐患判定标准》第三条、第十四条及消防基本要求（rules.md §3.1）。",
        "items": [
            item(
                "承包承租单位管理",
                "对承包单位、承租单位的安全生产工作统一协调、管理，并定期进行安全检查。",
                department="emergency",
                hazard_type="other",
                category="management_defect",
                refs=(l10("第三条", "一", "未对承包单位、承租单位统一协调、管理，或未定期进行安全检查"),),
                major=True,
                **_QUARTERLY,
            ),
            item(
                "特种作业人员持证",
                "电工、焊工、高处作业等特种作业人员经专门培训并取得相应资格后上岗。",
                department="emergency",
                hazard_type="other",
                category="unsafe_act",
                refs=(l10("第三条", "二", "特种作业人员未经专门培训取得资格上岗作业"),),
                major=True,
                **_QUARTERLY,
            ),
            item(
                "金属冶炼企业负责人考核",
                "金属冶炼企业主要负责人、安全生产管理人员经考核合格。",
                department="emergency",
                hazard_type="other",
                category="management_defect",
                refs=(l10("第三条", "三", "金属冶炼企业主要负责人、安全管理人员未经考核合格"),),
                major=True,
                **_HALF_YEAR,
            ),
            item(
                "安全监测报警与防护设施",
                "与安全直接相关的监测、报警、防护设施完好并投入使用，未擅自停用、拆除。",
                department="emergency",
                hazard_type="other",
                refs=(l10("第十四条", "", "监测报警、防护设施失效即构成重大事故隐患"),),
                major=True,
                **_QUARTERLY,
            ),
            _THREE_IN_ONE,
            _EXITS,
            _EXTINGUISHERS,
            _WIRING,
            item(
                "动火作业",
                "动火作业办理审批，清除周边可燃物，有专人监护并配备灭火器材。",
                category="unsafe_act",
                **_QUARTERLY,
            ),
            _TRAINING,
        ],
    },
    {
        "lineage": "dust-explosion",
        "name": "粉尘涉爆企业安全检查清单",
        "place_kinds": ["ind_woodwork"],
        "source_note": "应急管理部令第10号第十一条（存在粉尘爆炸危险的工贸企业，rules.md §3.1）。",
        "items": [
            item(
                "粉尘爆炸危险场所设置",
                "粉尘爆炸危险场所不在非框架结构多层建筑内，场所内不设员工宿舍、会议室、办公室、休息室。",
                refs=(l10("第十一条", "一", "设置在非框架结构多层建筑内，或内设人员聚集场所"),),
                **{
                    "department": "emergency",
                    "hazard_type": "dust_explosion",
                    "major": True,
                    "photo": True,
                    **_QUARTERLY,
                },
            ),
            item(
                "除尘系统分设",
                "不同类别粉尘、粉尘与可燃气体不共用一套除尘系统；不同建筑、不同防火分区的除尘系统不互联互通。",
                refs=(l10("第十一条", "二", "共用除尘系统或除尘系统互联互通"),),
                **{"department": "emergency", "hazard_type": "dust_explosion", "major": True, **_QUARTERLY},
            ),
            item(
                "干式除尘爆炸防控",
                "干式除尘系统采取泄爆、惰化、抑爆中的至少一种爆炸防控措施。",
                refs=(l10("第十一条", "三", "干式除尘系统未采取泄爆、惰化、抑爆等任一种措施"),),
                **{
                    "department": "emergency",
                    "hazard_type": "dust_explosion",
                    "major": True,
                    "photo": True,
                    **_QUARTERLY,
                },
            ),
            item(
                "正压除尘与点燃源",
                "铝镁等金属粉尘不采用正压除尘；其他可燃性粉尘正压吹送时采取火花探测消除等防点燃源措施。",
                refs=(l10("第十一条", "四", "正压除尘方式未采取防范点燃源措施"),),
                **{"department": "emergency", "hazard_type": "dust_explosion", "major": True, **_QUARTERLY},
            ),
            item(
                "重力沉降室与巷道风道",
                "未采用重力沉降室除尘，未用干式巷道式构筑物作除尘风道。",
                refs=(l10("第十一条", "五", "采用重力沉降室或干式巷道式风道"),),
                **{"department": "emergency", "hazard_type": "dust_explosion", "major": True, **_HALF_YEAR},
            ),
            item(
                "锁气卸灰装置",
                "铝镁等金属粉尘、木质粉尘的干式除尘系统设置锁气卸灰装置。",
                refs=(l10("第十一条", "六", "干式除尘系统未设置锁气卸灰装置"),),
                **{"department": "emergency", "hazard_type": "dust_explosion", "major": True, **_QUARTERLY},
            ),
            item(
                "20区防爆电气",
                "除尘器、收尘仓等 20 区粉尘爆炸危险场所的电气设备符合防爆要求。",
                refs=(l10("第十一条", "七", "20区电气设备不符合防爆要求"),),
                **{"department": "emergency", "hazard_type": "dust_explosion", "major": True, **_QUARTERLY},
            ),
            item(
                "杂物去除与火花探测",
                "粉碎、研磨、造粒设备前设铁、石等杂物去除装置；木制品加工企业砂光机风管设火花探测消除装置。",
                refs=(l10("第十一条", "八", "未设杂物去除装置，或砂光机风管未设火花探测消除装置"),),
                **{"department": "emergency", "hazard_type": "dust_explosion", "major": True, **_QUARTERLY},
            ),
            item(
                "遇湿自燃金属粉尘",
                "遇湿自燃金属粉尘的收集、堆放、储存场所采取通风等防止氢气积聚措施。",
                refs=(l10("第十一条", "九", "未采取防止氢气积聚措施"),),
                **{"department": "emergency", "hazard_type": "dust_explosion", "major": True, **_QUARTERLY},
            ),
            item(
                "粉尘清理",
                "落实粉尘清理制度，作业现场、设备和建筑构件表面无严重积尘。",
                refs=(l10("第十一条", "十", "未落实粉尘清理制度，作业现场积尘严重"),),
                **{
                    "department": "emergency",
                    "hazard_type": "dust_explosion",
                    "category": "management_defect",
                    "major": True,
                    "photo": True,
                    **_MONTHLY,
                },
            ),
            _TRAINING,
        ],
    },
    {
        "lineage": "confined-space",
        "name": "有限空间作业安全检查清单",
        "place_kinds": ["ind_dyeing"],
        "source_note": "应急管理部令第10号第十三条（存在硫化氢、一氧化碳等中毒风险的有限空间作业，rules.md §3.1）；印染企业污水池、集水井为典型有限空间。",
        "items": [
            item(
                "有限空间辨识与台账",
                "对有限空间进行辨识，建立安全管理台账，并在入口设置明显的安全警示标志。",
                refs=(l10("第十三条", "一", "未辨识、未建台账且未设置明显安全警示标志"),),
                **{
                    "department": "emergency",
                    "hazard_type": "confined_space",
                    "category": "management_defect",
                    "major": True,
                    "photo": True,
                    **_QUARTERLY,
                },
            ),
            item(
                "作业审批与“先通风、再检测、后作业”",
                "有限空间作业经审批；执行“先通风、再检测、后作业”；作业现场设监护人员。",
                refs=(l10("第十三条", "二", "未审批，或未执行先通风再检测后作业，或未设监护人员"),),
                **{
                    "department": "emergency",
                    "hazard_type": "confined_space",
                    "category": "unsafe_act",
                    "major": True,
                    **_QUARTERLY,
                },
            ),
            item(
                "检测与防护装备",
                "配备气体检测报警仪、通风设备、正压式空气呼吸器、安全绳等并能正常使用。",
                refs=(l10("第十四条", "", "监测报警、防护设施失效"),),
                **{"department": "emergency", "hazard_type": "confined_space", "major": True, **_QUARTERLY},
            ),
            item(
                "应急救援",
                "制定有限空间事故应急处置方案并演练，严禁盲目施救。",
                **{
                    "department": "emergency",
                    "hazard_type": "confined_space",
                    "category": "management_defect",
                    **_HALF_YEAR,
                },
            ),
            _TRAINING,
        ],
    },
    {
        "lineage": "ammonia-refrigeration",
        "name": "涉氨制冷企业安全检查清单",
        "place_kinds": ["ind_seafood"],
        "source_note": "应急管理部令第10号第十二条（使用液氨制冷的工贸企业，rules.md §3.1）；水产品加工冷库重点。",
        "items": [
            item(
                "氨直接蒸发制冷",
                "包装、分割、产品整理场所的空调系统不采用氨直接蒸发制冷。",
                refs=(l10("第十二条", "一", "包装、分割、产品整理场所空调系统采用氨直接蒸发制冷"),),
                **{"department": "emergency", "hazard_type": "hazardous_chemicals", "major": True, **_QUARTERLY},
            ),
            item(
                "快速冻结装置作业间",
                "快速冻结装置设在单独的作业间内，作业间内作业人员不超过 9 人。",
                refs=(l10("第十二条", "二", "快速冻结装置未单独设置，或作业间内作业人员超过 9 人"),),
                **{
                    "department": "emergency",
                    "hazard_type": "hazardous_chemicals",
                    "category": "unsafe_act",
                    "major": True,
                    "photo": True,
                    **_MONTHLY,
                },
            ),
            item(
                "氨泄漏报警与事故排风",
                "氨气浓度报警装置完好，与事故排风机联锁；紧急切断装置能正常动作。",
                refs=(l10("第十四条", "", "监测报警、防护设施失效"),),
                **{"department": "emergency", "hazard_type": "hazardous_chemicals", "major": True, **_MONTHLY},
            ),
            item(
                "应急器材",
                "配备正压式空气呼吸器、防化服、应急喷淋洗眼器，人员会使用。",
                **{
                    "department": "emergency",
                    "hazard_type": "hazardous_chemicals",
                    "category": "management_defect",
                    **_QUARTERLY,
                },
            ),
            _THREE_IN_ONE,
            _TRAINING,
        ],
    },
    {
        "lineage": "hazchem",
        "name": "危险化学品单位安全检查清单",
        "place_category": "hazchem",
        "source_note": "危险化学品生产、储存、经营单位及加油加气站、液化石油气站通用检查要点；令第10号不适用（其第二条）。",
        "items": [
            item(
                "安全许可",
                "危险化学品安全生产（经营）许可证在有效期内，经营范围与实际一致。",
                **{
                    "department": "emergency",
                    "hazard_type": "hazardous_chemicals",
                    "category": "management_defect",
                    **_HALF_YEAR,
                },
            ),
            item(
                "选址与防火间距",
                "易燃易爆危险品场所未与人员密集场所、居住场所设在同一建筑内，防火间距不小于规范值的 75%。",
                refs=(
                    gb("6.1", "易燃易爆危险品工厂、仓库未设置在城市边缘或相对独立的安全地带"),
                    gb("6.2", "与人员密集场所、居住场所同一建筑或间距不足 75%"),
                ),
                **{"department": "emergency", "hazard_type": "hazardous_chemicals", "major": True, **_HALF_YEAR},
            ),
            item(
                "储罐区设施",
                "易燃可燃液体、可燃气体储罐（区）按规范设置固定灭火、冷却、可燃气体浓度报警和火灾报警设施。",
                refs=(gb("6.7", "储罐区未设置固定灭火、冷却、可燃气体浓度报警、火灾报警设施"),),
                **{"department": "emergency", "hazard_type": "hazardous_chemicals", "major": True, **_QUARTERLY},
            ),
            item(
                "加油加气站储量",
                "城市建成区内的加油加气站储量未达到或超过 GB 50156 一级站规定。",
                refs=(gb("6.3", "城市建成区内加油加气站储量达到或超过一级站"),),
                **{"department": "emergency", "hazard_type": "hazardous_chemicals", "major": True, **_HALF_YEAR},
            ),
            item(
                "储存管理",
                "专用仓库储存，分类分区、禁忌物料分开存放，不超量储存；甲、乙类物品不在地下或半地下室储存。",
                refs=(gb("6.4", "甲、乙类生产场所和仓库设置在地下室或半地下室"),),
                **{
                    "department": "emergency",
                    "hazard_type": "hazardous_chemicals",
                    "major": True,
                    "photo": True,
                    **_MONTHLY,
                },
            ),
            item(
                "防爆电气与泄压",
                "爆炸危险场所使用防爆电气设备，泄压设施完好有效。",
                refs=(gb("7.9", "未按规定设置防爆电气设备和泄压设施，或失效"),),
                **{"department": "emergency", "hazard_type": "hazardous_chemicals", **_QUARTERLY},
            ),
            item(
                "重大危险源监控",
                "构成重大危险源的已备案，液位、温度、压力、可燃有毒气体监测报警系统正常投用。",
                **{
                    "department": "emergency",
                    "hazard_type": "hazardous_chemicals",
                    "category": "management_defect",
                    **_MONTHLY,
                },
            ),
            item(
                "应急预案与演练",
                "编制应急预案并备案，按规定组织演练，应急物资齐全。",
                **{
                    "department": "emergency",
                    "hazard_type": "hazardous_chemicals",
                    "category": "management_defect",
                    **_HALF_YEAR,
                },
            ),
        ],
    },
    {
        "lineage": "construction-site",
        "name": "建设施工现场安全检查清单",
        "place_category": "construction",
        "source_note": "在建工地基本安全要求：人员持证、临边洞口、脚手架、起重机械、临时用电、动火和防汛防台。",
        "items": [
            item(
                "三类人员与特种作业持证",
                "项目负责人、专职安全员持安全生产考核合格证；电工、焊工、起重司机等持证上岗。",
                **{"department": "housing", "hazard_type": "construction", "category": "management_defect", **_MONTHLY},
            ),
            item(
                "临边洞口防护",
                "楼层临边、洞口、电梯井口设置防护栏杆或盖板，设置安全网。",
                **{"department": "housing", "hazard_type": "construction", "photo": True, **_WEEKLY},
            ),
            item(
                "脚手架与模板支撑",
                "脚手架、高大模板支撑按专项方案搭设并经验收，连墙件、剪刀撑齐全。",
                **{"department": "housing", "hazard_type": "construction", "photo": True, **_WEEKLY},
            ),
            item(
                "起重机械",
                "塔吊、施工升降机经检验合格并办理使用登记，限位保险装置有效。",
                **{"department": "housing", "hazard_type": "special_equipment", **_MONTHLY},
            ),
            item(
                "临时用电",
                "采用三级配电、两级漏电保护，配电箱“一机一闸一漏”，线路无拖地浸水。",
                **{"department": "housing", "hazard_type": "electrical", **_WEEKLY},
            ),
            item(
                "动火作业与工地消防",
                "动火作业审批并有人监护；工地配置灭火器、临时消防给水；宿舍不采用易燃可燃芯材彩钢板。",
                refs=(gb("6.10", "居住场所采用芯材低于 A 级的彩钢夹芯板搭建"),),
                **{"department": "housing", "hazard_type": "fire", **_MONTHLY},
            ),
            item(
                "防汛防台",
                "台风、暴雨前加固或降下塔吊、拆除高空广告围挡，基坑排水畅通，人员按要求撤离工棚。",
                department="housing",
                hazard_type="flood",
                category="management_defect",
                frequency="汛期前及预警发布时",
            ),
        ],
    },
    {
        "lineage": "grid-patrol",
        "name": "网格员日常巡查清单",
        "is_generic": True,
        "source_note": "网格员巡查通用清单：没有更具体的清单时使用；发现问题一键上报隐患。",
        "items": [
            item(
                "消防车道与疏散通道",
                "消防车道、楼道、安全出口无堆物、无占用、无上锁。",
                refs=(XFF_28,),
                **{"level": "village", "photo": True, **_WEEKLY},
            ),
            item(
                "电动自行车",
                "无电动自行车进楼入户、楼道停放或“飞线”充电。",
                **{"level": "village", "category": "unsafe_act", "photo": True, **_WEEKLY},
            ),
            item(
                "“三合一”与违规住人",
                "沿街店铺、作坊、仓库无违规住人。",
                refs=(gb("7.1.3", "在厂房、库房、商场中设置员工宿舍"),),
                **{"level": "village", "photo": True, **_WEEKLY},
            ),
            item(
                "燃气钢瓶",
                "餐饮店、出租房液化气钢瓶不超量、无私自充装倒灌、无地下室使用。",
                **{"level": "village", "department": "housing", "hazard_type": "gas", **_WEEKLY},
            ),
            item(
                "房屋安全",
                "房屋、围墙无明显开裂、倾斜；无正在违规加层、拆改承重墙。",
                **{"level": "village", "department": "housing", "hazard_type": "structural", "photo": True, **_WEEKLY},
            ),
            item(
                "防汛防台与地质灾害",
                "低洼易涝点、危墙、高空广告牌、山塘水库、地质灾害隐患点无异常变化。",
                **{"level": "village", "department": "emergency", "hazard_type": "flood", "photo": True, **_WEEKLY},
            ),
            item(
                "野外用火",
                "林区、山边无野外焚烧、上坟烧纸等违规用火。",
                **{
                    "level": "village",
                    "department": "natural_resources",
                    "hazard_type": "forest_fire",
                    "category": "unsafe_act",
                    **_WEEKLY,
                },
            ),
        ],
    },
]
