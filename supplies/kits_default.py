"""The default village kit, taken word for word from seed 000 (浙江, 路桥区 实施意见, 六(二)):

“全面推进村(社区)应急装备“3+4+X”标准配备，实现卫星电话、小型发电机、带动力排水泵等
“三大件”和头盔、电筒、防雨护具、救生衣等“四小件”及微型消防站器材、手持扩音器等配备到
每个村(社区)。”

The seed names the items but no quantities, so each item asks for 1 until the county sets
its own numbers on the kit template page. Keywords add the usual ledger wordings of the
same thing (强光手电 for 电筒, 抽水泵 for 带动力排水泵 …) so existing ledgers match.
"""

from __future__ import annotations

KIT_CODE = "zj-village-3-4-x"
KIT_NAME = "浙江村级3+4+X"
KIT_SOURCE = (
    "《关于进一步加强基层应急消防治理体系建设的指导意见》（浙委办发〔2023〕63号）落实文件："
    "全面推进村(社区)应急装备“3+4+X”标准配备，实现卫星电话、小型发电机、带动力排水泵等“三大件”"
    "和头盔、电筒、防雨护具、救生衣等“四小件”及微型消防站器材、手持扩音器等配备到每个村(社区)。"
)

# (group, name, item_code, category code, keywords, required quantity, expiry matters)
KIT_ITEMS: list[tuple[str, str, str, str, str, int, bool]] = [
    ("三大件", "卫星电话", "satellite_phone", "communication", "卫星电话", 1, False),
    ("三大件", "小型发电机", "small_generator", "power", "发电机", 1, False),
    ("三大件", "带动力排水泵", "powered_pump", "flood", "排水泵、抽水泵、水泵", 1, False),
    ("四小件", "头盔", "helmet", "protection", "头盔、安全帽", 1, True),
    ("四小件", "电筒", "flashlight", "lighting", "电筒、手电", 1, False),
    ("四小件", "防雨护具", "rain_gear", "protection", "雨衣、雨靴、雨具、防雨", 1, False),
    ("四小件", "救生衣", "life_jacket", "lifesaving", "救生衣", 1, True),
    ("X", "微型消防站器材", "micro_station_kit", "fire", "灭火器、消防水带、微型消防站", 1, True),
    ("X", "手持扩音器", "megaphone", "communication", "扩音器、喊话器", 1, False),
]
