"""Demo step: a lifted typhoon warning from last summer and an active rainstorm warning in township A."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from demo.constants import TOWNSHIP_A
from demo.context import DemoContext
from demo.registry import demo_step
from earlywarning import actions
from earlywarning.cap import build_cap
from earlywarning.choices import MessageType, State
from earlywarning.models import EarlyWarning, WarningKind, WarningMessage, WarningRecipient
from earlywarning.recipients import resolve
from jurisdictions.choices import Level

ACKNOWLEDGED_SHARE = 0.6


def _last_summer() -> datetime:
    today = timezone.localdate()
    year = today.year if today.month >= 9 else today.year - 1
    return datetime(year, 8, 2, 16, 0, tzinfo=timezone.get_current_timezone())


def _typhoon(ctx: DemoContext) -> EarlyWarning:
    """Recorded as history (no deliveries are sent for the past): alert, upgrade, lifting."""
    county = ctx.nodes(Level.COUNTY)[0]
    townships = [n for n in ctx.nodes(Level.TOWNSHIP) if n.kind != "street"][:3] or ctx.nodes(Level.TOWNSHIP)[:1]
    issued = _last_summer()
    warning = EarlyWarning.objects.create(
        jurisdiction=county,
        kind=WarningKind.objects.get(code="typhoon"),
        level="yellow",
        title="台风“卡努”黄色预警",
        area_description="、".join(n.name for n in townships) + "沿海",
        starts_at=issued,
        ends_at=issued + timedelta(hours=48),
        watch_for="受台风影响，24 小时内沿海平均风力可达 8 级以上、阵风 10 级，并伴有暴雨和风暴潮",
        measures="渔船回港避风，海上作业人员上岸；加固临时构筑物；危旧房、低洼地人员按预案转移",
        issuing_unit=f"{county.name}防汛防台抗旱指挥部办公室",
        issued_at=issued,
        state=State.ISSUED,
        policy_code="yellow",
    )
    warning.area_nodes.set(townships)
    resolution = resolve(warning, townships)
    WarningRecipient.objects.bulk_create(resolution.rows, batch_size=1000)
    steps = [
        (MessageType.ALERT, issued, "yellow", State.ISSUED),
        (MessageType.UPDATE, issued + timedelta(hours=10), "orange", State.UPDATED),
        (MessageType.LIFT, issued + timedelta(hours=40), "orange", State.LIFTED),
    ]
    earlier: list[WarningMessage] = []
    for sequence, (msg_type, at, level, state) in enumerate(steps, start=1):
        warning.level, warning.state, warning.sequence = level, state, sequence
        if msg_type == MessageType.LIFT:
            warning.lifted_at = at
        warning.save()
        message = WarningMessage.objects.create(
            warning=warning,
            sequence=sequence,
            msg_type=msg_type,
            summary=actions._message_body(warning, msg_type),
            cap_xml=build_cap(warning, msg_type=msg_type, sequence=sequence, sent=at, earlier=earlier, area_nodes=townships),
            created_at=at,
        )
        earlier.append(message)
    return warning


def _rainstorm(ctx: DemoContext) -> tuple[EarlyWarning, int]:
    """Issued through the real action, so the board shows deliveries; some are acknowledged."""
    from notifications.services import acknowledge

    staff = User.unscoped.get(username="township_staff")
    township = ctx.node(TOWNSHIP_A)
    villages = [n for n in ctx.nodes(Level.VILLAGE) if n.parent_id == township.pk][:2]
    now = timezone.now().replace(second=0, microsecond=0)
    draft = actions.create_draft(
        by=staff,
        jurisdiction=township,
        area_nodes=villages,
        kind=WarningKind.objects.get(code="rainstorm"),
        level="blue",
        title=f"{township.name}暴雨蓝色预警",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=11),
        watch_for="预计 12 小时内降雨量将达 50 毫米以上，低洼地段可能积水",
        measures="巡查低洼易涝点和地下空间，检查排水设施；提醒群众减少外出，做好转移准备",
    )
    warning = actions.issue(draft, by=staff)
    rng = ctx.rng("warnings", "acks")
    from earlywarning.notify import deliveries

    first: dict[str, Any] = {}
    for delivery in deliveries(warning).order_by("id"):
        first.setdefault(delivery.recipient_key, delivery)
    answered = 0
    for delivery in first.values():
        if rng.random() < ACKNOWLEDGED_SHARE:
            acknowledge(delivery, via="app", note="收到，正在落实")
            answered += 1
    return warning, answered


@demo_step(order=550, label="预警")
def seed_warnings(ctx: DemoContext) -> str:
    typhoon = _typhoon(ctx)
    rainstorm, answered = _rainstorm(ctx)
    return (
        f"1 条已解除的台风预警（{typhoon.recipients.count()} 个接收人）、"
        f"1 条生效中的暴雨蓝色预警（{rainstorm.recipients.count()} 个接收人，{answered} 人已叫应）"
    )
