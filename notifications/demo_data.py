"""Demo step: default escalation policies of the county and group channels of a few villages.

The group channels point at `.invalid` hosts: the demo sends through the console/outbox
transport, never to a real robot or broadcast system.
"""

from __future__ import annotations

from typing import Any

from demo.constants import COUNTY_CODE
from demo.context import DemoContext
from demo.registry import demo_step
from jurisdictions.choices import Level
from notifications.models import EscalationPolicy, EscalationStep, GroupChannel
from people.models import PositionKind

VILLAGES_WITH_GROUPS_PER_TOWNSHIP = 3

# (name, topic, severity, repeat, final action, steps as (target, position kind, level, channels, wait))
DEFAULT_POLICIES: list[tuple[str, str, str, int, str, list[tuple[str, str, str, list[str], int]]]] = [
    (
        "红色预警叫应",
        "warning",
        "red",
        0,
        "superior_chain",
        [
            ("recipient", "", "", ["sms", "inapp"], 10),
            ("position", "village_manager", "village", ["voice"], 10),
            ("duty_officer", "", "", ["voice", "sms"], 10),
            ("duty_leader", "", "", ["voice"], 10),
        ],
    ),
    (
        "橙色预警叫应",
        "warning",
        "orange",
        1,
        "superior_chain",
        [
            ("recipient", "", "", ["sms", "inapp"], 20),
            ("position", "village_manager", "village", ["sms"], 20),
            ("duty_officer", "", "", ["sms"], 20),
        ],
    ),
    (
        "黄色、蓝色预警通知",
        "warning",
        "",
        0,
        "none",
        [("recipient", "", "", ["sms", "inapp"], 60), ("position", "village_manager", "village", ["sms"], 60)],
    ),
    (
        "隐患整改提醒",
        "hazard.reminder",
        "",
        0,
        "none",
        [("recipient", "", "", ["inapp", "sms"], 24 * 60)],
    ),
    (
        # A hazard red for days: the station's staff and the officer on duty must answer, else
        # the township's leaders are told (the superior chain).
        "隐患逾期升级",
        "hazard.escalation",
        "",
        0,
        "superior_chain",
        [("recipient", "", "", ["inapp", "sms"], 4 * 60), ("duty_leader", "", "", ["sms"], 4 * 60)],
    ),
]


@demo_step(order=500, label="通知升级策略与群组通道")
def seed_notifications(ctx: DemoContext) -> str:
    county = ctx.node(COUNTY_CODE)
    kinds = {kind.code: kind for kind in PositionKind.objects.all()}
    for name, topic, severity, repeat, final, steps in DEFAULT_POLICIES:
        policy = EscalationPolicy.objects.create(
            jurisdiction=county,
            name=name,
            topic=topic,
            severity=severity,
            repeat_count=repeat,
            final_action=final,
            final_wait_minutes=10,
            final_channels=["voice", "sms"],
            note="县级默认策略，乡镇可新建本级策略覆盖",
        )
        EscalationStep.objects.bulk_create(
            [
                EscalationStep(
                    policy=policy,
                    order=order,
                    target_kind=target,
                    position_kind=kinds.get(kind_code) if kind_code else None,
                    level=level,
                    channels=channels,
                    wait_minutes=wait,
                )
                for order, (target, kind_code, level, channels, wait) in enumerate(steps, start=1)
            ]
        )

    rng = ctx.rng("notifications", "groups")
    groups: list[GroupChannel] = []
    villages_by_township: dict[str, list[Any]] = {}
    for village in ctx.nodes(Level.VILLAGE):
        villages_by_township.setdefault(village.parent_code or "", []).append(village)
    for villages in villages_by_township.values():
        for village in villages[:VILLAGES_WITH_GROUPS_PER_TOWNSHIP]:
            token = "".join(rng.choice("0123456789abcdef") for _ in range(16))
            groups.append(
                GroupChannel(
                    jurisdiction=village,
                    jurisdiction_path=village.path,
                    name=f"{village.name}应急工作群（钉钉）",
                    channel="dingtalk",
                    url=f"https://robot.demo.invalid/dingtalk/{village.code}?access_token=demo-{token}",
                    note="演示数据：经控制台通道输出，不会真实发送",
                )
            )
            groups.append(
                GroupChannel(
                    jurisdiction=village,
                    jurisdiction_path=village.path,
                    name=f"{village.name}应急广播",
                    channel="broadcast",
                    url=f"https://broadcast.demo.invalid/{village.code}/cap",
                    note="演示数据：村级应急广播接口（CAP 文本）",
                )
            )
    GroupChannel.objects.bulk_create(groups)
    return f"{len(DEFAULT_POLICIES)} 个升级策略、{len(groups)} 个群组通道"
