"""Version 1 of the scoring model and the default inspection policies.

The values are frozen here (not imported from app code) so this migration always loads the
same defaults; `docs/risk.md` explains each one and its source.
"""

from decimal import Decimal

from django.db import migrations

THRESHOLDS = {"major_min": Decimal("60"), "large_min": Decimal("35"), "general_min": Decimal("15")}

S32 = "rules.md §3.2 消防安全重点单位类别"
S42 = "rules.md §4.2 九小场所界定阈值"
S44 = "rules.md §4.4 消防法第七十三条"
SEED001 = "seed 001 风险等级管控清单（危化、人员密集、出租房、建设施工）"
LOCAL = "本平台默认值，见 docs/risk.md"

# (code, name, side, rule, params, points, max_points, min_grade, source)
FACTORS = [
    # 固有风险: what the place is.
    ("cat_hazchem", "危险化学品单位", "inherent", "kind_category", {"categories": ["hazchem"]}, "30", None, "large",
     "rules.md §3.2 易燃易爆单位；" + SEED001),
    ("cat_industrial", "工业企业", "inherent", "kind_category", {"categories": ["industrial"]}, "10", None, "",
     "seed 001 工矿商贸重点领域"),
    ("cat_small_place", "九小场所", "inherent", "kind_category", {"categories": ["small_place"]}, "5", None, "", S42),
    ("cat_rental", "居住出租房", "inherent", "kind_category", {"categories": ["rental_house"]}, "5", None, "", SEED001),
    ("cat_self_built", "经营性自建房", "inherent", "kind_category", {"categories": ["self_built"]}, "8", None, "", LOCAL),
    ("cat_construction", "在建工地", "inherent", "kind_category", {"categories": ["construction"]}, "10", None, "",
     SEED001),
    ("cat_crowded", "人员密集/公众聚集场所", "inherent", "kind_category",
     {"categories": ["crowded", "public_gathering"]}, "5", None, "", S44),
    ("cat_elderly", "养老机构", "inherent", "kind_category", {"categories": ["elderly_care"]}, "20", None, "",
     S32 + "（养老院）"),
    ("cat_school_clinic", "学校、医疗机构", "inherent", "kind_category", {"categories": ["school", "clinic"]}, "12",
     None, "", S32 + "（医院、寄宿制学校）"),
    ("cat_farmstay", "农家乐（民宿）", "inherent", "kind_category", {"categories": ["farmstay"]}, "8", None, "", LOCAL),
    ("cat_warehouse", "仓库", "inherent", "kind_category", {"categories": ["warehouse"]}, "10", None, "",
     S32 + "（大型物资仓库和堆场）"),
    ("cat_mixed_use", "多业态混合/三合一场所", "inherent", "kind_category", {"categories": ["mixed_use"]}, "20", None,
     "", "浙江省消防条例 第九条（三）住宿与生产储存经营合用场所"),
    ("kind_crowded", "属人员密集场所", "inherent", "kind_flag", {"flag": "is_crowded"}, "10", None, "", S44),
    ("kind_gathering", "属公众聚集场所", "inherent", "kind_flag", {"flag": "is_public_gathering"}, "5", None, "", S44),
    ("key_unit", "消防安全重点单位", "inherent", "place_flag", {"flag": "is_key_unit"}, "15", None, "general",
     "消防法第十七条；rules.md §3.2"),
    ("hazardous_goods", "涉及危险化学品/易燃易爆物品", "inherent", "place_flag", {"flag": "stores_hazardous_goods"},
     "15", None, "", "rules.md §3.2 易燃易爆"),
    ("dormitory", "设有员工宿舍", "inherent", "place_flag", {"flag": "has_dormitory"}, "8", None, "",
     "rules.md §4.2 生产加工（集体宿舍）；§3.1 第十一条（一）"),
    ("area_300", "建筑面积 300–1000㎡", "inherent", "numeric_band", {"field": "floor_area", "min": 300, "max": 1000},
     "3", None, "", S42 + "（小商场 300㎡）"),
    ("area_1000", "建筑面积 1000–5000㎡", "inherent", "numeric_band", {"field": "floor_area", "min": 1000, "max": 5000},
     "6", None, "", S32 + "（商场 ≥1000㎡）"),
    ("area_5000", "建筑面积 ≥5000㎡", "inherent", "numeric_band", {"field": "floor_area", "min": 5000}, "10", None, "",
     LOCAL),
    ("height_24", "建筑高度 >24m（高层）", "inherent", "numeric_band",
     {"field": "building_height", "min": 24, "min_exclusive": True, "max": 50}, "8", None, "",
     "GB 50016 高层建筑 >24m；rules.md §3.2（高层公共建筑）"),
    ("height_50", "建筑高度 >50m", "inherent", "numeric_band",
     {"field": "building_height", "min": 50, "min_exclusive": True}, "15", None, "", "GB 50016 一类高层 >50m"),
    ("floors_4", "4 层及以上", "inherent", "numeric_band", {"field": "floors", "min": 4}, "3", None, "",
     "rules.md §4.2 公共娱乐场所限 1–3 层"),
    ("employees_50", "从业人员 50–300 人", "inherent", "numeric_band", {"field": "employees", "min": 50, "max": 300},
     "4", None, "", S42 + "（生产加工 50 人）"),
    ("employees_300", "从业人员 ≥300 人", "inherent", "numeric_band", {"field": "employees", "min": 300}, "8", None,
     "", "rules.md §3.2 劳动密集型企业（阈值未检索到，本平台取 300）"),
    ("beds_30", "床位 30–50 张", "inherent", "numeric_band", {"field": "beds", "min": 30, "max": 50}, "4", None, "",
     S42 + "（医疗、养老 30 张）"),
    ("beds_50", "床位 ≥50 张", "inherent", "numeric_band", {"field": "beds", "min": 50}, "8", None, "",
     S32 + "（医院、养老院 ≥50 床）"),
    ("rooms_50", "客房 ≥50 间", "inherent", "numeric_band", {"field": "rooms", "min": 50}, "6", None, "",
     S32 + "（宾馆 ≥50 间）"),
    ("seats_100", "餐位 ≥100 个", "inherent", "numeric_band", {"field": "seats", "min": 100}, "4", None, "",
     S42 + "（小饭店 100 人）"),
    # 动态监管: what has happened lately.
    ("major_hazard", "存在未整改重大隐患", "dynamic", "signal_active", {"kind": "hazard_open", "severity": "major"},
     "40", "40", "major", "GB 35181；应急管理部令第10号（重大事故隐患）；rules.md §2–3"),
    ("open_hazards", "未整改一般隐患", "dynamic", "signal_active", {"kind": "hazard_open", "severity": "general"}, "5",
     "20", "", "seed 000 隐患闭环整改"),
    ("overdue_hazards", "逾期未整改隐患", "dynamic", "signal_active", {"kind": "hazard_overdue"}, "8", "24", "",
     "seed 001 动态监管库（重大问题整改情况）"),
    ("alarms_90d", "近 90 日报警", "dynamic", "signal_recent", {"kind": "alarm", "days": 90}, "2", "10", "",
     "seed 001 感知网；" + LOCAL),
    ("inspection_failed", "检查不合格未复查", "dynamic", "signal_active", {"kind": "inspection_failed"}, "10", "10",
     "", "seed 001 动态监管库（监督检查情况）"),
    ("accidents_12m", "近 12 个月发生事故", "dynamic", "signal_recent", {"kind": "accident", "days": 365}, "15", "30",
     "", "seed 000 事故预警；" + LOCAL),
    ("self_overdue", "单位自查逾期", "dynamic", "inspection_overdue", {"which": "self"}, "3", None, "",
     "rules.md §6.1 61号令第二十六条"),
    ("supervision_overdue", "监督检查逾期", "dynamic", "inspection_overdue", {"which": "supervision"}, "5", None, "",
     "rules.md §6.1 120号令第七条"),
    ("recent_pass", "近一年监督检查合格", "dynamic", "inspection_recent_pass", {"which": "supervision", "days": 365},
     "-5", None, "", LOCAL),
]

