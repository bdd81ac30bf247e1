"""Demo step: one local list of 丹东街道, with a superseded first version, to show local precedence and history.

The county-wide defaults come from migration 0002; this adds what only a township would
write: a 农家乐（民宿） list for the typhoon season, revised once (version 2 adds an item).
"""

from __future__ import annotations

import datetime

from accounts.models import User
from checklists import actions
from checklists.models import Checklist
from demo.constants import TOWNSHIP_A
from demo.context import DemoContext
from demo.registry import demo_step

LINEAGE = "dandong-farmstay"


@demo_step(order=780, label="检查清单（乡镇本地清单）")
def seed_checklists(ctx: DemoContext) -> str:
    if Checklist.unscoped.filter(lineage=LINEAGE).exists():
        return "本地清单已存在"
    admin = User.unscoped.filter(username="township_admin").first()
    if admin is None:
        return "无乡镇管理员账号，跳过"
    first = actions.create_checklist(
        by=admin,
        jurisdiction=ctx.node(TOWNSHIP_A),
        lineage=LINEAGE,
        name="丹东街道农家乐（民宿）安全检查清单",
        place_kinds=["farmstay"],
        effective_from=datetime.date(2025, 1, 1),
        source_note="街道结合台风季特点制定，优先于全县通用的出租房、自建房清单。",
    )
    items = [
        ("疏散与逃生", "每层客房有两个疏散方向或逃生窗，防盗网设逃生口，走道无堆物。", "fire", "township"),
        ("独立式烟感", "每间客房安装独立式感烟火灾探测报警器，测试能报警。", "fire", "township"),
        ("燃气厨房", "厨房液化气钢瓶不超过 2 瓶，安装燃气泄漏报警和切断装置。", "gas", "township"),
        ("房屋结构", "自建房经安全鉴定，未擅自加层；露台、外挑构件牢固。", "structural", "village"),
    ]
    for matter, content, hazard_type, level in items:
        actions.add_item(
            first,
            by=admin,
            matter=matter,
            content=content,
            hazard_type=hazard_type,
            level=level,
            frequency="每季度一次",
            frequency_days=90,
        )
    actions.publish(first, admin)
    second = actions.new_version(first, admin)
    actions.add_item(
        second,
        by=admin,
        matter="台风前准备",
        content="台风预警发布后暂停接待临海、低洼客房，加固招牌和户外设施，游客名单报村（社区）。",
        hazard_type="flood",
        level="village",
        category="management_defect",
        frequency="台风预警发布时",
    )
    actions.publish(second, admin, effective_from=datetime.date(2026, 1, 1))
    return "丹东街道农家乐清单 2 个版本"
