"""Vocabularies of the teams app: kinds, statuses (with label and colour), roles, vehicles.

The default capability list and the default standards are starting data loaded by a
data migration; a county edits them (Capability.CONFIGURE_RULES). See docs/teams.md for
where each default number comes from and which ones are assumptions.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamKind(models.TextChoices):
    FIRE_BRIGADE = "fire_brigade", _("专职消防队")
    GOVERNMENT_FIRE_BRIGADE = "gov_fire_brigade", _("政府专职消防队")
    MICRO_FIRE_STATION = "micro_fire_station", _("微型消防站")
    VILLAGE_SHOCK_TEAM = "village_shock_team", _("村(社区)应急突击队")
    COMPREHENSIVE_RESCUE = "comprehensive_rescue", _("综合应急救援队")
    ENTERPRISE_RESCUE = "enterprise_rescue", _("企业专职救援队")
    MILITIA = "militia", _("民兵应急分队")
    VOLUNTEER = "volunteer", _("社会救援力量/志愿者")
    FOREST_FIRE = "forest_fire", _("森林防灭火队")


# Map colour per kind (the one map draws teams as coloured dots).
KIND_COLOURS: dict[str, str] = {
    TeamKind.FIRE_BRIGADE: "#c8281e",
    TeamKind.GOVERNMENT_FIRE_BRIGADE: "#9c1c14",
    TeamKind.MICRO_FIRE_STATION: "#e65100",
    TeamKind.VILLAGE_SHOCK_TEAM: "#1f5fa8",
    TeamKind.COMPREHENSIVE_RESCUE: "#6a1b9a",
    TeamKind.ENTERPRISE_RESCUE: "#00838f",
    TeamKind.MILITIA: "#33691e",
    TeamKind.VOLUNTEER: "#ad1457",
    TeamKind.FOREST_FIRE: "#2e7d32",
}


class TeamStatus(models.TextChoices):
    AVAILABLE = "available", _("可调派")
    ON_TASK = "on_task", _("执行任务中")
    UNAVAILABLE = "unavailable", _("不可调派")


STATUS_COLOURS: dict[str, str] = {
    TeamStatus.AVAILABLE: "#2e7d32",
    TeamStatus.ON_TASK: "#e08a00",
    TeamStatus.UNAVAILABLE: "#757575",
}
# badge class of base.css per status
STATUS_BADGES: dict[str, str] = {
    TeamStatus.AVAILABLE: "badge-ok",
    TeamStatus.ON_TASK: "badge-warn",
    TeamStatus.UNAVAILABLE: "badge-muted",
}


class MemberRole(models.TextChoices):
    CAPTAIN = "captain", _("队长")
    VICE_CAPTAIN = "vice_captain", _("副队长")
    MEMBER = "member", _("队员")
    DRIVER = "driver", _("驾驶员")
    RADIO = "radio", _("通讯员")


ROLE_ORDER: dict[str, int] = {role: index for index, role in enumerate(MemberRole.values)}


class VehicleKind(models.TextChoices):
    WATER_TENDER = "water_tender", _("水罐消防车")
    RESCUE_TRUCK = "rescue_truck", _("抢险救援车")
    FOAM_TENDER = "foam_tender", _("泡沫消防车")
    PATROL = "patrol", _("巡逻车")
    MOTORCYCLE = "motorcycle", _("消防摩托车")
    ASSAULT_BOAT = "assault_boat", _("冲锋舟")
    AMBULANCE = "ambulance", _("救护车")
    TRANSPORT = "transport", _("运输车")
    OTHER = "other", _("其他")


class VehicleStatus(models.TextChoices):
    READY = "ready", _("完好在位")
    ON_TASK = "on_task", _("出动中")
    REPAIR = "repair", _("维修保养")
    RETIRED = "retired", _("报废停用")


class CertificateState(models.TextChoices):
    VALID = "valid", _("有效")
    EXPIRING = "expiring", _("即将到期")
    EXPIRED = "expired", _("已过期")
    NO_EXPIRY = "no_expiry", _("长期有效")


CERTIFICATE_WARNING_DAYS = 30

# (code, name) of the starting capability vocabulary.
DEFAULT_CAPABILITIES: list[tuple[str, str]] = [
    ("firefighting", "灭火"),
    ("water_rescue", "水域救援"),
    ("demolition", "破拆"),
    ("hazmat", "危化"),
    ("mountain", "山岳"),
    ("medical", "医疗"),
    ("forest_fire", "森林灭火"),
    ("drainage", "排涝"),
    ("high_angle", "高空救援"),
    ("evacuation", "转移安置"),
    ("typhoon", "防台抢险"),
    ("search", "搜救"),
]


# Default standards per kind. Numbers marked [假设] in `basis` are assumptions recorded in
# docs/teams.md; a county replaces them with its own issuing document (文号).
DEFAULT_STANDARDS: list[dict[str, Any]] = [
    {
        "kind": TeamKind.MICRO_FIRE_STATION,
        "name": "社区(村)微型消防站",
        "min_members": 6,
        "min_on_duty": 2,
        "required_capabilities": ["灭火"],
        "required_certificates": [],
        "required_vehicles": [],
        "required_equipment": [
            {"name": "灭火器", "quantity": 10},
            {"name": "水枪", "quantity": 2},
            {"name": "水带", "quantity": 4},
            {"name": "消防头盔", "quantity": 6},
            {"name": "灭火防护服", "quantity": 6},
        ],
        "basis": "参照公安部消防局《社区微型消防站建设标准(试行)》(公消〔2015〕301号)：“3分钟到场”扑救初起火灾、"
        "24小时有人值守。人数不少于6人、在岗不少于2人、器材数量为[假设]，请按本地文件调整。",
    },
    {
        "kind": TeamKind.VILLAGE_SHOCK_TEAM,
        "name": "村(社区)应急突击队",
        "min_members": 10,
        "min_on_duty": 2,
        "required_capabilities": ["转移安置", "排涝"],
        "required_certificates": [],
        "required_vehicles": [],
        "required_equipment": [
            {"name": "救生衣", "quantity": 10},
            {"name": "手持扩音器", "quantity": 1},
            {"name": "安全头盔", "quantity": 10},
        ],
        "basis": "路桥区实施意见(种子000)：组织党员干部建立村(社区)应急突击队，遇突发险情第一时间开展应急处突；"
        "“3+4+X”装备到村。人数、能力和器材数量为[假设]。",
    },
    {
        "kind": TeamKind.FIRE_BRIGADE,
        "name": "乡镇(街道)专职消防队",
        "min_members": 15,
        "min_on_duty": 6,
        "required_capabilities": ["灭火", "破拆"],
        "required_certificates": [{"name": "消防员职业资格证书", "count": 3}],
        "required_vehicles": [{"kind": VehicleKind.WATER_TENDER, "count": 1}],
        "required_equipment": [
            {"name": "空气呼吸器", "quantity": 6},
            {"name": "灭火防护服", "quantity": 15},
        ],
        "basis": "种子000：专职消防队建设达标率100%；种子001：强化危化品处置能力、一队多能。人数15、在岗6参照"
        "《乡镇消防队》(GB/T 35547-2017)一级专职消防队的量级，为[假设]，请以本地达标文件为准。",
    },
    {
        "kind": TeamKind.GOVERNMENT_FIRE_BRIGADE,
        "name": "政府专职消防队",
        "min_members": 15,
        "min_on_duty": 6,
        "required_capabilities": ["灭火", "破拆"],
        "required_certificates": [{"name": "消防员职业资格证书", "count": 3}],
        "required_vehicles": [{"kind": VehicleKind.WATER_TENDER, "count": 1}],
        "required_equipment": [
            {"name": "空气呼吸器", "quantity": 6},
            {"name": "灭火防护服", "quantity": 15},
        ],
        "basis": "同“乡镇(街道)专职消防队”，数量为[假设]。",
    },
]