# grade: (self-inspection days, supervision days, source)
POLICIES = {
    "major": (7, 30, "自查：每周（严于61号令每月）；监督：每月。seed 000 分级明确频次；本平台默认值"),
    "large": (15, 90, "自查：每半月；监督：每季度。seed 000 分级明确频次；本平台默认值"),
    "general": (30, 180, "自查：每月（61号令第二十六条）；监督：每半年（本平台默认值）"),
    "low": (30, 365, "自查：每月（61号令第二十六条）；监督：每年（120号令第七条、NFPA 1730 年度下限）"),
}


def load(apps, schema_editor):
    RiskModel = apps.get_model("risk", "RiskModel")
    RiskFactor = apps.get_model("risk", "RiskFactor")
    InspectionPolicy = apps.get_model("risk", "InspectionPolicy")
    model = RiskModel.objects.create(version=1, note="默认模型（随系统发布）", **THRESHOLDS)
    RiskFactor.objects.bulk_create(
        RiskFactor(
            model=model,
            code=code,
            name=name,
            side=side,
            rule=rule,
            params=params,
            points=Decimal(points),
            max_points=Decimal(cap) if cap is not None else None,
            min_grade=min_grade,
            source=source,
            sort_order=index * 10,
        )
        for index, (code, name, side, rule, params, points, cap, min_grade, source) in enumerate(FACTORS)
    )
    InspectionPolicy.objects.bulk_create(
        InspectionPolicy(grade=grade, self_interval_days=own, supervision_interval_days=sup, source=source)
        for grade, (own, sup, source) in POLICIES.items()
    )


def unload(apps, schema_editor):
    apps.get_model("risk", "InspectionPolicy").objects.filter(kind__isnull=True).delete()
    apps.get_model("risk", "RiskModel").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
