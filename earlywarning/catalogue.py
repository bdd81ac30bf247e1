"""The starting warning catalogue: kinds, their colours over time, whom each kind reaches.

Loaded by a data migration; afterwards the tables are the truth and a county edits them.
Colours follow rules.md §5.2 (《气象灾害预警信号发布与传播办法》, 中国气象局令第16号, in
force 2007-06-12) and the 2013-01-28 haze revision; non-weather kinds use the four levels
of 突发事件应对法 第六十三条.
"""

from __future__ import annotations

from datetime import date

ALL = ["red", "orange", "yellow", "blue"]
NO_BLUE = ["red", "orange", "yellow"]
SIGNALS_SINCE = date(2007, 6, 12)
HAZE_REVISION = date(2013, 1, 28)
LAW_SINCE = date(2007, 11, 1)
SIGNAL_SOURCE = "气象灾害预警信号发布与传播办法（中国气象局令第16号）"
LAW_SOURCE = "突发事件应对法 第六十三条"

WEATHER_RECIPIENTS = ["grid_member", "village_manager", "station_chief", "deputy_responsible"]

# code, name, CMA signal code, colours, default 警示事项, default 措施
WEATHER_SIGNALS: list[tuple[str, str, str, list[str], str, str]] = [
    ("typhoon", "台风", "01", ALL, "台风可能带来大风、暴雨和风暴潮", "加固门窗和临时构筑物，渔船回港避风，危旧房和低洼地人员按预案转移"),
    ("rainstorm", "暴雨", "02", ALL, "短时强降雨可能引发城乡积涝、山洪和地质灾害", "巡查低洼易涝点、山塘水库和地质灾害隐患点，必要时转移危险区域人员"),
    ("blizzard", "暴雪", "03", ALL, "降雪可能造成道路积雪、设施压垮", "清扫积雪，检查大跨度棚房，做好交通和供电保障"),
    ("cold_wave", "寒潮", "04", ALL, "气温骤降并伴有大风", "做好防寒保暖，关注独居老人等弱势群体，防范用火用电安全"),
    ("gale", "大风", "05", ALL, "大风可能吹落高空物体、损坏临时设施", "加固广告牌和临时搭建物，停止高空和水上作业"),
    ("sandstorm", "沙尘暴", "06", NO_BLUE, "能见度降低，空气质量下降", "关闭门窗，减少户外活动，注意交通安全"),
    ("heat", "高温", "07", NO_BLUE, "高温可能引发中暑和用电负荷过高", "调整户外作业时间，防范电气火灾，关注高温下的老人和儿童"),
    ("drought", "干旱", "08", ["red", "orange"], "持续干旱影响生产生活用水", "做好抗旱用水调度，防范森林火灾"),
    ("lightning", "雷电", "09", NO_BLUE, "雷电可能造成人员伤亡和设备损坏", "停止户外作业，远离孤立高大物体，切断室外电器电源"),
    ("hail", "冰雹", "10", ["red", "orange"], "冰雹可能砸伤人员和农作物", "人员进入室内，车辆和设施做好防护"),
    ("frost", "霜冻", "11", ["orange", "yellow", "blue"], "低温霜冻可能危害农作物", "做好农作物防冻措施"),
    ("fog", "大雾", "12", NO_BLUE, "能见度低，交通事故风险加大", "车辆减速慢行，渡口和码头视情况停航"),
    ("haze", "霾", "13", NO_BLUE, "空气质量差，能见度降低", "减少户外活动，停止露天焚烧"),
    ("road_icing", "道路结冰", "14", NO_BLUE, "路面结冰，交通事故风险加大", "做好道路除冰和交通管制，提醒群众减少出行"),
]

# code, name, group, CAP category, recipient position kinds, default 警示事项, default 措施
OTHER_KINDS: list[tuple[str, str, str, str, list[str], str, str]] = [
    ("geological", "地质灾害", "geological", "Geo", ["grid_member", "village_manager", "info_reporter", "station_chief", "deputy_responsible"],
     "崩塌、滑坡、泥石流风险升高", "巡查地质灾害隐患点，危险区域人员提前转移"),
    ("flood", "洪涝灾害", "flood", "Met", ["grid_member", "village_manager", "info_reporter", "station_chief", "deputy_responsible"],
     "河道水位上涨，低洼地区可能受淹", "巡查堤防和山塘水库，低洼地区人员和物资转移"),
    ("forest_fire", "森林火险", "forest_fire", "Fire", ["grid_member", "village_manager", "station_chief"],
     "森林火险等级高，容易发生山火", "严禁野外用火，加强进山路口管控和巡山护林"),
    ("fire_safety", "消防安全", "fire_safety", "Fire", ["village_manager", "station_chief", "station_staff", "enterprise_safety_officer"],
     "火灾风险升高", "开展防火检查，确保消防通道畅通，落实用火用电管理"),
    ("production_safety", "安全生产", "production_safety", "Safety", ["enterprise_safety_officer", "station_chief", "station_staff"],
     "生产安全事故风险升高", "企业开展自查，停止危险作业，落实值班值守"),
    ("other", "其他", "other", "Other", ["village_manager", "station_chief"], "", ""),
]

# Colours that changed: (kind code, colours, valid from, valid until).
REVISIONS: list[tuple[str, list[str], date, date | None]] = [
    ("haze", ["orange", "yellow"], SIGNALS_SINCE, HAZE_REVISION),
    ("haze", NO_BLUE, HAZE_REVISION, None),
]

# Escalation policy per level: the key matches `EscalationPolicy.severity` of a policy with
# topic "warning" (or no topic), the nearest up the tree from the issuing node; editable data.
DEFAULT_LEVEL_POLICIES = {"red": "red", "orange": "orange", "yellow": "yellow", "blue": "blue"}
